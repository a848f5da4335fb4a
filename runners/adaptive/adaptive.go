// Package adaptive is a runners.Runner decorator that finds, while a run
// goes, how many requests a server takes at once: a dynamic limit on the
// calls in flight that grows while the server keeps up and shrinks
// multiplicatively when it says it is overloaded (HTTP 429, 503 or 529), so
// that a hosted API's limits are found without tuning (--concurrency auto).
//
// The limit moves like a TCP congestion window. It starts at
// Options.Initial and, until the first overload, grows by one for every
// success (doubling once per round of calls: slow start). An overload
// multiplies the load it met (the calls in flight) by Options.Backoff and
// takes one call less than that load as the ceiling; from then on the limit
// follows a cubic curve in rounds of calls (as TCP CUBIC does in time): it
// climbs back quickly to the ceiling, stays there, and only then probes
// beyond, faster and faster, in case the server's capacity grew. When the
// overload came with a Retry-After, probing waits until ten times that
// pause has passed, since every failed probe stops all traffic for a pause;
// near a hard server cap this keeps the cost of probing near a tenth.
//
// Only calls that met a limit at least half used make it grow, so a caller
// with 8 workers never pushes it past 17. Of the overload replies to
// calls sent before the last decrease only the first one counts: a burst of
// 429s from one round lowers the limit once.
//
// A server's Retry-After on an overload reply pauses every new call through
// the Limiter until it has elapsed (calls already sent are not affected):
// the server said it wants no traffic, and the caller whose call failed is
// not the only one about to send some.
//
// In a decorator stack the limiter sits inside the retry decorator, so that
// every attempt is governed, and outside the rate limiter, so that the rate
// limiter stays the last gate before the wire and the shared pause also
// holds back calls that the token buckets would let through:
//
//	lim, _ := adaptive.New(adaptive.Options{Max: 256})
//	r = retry.Wrap(lim.Wrap(ratelimit.Wrap(replicas.New(...), l)), p)
package adaptive

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/hanbench/hanbench/runners"
)

// Defaults applied to zero Options fields.
const (
	DefaultInitial  = 8
	DefaultMin      = 1
	DefaultMax      = 256
	DefaultBackoff  = 0.7
	DefaultMaxPause = time.Minute
)

// cubic is the scale of the cubic growth after an overload, in calls per
// round cubed. With it the limit gets back to the ceiling after
// cbrt(0.3·W/cubic) rounds (about 7 at a load W = 24, 16 at W = 256),
// stays within one call of it for at least 4 more rounds, and is 64 calls
// above it 15 rounds after that.
const cubic = 0.02

// probeFactor is how many times the pause an overload caused the limit
// stays at or below the level under the refused one before it probes
// beyond: a probe that fails costs a pause of all traffic, so probing no
// more often than this keeps that cost near a tenth.
const probeFactor = 10

// Options configures a Limiter. The zero Options uses the defaults above.
type Options struct {
	// Initial is the limit at the start (default 8, raised to Min and
	// lowered to Max when outside them).
	Initial int
	// Min is the lowest limit (default 1).
	Min int
	// Max is the highest limit (default 256). Under --concurrency auto it
	// should equal the number of callers (engine workers), which should be
	// large.
	Max int
	// Backoff multiplies the limit on an overload; it must be in (0, 1)
	// (default 0.7).
	Backoff float64
	// LatencyTolerance, when set (it must then be above 1), holds the
	// growth of the limit while the mean latency of the last round of
	// successful calls exceeds LatencyTolerance times the lowest such mean
	// seen: a server that answers ever slower is queueing, and more calls
	// in flight would only lengthen its queue. 0 turns the check off,
	// which suits LLM servers whose latency varies with output length more
	// than with load. It never lowers the limit.
	LatencyTolerance float64
	// MaxPause caps the shared pause a Retry-After asks for (default 1m).
	// The retry decorator still makes the failed call itself wait as long
	// as the server asked.
	MaxPause time.Duration
	// NoPause turns the shared Retry-After pause off: overloads then only
	// lower the limit.
	NoPause bool
	// Classify reports whether a failed call says the server is overloaded,
	// with the server's Retry-After (0 if none). Nil means IsOverload.
	// Calls that fail for any other reason neither raise nor lower the
	// limit. It must be safe for concurrent use.
	Classify func(err error) (overload bool, retryAfter time.Duration)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// AfterFunc runs f after d, in its own goroutine, and returns a
	// function that cancels it (reporting whether it did). Nil means
	// time.AfterFunc. Tests inject a fake clock through Now and AfterFunc.
	AfterFunc func(d time.Duration, f func()) (stop func() bool)
}

