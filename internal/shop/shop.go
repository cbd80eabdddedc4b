// Package shop is the handicraft shop of the paired-assistance artisans
// (issue 22): disabled artisans of the district (registered persons) and of
// paired regions such as Chuxiong in Yunnan sell their work online. Staff
// keep the artisans and products (each product's proceeds shared among its
// artisans in basis points), record payment, shipping, delivery and refunds
// of the orders the public places, and each month make a payout roster
// that another member of staff approves; the artisans' income is then
// recorded for the year where they are in the registry.
package shop

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/safetext"
	"sunshine/internal/platform/sms"
)

// Limits of the inputs.
const (
	MaxTitle       = 60
	MaxDescription = 2000
	MaxName        = 40
	MaxCraft       = 40
	MaxStory       = 2000
	MaxAddress     = 200
	MaxReference   = 60
	MaxTracking    = 40
	MaxReason      = 200
	MaxQuery       = 40
	// MaxPrice is the highest price of a product: 1,000,000 yuan.
	MaxPrice = 1_000_000_00
	// MaxStock is the most pieces of one product kept.
	MaxStock = 100_000
	// MaxQuantity is the most pieces of one product in an order.
	MaxQuantity = 100
	// MaxLines is the most products in one order.
	MaxLines = 20
	// MaxArtisans is the most artisans sharing one product.
	MaxArtisans = 6
	// WholeShare is 100% in basis points.
	WholeShare = 10000
	// RetentionDays is how long the buyer's name, phone and address are kept
	// after an order is delivered or refunded.
	RetentionDays = 365
	// PayDays is how long an order waits for its payment: then it is
	// cancelled and its pieces go back into stock.
	PayDays = 7
)

// Word is a code with its Chinese and English names.
type Word struct {
	Code, Zh, En string
}

// In is the word in a language.
func (w Word) In(lang string) string { return apperr.T(w.Zh, w.En).In(lang) }

// WordOf finds a code in a vocabulary (the zero Word when absent).
func WordOf(vocab []Word, code string) Word {
	for _, w := range vocab {
		if w.Code == code {
			return w
		}
	}
	return Word{}
}

// Regions are where artisans live: the home district and the paired regions.
var Regions = []Word{
	{"jiading", "嘉定", "Jiading"},
	{"chuxiong", "楚雄", "Chuxiong"},
	{"other", "其他对口地区", "Other paired region"},
}

// Categories are the kinds of product.
var Categories = []Word{
	{"straw", "黄草编织", "Straw weaving"},
	{"embroidery", "彝绣", "Yi embroidery"},
	{"joint", "联名作品", "Joint works"},
	{"other", "其他手工", "Other handicraft"},
}

// States of an order.
var States = []Word{
	{"new", "待付款", "Awaiting payment"},
	{"paid", "已付款", "Paid"},
	{"shipped", "已发货", "Shipped"},
	{"delivered", "已送达", "Delivered"},
	{"refunded", "已退款", "Refunded"},
}

// Payment methods staff record.
var Methods = []Word{
	{"bank_transfer", "银行转账", "Bank transfer"},
	{"reference", "支付流水号", "Payment reference"},
}

// Bank is where buyers pay by bank transfer (shown on the confirmation).
var Bank = struct{ Payee, PayeeEn, Bank, BankEn, Account string }{
	Payee: "上海市嘉定区残疾人联合会", PayeeEn: "Jiading District Disabled Persons' Federation, Shanghai",
	Bank: "中国工商银行上海嘉定支行", BankEn: "ICBC, Jiading sub-branch, Shanghai", Account: "1001 2345 0900 0000 422",
}

// PaymentProvider is an online payment service the shop could use one day
// (none is integrated: staff record payments by hand). Start opens a
// payment of an order and gives where to send the buyer and the
// provider's reference; Confirm answers the amount the provider says was
// paid for a reference (0 when not paid).
type PaymentProvider interface {
	Name() string
	Start(ctx context.Context, orderID, cents int64) (redirect, reference string, err error)
	Confirm(ctx context.Context, reference string) (paidCents int64, err error)
}

// shanghai is the time zone of the shop's months.
var shanghai = time.FixedZone("CST", 8*3600)

// Month is the month (YYYY-MM) of an instant in Shanghai.
func Month(t time.Time) string { return t.In(shanghai).Format("2006-01") }

func text(field string, s *string, required bool, max int, zh, en string) *apperr.FieldError {
	return safetext.Field(field, s, required, max, zh, en)
}

func fieldErr(field, code, zh, en string) *apperr.FieldError {
	fe := apperr.Field(field, code, zh, en)
	return &fe
}

// ParsePrice reads a price in yuan ("12.50", "¥12.5"): more than zero and
// at most MaxPrice.
func ParsePrice(field, s string) (int64, *apperr.FieldError) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fieldErr(field, "required", "请填写价格。", "Enter the price.")
	}
	c, err := money.Parse(s)
	switch {
	case errors.Is(err, money.ErrTooLarge):
		return 0, fieldErr(field, "too_large", "价格过高：最多1,000,000元。", "The price is too high: at most 1,000,000 yuan.")
	case err != nil:
		return 0, fieldErr(field, "invalid", "价格须为金额，如 128.00。", "The price must be an amount of yuan, such as 128.00.")
	}
	return c, CheckPrice(field, c)
}

// CheckPrice checks a price in cents.
func CheckPrice(field string, c int64) *apperr.FieldError {
	switch {
	case c <= 0:
		return fieldErr(field, "zero", "价格须大于零。", "The price must be more than zero.")
	case c > MaxPrice:
		return fieldErr(field, "too_large", "价格过高：最多1,000,000元。", "The price is too high: at most 1,000,000 yuan.")
	}
	return nil
}

