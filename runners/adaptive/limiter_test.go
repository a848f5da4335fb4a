package adaptive

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hanbench/hanbench/runners"
)

func mustNew(t *testing.T, o Options) *Limiter {
	t.Helper()
	l, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func rateLimited(ra time.Duration) error {
	return &runners.Error{Kind: runners.KindRateLimit, Status: 429, Message: "slow down", RetryAfter: ra}
}

// eventually polls cond; it is a synchronisation helper, not a timing
// assertion (the deadline only stops a broken test from hanging).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestNewValidates(t *testing.T) {
	cases := []struct {
		o    Options
		want string // "" for valid
	}{
		{Options{}, ""},
		{Options{Min: 4, Max: 4}, ""},
		{Options{Min: -1}, "negative"},
		{Options{Max: 2, Min: 3}, "Max 2 is below Min 3"},
		{Options{Backoff: 1}, "Backoff"},
		{Options{Backoff: -0.5}, "Backoff"},
		{Options{LatencyTolerance: 0.9}, "LatencyTolerance"},
		{Options{MaxPause: -time.Second}, "MaxPause"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%+v", c.o), func(t *testing.T) {
			_, err := New(c.o)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("New: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("New = %v, want an error mentioning %q", err, c.want)
			}
		})
	}
}

func TestDefaultsAndClamping(t *testing.T) {
	cases := []struct {
		o                    Options
		limit, minL, maxL, p int
	}{
		{Options{}, DefaultInitial, DefaultMin, DefaultMax, DefaultInitial},
		{Options{Initial: 500}, DefaultMax, DefaultMin, DefaultMax, DefaultMax},
		{Options{Min: 16}, 16, 16, DefaultMax, 16},
		{Options{Max: 4}, 4, 1, 4, 4},
		{Options{Min: 300}, 300, 300, 300, 300},
	}
	for _, c := range cases {
		l := mustNew(t, c.o)
		if st := l.Stats(); st.Limit != c.limit || l.o.Min != c.minL || l.o.Max != c.maxL || st.Peak != c.p || !st.SlowStart {
			t.Errorf("%+v: stats %+v, min %d, max %d", c.o, st, l.o.Min, l.o.Max)
		}
	}
}

func TestIsOverload(t *testing.T) {
	cases := []struct {
		err  error
		want bool
		ra   time.Duration
	}{
		{rateLimited(2 * time.Second), true, 2 * time.Second},
		{fmt.Errorf("replica 2: %w", rateLimited(0)), true, 0},
		{&runners.Error{Kind: runners.KindServer, Status: 503, RetryAfter: time.Second}, true, time.Second},
		{&runners.Error{Kind: runners.KindServer, Status: 529}, true, 0},
		{&runners.Error{Kind: runners.KindServer, Status: 500, RetryAfter: time.Second}, false, 0},
		{&runners.Error{Kind: runners.KindTimeout}, false, 0},
		{&runners.Error{Kind: runners.KindBadRequest, Status: 400}, false, 0},
		{&runners.Error{Kind: runners.KindAuth, Status: 401}, false, 0},
		{errors.New("something else"), false, 0},
		{context.Canceled, false, 0},
	}
	for _, c := range cases {
		got, ra := IsOverload(c.err)
		if got != c.want || ra != c.ra {
			t.Errorf("IsOverload(%v) = %v, %v; want %v, %v", c.err, got, ra, c.want, c.ra)
		}
	}
}

// acquireAll takes every free slot.
func acquireAll(l *Limiter) []ticket {
	var ts []ticket
	for {
		t, ok := l.tryAcquire()
		if !ok {
			return ts
		}
		ts = append(ts, t)
	}
}

