package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hanbench/hanbench/evals"
	"github.com/hanbench/hanbench/runners"
	"github.com/hanbench/hanbench/runners/adaptive"
	"github.com/hanbench/hanbench/runners/metrics"
)

// runMetrics is `run --metrics-addr`: the run's metrics on a private
// registry, served on /metrics while the run works. A nil *runMetrics (no
// --metrics-addr) does nothing.
type runMetrics struct {
	c   *metrics.Collector
	reg *prometheus.Registry
	srv *http.Server
	url string
	// done is closed when the server has stopped serving.
	done chan struct{}
}

// startRunMetrics listens on addr and serves the run's metrics; nil for
// an empty addr.
func startRunMetrics(gs *GlobalState, addr string) (*runMetrics, error) {
	if addr == "" {
		return nil, nil
	}
	reg := prometheus.NewRegistry()
	c, err := metrics.New(reg)
	if err != nil {
		return nil, err
	}
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, err
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	m := &runMetrics{
		c:    c,
		reg:  reg,
		srv:  &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second},
		url:  "http://" + ln.Addr().String() + "/metrics",
		done: make(chan struct{}),
	}
	go func() {
		defer close(m.done)
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(gs.Stderr, "hanbench: metrics server: %v\n", err)
		}
	}()
	fmt.Fprintf(gs.Stderr, "serving metrics at %s\n", m.url)
	return m, nil
}

// watchLimiter exports the adaptive concurrency limit (--concurrency
// auto): the limit now, and the overload replies that moved it.
func (m *runMetrics) watchLimiter(lim *adaptive.Limiter) error {
	if m == nil || lim == nil {
		return nil
	}
	return errors.Join(
		m.reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hanbench_concurrency_limit",
			Help: "Requests allowed in flight now by --concurrency auto.",
		}, func() float64 { return float64(lim.Limit()) })),
		m.reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "hanbench_concurrency_overloads_total",
			Help: "Overload replies (429, 503, 529) seen by --concurrency auto.",
		}, func() float64 { return float64(lim.Stats().Overloads) })),
	)
}

// URL is the /metrics address, "" when metrics are off.
func (m *runMetrics) URL() string {
	if m == nil {
		return ""
	}
	return m.url
}

// Close stops the server, letting scrapes in progress finish.
func (m *runMetrics) Close() {
	if m == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m.srv.Shutdown(ctx)
	<-m.done
}

// wrapNewRunner records every request each backend sends (each retry and
// each replica counted), labelled with the model it serves.
func (m *runMetrics) wrapNewRunner(newRunner func(string, runners.Config) (runners.Runner, error)) func(string, runners.Config) (runners.Runner, error) {
	if m == nil {
		return newRunner
	}
	return func(kind string, cfg runners.Config) (runners.Runner, error) {
		r, err := newRunner(kind, cfg)
		if err != nil {
			return nil, err
		}
		return m.c.Wrap(r, cfg.Model), nil
	}
}

// progress counts samples and forwards to next (which may be nil).
func (m *runMetrics) progress(next evals.Progress) evals.Progress {
	if m == nil {
		return next
	}
	return &metricsProgress{c: m.c, next: next}
}

// metricsProgress is an evals.Progress that counts samples for /metrics
// and forwards every event to the progress display.
type metricsProgress struct {
	c    *metrics.Collector
	next evals.Progress
}

// Start implements evals.Progress.
func (p *metricsProgress) Start(total int) {
	p.c.PlanSamples(total)
	if p.next != nil {
		p.next.Start(total)
	}
}

// Sample implements evals.Progress.
func (p *metricsProgress) Sample(task string, failed bool) {
	p.c.SampleDone(task, failed)
	if p.next != nil {
		p.next.Sample(task, failed)
	}
}

// Finish implements evals.Progress.
func (p *metricsProgress) Finish() {
	if p.next != nil {
		p.next.Finish()
	}
}
