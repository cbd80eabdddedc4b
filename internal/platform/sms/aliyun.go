package sms

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" // #nosec G505 -- the gateway's request signature (SignatureMethod HMAC-SHA1, version 1.0) is mandated by the provider
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// DefaultEndpoint is the Alibaba Cloud SMS (Dysmsapi) endpoint.
const DefaultEndpoint = "https://dysmsapi.aliyuncs.com/"

// DefaultTimeout bounds one request to the gateway when the config gives no
// HTTP client.
const DefaultTimeout = 10 * time.Second

// maxAnswer bounds the gateway's answer that is read.
const maxAnswer = 64 << 10

// AliyunConfig configures an Aliyun gateway.
type AliyunConfig struct {
	Endpoint        string       // the API's URL; DefaultEndpoint when empty
	AccessKeyID     string       // the AccessKey ID
	AccessKeySecret string       // the AccessKey secret (the caller reads it from a file)
	SignName        string       // the approved signature put before every message, e.g. "阳光助残"
	RegionID        string       // "cn-hangzhou" when empty
	Client          *http.Client // nil: a client with DefaultTimeout
	Limits          Limits       // rate limits; zero fields from DefaultLimits
	Templates       *Templates   // when set, only its templates and parameters go out
}

// Aliyun is a Gateway for the Alibaba Cloud SMS API ("Dysmsapi" SendSms,
// version 2017-05-25, signature version 1.0) and the many providers that
// copy its request style. It is safe for concurrent use.
type Aliyun struct {
	cfg      AliyunConfig
	endpoint string
	client   *http.Client
	limiter  *Limiter
	now      func() time.Time
}

var _ Gateway = (*Aliyun)(nil)

// NewAliyunStyle checks cfg and makes the gateway.
func NewAliyunStyle(cfg AliyunConfig) (*Aliyun, error) {
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("sms: endpoint %q is not an http(s) URL", cfg.Endpoint)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	switch {
	case cfg.AccessKeyID == "" || cfg.AccessKeySecret == "":
		return nil, errors.New("sms: the access key ID and secret are required")
	case strings.TrimSpace(cfg.SignName) == "" || hasControl(cfg.SignName):
		return nil, errors.New("sms: the signature name (SignName) is required and may not hold control characters")
	}
	if cfg.RegionID == "" {
		cfg.RegionID = "cn-hangzhou"
	}
	client := cfg.Client
	if client == nil {
		client = &http.Client{Timeout: DefaultTimeout}
	}
	return &Aliyun{cfg: cfg, endpoint: u.String(), client: client, limiter: NewLimiter(cfg.Limits), now: time.Now}, nil
}

// GatewayError is an error code the gateway answered (or an HTTP status
// without one). It wraps ErrPermanent for codes a retry cannot mend, and
// ErrRateLimited for throttling.
type GatewayError struct {
	Status    int    // the HTTP status
	Code      string // the gateway's code, e.g. "isv.MOBILE_NUMBER_ILLEGAL"
	Message   string // the gateway's message
	RequestID string
}

func (e *GatewayError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("sms: gateway answered HTTP %d", e.Status)
	}
	return fmt.Sprintf("sms: gateway refused: %s (%s), HTTP %d, request %s", e.Code, e.Message, e.Status, e.RequestID)
}

// Unwrap answers ErrPermanent, ErrRateLimited or nil, by the code. An
// HTTP 5xx answer is never permanent.
func (e *GatewayError) Unwrap() error {
	switch {
	case permanentCodes[e.Code] && e.Status < 500:
		return ErrPermanent
	case throttleCodes[e.Code]:
		return ErrRateLimited
	}
	return nil
}

// Permanent are the codes that concern the message itself (its number,
// template, signature, parameters or content): sending it again fails again.
// Account and key problems (a wrong AccessKey, no balance) are mended by the
// operator, so those messages are retried.
var permanentCodes = map[string]bool{
	"isv.MOBILE_NUMBER_ILLEGAL":          true,
	"isv.MOBILE_COUNT_OVER_LIMIT":        true,
	"isv.TEMPLATE_MISSING_PARAMETERS":    true,
	"isv.TEMPLATE_PARAMS_ILLEGAL":        true,
	"isv.SMS_TEMPLATE_ILLEGAL":           true,
	"isv.SMS_SIGNATURE_ILLEGAL":          true,
	"isv.SMS_SIGN_ILLEGAL":               true,
	"isv.INVALID_PARAMETERS":             true,
	"isv.INVALID_JSON_PARAM":             true,
	"isv.PARAM_LENGTH_LIMIT":             true,
	"isv.PARAM_NOT_SUPPORT_URL":          true,
	"isv.BLACK_KEY_CONTROL_LIMIT":        true,
	"isv.SMS_CONTENT_ILLEGAL":            true,
	"isv.DOMESTIC_NUMBER_NOT_SUPPORTED":  true,
	"isv.SMS_TEST_SIGN_TEMPLATE_LIMIT":   true,
	"isv.SMS_TEST_NUMBER_LIMIT":          true,
	"isv.SMS_SIGNATURE_SCENE_ILLEGAL":    true,
	"isv.TEMPLATE_COUNT_OVER_LIMIT":      true,
	"isv.SMS_TEMPLATE_PARAMS_MISMATCHED": true,
}