// TestOneDecreasePerRound: a burst of refusals of calls sent at the same
// limit lowers it once; a refusal of a call sent after the decrease lowers
// it again.
func TestOneDecreasePerRound(t *testing.T) {
	l := mustNew(t, Options{Initial: 20, NoPause: true})
	ts := acquireAll(l)
	if len(ts) != 20 {
		t.Fatalf("%d slots, want 20", len(ts))
	}
	for _, tk := range ts {
		l.release(tk, 0, rateLimited(0), false)
	}
	st := l.Stats()
	// The first refusal met all 20 calls: 20·0.7 = 14.
	if st.Decreases != 1 || st.Overloads != 20 || st.Limit != 14 || st.SlowStart {
		t.Fatalf("after a burst of 20 refusals: %+v, want one decrease to 14", st)
	}
	tk, _ := l.tryAcquire()
	l.release(tk, 0, rateLimited(0), false)
	// The refused load was one call in flight: the limit falls to Min.
	if st := l.Stats(); st.Decreases != 2 || st.Limit != 1 {
		t.Errorf("after a refusal of a lone call: %+v, want a second decrease to 1", st)
	}
}

// TestOutcomesThatDoNotMoveTheLimit: errors that are not overloads and
// calls whose caller gave up change nothing.
func TestOutcomesThatDoNotMoveTheLimit(t *testing.T) {
	errs := []error{
		&runners.Error{Kind: runners.KindServer, Status: 500, RetryAfter: time.Second},
		&runners.Error{Kind: runners.KindBadRequest, Status: 400},
		&runners.Error{Kind: runners.KindTimeout},
		errors.New("plain"),
	}
	l := mustNew(t, Options{Initial: 8})
	for _, err := range errs {
		ts := acquireAll(l)
		for _, tk := range ts {
			l.release(tk, time.Second, err, false)
		}
	}
	ts := acquireAll(l)
	for _, tk := range ts {
		l.release(tk, time.Second, rateLimited(time.Hour), true) // canceled
	}
	st := l.Stats()
	if st.Limit != 8 || st.Increases != 0 || st.Decreases != 0 || st.Overloads != 0 || st.Pauses != 0 || st.InFlight != 0 {
		t.Errorf("stats %+v, want the limit untouched", st)
	}
}

// TestGrowthNeedsHalfTheLimitInUse: successes of calls made while less
// than half the limit was used do not raise it.
func TestGrowthNeedsHalfTheLimitInUse(t *testing.T) {
	l := mustNew(t, Options{Initial: 8})
	for range 100 {
		a, _ := l.tryAcquire()
		b, _ := l.tryAcquire()
		c, _ := l.tryAcquire()
		for _, tk := range []ticket{a, b, c} {
			l.release(tk, time.Second, nil, false)
		}
	}
	if st := l.Stats(); st.Limit != 8 || st.Increases != 0 {
		t.Errorf("3 of 8 in use: %+v, want no growth", st)
	}
	for range 100 {
		ts := []ticket{}
		for range 4 {
			tk, _ := l.tryAcquire()
			ts = append(ts, tk)
		}
		for _, tk := range ts {
			l.release(tk, time.Second, nil, false)
		}
	}
	// Four in use is half of 8: the limit grows once, to 9, and stops.
	if st := l.Stats(); st.Limit != 9 || st.Increases != 1 {
		t.Errorf("4 in use: %+v, want the limit to stop at 9", st)
	}
}

func TestSimGrowsToMaxUnlimited(t *testing.T) {
	for _, max := range []int{64, 256} {
		s := newSim(t, Options{Max: max}, 0, max+50, 300*time.Millisecond, time.Second)
		n := 0
		for s.l.Limit() < max && n < 100 {
			n++
			s.run(n * 100)
		}
		st := s.l.Stats()
		// Slow start adds one per success: about max successes.
		if st.Limit != max || st.Peak != max || st.Decreases != 0 || s.successes > 2*max+100 {
			t.Errorf("max %d: after %d successes, stats %+v", max, s.successes, st)
		}
		s.run(s.successes + 5000)
		if st := s.l.Stats(); st.Limit != max || s.maxAtServer != max {
			t.Errorf("max %d: stats %+v, at most %d at the server", max, st, s.maxAtServer)
		}
	}
}

func TestSimDemandBoundsTheLimit(t *testing.T) {
	s := newSim(t, Options{Max: 256}, 0, 8, 100*time.Millisecond, time.Second)
	s.run(5000)
	if st := s.l.Stats(); st.Peak > 17 || st.Limit < 8 {
		t.Errorf("8 workers: %+v, want the limit between 8 and 17", st)
	}
}

