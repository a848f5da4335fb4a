// Package evals is hanbench's scoring core: it turns tasks into requests,
// sends them through a runner with bounded concurrency (requests from all
// tasks interleaved), scores replies as they arrive, and writes the results
// files. Subpackages hold task loading (task), filters and metrics
// (scoring), statistics (stats), the results-file contract (results), the
// built-in catalog (catalog) and the demo's simulated endpoint (demo).
package evals

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hanbench/hanbench/datasets"
	"github.com/hanbench/hanbench/evals/results"
	"github.com/hanbench/hanbench/evals/scoring"
	"github.com/hanbench/hanbench/evals/task"
	"github.com/hanbench/hanbench/runners"
)

// Multiple-choice scoring modes.
const (
	MCLogLikelihood = "loglikelihood"
	MCFirstToken    = "first-token"
	MCGenerate      = "generate"
)

// Options configures Run.
type Options struct {
	// Runner answers the requests. Required.
	Runner runners.Runner
	// Model is recorded in results.json.
	Model string
	// ModelRevision is recorded in results.json.
	ModelRevision string
	// BaseURL is recorded in results.json (never with credentials).
	BaseURL string
	// RunnerInfo describes the backend for provenance.
	RunnerInfo results.Runner
	// Suite holds the tasks and groups to evaluate.
	Suite *task.Suite
	// Evaluators are Go-coded tasks (judge benchmarks) run alongside Suite.
	Evaluators []Evaluator
	// Judge grades Evaluators that need a judge; may be nil.
	Judge runners.Runner
	// JudgeModel names the judge for provenance.
	JudgeModel string
	// Limit caps the documents per task; 0 means all.
	Limit int
	// Shard and Shards select a stable partition of the documents: this
	// run evaluates the documents whose id ≡ Shard (mod Shards) in every
	// task. Shards 0 or 1 means no sharding. See Merge.
	Shard, Shards int
	// NumFewshot overrides every task's few-shot count when non-nil.
	NumFewshot *int
	// Seed seeds few-shot sampling.
	Seed int64
	// Concurrency is the number of requests in flight (default 8); with an
	// adaptive limiter in the runner stack, its upper bound.
	Concurrency int
	// ConcurrencyAuto records that Runner limits the calls in flight
	// adaptively (--concurrency auto), in results.json.
	ConcurrencyAuto bool
	// MCMode is how multiple-choice tasks are scored (default loglikelihood).
	MCMode string
	// Endpoint is "chat" or "completions": the form generation requests take.
	Endpoint string
	// FewshotAsMultiturn sends few-shot examples as chat turns.
	FewshotAsMultiturn bool
	// ComposeHangul is recorded in results.json.
	ComposeHangul bool
	// OutDir receives results.json and samples.parquet. Required.
	OutDir string
	// HarnessVersion is recorded in results.json.
	HarnessVersion string
	// Progress, if set, is told about every finished sample.
	Progress Progress
	// Now returns the current time (default time.Now).
	Now func() time.Time
}

// Progress receives progress events from Run. Implementations must be
// safe for use from one goroutine at a time (Run calls them from its
// collector only).
type Progress interface {
	// Start announces the total number of samples.
	Start(total int)
	// Sample reports one finished sample and whether it failed.
	Sample(task string, failed bool)
	// Finish ends the display.
	Finish()
}

// Summary is what Run returns besides the files it writes.
type Summary struct {
	// Results is the content written to results.json.
	Results *results.File
	// Samples is the number of samples written.
	Samples int
	// Failed is the number of samples that failed after retries.
	Failed int
	// FirstError is the first failed sample's error, for a one-line report.
	FirstError string
}

// ErrInterrupted is returned (wrapped) when the context was cancelled
// before every sample finished; the files hold what finished.
var ErrInterrupted = errors.New("run interrupted")

// FatalError stops a run at once: bad credentials, an unknown model, a
// broken task or row. Work finished before it is kept.
type FatalError struct {
	// Task is the task being evaluated, if any.
	Task string
	Err  error
}

