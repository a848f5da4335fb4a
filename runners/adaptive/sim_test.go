package adaptive

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/hanbench/hanbench/runners"
)

// sim is a deterministic discrete-event simulation of workers calling a
// server through a Limiter, on a fake clock. The server takes at most cap
// calls at once and answers a call beyond that at once with 429 and
// Retry-After; a worker whose call was refused waits Retry-After (as the
// retry decorator does) and tries again.
type sim struct {
	t       *testing.T
	clock   *fakeClock
	l       *Limiter
	cap     int // 0: unlimited
	workers int
	latency func(i int) time.Duration
	ra      time.Duration

	ready    int         // workers wanting to send
	wakes    []time.Time // workers waiting out a Retry-After
	pending  []event     // calls in flight
	atServer int
	sent     int

	successes, refusals int
	samples             []int // limit after each success once warm
	warmAfter           int   // successes before sampling
	maxAtServer         int
}

type event struct {
	at  time.Time
	t   ticket
	ok  bool
	lat time.Duration
}

func (s *sim) refusal() error {
	return fmt.Errorf("replica 1: %w", &runners.Error{Kind: runners.KindRateLimit, Status: 429, Message: "too many", RetryAfter: s.ra})
}

// run simulates until n calls have succeeded.
func (s *sim) run(n int) {
	s.ready = s.workers
	for s.successes < n {
		now := s.clock.Now()
		for s.ready > 0 {
			t, ok := s.l.tryAcquire()
			if !ok {
				break
			}
			s.ready--
			if s.cap > 0 && s.atServer >= s.cap {
				s.pending = append(s.pending, event{at: now.Add(time.Millisecond), t: t})
				continue
			}
			lat := s.latency(s.sent)
			s.sent++
			s.atServer++
			s.maxAtServer = max(s.maxAtServer, s.atServer)
			s.pending = append(s.pending, event{at: now.Add(lat), t: t, ok: true, lat: lat})
		}
		// The next moment something happens.
		next := time.Time{}
		consider := func(at time.Time) {
			if next.IsZero() || at.Before(next) {
				next = at
			}
		}
		for _, e := range s.pending {
			consider(e.at)
		}
		for _, w := range s.wakes {
			consider(w)
		}
		if st := s.l.Stats(); s.ready > 0 && !st.PausedUntil.IsZero() {
			consider(st.PausedUntil)
		}
		if next.IsZero() {
			s.t.Fatalf("simulation stuck: %d ready, %+v", s.ready, s.l.Stats())
		}
		s.clock.Advance(next.Sub(now))
		now = s.clock.Now()
		var keep []event
		for _, e := range s.pending {
			if e.at.After(now) {
				keep = append(keep, e)
				continue
			}
			if e.ok {
				s.atServer--
				s.l.release(e.t, e.lat, nil, false)
				s.successes++
				s.ready++
				if s.successes > s.warmAfter {
					s.samples = append(s.samples, s.l.Limit())
				}
			} else {
				s.refusals++
				s.l.release(e.t, 0, s.refusal(), false)
				s.wakes = append(s.wakes, now.Add(s.ra))
			}
		}
		s.pending = keep
		var sleeping []time.Time
		for _, w := range s.wakes {
			if w.After(now) {
				sleeping = append(sleeping, w)
			} else {
				s.ready++
			}
		}
		s.wakes = sleeping
	}
}

func (s *sim) meanSample() float64 {
	sum := 0
	for _, v := range s.samples {
		sum += v
	}
	return float64(sum) / float64(len(s.samples))
}

func (s *sim) minMax() (int, int) {
	lo, hi := math.MaxInt, 0
	for _, v := range s.samples {
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi
}

// jitter is a deterministic latency between base and twice base.
func jitter(base time.Duration) func(int) time.Duration {
	return func(i int) time.Duration {
		x := uint32(i)*2654435761 + 12345
		return base + time.Duration(uint64(base)*uint64(x%1000)/1000)
	}
}

func newSim(t *testing.T, o Options, capacity, workers int, base, ra time.Duration) *sim {
	t.Helper()
	c := newFakeClock()
	l, err := New(c.options(o))
	if err != nil {
		t.Fatal(err)
	}
	return &sim{t: t, clock: c, l: l, cap: capacity, workers: workers, latency: jitter(base), ra: ra}
}

// TestSimConvergesUnderCap: against servers with a hidden cap, after the
// first few overloads the limit stays in a band around the cap, the server
// is kept busy, and refusals are a small fraction of the calls.
func TestSimConvergesUnderCap(t *testing.T) {
	cases := []struct {
		capacity, workers, max int
		base, ra               time.Duration
	}{
		{24, 128, 128, 100 * time.Millisecond, time.Second},
		{24, 256, 256, time.Second, time.Second},
		{24, 64, 64, 20 * time.Millisecond, 3 * time.Second},
		{100, 256, 256, 500 * time.Millisecond, 2 * time.Second},
		{6, 64, 256, 200 * time.Millisecond, time.Second},
		{24, 128, 256, 100 * time.Millisecond, 0}, // no Retry-After: no pause
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("cap%d-workers%d-lat%v-ra%v", c.capacity, c.workers, c.base, c.ra), func(t *testing.T) {
			s := newSim(t, Options{Max: c.max}, c.capacity, c.workers, c.base, c.ra)
			const n = 40 * 1000
			s.warmAfter = 5000
			s.run(n)
			st := s.l.Stats()
			lo, hi := s.minMax()
			mean := s.meanSample()
			elapsed := s.clock.Now().Sub(newFakeClock().Now())
			// The best any client can do is cap calls per mean latency.
			ideal := float64(c.capacity) / (1.5 * c.base.Seconds())
			tput := float64(s.successes) / elapsed.Seconds()
			t.Logf("limit after warm-up: min %d, mean %.1f, max %d; refusals %d (%.2f%%); throughput %.1f/s of ideal %.1f/s (%.0f%%); stats %+v",
				lo, mean, hi, s.refusals, 100*float64(s.refusals)/float64(n), tput, ideal, 100*tput/ideal, st)
			k := float64(c.capacity)
			if float64(lo) < 0.45*k || float64(hi) > 1.3*k+2 {
				t.Errorf("limit left the band [%.0f, %.0f] after warm-up: min %d, max %d", 0.45*k, 1.3*k+2, lo, hi)
			}
			if mean < 0.7*k || mean > 1.1*k+1 {
				t.Errorf("mean limit %.1f, want near the cap %d", mean, c.capacity)
			}
			if c.ra == 0 {
				if st.Pauses != 0 {
					t.Errorf("%d pauses without a Retry-After", st.Pauses)
				}
				// Without a pause to pay, probing every dozen rounds is fine.
				if s.refusals > n/20 {
					t.Errorf("%d refusals for %d successes, want at most 5%%", s.refusals, n)
				}
			} else if s.refusals > n/50 {
				t.Errorf("%d refusals for %d successes, want at most 2%%", s.refusals, n)
			}
			if st.Decreases < 2 || st.SlowStart {
				t.Errorf("stats %+v: want several decreases", st)
			}
			if s.maxAtServer != c.capacity {
				t.Errorf("server saw at most %d calls at once, want its cap %d", s.maxAtServer, c.capacity)
			}
		})
	}
}