// TestSimCapacityGrows: when the server's capacity rises the limit follows
// without a restart.
func TestSimCapacityGrows(t *testing.T) {
	s := newSim(t, Options{Max: 256}, 16, 256, 200*time.Millisecond, time.Second)
	s.run(10000)
	if l := s.l.Limit(); l < 10 || l > 17 {
		t.Fatalf("limit %d against a cap of 16", l)
	}
	s.cap = 80
	s.samples, s.warmAfter = nil, s.successes+20000
	s.run(s.successes + 30000)
	lo, hi := s.minMax()
	t.Logf("after the cap rose to 80: limit %d..%d, mean %.1f, stats %+v", lo, hi, s.meanSample(), s.l.Stats())
	if m := s.meanSample(); m < 56 || m > 89 {
		t.Errorf("mean limit %.1f after the cap rose to 80", m)
	}
}

// TestLatencyHold: with LatencyTolerance set, rounds much slower than the
// best one hold the growth; it resumes when latency comes back.
func TestLatencyHold(t *testing.T) {
	l := mustNew(t, Options{Initial: 4, LatencyTolerance: 2})
	round := func(lat time.Duration) {
		for _, tk := range acquireAll(l) {
			l.release(tk, lat, nil, false)
		}
	}
	round(100 * time.Millisecond) // baseline; slow start to 8
	if got := l.Limit(); got != 8 {
		t.Fatalf("limit %d after one fast round, want 8", got)
	}
	round(150 * time.Millisecond) // within tolerance: 16
	round(350 * time.Millisecond) // grows during the round, then holds
	held := l.Limit()
	for range 5 {
		round(350 * time.Millisecond)
	}
	if st := l.Stats(); st.Limit != held || st.Held < 5 {
		t.Errorf("slow rounds: %+v, want the limit held at %d", st, held)
	}
	round(120 * time.Millisecond) // the first fast round still sees the hold decided before it
	round(120 * time.Millisecond)
	if got := l.Limit(); got <= held {
		t.Errorf("limit %d after fast rounds, want growth beyond %d", got, held)
	}
}

// fakeRunner counts calls and answers with the error its script gives.
type fakeRunner struct {
	calls   atomic.Int64
	err     func(n int64) error
	block   chan struct{} // when non-nil, calls wait on it
	latency time.Duration
}

func (f *fakeRunner) Generate(ctx context.Context, req runners.GenerateRequest) (runners.GenerateResponse, error) {
	n := f.calls.Add(1)
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			return runners.GenerateResponse{}, &runners.Error{Kind: runners.KindTimeout, Err: ctx.Err()}
		}
	}
	if f.err != nil {
		if err := f.err(n); err != nil {
			return runners.GenerateResponse{}, err
		}
	}
	return runners.GenerateResponse{Text: "ok", Usage: runners.Usage{Latency: f.latency}}, nil
}

func (f *fakeRunner) LogLikelihood(ctx context.Context, req runners.LogLikelihoodRequest) (runners.LogLikelihoodResponse, error) {
	_, err := f.Generate(ctx, runners.GenerateRequest{})
	return runners.LogLikelihoodResponse{Results: make([]runners.LogLikelihood, len(req.Pairs))}, err
}