func (e *FatalError) Error() string {
	if e.Task != "" && !strings.Contains(e.Err.Error(), "task "+e.Task) {
		return fmt.Sprintf("%s: %v", e.Task, e.Err)
	}
	return e.Err.Error()
}

// Unwrap returns the cause.
func (e *FatalError) Unwrap() error { return e.Err }

type metricDef struct {
	key      string
	pipeline int
	spec     task.MetricSpec
	metric   scoring.Metric
}

type taskState struct {
	name       string
	t          *task.Task // lm-eval task, or
	ev         Evaluator  // a Go-coded task
	size       int        // documents in the task (after --limit)
	ids        []int      // the document ids this run evaluates (its shard)
	docs       []*datasets.Row
	numFewshot int
	pipelines  []*scoring.Pipeline
	metrics    []metricDef
	// processResults, when set, scores generations instead of metrics
	// (lm-eval's process_results: !function).
	processResults task.ProcessResultsFunc
	// collector-owned
	outcomes    map[string][]scoring.Outcome
	n, failed   int
	truncated   int
	errKinds    map[string]int
	latencies   []float64
	ttfts       []float64
	tokPerSec   []float64
	usage       results.Usage
	promptHash  hash.Hash
	first, last time.Time
}

type job struct {
	seq   int
	ts    *taskState
	docID int
}

type outcome struct {
	seq       int
	ts        *taskState
	sample    results.Sample
	scores    map[string]scoring.Outcome
	usage     runners.Usage
	start     time.Time
	end       time.Time
	failed    bool
	cancelled bool
	fatal     error
}

// Run evaluates every task of the suite and writes OutDir/results.json and
// OutDir/samples.parquet. On a fatal error or cancellation it still writes
// what finished and returns the error.
func Run(ctx context.Context, o Options) (*Summary, error) {
	if o.Suite == nil {
		o.Suite = &task.Suite{}
	}
	if o.Runner == nil || o.OutDir == "" {
		return nil, errors.New("evals.Run: Runner and OutDir are required")
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.MCMode == "" {
		o.MCMode = MCLogLikelihood
	}
	switch o.MCMode {
	case MCLogLikelihood, MCFirstToken, MCGenerate:
	default:
		return nil, fmt.Errorf("unknown multiple-choice mode %q (want loglikelihood, first-token or generate)", o.MCMode)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Shards > 1 && (o.Shard < 0 || o.Shard >= o.Shards) {
		return nil, fmt.Errorf("shard %d of %d: want 0 ≤ shard < shards", o.Shard, o.Shards)
	}
	started := o.Now()

	states, total, err := prepare(o)
	if err != nil {
		return nil, err
	}
	if len(states) == 0 {
		return nil, errors.New("nothing to evaluate: no tasks")
	}

	sw, err := results.CreateSamples(o.OutDir)
	if err != nil {
		return nil, err
	}
	if o.Progress != nil {
		o.Progress.Start(total)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	window := make(chan struct{}, ReorderWindow(o.Concurrency))
	jobs := make(chan job)
	outs := make(chan outcome, o.Concurrency)

	go produce(ctx, states, window, jobs)

	var wg sync.WaitGroup
	for i := 0; i < o.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				oc := process(ctx, o, j)
				if oc.fatal != nil {
					cancel() // before this worker takes another job
				}
				outs <- oc
			}
		}()
	}
	go func() { wg.Wait(); close(outs) }()

	var (
		fatal    error
		pending  = map[int]outcome{}
		next     int
		written  int
		failed   int
		writeErr error
		firstErr string
	)
	record := func(oc outcome) {
		<-window
		if oc.cancelled {
			return
		}
		if writeErr == nil {
			writeErr = sw.Write(oc.sample)
		}
		collect(oc)
		written++
		if oc.failed {
			if failed == 0 {
				firstErr = oc.sample.Error
			}
			failed++
		}
		if o.Progress != nil {
			o.Progress.Sample(oc.ts.name, oc.failed)
		}
	}
	for oc := range outs {
		if oc.fatal != nil {
			if fatal == nil {
				fatal = oc.fatal
				cancel()
			}
			oc.cancelled = true
		}
		pending[oc.seq] = oc
		for {
			p, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			record(p)
		}
	}
	// Whatever is left after a stop: write it in order, skipping gaps.
	rest := make([]int, 0, len(pending))
	for seq := range pending {
		rest = append(rest, seq)
	}
	sort.Ints(rest)
	for _, seq := range rest {
		record(pending[seq])
	}
	if o.Progress != nil {
		o.Progress.Finish()
	}

	interrupted := fatal != nil || ctx.Err() != nil && written < total
	file := summarize(o, states, started, interrupted)
	if writeErr != nil {
		sw.Abort()
		return nil, writeErr
	}
	if err := sw.Close(); err != nil {
		return nil, err
	}
	if err := results.Write(o.OutDir, file); err != nil {
		return nil, err
	}
	sum := &Summary{Results: file, Samples: written, Failed: failed, FirstError: firstErr}
	switch {
	case fatal != nil:
		return sum, fatal
	case written < total:
		return sum, fmt.Errorf("%w after %d of %d samples", ErrInterrupted, written, total)
	}
	return sum, nil
}

