package evals

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/hanbench/hanbench/evals/results"
	"github.com/hanbench/hanbench/evals/scoring"
	"github.com/hanbench/hanbench/runners"
)

// Evaluator is a task evaluated by its own Go code rather than by
// lm-evaluation-harness rules: multi-turn and judge-graded benchmarks
// (LogicKor, KoMT-Bench, K2-Eval). The engine schedules its documents
// alongside YAML tasks, with the same concurrency, ordering, results files
// and statistics.
type Evaluator interface {
	// Name is the task name in results.
	Name() string
	// Len loads the documents and returns how many there are.
	Len() (int, error)
	// Evaluate runs document docID (0 ≤ docID < Len()). It may call the
	// model and the judge several times. A returned error stops the run
	// (use it for broken data, not for failed requests: those belong in
	// EvalResult.Err).
	Evaluate(ctx context.Context, env *Env, docID int) (*EvalResult, error)
	// Metrics lists the metrics Evaluate scores, in display order.
	Metrics() []MetricInfo
	// Describe is the provenance recorded in results.json.
	Describe() TaskInfo
}

// Env is what an Evaluator may use.
type Env struct {
	// Model is the model under evaluation.
	Model runners.Runner
	// Judge is the judge model; nil when the run has none.
	Judge runners.Runner
	// JudgeModel names the judge for provenance.
	JudgeModel string
	// Seed is the run's seed.
	Seed int64
	// Endpoint is "chat" or "completions".
	Endpoint string
}

// EvalResult is one evaluated document.
type EvalResult struct {
	// Sample is the record for samples.parquet; Task and DocID are filled
	// in by the engine. Its Metrics should hold each scored value.
	Sample results.Sample
	// Scores holds the outcome per metric name, for aggregation. A metric
	// absent from Scores (e.g. an unjudged turn) is missing, never 0.
	Scores map[string]scoring.Outcome
	// Usage sums the document's model calls.
	Usage runners.Usage
	// Err is a request that failed after retries: the sample is recorded
	// as failed. A fatal runner error (runners.IsFatal) stops the run.
	Err error
}

// MetricInfo describes one metric of an Evaluator.
type MetricInfo struct {
	// Name is the metric key in results.json.
	Name string
	// Aggregation is a scoring.Aggregate name ("mean", ...).
	Aggregation string
	// HigherIsBetter tells the direction of improvement.
	HigherIsBetter bool
	// Summary, when set, computes the task-level value from all outcomes
	// instead of Aggregation (e.g. LogicKor's overall score).
	Summary func(all map[string][]scoring.Outcome) (float64, bool)
}

// TaskInfo is an Evaluator's provenance for results.json.
type TaskInfo struct {
	OutputType string
	Version    string
	Source     string
	ConfigHash string
	Dataset    results.Dataset
	Notes      []string
	NumFewshot int
	// Judge is the judge provenance of a judge-graded task, copied to
	// results.Task.Judge; nil for other tasks.
	Judge *results.JudgeInfo
}

var (
	evaluatorsMu sync.RWMutex
	evaluators   = map[string]func() (Evaluator, error){}
)

// RegisterEvaluator makes a Go-coded task available by name (e.g.
// "logickor"). It panics on a duplicate name.
func RegisterEvaluator(name string, factory func() (Evaluator, error)) {
	evaluatorsMu.Lock()
	defer evaluatorsMu.Unlock()
	if _, dup := evaluators[name]; dup {
		panic("evals: duplicate evaluator " + name)
	}
	evaluators[name] = factory
}

// LookupEvaluator builds the evaluator registered under name.
func LookupEvaluator(name string) (Evaluator, bool, error) {
	evaluatorsMu.RLock()
	f, ok := evaluators[name]
	evaluatorsMu.RUnlock()
	if !ok {
		return nil, false, nil
	}
	ev, err := f()
	if err != nil {
		return nil, true, fmt.Errorf("task %s: %w", name, err)
	}
	return ev, true, nil
}

// EvaluatorNames lists the registered evaluators, sorted.
func EvaluatorNames() []string {
	evaluatorsMu.RLock()
	defer evaluatorsMu.RUnlock()
	names := make([]string, 0, len(evaluators))
	for n := range evaluators {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
