package printdoc

import "strings"

// Capital writes an amount of cents in Chinese capital numerals (大写), as
// money is written on official letters: 1234.50 → "壹仟贰佰叁拾肆元伍角整",
// 0 → "零元整", 1000000.07 → "壹佰万元零柒分". Negative amounts start with "负".
func Capital(cents int64) string {
	if cents == 0 {
		return "零元整"
	}
	sign := ""
	if cents < 0 {
		sign = "负"
		if cents == -cents { // the smallest int64 has no positive
			return ""
		}
		cents = -cents
	}
	digits := []rune("零壹贰叁肆伍陆柒捌玖")
	yuan, jiao, fen := cents/100, cents/10%10, cents%10
	var b strings.Builder
	b.WriteString(sign)
	if yuan > 0 {
		b.WriteString(integer(yuan, digits))
		b.WriteString("元")
	}
	switch {
	case jiao == 0 && fen == 0:
		b.WriteString("整")
	case jiao == 0:
		if yuan > 0 {
			b.WriteString("零")
		}
		b.WriteRune(digits[fen])
		b.WriteString("分")
	default:
		b.WriteRune(digits[jiao])
		b.WriteString("角")
		if fen > 0 {
			b.WriteRune(digits[fen])
			b.WriteString("分")
		} else {
			b.WriteString("整")
		}
	}
	return b.String()
}

// integer writes a positive whole number in capital numerals, by groups of
// four digits (万, 亿, 万亿), with one 零 for each run of zeros inside.
func integer(n int64, digits []rune) string {
	units := []string{"", "拾", "佰", "仟"}
	groups := []string{"", "万", "亿", "万亿"}
	var parts []int64
	for n > 0 {
		parts = append(parts, n%10000)
		n /= 10000
	}
	var b strings.Builder
	zero := false
	for gi := len(parts) - 1; gi >= 0; gi-- {
		g := parts[gi]
		if g == 0 {
			zero = b.Len() > 0
			continue
		}
		for i := 3; i >= 0; i-- {
			d := g / pow10(i) % 10
			if d == 0 {
				zero = b.Len() > 0
				continue
			}
			if zero {
				b.WriteString("零")
				zero = false
			}
			b.WriteRune(digits[d])
			b.WriteString(units[i])
		}
		if gi < len(groups) {
			b.WriteString(groups[gi])
		}
	}
	return b.String()
}

func pow10(i int) int64 {
	p := int64(1)
	for range i {
		p *= 10
	}
	return p
}
