package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hanbench/hanbench/evals/demo"
	"github.com/hanbench/hanbench/runners/adaptive"
)

func TestConcurrencyFlag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--concurrency", "x"}, "want a number or auto"},
		{[]string{"--concurrency", "0"}, "--concurrency must be at least 1"},
		{[]string{"--concurrency", "auto", "--max-concurrency", "0"}, "--max-concurrency must be at least 1"},
		{[]string{"--concurrency", "auto", "--max-attempts", "1"}, "need retries"},
	} {
		c := newTestProc(t, nil)
		args := append([]string{"run", "--model", "m", "--base-url", "http://127.0.0.1:1/v1", "--tasks", "kmmlu_sample",
			"--out", filepath.Join(t.TempDir(), "o"), "--no-cache"}, tc.args...)
		if code := c.run(args...); code != ExitUsage || !strings.Contains(c.errOut.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want usage error %q", tc.args, code, c.errOut, tc.want)
		}
	}
}

// TestConcurrencyAuto runs `--concurrency auto` against a server that
// takes at most 6 requests at once and answers 429 with Retry-After
// beyond: every sample is scored, the scores equal a fixed-concurrency
// run's, and the limiter stayed near the cap (few 429s).
func TestConcurrencyAuto(t *testing.T) {
	t.Parallel()
	items, err := demo.CatalogItems()
	if err != nil {
		t.Fatal(err)
	}
	model := uniqueModel(t)
	srv := demo.NewServer([]demo.Model{{Name: model, Skill: 0.7, Latency: 10 * time.Millisecond}}, items)
	const capacity = 6
	var inFlight, requests, rejected atomic.Int64
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			requests.Add(1)
			if inFlight.Add(1) > capacity {
				inFlight.Add(-1)
				rejected.Add(1)
				w.Header().Set("Retry-After", "0")
				http.Error(w, `{"error":{"message":"too many requests","type":"rate_limit"}}`, http.StatusTooManyRequests)
				return
			}
			defer inFlight.Add(-1)
		}
		srv.Handler().ServeHTTP(w, r)
	}))
	defer hs.Close()

	run := func(conc string) string {
		out := filepath.Join(t.TempDir(), "out")
		c := newTestProc(t, nil)
		code := c.run("run", "--model", model, "--base-url", hs.URL+"/v1", "--tasks", "kmmlu_sample,kobest_boolq_sample",
			"--out", out, "--no-cache", "--no-progress", "--concurrency", conc, "--max-concurrency", "64")
		if code != ExitOK {
			t.Fatalf("--concurrency %s: exit %d\n%s", conc, code, c.errOut)
		}
		if conc == "auto" && !strings.Contains(c.errOut.String(), "adaptive concurrency: final limit") {
			t.Errorf("no adaptive summary in stderr:\n%s", c.errOut)
		}
		return out
	}
	fixed := run("4")
	before := requests.Load()
	rejectedBefore := rejected.Load()
	auto := run("auto")
	n, r := requests.Load()-before, rejected.Load()-rejectedBefore
	ff, fs := readRunDir(t, fixed)
	af, as := readRunDir(t, auto)
	if af.Config.Concurrency != 64 || !af.Config.ConcurrencyAuto || ff.Config.ConcurrencyAuto {
		t.Errorf("results.json concurrency %d auto %v (fixed run: auto %v); want 64, true, false", af.Config.Concurrency, af.Config.ConcurrencyAuto, ff.Config.ConcurrencyAuto)
	}
	for name, ft := range ff.Tasks {
		at := af.Tasks[name]
		if at == nil || !reflect.DeepEqual(ft.Metrics, at.Metrics) || at.Errors != 0 {
			t.Errorf("%s: auto %+v, fixed %+v", name, at, ft)
		}
	}
	if len(fs) != len(as) {
		t.Fatalf("%d samples with auto, %d fixed", len(as), len(fs))
	}
	for i := range fs {
		if fs[i].Extracted != as[i].Extracted || !reflect.DeepEqual(fs[i].Metrics, as[i].Metrics) || as[i].Error != "" {
			t.Fatalf("sample %d: auto %+v, fixed %+v", i, as[i], fs[i])
		}
	}
	t.Logf("auto: %d requests, %d rejected with 429", n, r)
	if n == 0 || float64(r) > 0.3*float64(n) {
		t.Errorf("auto: %d of %d requests rejected with 429; the limiter should stay near the server's cap", r, n)
	}
}

// TestConcurrencyMetrics: --metrics-addr exports the adaptive limit.
func TestConcurrencyMetrics(t *testing.T) {
	t.Parallel()
	rm, err := startRunMetrics(newTestProc(t, nil).gs, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Close()
	lim, err := adaptive.New(adaptive.Options{Initial: 12, Max: 64})
	if err != nil {
		t.Fatal(err)
	}
	if err := rm.watchLimiter(lim); err != nil {
		t.Fatal(err)
	}
	m := scrape(t, rm.URL())
	if m["hanbench_concurrency_limit"] != 12 || m["hanbench_concurrency_overloads_total"] != 0 {
		t.Errorf("limit %v, overloads %v; want 12 and 0", m["hanbench_concurrency_limit"], m["hanbench_concurrency_overloads_total"])
	}
}
