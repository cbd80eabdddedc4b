package sms

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestNormalizePhone(t *testing.T) {
	good := map[string]string{
		"13812345678":       "13812345678",
		" 138-1234-5678 ":   "13812345678",
		"138 1234 5678":     "13812345678",
		"+86 138 1234 5678": "13812345678",
		"+8613812345678":    "13812345678",
		"8613812345678":     "13812345678",
		"0086-19912345678":  "19912345678",
		"１３８１２３４５６７８":       "13812345678",
		"15012345678":       "15012345678",
	}
	for in, want := range good {
		got, err := NormalizePhone(in)
		if err != nil || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, err, want)
		}
		if !ValidPhone(in) {
			t.Errorf("ValidPhone(%q) = false", in)
		}
	}
	bad := map[string]string{
		"":                       "empty",
		"   ":                    "empty",
		"010-12345678":           "landline",
		"0755 8765 4321":         "landline",
		"87654321":               "landline",
		"4008123123":             "landline",
		"95588":                  "landline",
		"12812345678":            "not_mobile", // 12x is not a mobile block
		"1381234567":             "not_mobile",
		"138123456789":           "not_mobile",
		"+1 415 555 0100":        "not_mobile",
		"138(1234)5678":          "bad_characters",
		"138\n12345678":          "bad_characters",
		"138\u202e12345678":      "bad_characters",
		"+86+13812345678":        "bad_characters",
		strings.Repeat("1", 500): "not_mobile",
	}
	for in, code := range bad {
		_, err := NormalizePhone(in)
		var pe *PhoneError
		if !errors.As(err, &pe) || pe.Code != code || !errors.Is(err, ErrPermanent) || pe.ZH == "" {
			t.Errorf("NormalizePhone(%q) = %v; want a permanent PhoneError %s", in, err, code)
		}
		if ValidPhone(in) {
			t.Errorf("ValidPhone(%q) = true", in)
		}
	}
}