// GCPercent is the garbage-collector target `hanbench run` sets unless the
// GOGC environment variable is set. A run's live heap is small and bounded
// (the reorder window, one Parquet row group, the rendered few-shot
// examples), while the garbage it makes per sample (request and reply
// bodies, decoded log-probabilities) is large, so collecting 4 times less
// often buys throughput for little memory; BenchmarkPipelineVsRawHTTP
// runs with it.
const GCPercent = 400

// ReorderWindow bounds the samples dispatched past the oldest unfinished
// one. Samples are written in a deterministic order, so finished ones wait
// for slower ones; the window keeps that wait bounded in memory (a fixed
// number of samples, independent of dataset size) while being wide enough
// that one sample sitting out a retry backoff does not idle the others.
func ReorderWindow(concurrency int) int {
	const minWindow = 8192
	if w := 64 * concurrency; w > minWindow {
		return w
	}
	return minWindow
}

// prepare loads every task's documents and scoring pipelines up front, so a
// broken task file or filter fails before any request is sent.
func prepare(o Options) ([]*taskState, int, error) {
	var states []*taskState
	total := 0
	for _, t := range o.Suite.Tasks {
		docs, err := t.Docs()
		if err != nil {
			return nil, 0, &FatalError{Task: t.Name, Err: err}
		}
		if o.Limit > 0 && len(docs) > o.Limit {
			docs = docs[:o.Limit]
		}
		ts := &taskState{
			name: t.Name, t: t, docs: docs, size: len(docs),
			outcomes:   map[string][]scoring.Outcome{},
			errKinds:   map[string]int{},
			promptHash: sha256.New(),
			numFewshot: t.DefaultNumFewshot(),
		}
		if o.NumFewshot != nil {
			ts.numFewshot = *o.NumFewshot
		}
		filters := t.Filters()
		for _, fs := range filters {
			p := &scoring.Pipeline{Name: fs.Name}
			for _, st := range fs.Steps {
				if st.Func != nil {
					f, ok := st.Func.(scoring.Filter)
					if !ok {
						return nil, 0, &FatalError{Task: t.Name, Err: fmt.Errorf("filter %q: !function %s is not a filter", fs.Name, st.Function)}
					}
					p.Steps = append(p.Steps, f)
					continue
				}
				f, err := scoring.NewFilter(st.Function, st.Args)
				if err != nil {
					return nil, 0, &FatalError{Task: t.Name, Err: fmt.Errorf("filter %q: %w", fs.Name, err)}
				}
				p.Steps = append(p.Steps, f)
			}
			ts.pipelines = append(ts.pipelines, p)
		}
		if len(ts.pipelines) == 0 {
			ts.pipelines = []*scoring.Pipeline{scoring.NonePipeline()}
		}
		if pr := t.Config.ProcessResults; pr != nil {
			fn, ok := pr.Fn.(task.ProcessResultsFunc)
			if !ok {
				return nil, 0, &FatalError{Task: t.Name, Err: fmt.Errorf("process_results: !function %s is not a process_results function", pr.Name)}
			}
			if t.OutputType() != task.GenerateUntil {
				return nil, 0, &FatalError{Task: t.Name, Err: fmt.Errorf("process_results is supported for generate_until tasks only")}
			}
			ts.processResults = fn
		}
		for pi, p := range ts.pipelines {
			for _, ms := range t.Metrics() {
				if ts.processResults != nil {
					key := ms.Metric
					if len(ts.pipelines) > 1 {
						key += "," + p.Name
					}
					ts.metrics = append(ts.metrics, metricDef{key: key, pipeline: pi, spec: ms, metric: namedMetric{ms}})
					continue
				}
				m, err := scoring.NewMetric(ms.Metric, ms.Args)
				if err != nil {
					return nil, 0, &FatalError{Task: t.Name, Err: fmt.Errorf("metric %q: %w", ms.Metric, err)}
				}
				key := ms.Metric
				if len(ts.pipelines) > 1 {
					key += "," + p.Name
				}
				ts.metrics = append(ts.metrics, metricDef{key: key, pipeline: pi, spec: ms, metric: m})
			}
		}
		// Render the first document now: a template error stops the run
		// before any request is sent.
		if len(docs) > 0 {
			if _, err := t.Instance(0, docs[0], instanceOptions(o, ts)); err != nil {
				return nil, 0, &FatalError{Task: t.Name, Err: err}
			}
		}
		ts.ids = shardIDs(len(docs), o.Shard, o.Shards)
		total += len(ts.ids)
		states = append(states, ts)
	}
	for _, ev := range o.Evaluators {
		n, err := ev.Len()
		if err != nil {
			return nil, 0, &FatalError{Task: ev.Name(), Err: err}
		}
		if o.Limit > 0 && n > o.Limit {
			n = o.Limit
		}
		ts := &taskState{
			name: ev.Name(), ev: ev, size: n,
			outcomes:   map[string][]scoring.Outcome{},
			errKinds:   map[string]int{},
			promptHash: sha256.New(),
			numFewshot: ev.Describe().NumFewshot,
		}
		ts.ids = shardIDs(n, o.Shard, o.Shards)
		total += len(ts.ids)
		states = append(states, ts)
	}
	return states, total, nil
}

