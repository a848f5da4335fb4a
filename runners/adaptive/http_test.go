package adaptive_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hanbench/hanbench/runners"
	"github.com/hanbench/hanbench/runners/adaptive"
	"github.com/hanbench/hanbench/runners/retry"
	"github.com/hanbench/hanbench/runners/runnertest"
)

func newLimiter(t testing.TB, o adaptive.Options) *adaptive.Limiter {
	t.Helper()
	l, err := adaptive.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestConformance runs the runner suite through the limiter. The 429 and
// 500 subtests get their own runner, so a pause one of them starts never
// delays another.
func TestConformance(t *testing.T) {
	runnertest.Run(t, func(t *testing.T, baseURL string) runners.Runner {
		return newLimiter(t, adaptive.Options{Initial: 4, Max: 64}).Wrap(newOpenAI(t, baseURL))
	})
}

// TestStackConformance runs the suite through the recommended stack,
// retry(adaptive(openai)), with retry waits skipped.
func TestStackConformance(t *testing.T) {
	noSleep := func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	runnertest.Run(t, func(t *testing.T, baseURL string) runners.Runner {
		// The 429 subtests fail every attempt with a Retry-After of ~2 s,
		// which the limiter's pause makes the second attempt wait for in
		// real time (retry's own wait is skipped): two attempts only.
		l := newLimiter(t, adaptive.Options{})
		return retry.Wrap(l.Wrap(newOpenAI(t, baseURL)), retry.Policy{Sleep: noSleep, MaxAttempts: 2})
	})
}

// TestConvergesUnderHiddenCap: 64 workers call, through
// retry(adaptive(openai)), a server that refuses with 429 and Retry-After
// any request beyond 24 at once. Every request succeeds; after warm-up the
// limit stays in a band around 24; refusals are a small fraction.
func TestConvergesUnderHiddenCap(t *testing.T) {
	const capacity, n = 24, 3000
	srv := newCappedServer(t, capacity, 15*time.Millisecond, 150*time.Millisecond)
	l := newLimiter(t, adaptive.Options{Max: 64})
	r := retry.Wrap(l.Wrap(srv.client(t, 64)), retry.Policy{MaxAttempts: 20})
	var mu sync.Mutex
	var samples []int
	done := 0
	errs := drive(r, 64, n, func() {
		lim := l.Limit()
		mu.Lock()
		defer mu.Unlock()
		done++
		if done > n/4 {
			samples = append(samples, lim)
		}
	})
	for _, err := range errs {
		t.Error(err)
	}
	st := l.Stats()
	lo, hi, sum := 1<<30, 0, 0
	for _, v := range samples {
		lo, hi, sum = min(lo, v), max(hi, v), sum+v
	}
	mean := float64(sum) / float64(len(samples))
	t.Logf("limit after warm-up: %d..%d, mean %.1f; server: %d served, %d refused, peak %d; stats %+v",
		lo, hi, mean, srv.served.Load(), srv.refused.Load(), srv.peak.Load(), st)
	if lo < capacity/3 || hi > capacity+capacity/2 {
		t.Errorf("limit left [%d, %d] after warm-up: %d..%d", capacity/3, capacity+capacity/2, lo, hi)
	}
	if mean < 0.6*capacity || mean > 1.2*capacity {
		t.Errorf("mean limit %.1f, want near %d", mean, capacity)
	}
	if refused := srv.refused.Load(); refused > n/20 || st.Decreases == 0 {
		t.Errorf("%d refusals for %d requests (%d decreases), want some but at most 5%%", refused, n, st.Decreases)
	}
	if srv.peak.Load() != capacity {
		t.Errorf("the server peaked at %d requests at once, want its cap %d", srv.peak.Load(), capacity)
	}
}

// TestGrowsToMaxUnlimited: against a server without a cap the limit
// climbs to Max and nothing is refused.
func TestGrowsToMaxUnlimited(t *testing.T) {
	const max = 48
	srv := newCappedServer(t, 0, 10*time.Millisecond, time.Second)
	l := newLimiter(t, adaptive.Options{Max: max})
	errs := drive(l.Wrap(srv.client(t, max)), max+16, 2000, nil)
	for _, err := range errs {
		t.Error(err)
	}
	st := l.Stats()
	if st.Limit != max || st.Peak != max || st.Decreases != 0 || !st.SlowStart {
		t.Errorf("stats %+v, want the limit at %d", st, max)
	}
	if p := srv.peak.Load(); p > max || p < max/2 {
		t.Errorf("server peak %d requests at once, want up to %d", p, max)
	}
}

// TestRetryAfterHonouredOverHTTP: after a 429 announcing 400 ms reaches
// the limiter, no request from any caller reaches the server until 400 ms
// after the server wrote that 429. Lower bounds only: a slow machine
// makes the gap longer, never shorter.
func TestRetryAfterHonouredOverHTTP(t *testing.T) {
	const ra = 400 * time.Millisecond
	srv := newCappedServer(t, 1, 300*time.Millisecond, ra)
	l := newLimiter(t, adaptive.Options{Initial: 2})
	r := l.Wrap(srv.client(t, 8))
	ctx := context.Background()
	req := runners.GenerateRequest{Messages: []runners.Message{{Role: "user", Content: "x"}}}
	// Two at once against a cap of one: one is served, one refused.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() { _, errs[i] = r.Generate(ctx, req) })
	}
	wg.Wait()
	var re *runners.Error
	if !(errors.As(errs[0], &re) || errors.As(errs[1], &re)) || re.Kind != runners.KindRateLimit || re.RetryAfter != ra {
		t.Fatalf("errors %v, want one 429 announcing %v", errs, ra)
	}
	if st := l.Stats(); st.Pauses != 1 {
		t.Fatalf("stats %+v, want one pause", st)
	}
	// Eight callers now: none may reach the server before the pause ends.
	before, _ := srv.times()
	for range 8 {
		wg.Go(func() { r.Generate(ctx, req) })
	}
	wg.Wait()
	arrivals, refusals := srv.times()
	if len(refusals) == 0 || len(arrivals) < len(before)+8 {
		t.Fatalf("%d arrivals, %d refusals", len(arrivals), len(refusals))
	}
	resume := refusals[0].Add(ra)
	for _, a := range arrivals[len(before):] {
		if a.Before(resume) {
			t.Errorf("a request arrived %v after the 429, before its Retry-After of %v", a.Sub(refusals[0]), ra)
		}
	}
}
