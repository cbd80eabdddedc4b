package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// echartsSHA256 is the sha256 of static/vendor/echarts.min.js, Apache ECharts 6.1.0 from npm
// (scripts/vendor-echarts.sh 6.1.0 prints it). Update both together, on purpose only.
const echartsSHA256 = "b66b25aeb4df84e33199dc21694014d336d222cbd9deb0e5a7c14bd6aa0d0fd0"

func TestChartScriptsServed(t *testing.T) {
	srv := httptest.NewServer(Static())
	defer srv.Close()
	for _, path := range []string{"/static/vendor/echarts.min.js", "/static/charts.js", "/static/vendor/ECHARTS-LICENSE.txt"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK || len(body) == 0 {
			t.Errorf("%s: HTTP %d, %d bytes", path, resp.StatusCode, len(body))
			continue
		}
		ct := resp.Header.Get("Content-Type")
		switch {
		case strings.HasSuffix(path, ".js"):
			if !strings.HasPrefix(ct, "text/javascript") && !strings.HasPrefix(ct, "application/javascript") {
				t.Errorf("%s: Content-Type %q, want JavaScript", path, ct)
			}
		case !strings.HasPrefix(ct, "text/plain"):
			t.Errorf("%s: Content-Type %q, want text/plain", path, ct)
		}
		switch path {
		case "/static/vendor/echarts.min.js":
			sum := sha256.Sum256(body)
			if got := hex.EncodeToString(sum[:]); got != echartsSHA256 {
				t.Errorf("%s: sha256 %s, want %s (re-vendor with scripts/vendor-echarts.sh and update echartsSHA256 on purpose)", path, got, echartsSHA256)
			}
		case "/static/vendor/ECHARTS-LICENSE.txt":
			if !strings.Contains(string(body), "Apache License") {
				t.Errorf("%s: no Apache License text", path)
			}
		}
	}
}

func TestLayoutLoadsChartsOnlyWhenAsked(t *testing.T) {
	r, err := NewRenderer(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, charts := range []bool{false, true} {
		w := httptest.NewRecorder()
		p := &Page{Lang: "zh", Title: "t", Display: "standard", Charts: charts, Data: map[string]string{"Message": "m"}}
		if err := r.Render(w, httptest.NewRequest("GET", "/", nil), 200, "error.html", p); err != nil {
			t.Fatal(err)
		}
		body := w.Body.String()
		for _, src := range []string{`<script src="/static/vendor/echarts.min.js" defer></script>`, `<script src="/static/charts.js" defer></script>`} {
			if strings.Contains(body, src) != charts {
				t.Errorf("Charts=%v: %s present = %v", charts, src, !charts)
			}
		}
	}
}