func instanceOptions(o Options, ts *taskState) task.InstanceOptions {
	return task.InstanceOptions{NumFewshot: ts.numFewshot, Seed: o.Seed, FewshotAsMultiturn: o.FewshotAsMultiturn}
}

// shardIDs lists the document ids of shard i of n among size documents:
// those with id ≡ i (mod n). Every task is split the same way, so each
// shard gets an equal share of every task (and so of its cost), and the
// partition depends on nothing but the ids.
func shardIDs(size, i, n int) []int {
	if n <= 1 {
		i, n = 0, 1
	}
	ids := make([]int, 0, size/n+1)
	for id := i; id < size; id += n {
		ids = append(ids, id)
	}
	return ids
}

// produce hands out documents round-robin across tasks, so requests from
// all tasks interleave: position p of every task, then p+1. It blocks
// while the reorder window is full, which bounds memory by a constant
// rather than the dataset size. Unsharded, the order is (doc id, task
// order); a shard's order is the same order restricted to its documents,
// so merged shards reproduce an unsharded run's sample order.
func produce(ctx context.Context, states []*taskState, window chan struct{}, jobs chan<- job) {
	defer close(jobs)
	seq := 0
	for p := 0; ; p++ {
		any := false
		for _, ts := range states {
			if p >= len(ts.ids) {
				continue
			}
			docID := ts.ids[p]
			any = true
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- job{seq: seq, ts: ts, docID: docID}:
				seq++
			case <-ctx.Done():
				<-window
				return
			}
		}
		if !any {
			return
		}
	}
}