// ParseShare reads a share in percent ("50", "33.33") as basis points.
func ParseShare(field, s string) (int, *apperr.FieldError) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	bad := fieldErr(field, "invalid", "份额须为百分数，如 50 或 33.33。", "A share must be a percentage, such as 50 or 33.33.")
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || len(whole) > 3 || len(frac) > 2 || hasFrac && frac == "" {
		return 0, bad
	}
	w, err := strconv.Atoi(whole)
	if err != nil || w < 0 || strings.ContainsAny(whole, "+-") {
		return 0, bad
	}
	f := 0
	if frac != "" {
		if f, err = strconv.Atoi(frac); err != nil || strings.ContainsAny(frac, "+-") {
			return 0, bad
		}
		if len(frac) == 1 {
			f *= 10
		}
	}
	bp := w*100 + f
	if bp <= 0 || bp > WholeShare {
		return 0, fieldErr(field, "range", "份额须大于0%、不超过100%。", "A share must be more than 0% and at most 100%.")
	}
	return bp, nil
}

// Percent says basis points as a percentage ("33.33%").
func Percent(bp int) string {
	s := strconv.Itoa(bp/100) + "." + strconv.Itoa(bp%100/10) + strconv.Itoa(bp%10)
	return strings.TrimSuffix(strings.TrimSuffix(s, "0"), ".0") + "%"
}

// Share is an artisan's share of a product in basis points.
type Share struct {
	ArtisanID int64 `json:"artisan_id"`
	BP        int   `json:"share_bp"`
}

// CheckShares checks a product's split: one to MaxArtisans artisans, each
// once, each more than zero, adding up to exactly 100%.
func CheckShares(shares []Share) *apperr.FieldError {
	if len(shares) == 0 {
		return fieldErr("shares", "required", "请至少选择一位匠人及其份额。", "Choose at least one artisan and their share.")
	}
	if len(shares) > MaxArtisans {
		return fieldErr("shares", "too_many", "一件商品最多"+strconv.Itoa(MaxArtisans)+"位匠人。", "A product has at most "+strconv.Itoa(MaxArtisans)+" artisans.")
	}
	seen := map[int64]bool{}
	sum := 0
	for _, s := range shares {
		if seen[s.ArtisanID] {
			return fieldErr("shares", "duplicate", "同一位匠人只能出现一次。", "Each artisan may appear once.")
		}
		seen[s.ArtisanID] = true
		if s.BP <= 0 || s.BP > WholeShare {
			return fieldErr("shares", "range", "份额须大于0%、不超过100%。", "A share must be more than 0% and at most 100%.")
		}
		sum += s.BP
	}
	if sum != WholeShare {
		return fieldErr("shares", "sum", "各匠人的份额合计须恰好为100%（现为"+Percent(sum)+"）。",
			"The artisans' shares must add up to exactly 100% (they add up to "+Percent(sum)+").")
	}
	return nil
}

// Split divides cents among shares (basis points adding to WholeShare) by
// the largest remainder: the parts add up to cents exactly; a remainder
// cent goes to the larger fractional part, ties to the earlier share.
func Split(cents int64, bps []int) []int64 {
	out := make([]int64, len(bps))
	rem := make([]int64, len(bps))
	var given int64
	for i, bp := range bps {
		out[i] = cents * int64(bp) / WholeShare
		rem[i] = cents * int64(bp) % WholeShare
		given += out[i]
	}
	for left := cents - given; left > 0; left-- {
		best := -1
		for i := range rem {
			if rem[i] >= 0 && (best < 0 || rem[i] > rem[best]) {
				best = i
			}
		}
		out[best]++
		rem[best] = -1
	}
	return out
}

// CheckPhone checks a buyer's phone: a mainland mobile number, or a
// landline with its area code (0 then 9 to 11 digits). It answers the
// number as digits.
func CheckPhone(field, s string) (string, *apperr.FieldError) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fieldErr(field, "required", "请填写联系电话。", "Enter the phone number.")
	}
	if safetext.Bad(s) || len(s) > 40 {
		return "", fieldErr(field, "invalid", "联系电话不是电话号码。", "The phone is not a phone number.")
	}
	d, err := sms.NormalizePhone(strings.NewReplacer("(", "", ")", "", "（", "", "）", "").Replace(s))
	if err == nil {
		return d, nil
	}
	var pe *sms.PhoneError
	if errors.As(err, &pe) && pe.Code == "landline" {
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, safetext.Narrow(s))
		if strings.HasPrefix(digits, "0") && len(digits) >= 10 && len(digits) <= 12 && !strings.HasPrefix(digits, "00") {
			return digits, nil
		}
		return "", fieldErr(field, "no_area_code", "固定电话请连同区号填写，如 021-59990000。", "Give a landline with its area code, such as 021-59990000.")
	}
	return "", fieldErr(field, "invalid", "联系电话须为手机号码（1开头的11位数字）或带区号的固定电话。",
		"The phone must be a mobile number (11 digits starting with 1) or a landline with its area code.")
}

// MaskPhone hides the middle of a phone number.
func MaskPhone(d string) string {
	if len(d) < 7 {
		return "****"
	}
	return d[:3] + strings.Repeat("*", len(d)-7) + d[len(d)-4:]
}

// MaskName keeps the first character of a name.
func MaskName(n string) string {
	r := []rune(n)
	if len(r) == 0 {
		return ""
	}
	return string(r[0]) + "**"
}
