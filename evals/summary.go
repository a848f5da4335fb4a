package evals

import (
	"encoding/hex"
	"math"
	"sort"
	"time"

	"github.com/hanbench/hanbench/evals/results"
	"github.com/hanbench/hanbench/evals/scoring"
	"github.com/hanbench/hanbench/evals/task"
)

// summarize turns the collector's running totals into results.json content.
func summarize(o Options, states []*taskState, started time.Time, interrupted bool) *results.File {
	f := &results.File{
		Schema:         results.SchemaV1,
		Model:          o.Model,
		ModelRevision:  o.ModelRevision,
		BaseURL:        o.BaseURL,
		Runner:         o.RunnerInfo,
		HarnessVersion: o.HarnessVersion,
		StartedAt:      started.UTC(),
		FinishedAt:     o.Now().UTC(),
		Config: results.RunConfig{
			Seed:            o.Seed,
			NumFewshot:      o.NumFewshot,
			Limit:           o.Limit,
			MCMode:          o.MCMode,
			Concurrency:     o.Concurrency,
			ConcurrencyAuto: o.ConcurrencyAuto,
			ComposeHangul:   o.ComposeHangul,
			AccNormUnit:     scoring.AccNormUnit,
		},
		Tasks:       map[string]*results.Task{},
		Groups:      map[string]*results.Group{},
		Interrupted: interrupted,
	}
	if o.Shards > 1 {
		f.Shard = &results.Shard{Index: o.Shard, Count: o.Shards}
	}
	for _, ts := range states {
		f.TaskOrder = append(f.TaskOrder, ts.name)
		if ts.ev != nil {
			f.Tasks[ts.name] = customResult(o, ts)
			continue
		}
		f.Tasks[ts.name] = taskResult(o, ts)
	}
	if o.Suite != nil {
		for _, g := range o.Suite.Groups {
			if gr := groupResult(g.Tasks, f.Tasks); gr != nil {
				f.Groups[g.Name] = gr
			}
		}
	}
	return f
}

func taskResult(o Options, ts *taskState) *results.Task {
	t := ts.t
	r := &results.Task{
		N:              ts.n,
		Scored:         ts.n - ts.failed,
		Errors:         ts.failed,
		Truncated:      ts.truncated,
		Metrics:        map[string]float64{},
		HigherIsBetter: map[string]bool{},
		Aggregations:   map[string]string{},
		Size:           ts.size,
		OutputType:     t.OutputType(),
		NumFewshot:     ts.numFewshot,
		Version:        t.Version(),
		Source:         t.Source(),
		ConfigHash:     t.ConfigHash(),
		Dataset:        datasetInfo(t),
		Notes:          t.Notes(),
	}
	if ts.n > 0 {
		r.PromptHash = hashHex(ts.promptHash.Sum(nil))
	}
	if len(ts.errKinds) > 0 {
		r.ErrorsByKind = ts.errKinds
	}
	for _, md := range ts.metrics {
		outs := ts.outcomes[md.key]
		r.HigherIsBetter[md.key] = md.metric.HigherIsBetter()
		r.Aggregations[md.key] = aggregationName(md)
		putMetric(r.Metrics, md.key, md.spec.Metric, md.spec.Aggregation, outs, o.Seed)
	}
	r.Usage = usageOf(ts)
	return r
}

// customResult summarizes a Go-coded task.
func customResult(o Options, ts *taskState) *results.Task {
	info := ts.ev.Describe()
	r := &results.Task{
		N: ts.n, Scored: ts.n - ts.failed, Errors: ts.failed, Truncated: ts.truncated,
		Metrics: map[string]float64{}, HigherIsBetter: map[string]bool{}, Size: ts.size,
		OutputType: info.OutputType, NumFewshot: info.NumFewshot, Version: info.Version,
		Source: info.Source, ConfigHash: info.ConfigHash, Dataset: info.Dataset, Notes: info.Notes,
		Judge: info.Judge,
	}
	if ts.n > 0 {
		r.PromptHash = hashHex(ts.promptHash.Sum(nil))
	}
	if len(ts.errKinds) > 0 {
		r.ErrorsByKind = ts.errKinds
	}
	for _, m := range ts.ev.Metrics() {
		r.HigherIsBetter[m.Name] = m.HigherIsBetter
		if m.Summary != nil {
			if v, ok := m.Summary(ts.outcomes); ok {
				r.Metrics[m.Name] = v
			}
			continue
		}
		agg := m.Aggregation
		if agg == "" {
			agg = "mean"
		}
		putMetric(r.Metrics, m.Name, m.Name, agg, ts.outcomes[m.Name], o.Seed)
	}
	r.Usage = usageOf(ts)
	return r
}