// TestRetryAfterPausesEveryCaller: after a 429 with Retry-After, no call
// starts, from any caller, until the pause has elapsed on the clock.
func TestRetryAfterPausesEveryCaller(t *testing.T) {
	c := newFakeClock()
	l := mustNew(t, c.options(Options{Initial: 8}))
	inner := &fakeRunner{err: func(n int64) error {
		if n == 1 {
			return rateLimited(2 * time.Second)
		}
		return nil
	}}
	r := l.Wrap(inner)
	ctx := context.Background()
	if _, err := r.Generate(ctx, runners.GenerateRequest{}); err == nil {
		t.Fatal("first call did not fail")
	}
	paused := c.Now().Add(2 * time.Second)
	if st := l.Stats(); !st.PausedUntil.Equal(paused) || st.Pauses != 1 {
		t.Fatalf("stats %+v, want a pause until %v", st, paused)
	}
	var wg sync.WaitGroup
	var done atomic.Int64
	for range 5 {
		wg.Go(func() {
			if _, err := r.Generate(ctx, runners.GenerateRequest{}); err != nil {
				t.Error(err)
			}
			done.Add(1)
		})
	}
	eventually(t, "5 callers queued", func() bool { return l.Stats().Waiting == 5 })
	c.Advance(2*time.Second - time.Nanosecond)
	if st := l.Stats(); inner.calls.Load() != 1 || st.Waiting != 5 || st.InFlight != 0 {
		t.Fatalf("before the pause ended: %d calls, stats %+v", inner.calls.Load(), st)
	}
	c.Advance(time.Nanosecond)
	wg.Wait()
	// The limit fell to max(1, 1·0.7): the five went one after another.
	if n := inner.calls.Load(); n != 6 || done.Load() != 5 {
		t.Errorf("%d calls after the pause, want 6", n)
	}
	if st := l.Stats(); st.Waiting != 0 || st.InFlight != 0 || !st.PausedUntil.IsZero() {
		t.Errorf("stats %+v", st)
	}
}

func TestPauseExtendsCapsAndCanBeOff(t *testing.T) {
	c := newFakeClock()
	l := mustNew(t, c.options(Options{Initial: 8, MaxPause: 30 * time.Second}))
	start := c.Now()
	release := func(ra time.Duration) {
		tk, ok := l.tryAcquire()
		if !ok {
			t.Fatal("no slot")
		}
		l.release(tk, 0, rateLimited(ra), false)
	}
	a, _ := l.tryAcquire()
	b, _ := l.tryAcquire()
	l.release(a, 0, rateLimited(5*time.Second), false)
	l.release(b, 0, rateLimited(2*time.Second), false) // shorter: the pause stays
	if _, ok := l.tryAcquire(); ok {
		t.Fatal("a slot during the pause")
	}
	if st := l.Stats(); !st.PausedUntil.Equal(start.Add(5*time.Second)) || st.Pauses != 1 {
		t.Errorf("stats %+v, want a pause until +5s", st)
	}
	c.Advance(5 * time.Second)
	release(time.Hour) // capped at MaxPause
	if st := l.Stats(); !st.PausedUntil.Equal(start.Add(35*time.Second)) || st.Pauses != 2 {
		t.Errorf("stats %+v, want a pause until +35s", st)
	}

	l = mustNew(t, c.options(Options{Initial: 8, NoPause: true}))
	release(time.Hour)
	if st := l.Stats(); !st.PausedUntil.IsZero() || st.Pauses != 0 || st.Decreases != 1 {
		t.Errorf("NoPause: stats %+v", st)
	}
	if _, ok := l.tryAcquire(); !ok {
		t.Error("NoPause: no slot after a refusal")
	}
}

// TestQueueIsFIFOAndCancellable: waiting calls get slots in arrival order;
// one whose context ends leaves the queue with the context's error and
// takes no slot.
func TestQueueIsFIFOAndCancellable(t *testing.T) {
	l := mustNew(t, Options{Min: 1, Max: 1})
	hold, _ := l.tryAcquire()
	var order []int
	var mu sync.Mutex
	var wg sync.WaitGroup
	ctx := context.Background()
	cctx, cancel := context.WithCancel(ctx)
	cancelled := make(chan error, 1)
	for i := range 4 {
		c := ctx
		if i == 1 {
			c = cctx
		}
		wg.Go(func() {
			tk, err := l.acquire(c)
			if i == 1 {
				cancelled <- err
				return
			}
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			l.release(tk, time.Millisecond, nil, false)
		})
		eventually(t, fmt.Sprintf("caller %d queued", i), func() bool { return l.Stats().Waiting == i+1 })
	}
	cancel()
	err := <-cancelled
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled waiter: %v, want context.Canceled", err)
	}
	if st := l.Stats(); st.Waiting != 3 || st.InFlight != 1 {
		t.Errorf("after the cancel: %+v", st)
	}
	l.release(hold, time.Millisecond, nil, false)
	wg.Wait()
	if fmt.Sprint(order) != "[0 2 3]" {
		t.Errorf("order %v, want [0 2 3]", order)
	}
	if st := l.Stats(); st.Waiting != 0 || st.InFlight != 0 {
		t.Errorf("at the end: %+v", st)
	}
	// A context already done never queues.
	if _, err := l.acquire(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("done context: %v", err)
	}
}