// IsOverload is the default Options.Classify: a *runners.Error of kind
// rate_limit (HTTP 429) or with HTTP status 503 (Service Unavailable) or
// 529 (Overloaded) is an overload, with the error's RetryAfter. Timeouts
// and other server errors are not: they have causes other than load, and
// the retry decorator deals with them.
func IsOverload(err error) (bool, time.Duration) {
	var re *runners.Error
	if !errors.As(err, &re) {
		return false, 0
	}
	if re.Kind == runners.KindRateLimit || re.Status == http.StatusServiceUnavailable || re.Status == 529 {
		return true, max(re.RetryAfter, 0)
	}
	return false, 0
}

// Stats is a snapshot of a Limiter.
type Stats struct {
	// Limit is the number of calls allowed in flight now.
	Limit int
	// InFlight is the number of calls in flight now.
	InFlight int
	// Waiting is the number of calls waiting for a slot or for a pause to
	// end.
	Waiting int
	// Peak is the highest Limit so far.
	Peak int
	// Increases counts the times Limit went up (by one or more).
	Increases int64
	// Decreases counts the multiplicative decreases.
	Decreases int64
	// Overloads counts the overload replies, including those that did not
	// lower the limit because their call was sent before the last decrease.
	Overloads int64
	// Pauses counts the Retry-After pauses started or extended.
	Pauses int64
	// Held counts the rounds whose growth the latency check held.
	Held int64
	// SlowStart is true until the first overload.
	SlowStart bool
	// PausedUntil is the end of the current pause; zero when not paused.
	PausedUntil time.Time
}

// Limiter holds the adaptive limit. Wrap a Runner with it; every Runner it
// wraps shares the limit. Its methods are safe for concurrent use.
type Limiter struct {
	o Options

	mu        sync.Mutex
	limit     float64 // the fractional limit; whole calls allowed: slots()
	slowStart bool
	ceiling   float64   // the level the cubic climbs back to after a decrease
	rounds    float64   // rounds of calls since the last decrease
	kr        float64   // rounds the cubic takes to get back to ceiling
	probeAt   time.Time // no growth beyond ceiling before then
	epoch     uint64    // number of decreases so far
	inflight  int
	queue     []*waiter

	pauseUntil time.Time
	timerAt    time.Time
	timerStop  func() bool

	winSize  int           // successes that make the current latency round
	winN     int           // successes in it so far
	winSum   time.Duration // and their summed latency
	baseline time.Duration // lowest round mean so far
	held     bool          // the last full round was too slow to grow

	stats Stats
}

// ticket is one granted slot.
type ticket struct {
	epoch    uint64 // epoch when granted
	inflight int    // calls in flight when granted, this one included
}

// waiter is a call queued for a slot.
type waiter struct {
	ready   chan struct{}
	t       ticket
	granted bool
}

// New returns a Limiter. It fails on Options that contradict each other,
// naming the field.
func New(o Options) (*Limiter, error) {
	if o.Min < 0 || o.Max < 0 || o.Initial < 0 {
		return nil, fmt.Errorf("adaptive: Min %d, Initial %d and Max %d must not be negative", o.Min, o.Initial, o.Max)
	}
	if o.Min == 0 {
		o.Min = DefaultMin
	}
	if o.Max == 0 {
		o.Max = max(DefaultMax, o.Min)
	}
	if o.Max < o.Min {
		return nil, fmt.Errorf("adaptive: Max %d is below Min %d", o.Max, o.Min)
	}
	if o.Initial == 0 {
		o.Initial = DefaultInitial
	}
	o.Initial = min(max(o.Initial, o.Min), o.Max)
	if o.Backoff == 0 {
		o.Backoff = DefaultBackoff
	}
	if !(o.Backoff > 0 && o.Backoff < 1) {
		return nil, fmt.Errorf("adaptive: Backoff %v is outside (0, 1)", o.Backoff)
	}
	if o.LatencyTolerance != 0 && !(o.LatencyTolerance > 1) {
		return nil, fmt.Errorf("adaptive: LatencyTolerance %v must be above 1 (or 0 to turn the check off)", o.LatencyTolerance)
	}
	if o.MaxPause < 0 {
		return nil, fmt.Errorf("adaptive: MaxPause %v is negative", o.MaxPause)
	}
	if o.MaxPause == 0 {
		o.MaxPause = DefaultMaxPause
	}
	if o.Classify == nil {
		o.Classify = IsOverload
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.AfterFunc == nil {
		o.AfterFunc = func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
	}
	l := &Limiter{o: o, limit: float64(o.Initial), slowStart: true}
	l.stats.Peak = o.Initial
	return l, nil
}

// Limit returns the number of calls allowed in flight now.
func (l *Limiter) Limit() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.slots()
}