// process renders one document, sends its requests and scores the reply.
func process(ctx context.Context, o Options, j job) outcome {
	ts := j.ts
	oc := outcome{seq: j.seq, ts: ts, start: time.Now()}
	if ctx.Err() != nil {
		oc.cancelled = true
		return oc
	}
	if ts.ev != nil {
		return processCustom(ctx, o, j, oc)
	}
	inst, err := ts.t.Instance(j.docID, ts.docs[j.docID], instanceOptions(o, ts))
	if err != nil {
		oc.fatal = &FatalError{Task: ts.t.Name, Err: err}
		return oc
	}
	s := results.Sample{Task: ts.t.Name, DocID: int64(j.docID), Target: inst.Target, Metrics: map[string]float64{}}
	multipleChoice := ts.t.OutputType() == "multiple_choice"
	in := scoring.SampleInput{OutputType: ts.t.OutputType(), Choices: inst.Choices, Golds: inst.Golds}

	var callErr error
	mcInvalid := false // no choice found in a first-token or generate reply
	if multipleChoice && o.MCMode == MCLogLikelihood {
		s.Prompt = inst.Context
		s.Choices = inst.Choices
		req := runners.LogLikelihoodRequest{Pairs: make([]runners.Continuation, len(inst.Continuations))}
		for i, c := range inst.Continuations {
			req.Pairs[i] = runners.Continuation{Context: inst.Context, Continuation: c}
		}
		var resp runners.LogLikelihoodResponse
		resp, callErr = o.Runner.LogLikelihood(ctx, req)
		if callErr == nil {
			if len(resp.Results) != len(inst.Choices) {
				callErr = &runners.Error{Kind: runners.KindMalformed, Message: fmt.Sprintf("%d log-likelihoods for %d choices", len(resp.Results), len(inst.Choices))}
			} else {
				oc.usage = resp.Usage
				in.LogLikelihoods = make([]float64, len(resp.Results))
				in.IsGreedy = make([]bool, len(resp.Results))
				for i, r := range resp.Results {
					in.LogLikelihoods[i] = r.LogProb
					in.IsGreedy[i] = r.IsGreedy
				}
				s.LogLikelihoods = in.LogLikelihoods
				best := argmax(in.LogLikelihoods)
				s.Response = inst.Choices[best]
				s.Extracted = s.Response
			}
		}
	} else if multipleChoice {
		req := mcRequest(o.MCMode, o.Endpoint, inst, ts.t.Generation())
		s.Choices = inst.Choices
		if req.Prompt != "" {
			s.Prompt = req.Prompt
		} else {
			b, _ := json.Marshal(req.Messages)
			s.Prompt = string(b)
		}
		var resp runners.GenerateResponse
		resp, callErr = o.Runner.Generate(ctx, req)
		if callErr == nil {
			oc.usage = resp.Usage
			s.Response = resp.Text
			s.Reasoning = resp.Reasoning
			s.FinishReason = resp.FinishReason
			s.Truncated = resp.FinishReason == "length" && o.MCMode == MCGenerate
			scores, found := mcScores(o.MCMode, inst.Choices, resp)
			if o.MCMode == MCFirstToken {
				s.LogLikelihoods = scores
			}
			if found {
				in.LogLikelihoods = scores
				in.IsGreedy = make([]bool, len(scores))
				s.Extracted = inst.Choices[argmax(scores)]
			} else {
				mcInvalid = true
			}
		}
	} else {
		gen := ts.t.Generation()
		req := runners.GenerateRequest{
			Until:       gen.Until,
			MaxTokens:   gen.MaxGenToks,
			Temperature: gen.Temperature,
			TopP:        gen.TopP,
		}
		if !gen.DoSample {
			req.Temperature = 0
		}
		if o.Endpoint == "completions" {
			req.Prompt = inst.Context
			s.Prompt = inst.Context
		} else {
			req.Messages = inst.Messages
			b, _ := json.Marshal(inst.Messages)
			s.Prompt = string(b)
		}
		var resp runners.GenerateResponse
		resp, callErr = o.Runner.Generate(ctx, req)
		if callErr == nil {
			oc.usage = resp.Usage
			s.Response = resp.Text
			s.Reasoning = resp.Reasoning
			s.FinishReason = resp.FinishReason
			s.Truncated = resp.FinishReason == "length"
			in.Prediction = resp.Text
			in.References = []string{inst.Target}
		}
	}
	oc.end = time.Now()
	s.PromptHash = hashString(s.Prompt + "\x00" + joinChoices(inst.Continuations))
	s.LatencyMS = float64(oc.end.Sub(oc.start).Microseconds()) / 1000
	s.PromptTokens = int64(oc.usage.PromptTokens)
	s.CompletionTokens = int64(oc.usage.CompletionTokens)
	s.Cached = oc.usage.Cached

	if callErr != nil {
		if ctx.Err() != nil {
			oc.cancelled = true
			return oc
		}
		if runners.IsFatal(callErr) {
			oc.fatal = &FatalError{Err: callErr}
			return oc
		}
		s.Error = callErr.Error()
		s.ErrorKind = errorKind(callErr)
		oc.failed = true
		oc.sample = s
		return oc
	}

	oc.scores = map[string]scoring.Outcome{}
	if mcInvalid {
		// No choice could be read from the reply: wrong, never guessed.
		for _, md := range ts.metrics {
			out := scoring.Outcome{Value: 0, Pred: -1, Gold: firstGold(inst.Golds), Valid: true}
			oc.scores[md.key] = out
			s.Metrics[md.key] = 0
		}
		oc.sample = s
		return oc
	}
	for pi, p := range ts.pipelines {
		pin := in
		if !multipleChoice {
			pin.Prediction = p.Apply(in.Prediction)
			if pi == 0 {
				s.Extracted = pin.Prediction
			}
		}
		var processed map[string]float64
		if ts.processResults != nil {
			vals, err := ts.processResults(ts.docs[j.docID], []string{pin.Prediction})
			if err != nil {
				oc.fatal = &FatalError{Task: ts.t.Name, Err: fmt.Errorf("process_results on doc %d (%s): %w", j.docID, ts.docs[j.docID].Source(), err)}
				return oc
			}
			processed = vals
		}
		for _, md := range ts.metrics {
			if md.pipeline != pi {
				continue
			}
			if processed != nil {
				v, ok := processed[md.spec.Metric]
				if !ok {
					oc.fatal = &FatalError{Task: ts.t.Name, Err: fmt.Errorf("process_results returned no %q for doc %d", md.spec.Metric, j.docID)}
					return oc
				}
				out := scoring.Outcome{Value: v, Pred: -1, Gold: -1, Valid: true}
				oc.scores[md.key] = out
				s.Metrics[md.key] = v
				continue
			}
			out, err := md.metric.Score(pin)
			if err != nil {
				oc.fatal = &FatalError{Task: ts.t.Name, Err: fmt.Errorf("metric %s on doc %d: %w", md.key, j.docID, err)}
				return oc
			}
			oc.scores[md.key] = out
			s.Metrics[md.key] = out.Value
		}
	}
	oc.sample = s
	return oc
}