var throttleCodes = map[string]bool{
	"isv.BUSINESS_LIMIT_CONTROL": true,
	"Throttling":                 true,
	"Throttling.User":            true,
	"Throttling.Api":             true,
	"isv.DAY_LIMIT_CONTROL":      true,
}

type sendAnswer struct {
	Code      string
	Message   string
	BizID     string `json:"BizId"`
	RequestID string `json:"RequestId"`
}

// Send checks m (number, template and parameters), takes it out of the rate
// limits, and sends it; the reference answered is the gateway's BizId.
// Errors wrapping ErrPermanent are final; the others (ErrRateLimited, HTTP
// 5xx, time-outs, network errors) are worth a retry later.
func (a *Aliyun) Send(ctx context.Context, m Message) (string, error) {
	phone, err := NormalizePhone(m.Phone)
	if err != nil {
		return "", err
	}
	m.Phone = phone
	if a.cfg.Templates != nil {
		err = a.cfg.Templates.Check(m)
	} else if !isCode(m.Template) || m.Template == "" {
		err = &ParamError{"", "unknown_template", "短信模板代码无效。", "the SMS template code is not valid"}
	} else {
		err = CheckParams(m.Params)
	}
	if err != nil {
		return "", err
	}
	if err := a.limiter.Allow(phone); err != nil {
		return "", err
	}
	params := map[string]string{
		"Action":           "SendSms",
		"Version":          "2017-05-25",
		"Format":           "JSON",
		"RegionId":         a.cfg.RegionID,
		"AccessKeyId":      a.cfg.AccessKeyID,
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureVersion": "1.0",
		"SignatureNonce":   nonce(),
		"Timestamp":        a.now().UTC().Format("2006-01-02T15:04:05Z"),
		"PhoneNumbers":     phone,
		"SignName":         a.cfg.SignName,
		"TemplateCode":     m.Template,
	}
	if len(m.Params) > 0 {
		js, err := json.Marshal(m.Params) // keys sorted, HTML characters escaped: plain ASCII JSON
		if err != nil {
			return "", fmt.Errorf("sms: template parameters: %w", err)
		}
		params["TemplateParam"] = string(js)
	}
	query := CanonicalQuery(params)
	body := query + "&Signature=" + PercentEncode(Sign(http.MethodPost, query, a.cfg.AccessKeySecret))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.endpoint, strings.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("sms: request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("sms: sending to the gateway: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return "", fmt.Errorf("sms: reading the gateway's answer (HTTP %d): %w", resp.StatusCode, err)
	}
	var ans sendAnswer
	jsonErr := json.Unmarshal(raw, &ans)
	switch {
	case resp.StatusCode >= 500 || jsonErr != nil || ans.Code == "":
		// A server error, or an answer that is not the API's: retryable.
		return "", &GatewayError{Status: resp.StatusCode, Code: ans.Code, Message: ans.Message, RequestID: ans.RequestID}
	case ans.Code != "OK":
		return "", &GatewayError{Status: resp.StatusCode, Code: ans.Code, Message: ans.Message, RequestID: ans.RequestID}
	case ans.BizID == "":
		return "", &GatewayError{Status: resp.StatusCode, Code: "NoBizId", Message: "the answer OK carried no BizId", RequestID: ans.RequestID}
	}
	return ans.BizID, nil
}

// Sign answers the request signature of signature version 1.0: the
// base64 of HMAC-SHA1, keyed with secret+"&", of
// METHOD&%2F&PercentEncode(canonicalQuery).
func Sign(method, canonicalQuery, secret string) string {
	toSign := method + "&" + PercentEncode("/") + "&" + PercentEncode(canonicalQuery)
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(toSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// CanonicalQuery answers params as the signature wants them: sorted by name,
// each name=value percent-encoded by PercentEncode, joined by &. A parameter
// named Signature is left out.
func CanonicalQuery(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(PercentEncode(k))
		b.WriteByte('=')
		b.WriteString(PercentEncode(params[k]))
	}
	return b.String()
}

// PercentEncode encodes s by RFC 3986 as the signature wants: the bytes of
// its UTF-8 other than A-Z a-z 0-9 - _ . ~ become %XY (upper-case hex); a
// space is %20, never +.
func PercentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) * 3)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

func nonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it panics if the system cannot give randomness)
	return hex.EncodeToString(b[:])
}
