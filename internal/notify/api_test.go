package notify_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// TestAPI: the contract's list shape, the unread filter, marking read, and
// another user's notification answering 404; the header's unread count on
// every page follows.
func TestAPI(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		if st := w.Do("district", "POST", "/api/v1/notifications/run", nil, nil); st != http.StatusOK {
			t.Fatalf("run: %d", st)
		}
		var raw map[string]json.RawMessage
		st, body := w.DoRaw("person", "GET", "/api/v1/notifications?unread=true", nil, &raw, http.Header{"Accept-Language": {"en"}})
		if st != http.StatusOK {
			t.Fatalf("list: %d %s", st, body)
		}
		for _, k := range []string{"items", "total", "next"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("the list has no %q: %s", k, body)
			}
		}
		var items []map[string]any
		if err := json.Unmarshal(raw["items"], &items); err != nil {
			t.Fatal(err)
		}
		if len(items) != 2 {
			t.Fatalf("the person's unread: %s", body)
		}
		for _, it := range items {
			for _, k := range []string{"id", "kind", "text", "link", "created_at", "read"} {
				if _, ok := it[k]; !ok {
					t.Errorf("an item has no %q: %v", k, it)
				}
			}
			if !strings.Contains(it["text"].(string), "due") && !strings.Contains(it["text"].(string), "expires") {
				t.Errorf("text not in English: %v", it["text"])
			}
		}
		page := func() string {
			_, b := w.DoRaw("person", "GET", "/notifications", nil, nil, nil)
			return string(b)
		}
		if p := page(); !strings.Contains(p, `data-unread="2">通知 (2)`) {
			t.Errorf("header count: %s", p)
		}
		id := int64(items[0]["id"].(float64))
		if st := w.Do("village", "POST", fmt.Sprintf("/api/v1/notifications/%d/read", id), nil, nil); st != http.StatusNotFound {
			t.Errorf("another's notification: %d", st)
		}
		var n map[string]any
		if st := w.Do("person", "POST", fmt.Sprintf("/api/v1/notifications/%d/read", id), nil, &n); st != http.StatusOK || n["read"] != true {
			t.Errorf("read: %d %v", st, n)
		}
		var list struct {
			Items []map[string]any `json:"items"`
			Total int              `json:"total"`
		}
		w.Do("person", "GET", "/api/v1/notifications?unread=true", nil, &list)
		if list.Total != 1 {
			t.Errorf("unread after reading one: %+v", list)
		}
		w.Do("person", "GET", "/api/v1/notifications", nil, &list)
		if list.Total != 2 || list.Items[0]["read"] != false || list.Items[1]["read"] != true {
			t.Errorf("all, unread first: %+v", list)
		}
		if st := w.Do("person", "GET", "/api/v1/notifications?unread=maybe", nil, nil); st != http.StatusUnprocessableEntity {
			t.Errorf("bad filter: %d", st)
		}
		if p := page(); !strings.Contains(p, `data-unread="1">通知 (1)`) || !strings.Contains(p, "残疾证将于 2027-01-15 到期") {
			t.Errorf("page after reading: %s", p)
		}
		// The home page lists the latest unread.
		if _, b := w.DoRaw("village", "GET", "/", nil, nil, nil); !strings.Contains(string(b), "最新通知") {
			t.Errorf("home: no notifications section")
		}
		// read-all: the village assistant's are all read, the person's untouched.
		if st := w.Do("village", "POST", "/api/v1/notifications/read-all", nil, nil); st != http.StatusNoContent {
			t.Errorf("read-all: %d", st)
		}
		w.Do("village", "GET", "/api/v1/notifications?unread=true", nil, &list)
		if list.Total != 0 {
			t.Errorf("the assistant's unread after read-all: %+v", list)
		}
		w.Do("person", "GET", "/api/v1/notifications?unread=true", nil, &list)
		if list.Total != 1 {
			t.Errorf("another user's read-all touched the person's: %+v", list)
		}
		// Settings: a bad address is refused, naming the field.
		st, b := w.Form("person", "/notifications/settings", map[string][]string{"channel": {"email"}, "email": {"not an address"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(string(b), `id="e-email"`) {
			t.Errorf("bad e-mail: %d", st)
		}
	})
}