// collect folds one finished sample into its task's running totals.
func collect(oc outcome) {
	ts := oc.ts
	ts.n++
	ts.promptHash.Write([]byte(oc.sample.PromptHash))
	if ts.first.IsZero() || oc.start.Before(ts.first) {
		ts.first = oc.start
	}
	if oc.end.After(ts.last) {
		ts.last = oc.end
	}
	u := &ts.usage
	u.Requests++
	u.Retries += oc.usage.Retries
	if oc.usage.Cached {
		u.CachedResponses++
	}
	u.PromptTokens += int64(oc.usage.PromptTokens)
	u.CompletionTokens += int64(oc.usage.CompletionTokens)
	// Speed figures describe the server: replies from the cache are left out.
	if !oc.usage.Cached && !oc.failed {
		ts.latencies = append(ts.latencies, oc.sample.LatencyMS)
		if oc.usage.TimeToFirstToken > 0 {
			ts.ttfts = append(ts.ttfts, float64(oc.usage.TimeToFirstToken.Microseconds())/1000)
		}
		switch ttft := oc.usage.TimeToFirstToken; {
		case ttft > 0 && oc.usage.CompletionTokens > 1 && oc.usage.Latency > ttft:
			// Streaming: the decode rate after the first token.
			ts.tokPerSec = append(ts.tokPerSec, float64(oc.usage.CompletionTokens-1)/(oc.usage.Latency-ttft).Seconds())
		case oc.usage.CompletionTokens > 0 && oc.sample.LatencyMS > 0:
			ts.tokPerSec = append(ts.tokPerSec, float64(oc.usage.CompletionTokens)/(oc.sample.LatencyMS/1000))
		}
	}
	if oc.failed {
		ts.failed++
		ts.errKinds[oc.sample.ErrorKind]++
		return
	}
	if oc.sample.Truncated {
		ts.truncated++
	}
	for k, v := range oc.scores {
		ts.outcomes[k] = append(ts.outcomes[k], v)
	}
}