func testTemplates(t *testing.T) *Templates {
	t.Helper()
	tp, err := NewTemplates(map[string]Template{
		"loan_due":    {Code: "SMS_100001", Params: []string{"name", "date"}},
		"task_coming": {Code: "SMS_100002", Params: []string{"date"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

func TestTemplates(t *testing.T) {
	tp := testTemplates(t)
	m, err := tp.Message("loan_due", "+86 138-1234-5678", map[string]string{"name": "轮椅", "date": "12月17日"})
	if err != nil || m.Phone != "13812345678" || m.Template != "SMS_100001" || m.Params["name"] != "轮椅" {
		t.Fatalf("Message = %+v, %v", m, err)
	}
	for _, c := range []struct {
		kind   string
		params map[string]string
		code   string
	}{
		{"unknown", map[string]string{"date": "x"}, "unknown_kind"},
		{"loan_due", map[string]string{"name": "轮椅"}, "missing_param"},
		{"task_coming", map[string]string{"date": "明天", "idcard": "110105194912310021"}, "unknown_param"},
		{"task_coming", map[string]string{"date": ""}, "empty"},
		{"task_coming", map[string]string{"date": "明天\n请回复"}, "control"},
		{"task_coming", map[string]string{"date": "明天\u202e"}, "control"},
		{"task_coming", map[string]string{"date": strings.Repeat("日", MaxParamLen+1)}, "too_long"},
	} {
		_, err := tp.Message(c.kind, "13812345678", c.params)
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Code != c.code || !errors.Is(err, ErrPermanent) {
			t.Errorf("Message(%s, %v) = %v; want %s", c.kind, c.params, err, c.code)
		}
	}
	if _, err := tp.Message("task_coming", "13812345678", map[string]string{"date": strings.Repeat("日", MaxParamLen)}); err != nil {
		t.Errorf("a value of exactly %d characters: %v", MaxParamLen, err)
	}
	if _, err := tp.Message("task_coming", "010-12345678", map[string]string{"date": "明天"}); !errors.Is(err, ErrPermanent) {
		t.Errorf("a landline: %v", err)
	}
	for _, bad := range []map[string]Template{
		{"a": {Code: "SMS 1"}},
		{"a": {Code: "SMS_1"}, "b": {Code: "SMS_1"}},
		{"a": {Code: "SMS_1", Params: []string{"x", "x"}}},
		{"a": {Code: "SMS_1", Params: []string{"名字"}}},
	} {
		if _, err := NewTemplates(bad); err == nil {
			t.Errorf("NewTemplates(%v) took it", bad)
		}
	}
}

func TestPercentEncode(t *testing.T) {
	for in, want := range map[string]string{
		"AZaz09-_.~": "AZaz09-_.~",
		" ":          "%20",
		"+*/":        "%2B%2A%2F",
		"阳":          "%E9%98%B3",
		`{"a":"b"}`:  "%7B%22a%22%3A%22b%22%7D",
	} {
		if got := PercentEncode(in); got != want {
			t.Errorf("PercentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSignKnownAnswer checks Sign against the example of the provider's
// documentation of signature version 1.0 (the request of DescribeRegions
// with the secret "testsecret"), which has this published signature.
func TestSignKnownAnswer(t *testing.T) {
	q := CanonicalQuery(map[string]string{
		"AccessKeyId":      "testid",
		"Action":           "DescribeRegions",
		"Format":           "XML",
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureNonce":   "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
		"SignatureVersion": "1.0",
		"Timestamp":        "2016-02-23T12:46:24Z",
		"Version":          "2014-05-26",
	})
	if got, want := Sign("GET", q, "testsecret"), "OLeaidS1JvxuMvnyHOwuJ+uX5qY="; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

// fakeGateway is the provider's HTTP API: it checks every request's
// signature independently (recomputing it from the received form with its
// own encoder) and answers what the test asks.
type fakeGateway struct {
	t      *testing.T
	secret string
	badSig bool // the test expects a wrong signature
	answer func(w http.ResponseWriter, form map[string]string)
	mu     sync.Mutex
	got    []map[string]string
}

func (f *fakeGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		f.t.Errorf("form: %v", err)
	}
	form := map[string]string{}
	for k, v := range r.PostForm {
		if len(v) != 1 {
			f.t.Errorf("parameter %s given %d times", k, len(v))
		}
		form[k] = v[0]
	}
	if r.Method != http.MethodPost || len(r.URL.RawQuery) > 0 {
		f.t.Errorf("want a POST with a form body, got %s ?%s", r.Method, r.URL.RawQuery)
	}
	if want := refSign(r.Method, form, f.secret); form["Signature"] != want {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"Code":"SignatureDoesNotMatch","Message":"bad signature","RequestId":"R0"}`))
		if !f.badSig {
			f.t.Errorf("signature %q, want %q", form["Signature"], want)
		}
		return
	}
	for _, k := range []string{"AccessKeyId", "SignatureNonce", "Timestamp", "PhoneNumbers", "SignName", "TemplateCode"} {
		if form[k] == "" {
			f.t.Errorf("no %s", k)
		}
	}
	if form["SignatureMethod"] != "HMAC-SHA1" || form["SignatureVersion"] != "1.0" || form["Action"] != "SendSms" {
		f.t.Errorf("form %v", form)
	}
	if _, err := time.Parse("2006-01-02T15:04:05Z", form["Timestamp"]); err != nil {
		f.t.Errorf("Timestamp: %v", err)
	}
	f.mu.Lock()
	f.got = append(f.got, form)
	f.mu.Unlock()
	f.answer(w, form)
}

// refSign is the test's own signature: url.QueryEscape-based, as the
// provider's sample code does, not the package's encoder.
func refSign(method string, form map[string]string, secret string) string {
	enc := func(s string) string {
		s = strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(queryEscape(s))
		return s
	}
	keys := []string{}
	for k := range form {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sortStrings(keys)
	parts := []string{}
	for _, k := range keys {
		parts = append(parts, enc(k)+"="+enc(form[k]))
	}
	return hmacSHA1Base64(secret+"&", method+"&"+enc("/")+"&"+enc(strings.Join(parts, "&")))
}

func newTestGateway(t *testing.T, answer func(w http.ResponseWriter, form map[string]string), mod func(*AliyunConfig)) (*Aliyun, *fakeGateway) {
	t.Helper()
	f := &fakeGateway{t: t, secret: "s3cr3t+/=", answer: answer}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cfg := AliyunConfig{Endpoint: srv.URL, AccessKeyID: "LTAIexample", AccessKeySecret: f.secret, SignName: "阳光助残", Limits: Limits{PerMinute: -1, PerHour: -1, PerDay: -1, PerSecond: -1}}
	if mod != nil {
		mod(&cfg)
	}
	g, err := NewAliyunStyle(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g, f
}

func answerJSON(status int, v any) func(http.ResponseWriter, map[string]string) {
	return func(w http.ResponseWriter, _ map[string]string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
}

func TestAliyunSendOK(t *testing.T) {
	g, f := newTestGateway(t, answerJSON(200, map[string]string{"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5"}), nil)
	ref, err := g.Send(context.Background(), Message{Phone: "+86 138 1234 5678", Template: "SMS_100001", Params: map[string]string{"name": "张三 & 李四", "date": "12月17日 *~+"}})
	if err != nil || ref != "900619746936498440^0" {
		t.Fatalf("Send = %q, %v", ref, err)
	}
	form := f.got[0]
	if form["PhoneNumbers"] != "13812345678" || form["SignName"] != "阳光助残" || form["TemplateCode"] != "SMS_100001" {
		t.Errorf("form %v", form)
	}
	var params map[string]string
	if err := json.Unmarshal([]byte(form["TemplateParam"]), &params); err != nil || params["name"] != "张三 & 李四" || params["date"] != "12月17日 *~+" {
		t.Errorf("TemplateParam %q: %v", form["TemplateParam"], err)
	}
	// A second message carries a new nonce.
	if _, err := g.Send(context.Background(), Message{Phone: "13900000000", Template: "SMS_1"}); err != nil {
		t.Fatal(err)
	}
	if f.got[1]["SignatureNonce"] == form["SignatureNonce"] {
		t.Error("the nonce repeats")
	}
	if _, ok := f.got[1]["TemplateParam"]; ok {
		t.Error("TemplateParam sent for a template without parameters")
	}
}

func TestAliyunErrors(t *testing.T) {
	type want int
	const (
		permanent want = iota
		retryable
		limited
	)
	for _, c := range []struct {
		name   string
		status int
		body   map[string]string
		want   want
	}{
		{"number", 200, map[string]string{"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}, permanent},
		{"missing", 200, map[string]string{"Code": "isv.TEMPLATE_MISSING_PARAMETERS"}, permanent},
		{"template", 200, map[string]string{"Code": "isv.SMS_TEMPLATE_ILLEGAL"}, permanent},
		{"signature", 200, map[string]string{"Code": "isv.SMS_SIGNATURE_ILLEGAL"}, permanent},
		{"throttled", 200, map[string]string{"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1"}, limited},
		{"system", 200, map[string]string{"Code": "isp.SYSTEM_ERROR"}, retryable},
		{"balance", 200, map[string]string{"Code": "isv.AMOUNT_NOT_ENOUGH"}, retryable},
		{"500", 500, map[string]string{}, retryable},
		{"503 with a code", 503, map[string]string{"Code": "isv.MOBILE_NUMBER_ILLEGAL"}, retryable},
		{"OK without BizId", 200, map[string]string{"Code": "OK"}, retryable},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, _ := newTestGateway(t, answerJSON(c.status, c.body), nil)
			_, err := g.Send(context.Background(), Message{Phone: "13812345678", Template: "SMS_1"})
			var ge *GatewayError
			if !errors.As(err, &ge) {
				t.Fatalf("err = %v, want a GatewayError", err)
			}
			if got := errors.Is(err, ErrPermanent); got != (c.want == permanent) {
				t.Errorf("permanent = %v: %v", got, err)
			}
			if got := errors.Is(err, ErrRateLimited); got != (c.want == limited) {
				t.Errorf("rate limited = %v: %v", got, err)
			}
		})
	}
	t.Run("not JSON", func(t *testing.T) {
		g, _ := newTestGateway(t, func(w http.ResponseWriter, _ map[string]string) { _, _ = w.Write([]byte("<html>proxy error</html>")) }, nil)
		_, err := g.Send(context.Background(), Message{Phone: "13812345678", Template: "SMS_1"})
		if err == nil || errors.Is(err, ErrPermanent) {
			t.Errorf("err = %v, want retryable", err)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		// The fake refuses the signature; the test's own check reports it too.
		g, f := newTestGateway(t, answerJSON(200, map[string]string{"Code": "OK", "BizId": "1"}), func(c *AliyunConfig) { c.AccessKeySecret = "wrong" })
		f.badSig = true
		_, err := g.Send(context.Background(), Message{Phone: "13812345678", Template: "SMS_1"})
		var ge *GatewayError
		if !errors.As(err, &ge) || ge.Code != "SignatureDoesNotMatch" || errors.Is(err, ErrPermanent) {
			t.Errorf("err = %v, want a retryable SignatureDoesNotMatch", err)
		}
	})
}

func TestAliyunTimeout(t *testing.T) {
	release := make(chan struct{})
	g, _ := newTestGateway(t, func(w http.ResponseWriter, _ map[string]string) {
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
	}, func(c *AliyunConfig) { c.Client = &http.Client{Timeout: 200 * time.Millisecond} })
	defer close(release)
	start := time.Now()
	_, err := g.Send(context.Background(), Message{Phone: "13812345678", Template: "SMS_1"})
	if err == nil || errors.Is(err, ErrPermanent) {
		t.Fatalf("err = %v, want a retryable time-out", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the time-out took %s", d)
	}
	// The context's deadline ends it too.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := g.Send(ctx, Message{Phone: "13812345679", Template: "SMS_1"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's deadline", err)
	}
}

func TestAliyunRefusesBeforeSending(t *testing.T) {
	var calls atomic.Int32
	g, _ := newTestGateway(t, func(w http.ResponseWriter, _ map[string]string) {
		calls.Add(1)
		_, _ = w.Write([]byte(`{"Code":"OK","BizId":"1"}`))
	}, func(c *AliyunConfig) {
		c.Templates = testTemplates(t)
		c.Limits = Limits{PerMinute: 1, PerHour: 5, PerDay: 10, PerSecond: 100}
	})
	ctx := context.Background()
	for _, m := range []Message{
		{Phone: "010-12345678", Template: "SMS_100002", Params: map[string]string{"date": "明天"}},
		{Phone: "13812345678", Template: "SMS_999", Params: map[string]string{"date": "明天"}},
		{Phone: "13812345678", Template: "SMS_100002", Params: map[string]string{"date": "明天", "phone": "13812345678"}},
		{Phone: "13812345678", Template: "SMS_100002", Params: map[string]string{"date": "明天\r\n"}},
	} {
		if _, err := g.Send(ctx, m); !errors.Is(err, ErrPermanent) {
			t.Errorf("Send(%v) = %v, want permanent", m, err)
		}
	}
	if calls.Load() != 0 {
		t.Errorf("%d requests reached the gateway", calls.Load())
	}
	m := Message{Phone: "13812345678", Template: "SMS_100002", Params: map[string]string{"date": "明天"}}
	if _, err := g.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	_, err := g.Send(ctx, m)
	var rl *RateLimitError
	if !errors.As(err, &rl) || !errors.Is(err, ErrRateLimited) || errors.Is(err, ErrPermanent) || rl.Limit != "phone/minute" {
		t.Errorf("second message in a minute: %v", err)
	}
	if calls.Load() != 1 {
		t.Errorf("%d requests reached the gateway, want 1", calls.Load())
	}
}

func TestNewAliyunStyleRefuses(t *testing.T) {
	for _, cfg := range []AliyunConfig{
		{AccessKeyID: "a", AccessKeySecret: "b"},
		{AccessKeyID: "a", SignName: "x"},
		{AccessKeyID: "a", AccessKeySecret: "b", SignName: "x", Endpoint: "ftp://x"},
		{AccessKeyID: "a", AccessKeySecret: "b", SignName: "x\n"},
	} {
		if _, err := NewAliyunStyle(cfg); err == nil {
			t.Errorf("NewAliyunStyle(%+v) took it", cfg)
		}
	}
}