// usageOf turns a task's running figures into results.Usage.
func usageOf(ts *taskState) results.Usage {
	u := ts.usage
	u.LatencyP50MS = percentile(ts.latencies, 0.50)
	u.LatencyP95MS = percentile(ts.latencies, 0.95)
	u.LatencyP99MS = percentile(ts.latencies, 0.99)
	u.TTFTP50MS = percentile(ts.ttfts, 0.50)
	if len(ts.tokPerSec) > 0 {
		sum := 0.0
		for _, x := range ts.tokPerSec {
			sum += x
		}
		u.TokensPerSecond = sum / float64(len(ts.tokPerSec))
	}
	if !ts.first.IsZero() {
		u.WallSeconds = ts.last.Sub(ts.first).Seconds()
	}
	return u
}

// groupResult averages member tasks' shared metrics: micro (weighted by
// scored samples) under the metric's name and macro under "<metric>_macro".
func groupResult(members []string, tasks map[string]*results.Task) *results.Group {
	g := &results.Group{Metrics: map[string]float64{}}
	type acc struct {
		wsum, n, sum, k, varMicro, varMacro float64
		count                               int
	}
	per := map[string]*acc{}
	present := 0
	for _, name := range members {
		t, ok := tasks[name]
		if !ok {
			continue
		}
		present++
		g.Tasks = append(g.Tasks, name)
		g.N += t.N
		for k, v := range t.Metrics {
			if len(k) > 7 && k[len(k)-7:] == "_stderr" {
				continue
			}
			a := per[k]
			if a == nil {
				a = &acc{}
				per[k] = a
			}
			n := float64(t.Scored)
			se := t.Metrics[k+"_stderr"]
			a.wsum += v * n
			a.n += n
			a.sum += v
			a.k++
			a.count++
			a.varMicro += n * n * se * se
			a.varMacro += se * se
		}
	}
	if present == 0 {
		return nil
	}
	for k, a := range per {
		if a.count != present || a.n == 0 {
			continue // a metric missing from some member is not averaged
		}
		g.Metrics[k] = a.wsum / a.n
		g.Metrics[k+"_stderr"] = math.Sqrt(a.varMicro) / a.n
		g.Metrics[k+"_macro"] = a.sum / a.k
		g.Metrics[k+"_macro_stderr"] = math.Sqrt(a.varMacro) / a.k
	}
	return g
}

// datasetInfo records where a task's data came from.
func datasetInfo(t *task.Task) results.Dataset {
	d := results.Dataset{Split: t.EvalSplit()}
	if spec, err := t.DatasetSpec(); err == nil {
		d.Path, d.Name, d.Revision = spec.Path, spec.Name, spec.Revision
	}
	if ds, err := t.Dataset(); err == nil && ds != nil {
		d.Fingerprint = ds.Fingerprint()
		if rev := ds.Revision(); rev != "" {
			d.Revision = rev // the commit the Hub actually served
		}
	}
	return d
}

func hashHex(b []byte) string { return hex.EncodeToString(b) }

func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	idx := int(math.Ceil(p*float64(len(s)))) - 1
	if idx < 0 {
		idx = 0
	}
	return s[idx]
}

// aggregationName is the canonical aggregation of a metric: the task's own,
// else the metric's default.
func aggregationName(md metricDef) string {
	if agg, err := scoring.CanonicalAggregation(md.spec.Metric, md.spec.Aggregation); err == nil && agg != "" {
		return agg
	}
	if md.spec.Aggregation != "" {
		return md.spec.Aggregation
	}
	agg, _ := scoring.DefaultAggregation(md.spec.Metric)
	return agg
}

// putMetric aggregates one metric's outcomes into into[key], with its
// standard error under key+"_stderr". No outcomes means no entry: a
// missing score is never written as 0. Runs and merges share it, so a
// merged result equals an unsharded one.
func putMetric(into map[string]float64, key, metric, agg string, outs []scoring.Outcome, seed int64) {
	if len(outs) == 0 {
		return
	}
	v, err := scoring.Aggregate(metric, agg, outs)
	if err != nil {
		return
	}
	into[key] = v
	if se, err := scoring.Stderr(metric, agg, outs, seed); err == nil && !math.IsNaN(se) {
		into[key+"_stderr"] = se
	}
}