// TestConcurrentCallersNeverExceedTheLimit hammers a wrapped fake with
// goroutines and random-ish refusals under -race, checking the in-flight
// count against the limit from inside the backend.
func TestConcurrentCallersNeverExceedTheLimit(t *testing.T) {
	l := mustNew(t, Options{Initial: 4, Max: 32})
	var inflight, peak, over atomic.Int64
	inner := runnerFunc(func(ctx context.Context) error {
		n := inflight.Add(1)
		defer inflight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		if n > int64(l.Stats().Peak) {
			over.Add(1)
		}
		select {
		case <-time.After(100 * time.Microsecond):
		case <-ctx.Done():
			return ctx.Err()
		}
		if n > 12 {
			return rateLimited(0)
		}
		return nil
	})
	r := l.Wrap(inner)
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range 64 {
		wg.Go(func() {
			for j := range 100 {
				c, cancel := ctx, context.CancelFunc(func() {})
				switch (i + j) % 17 {
				case 0: // done before the call
					c, cancel = context.WithCancel(ctx)
					cancel()
				case 1, 2: // likely done while waiting for a slot
					c, cancel = context.WithTimeout(ctx, time.Duration(j%5)*50*time.Microsecond)
				}
				r.Generate(c, runners.GenerateRequest{})
				cancel()
			}
		})
	}
	wg.Wait()
	st := l.Stats()
	t.Logf("peak in flight %d, stats %+v", peak.Load(), st)
	if over.Load() != 0 || peak.Load() > 32 || st.InFlight != 0 || st.Waiting != 0 {
		t.Errorf("%d calls beyond the peak limit, peak in flight %d, stats %+v", over.Load(), peak.Load(), st)
	}
}

type runnerFunc func(ctx context.Context) error

func (f runnerFunc) Generate(ctx context.Context, _ runners.GenerateRequest) (runners.GenerateResponse, error) {
	return runners.GenerateResponse{}, f(ctx)
}

func (f runnerFunc) LogLikelihood(ctx context.Context, _ runners.LogLikelihoodRequest) (runners.LogLikelihoodResponse, error) {
	return runners.LogLikelihoodResponse{}, f(ctx)
}

type describedFake struct{ fakeRunner }

func (*describedFake) Describe() runners.Description {
	return runners.Description{Kind: "fake", Model: "m"}
}

// TestWrapPassesThrough: responses, errors and descriptions are the
// wrapped runner's.
func TestWrapPassesThrough(t *testing.T) {
	l := mustNew(t, Options{})
	want := rateLimited(0)
	r := l.Wrap(&fakeRunner{err: func(int64) error { return want }})
	if _, ok := r.(runners.Describer); ok {
		t.Error("a runner without Describe became a Describer")
	}
	if _, err := r.Generate(context.Background(), runners.GenerateRequest{}); err != want {
		t.Errorf("Generate error %v, want the backend's own", err)
	}
	if _, err := r.LogLikelihood(context.Background(), runners.LogLikelihoodRequest{Pairs: make([]runners.Continuation, 2)}); err != want {
		t.Errorf("LogLikelihood error %v, want the backend's own", err)
	}
	d, ok := l.Wrap(&describedFake{}).(runners.Describer)
	if !ok || d.Describe().Kind != "fake" {
		t.Errorf("description lost: %v", ok)
	}
	resp, err := l.Wrap(&fakeRunner{latency: time.Second}).Generate(context.Background(), runners.GenerateRequest{})
	if err != nil || resp.Text != "ok" || resp.Usage.Latency != time.Second {
		t.Errorf("response %+v, %v", resp, err)
	}
}