func argmax(xs []float64) int {
	best := 0
	for i, x := range xs {
		if x > xs[best] {
			best = i
		}
	}
	return best
}

func hashString(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func joinChoices(cs []string) string {
	b, _ := json.Marshal(cs)
	return string(b)
}

func errorKind(err error) string {
	var e *runners.Error
	if errors.As(err, &e) {
		return string(e.Kind)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return string(runners.KindTimeout)
	}
	return "other"
}

// processCustom evaluates one document of a Go-coded task.
func processCustom(ctx context.Context, o Options, j job, oc outcome) outcome {
	ts := j.ts
	env := &Env{Model: o.Runner, Judge: o.Judge, JudgeModel: o.JudgeModel, Seed: o.Seed, Endpoint: o.Endpoint}
	res, err := ts.ev.Evaluate(ctx, env, j.docID)
	oc.end = time.Now()
	if err != nil {
		if ctx.Err() != nil {
			oc.cancelled = true
			return oc
		}
		oc.fatal = &FatalError{Task: ts.name, Err: err}
		return oc
	}
	s := res.Sample
	s.Task, s.DocID = ts.name, int64(j.docID)
	if s.Metrics == nil {
		s.Metrics = map[string]float64{}
	}
	if s.PromptHash == "" {
		s.PromptHash = hashString(s.Prompt)
	}
	s.LatencyMS = float64(oc.end.Sub(oc.start).Microseconds()) / 1000
	oc.usage = res.Usage
	s.PromptTokens = int64(res.Usage.PromptTokens)
	s.CompletionTokens = int64(res.Usage.CompletionTokens)
	s.Cached = res.Usage.Cached
	if res.Err != nil {
		if ctx.Err() != nil {
			oc.cancelled = true
			return oc
		}
		if runners.IsFatal(res.Err) {
			oc.fatal = &FatalError{Err: res.Err}
			return oc
		}
		s.Error = res.Err.Error()
		s.ErrorKind = errorKind(res.Err)
		oc.failed = true
	}
	oc.sample = s
	oc.scores = res.Scores
	return oc
}

// namedMetric stands for a metric_list entry whose per-sample values come
// from process_results rather than a built-in metric.
type namedMetric struct{ spec task.MetricSpec }

func (m namedMetric) Name() string         { return m.spec.Metric }
func (m namedMetric) HigherIsBetter() bool { return m.spec.HigherIsBetter }
func (m namedMetric) Score(scoring.SampleInput) (scoring.Outcome, error) {
	return scoring.Outcome{}, fmt.Errorf("metric %s is computed by process_results", m.spec.Metric)
}

func firstGold(golds []int) int {
	if len(golds) == 0 {
		return -1
	}
	return golds[0]
}