// Stats returns a snapshot of the limiter's state and counters.
func (l *Limiter) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.stats
	s.Limit = l.slots()
	s.InFlight = l.inflight
	s.Waiting = len(l.queue)
	s.SlowStart = l.slowStart
	if l.o.Now().Before(l.pauseUntil) {
		s.PausedUntil = l.pauseUntil
	}
	return s
}

// slots is the whole number of calls allowed in flight.
func (l *Limiter) slots() int {
	return max(l.o.Min, int(l.limit))
}

// canSend reports whether a call may start now.
func (l *Limiter) canSend(now time.Time) bool {
	return l.inflight < l.slots() && !now.Before(l.pauseUntil)
}

// grant counts one more call in flight and returns its ticket.
func (l *Limiter) grant() ticket {
	l.inflight++
	return ticket{epoch: l.epoch, inflight: l.inflight}
}

// tryAcquire takes a slot if one is free, nobody is queued and no pause is
// on.
func (l *Limiter) tryAcquire() (ticket, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.queue) > 0 || !l.canSend(l.o.Now()) {
		return ticket{}, false
	}
	return l.grant(), true
}

// acquire waits, in arrival order, for a slot and for any pause to end.
func (l *Limiter) acquire(ctx context.Context) (ticket, error) {
	if err := ctx.Err(); err != nil {
		return ticket{}, err
	}
	l.mu.Lock()
	now := l.o.Now()
	if len(l.queue) == 0 && l.canSend(now) {
		t := l.grant()
		l.mu.Unlock()
		return t, nil
	}
	w := &waiter{ready: make(chan struct{})}
	l.queue = append(l.queue, w)
	l.schedule(now)
	l.mu.Unlock()

	select {
	case <-w.ready:
		return w.t, nil
	case <-ctx.Done():
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if w.granted {
		// Granted while the context ended: hand the slot on.
		l.inflight--
		l.dispatch(l.o.Now())
	} else {
		for i, q := range l.queue {
			if q == w {
				l.queue = append(l.queue[:i], l.queue[i+1:]...)
				break
			}
		}
	}
	return ticket{}, fmt.Errorf("adaptive: waiting for one of %d slots: %w", l.slots(), ctx.Err())
}

// dispatch grants slots to queued calls while it can, and arms the timer
// that ends a pause when calls are left waiting for it.
func (l *Limiter) dispatch(now time.Time) {
	for len(l.queue) > 0 && l.canSend(now) {
		w := l.queue[0]
		l.queue[0] = nil
		l.queue = l.queue[1:]
		w.t = l.grant()
		w.granted = true
		close(w.ready)
	}
	l.schedule(now)
}

// schedule arms the pause timer when calls wait for a pause to end.
func (l *Limiter) schedule(now time.Time) {
	if len(l.queue) == 0 || !now.Before(l.pauseUntil) {
		return
	}
	if l.timerStop != nil && l.timerAt.Equal(l.pauseUntil) {
		return
	}
	if l.timerStop != nil {
		l.timerStop()
	}
	l.timerAt = l.pauseUntil
	l.timerStop = l.o.AfterFunc(l.pauseUntil.Sub(now), l.wake)
}

// wake runs when a pause ends.
func (l *Limiter) wake() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.timerStop = nil
	l.timerAt = time.Time{}
	l.dispatch(l.o.Now())
}

