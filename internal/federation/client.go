package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/signedreq"
)

// Wait bounds a call of a partner's installation: a partner that has not
// answered by then is reported as not answering.
const Wait = 4 * time.Second

// maxAnswer bounds a partner's answer.
const maxAnswer = 2 << 20

// Client calls partners' installations. Its HTTP client (nil: one with
// Wait as its timeout) is what tests may replace.
type Client struct {
	Store *Store
	HTTP  *http.Client
	// Wait bounds each call (0: Wait).
	Wait time.Duration
}

func (c *Client) wait() time.Duration {
	if c.Wait > 0 {
		return c.Wait
	}
	return Wait
}

// errPartner is a partner's failure to answer, or to answer usably.
func errPartner(name, zh, en string) *apperr.Error {
	return apperr.New(apperr.Unavailable, name+"："+zh, name+": "+en)
}

// Get calls GET pathQuery on the partner of district, signed with the key
// it issued to this installation, within the wait, and decodes its JSON
// answer into out. The error says why a partner did not answer usably: not
// a partner, no answer in time, not reachable, an error status (with the
// partner's message), or an answer that is not the JSON expected.
func (c *Client) Get(ctx context.Context, district, pathQuery string, out any) error {
	p, secret, err := c.Store.peerOf(ctx, district)
	if err != nil {
		return err
	}
	_, err = c.get(ctx, p, secret, pathQuery, out)
	return err
}

// get calls the partner p and returns the raw answer too.
func (c *Client) get(ctx context.Context, p Peer, secret []byte, pathQuery string, out any) ([]byte, error) {
	if !strings.HasPrefix(pathQuery, "/api/v1/") {
		return nil, fmt.Errorf("partner call of %q: not an API path", pathQuery)
	}
	ctx, cancel := context.WithTimeout(ctx, c.wait())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+pathQuery, nil) // #nosec G704 -- the partner's address is registered by its administrators (peer add), checked as http(s)
	if err != nil {
		return nil, fmt.Errorf("partner call: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Accept-Language", "zh-CN")
	if err := signedreq.Sign(req, p.KeyID, secret, c.Store.db.Now()); err != nil {
		return nil, fmt.Errorf("sign partner call: %w", err)
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: c.wait()}
	}
	// A partner never sends this installation elsewhere.
	client := *hc
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req) // #nosec G704 -- see above: a registered partner, no redirects followed
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) || isTimeout(err) {
			return nil, errPartner(p.Name, fmt.Sprintf("在 %d 秒内没有响应。", int(c.wait().Seconds())), fmt.Sprintf("no answer within %d seconds.", int(c.wait().Seconds())))
		}
		return nil, errPartner(p.Name, "无法连接（对方系统未运行或网络不通）。", "cannot be reached (its installation is down or the network is cut).")
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) || isTimeout(err) {
			return nil, errPartner(p.Name, "响应超时。", "the answer did not arrive in time.")
		}
		return nil, errPartner(p.Name, "响应中断。", "the answer broke off.")
	}
	if len(body) > maxAnswer {
		return nil, errPartner(p.Name, "响应过大，已拒绝。", "the answer is too large; refused.")
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Message string } `json:"error"`
		}
		msg := ""
		if json.Unmarshal(body, &e) == nil {
			msg = clip(e.Error.Message, 200)
		}
		if msg == "" {
			msg = http.StatusText(resp.StatusCode)
		}
		return nil, errPartner(p.Name, fmt.Sprintf("返回错误 %d：%s", resp.StatusCode, msg), fmt.Sprintf("answered error %d: %s", resp.StatusCode, msg))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(out); err != nil || dec.More() {
		return nil, errPartner(p.Name, "返回的不是预期的数据，已忽略。", "answered something that is not the data expected; ignored.")
	}
	return body, nil
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// clip keeps a partner's message printable and short.
func clip(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n]) + "…"
	}
	return s
}

// Cached is a partner's answer as the dashboard shows it: fetched now, or
// (when the partner did not answer) the last good answer with its time.
type Cached struct {
	Body      []byte
	FetchedAt time.Time
	// Err is why the partner did not answer now (nil: it did).
	Err error
}

// CacheFor is how long a partner's last good answer may stand in for it
// when it does not answer.
const CacheFor = 10 * time.Minute

// GetCached calls pathQuery on the partner p now, decoding into out; when
// it answers, the answer is kept. When it does not, the answer kept from
// less than CacheFor ago (if any) is decoded into out instead, and Err says
// why the partner did not answer.
func (c *Client) GetCached(ctx context.Context, p Peer, pathQuery string, out any) Cached {
	_, secret, err := c.Store.peerOf(ctx, p.District)
	if err != nil {
		return Cached{Err: err}
	}
	body, err := c.get(ctx, p, secret, pathQuery, out)
	now := c.Store.db.Now()
	if err == nil {
		if _, err := c.Store.db.Exec(ctx, `INSERT INTO peer_cache (peer_id, path, body, fetched_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (peer_id, path) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at`,
			p.ID, pathQuery, string(body), db.Millis(now)); err != nil {
			return Cached{Body: body, FetchedAt: now, Err: fmt.Errorf("keep partner answer: %w", err)}
		}
		return Cached{Body: body, FetchedAt: now}
	}
	var kept string
	var at int64
	if e := c.Store.db.QueryRow(ctx, `SELECT body, fetched_at FROM peer_cache WHERE peer_id = ? AND path = ? AND fetched_at >= ?`,
		p.ID, pathQuery, db.Millis(now.Add(-CacheFor))).Scan(&kept, &at); e == nil && json.Unmarshal([]byte(kept), out) == nil {
		return Cached{Body: []byte(kept), FetchedAt: db.FromMillis(at), Err: err}
	}
	return Cached{Err: err}
}
