package adaptive_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hanbench/hanbench/runners"
	"github.com/hanbench/hanbench/runners/openai"
)

// cappedServer is an OpenAI-compatible chat server that takes at most Cap
// requests at once (0: no cap) and answers any request beyond that at once
// with 429 and Retry-After, like a hosted API's concurrency limit. Each
// accepted request takes Latency.
type cappedServer struct {
	URL string

	cap        int64
	latency    time.Duration
	retryAfter time.Duration

	inflight atomic.Int64
	peak     atomic.Int64
	served   atomic.Int64
	refused  atomic.Int64

	mu       sync.Mutex
	arrivals []time.Time // every request's arrival, in order
	refusals []time.Time // when each 429 was written
}

func newCappedServer(tb testing.TB, capacity int, latency, retryAfter time.Duration) *cappedServer {
	tb.Helper()
	s := &cappedServer{cap: int64(capacity), latency: latency, retryAfter: retryAfter}
	srv := httptest.NewServer(http.HandlerFunc(s.handle))
	tb.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func (s *cappedServer) handle(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	s.mu.Lock()
	s.arrivals = append(s.arrivals, time.Now())
	s.mu.Unlock()
	n := s.inflight.Add(1)
	defer s.inflight.Add(-1)
	if s.cap > 0 && n > s.cap {
		s.refused.Add(1)
		// Whole seconds in Retry-After; the exact delay in the header
		// OpenAI sends, which the openai runner prefers.
		w.Header().Set("Retry-After", strconv.Itoa(int((s.retryAfter+time.Second-1)/time.Second)))
		w.Header().Set("Retry-After-Ms", strconv.FormatInt(s.retryAfter.Milliseconds(), 10))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		s.mu.Lock()
		s.refusals = append(s.refusals, time.Now())
		s.mu.Unlock()
		io.WriteString(w, `{"error":{"message":"too many concurrent requests","type":"rate_limit_error"}}`)
		return
	}
	for {
		p := s.peak.Load()
		if n <= p || s.peak.CompareAndSwap(p, n) {
			break
		}
	}
	select {
	case <-time.After(s.latency):
	case <-r.Context().Done():
		return
	}
	s.served.Add(1)
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"id":"x","object":"chat.completion","created":0,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"네"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}`)
}

func (s *cappedServer) times() (arrivals, refusals []time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.arrivals...), append([]time.Time(nil), s.refusals...)
}

// client builds the openai runner for s with a connection pool big enough
// for conns requests at once.
func (s *cappedServer) client(tb testing.TB, conns int) runners.Runner {
	tb.Helper()
	r, err := openai.New(runners.Config{Model: "m", BaseURLs: []string{s.URL}, Timeout: time.Minute, Concurrency: conns})
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// drive sends n generations through r from workers goroutines and returns
// the errors. each, when set, runs after every success.
func drive(r runners.Runner, workers, n int, each func()) []error {
	var next atomic.Int64
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				_, err := r.Generate(context.Background(), runners.GenerateRequest{Messages: []runners.Message{{Role: "user", Content: fmt.Sprintf("질문 %d", i)}}, MaxTokens: 4})
				if err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("request %d: %w", i, err))
					mu.Unlock()
				} else if each != nil {
					each()
				}
			}
		})
	}
	wg.Wait()
	return errs
}