// release ends a call: it frees the slot, lets the outcome move the limit
// and hands free slots to queued calls. canceled means the caller's context
// ended, which says nothing about the server.
func (l *Limiter) release(t ticket, latency time.Duration, err error, canceled bool) {
	var overload bool
	var retryAfter time.Duration
	if err != nil && !canceled {
		overload, retryAfter = l.o.Classify(err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.o.Now()
	// The load the call met: the calls in flight when it was sent or when
	// it ended, whichever was more (the first calls of a burst are sent
	// alone but meet the whole burst at the server).
	load := max(t.inflight, l.inflight)
	l.inflight--
	switch {
	case err == nil:
		l.succeeded(load, latency, now)
	case overload:
		l.overloaded(t.epoch, load, retryAfter, now)
	}
	l.dispatch(now)
}

// succeeded grows the limit after a successful call.
func (l *Limiter) succeeded(load int, latency time.Duration, now time.Time) {
	if l.o.LatencyTolerance > 0 {
		if l.winN == 0 {
			l.winSize = l.slots()
		}
		l.winN++
		l.winSum += latency
		if l.winN >= l.winSize {
			mean := l.winSum / time.Duration(l.winN)
			l.winN, l.winSum = 0, 0
			if l.baseline <= 0 || mean < l.baseline {
				l.baseline = mean
			}
			l.held = float64(mean) > l.o.LatencyTolerance*float64(l.baseline)
			if l.held {
				l.stats.Held++
			}
		}
		if l.held {
			return
		}
	}
	// A limit that was not at least half used says nothing about the
	// server: growing it would only make it meaningless.
	if 2*load < l.slots() {
		return
	}
	before := l.slots()
	if l.slowStart {
		l.limit++
	} else {
		l.rounds += 1 / l.limit
		if l.rounds > l.kr && now.Before(l.probeAt) {
			l.rounds = l.kr // hold at the ceiling until probing is worth a pause
		}
		d := l.rounds - l.kr
		l.limit = max(l.limit, l.ceiling+cubic*d*d*d)
	}
	l.limit = min(l.limit, float64(l.o.Max))
	if after := l.slots(); after > before {
		l.stats.Increases++
		l.stats.Peak = max(l.stats.Peak, after)
	}
}

// overloaded lowers the limit after an overload reply and starts or
// extends the pause the server asked for.
func (l *Limiter) overloaded(epoch uint64, load int, retryAfter time.Duration, now time.Time) {
	l.stats.Overloads++
	var pause time.Duration
	if retryAfter > 0 && !l.o.NoPause {
		pause = min(retryAfter, l.o.MaxPause)
		if until := now.Add(pause); until.After(l.pauseUntil) {
			l.pauseUntil = until
			l.stats.Pauses++
		}
	}
	if epoch != l.epoch {
		// Sent before the last decrease, at a limit already given up.
		return
	}
	// The load the server refused, or the limit if that is lower now.
	refused := min(l.limit, float64(load))
	l.limit = max(float64(l.o.Min), refused*l.o.Backoff)
	l.ceiling = max(l.limit, refused-1)
	l.kr = math.Cbrt((l.ceiling - l.limit) / cubic)
	l.rounds = 0
	l.probeAt = now.Add(probeFactor * pause)
	l.slowStart = false
	l.epoch++
	l.stats.Decreases++
	l.held = false
	l.winN, l.winSum = 0, 0
}

// Wrap returns a Runner that sends r's calls within the limit. Every
// Runner wrapped by the same Limiter shares it. The result implements
// runners.Describer when r does. Errors and responses pass through
// unchanged; a call whose context ends while it waits for a slot returns
// an error wrapping the context's error.
func (l *Limiter) Wrap(r runners.Runner) runners.Runner {
	w := &wrapped{l: l, next: r}
	if d, ok := r.(runners.Describer); ok {
		return &describedWrapped{wrapped: w, d: d}
	}
	return w
}

type wrapped struct {
	l    *Limiter
	next runners.Runner
}

type describedWrapped struct {
	*wrapped
	d runners.Describer
}

// Describe implements runners.Describer by asking the wrapped runner.
func (d *describedWrapped) Describe() runners.Description { return d.d.Describe() }

// Generate implements runners.Runner.
func (w *wrapped) Generate(ctx context.Context, req runners.GenerateRequest) (runners.GenerateResponse, error) {
	t, err := w.l.acquire(ctx)
	if err != nil {
		return runners.GenerateResponse{}, err
	}
	start := w.l.o.Now()
	resp, err := w.next.Generate(ctx, req)
	w.done(ctx, t, start, resp.Usage.Latency, err)
	return resp, err
}

// LogLikelihood implements runners.Runner.
func (w *wrapped) LogLikelihood(ctx context.Context, req runners.LogLikelihoodRequest) (runners.LogLikelihoodResponse, error) {
	t, err := w.l.acquire(ctx)
	if err != nil {
		return runners.LogLikelihoodResponse{}, err
	}
	start := w.l.o.Now()
	resp, err := w.next.LogLikelihood(ctx, req)
	w.done(ctx, t, start, resp.Usage.Latency, err)
	return resp, err
}

// done releases a call's slot. The latency is the backend's own when it
// reports one (waits inside a rate limiter below are not the server's).
func (w *wrapped) done(ctx context.Context, t ticket, start time.Time, latency time.Duration, err error) {
	if latency <= 0 {
		latency = w.l.o.Now().Sub(start)
	}
	w.l.release(t, latency, err, err != nil && ctx.Err() != nil)
}
