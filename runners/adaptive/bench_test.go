package adaptive_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hanbench/hanbench/runners"
	"github.com/hanbench/hanbench/runners/adaptive"
	"github.com/hanbench/hanbench/runners/retry"
)

// BenchmarkHiddenCap compares --concurrency auto with fixed concurrencies
// against a server that takes 24 requests at once, answers each in 100 ms
// and refuses any request beyond 24 with 429 and "Retry-After: 1" (as a
// hosted API's concurrency limit does). Each iteration sends 1200
// generations through retry(openai) (fixed) or retry(adaptive(openai))
// (auto, 256 workers), starting cold, so the warm-up is paid for. The
// best possible is 24 / 100 ms = 240 requests/s.
//
//	go test -run '^$' -bench HiddenCap -benchtime 1x ./runners/adaptive/
//
// Metrics: req/s (successful generations per second of wall time),
// 429/req (refusals per generation: wasted requests), failed (generations
// that ran out of retries), limit (the auto limit at the end).
func BenchmarkHiddenCap(b *testing.B) {
	const (
		capacity = 24
		latency  = 100 * time.Millisecond
		n        = 1200
	)
	cases := []struct {
		name    string
		workers int
		auto    bool
	}{
		{"auto", 256, true},
		{"fixed-8", 8, false},
		{"fixed-24", 24, false}, // an oracle that knows the cap
		{"fixed-64", 64, false},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var reqs, refused, failed, limit float64
			var elapsed time.Duration
			for b.Loop() {
				srv := newCappedServer(b, capacity, latency, time.Second)
				var r runners.Runner = srv.client(b, c.workers)
				var l *adaptive.Limiter
				if c.auto {
					l = newLimiter(b, adaptive.Options{Max: c.workers})
					r = l.Wrap(r)
				}
				r = retry.Wrap(r, retry.Policy{MaxAttempts: 100, MaxElapsed: 10 * time.Minute})
				start := time.Now()
				errs := drive(r, c.workers, n, nil)
				elapsed += time.Since(start)
				reqs += float64(n - len(errs))
				failed += float64(len(errs))
				refused += float64(srv.refused.Load())
				if l != nil {
					limit = float64(l.Limit())
					b.Logf("auto: %+v", l.Stats())
				}
			}
			b.ReportMetric(reqs/elapsed.Seconds(), "req/s")
			b.ReportMetric(refused/(reqs+failed), "429/req")
			b.ReportMetric(failed, "failed")
			if c.auto {
				b.ReportMetric(limit, "limit")
			}
			b.ReportMetric(0, "ns/op") // the wall time is in req/s
		})
	}
}

// ExampleLimiter shows the wiring for --concurrency auto: the limiter
// inside the retry decorator, the engine's workers (and the HTTP pool)
// sized to the limiter's Max.
func ExampleLimiter() {
	lim, err := adaptive.New(adaptive.Options{Initial: 8, Max: 256})
	if err != nil {
		panic(err)
	}
	var backend runners.Runner // openai.New(runners.Config{..., Concurrency: 256})
	_ = retry.Wrap(lim.Wrap(backend), retry.Policy{})
	fmt.Println(lim.Limit())
	// Output: 8
}
