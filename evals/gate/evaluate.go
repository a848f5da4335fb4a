package gate

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"sort"
	"strings"

	"github.com/hanbench/hanbench/evals/results"
	"github.com/hanbench/hanbench/evals/stats"
	"github.com/hanbench/hanbench/runners"
)

// Options configure Evaluate.
type Options struct {
	// Candidate is the release candidate's results directory (or its
	// results.json).
	Candidate string
	// Baseline is the baseline's results directory; "" for none (then the
	// policy may not have regressions).
	Baseline string
	// Policy is the parsed policy.
	Policy *Policy
	// Judge answers the pairwise comparisons (policy section pairwise);
	// callers wrap it with retries and a response cache. Without one every
	// pairwise check is unevaluable; a policy without pairwise entries
	// never uses it.
	Judge runners.Runner
	// JudgeModel names the judge in the report.
	JudgeModel string
	// JudgeConcurrency bounds judge requests in flight (0: the judge
	// package's default).
	JudgeConcurrency int
	// PairwisePromptsDir is the KoMT-Bench folder holding the pairwise
	// judge prompts (judge_prompts_ko.jsonl); "" means $HANBENCH_KOMT_DIR,
	// else $HANBENCH_DATA_DIR/komt-bench.
	PairwisePromptsDir string
	// CandidateErr and BaselineErr report that a run could not be fetched
	// before evaluation (for example from object storage); such a run is
	// unreadable, as a missing directory is: an unevaluable input check.
	CandidateErr, BaselineErr error
}

// loadRunOr loads a run unless fetching it already failed.
func loadRunOr(dir string, fetchErr error) (*run, error) {
	if fetchErr != nil {
		return nil, fetchErr
	}
	return loadRun(dir)
}

// ErrNeedBaseline is returned by Evaluate when the policy has regression
// or pairwise checks and no baseline was given: a usage error.
var ErrNeedBaseline = errors.New("the policy has regression or pairwise checks but no baseline was given")

// PreferredMetrics is the order in which a default metric is picked when
// the policy names none; then the alphabetically first metric.
var PreferredMetrics = []string{"acc", "exact_match", "f1", "acc_norm", "mcc", "score"}

// defaultChoice describes how a default metric was picked.
var defaultChoice = "default: first of " + strings.Join(PreferredMetrics, ", ") + " present"

// Evaluate is EvaluateContext with context.Background().
func Evaluate(o Options) (*Report, error) {
	return EvaluateContext(context.Background(), o)
}

// EvaluateContext runs the policy's checks; ctx bounds the judge requests
// of pairwise checks. Problems with the runs (unreadable files, missing
// tasks) or the judge (none given, unreachable) become unevaluable checks
// in the report, never errors; the error is non-nil only for misuse (nil
// policy, regressions or pairwise checks without a baseline).
func EvaluateContext(ctx context.Context, o Options) (*Report, error) {
	p := o.Policy
	if p == nil {
		return nil, errors.New("gate: no policy")
	}
	if p.NeedsBaseline() && o.Baseline == "" {
		return nil, ErrNeedBaseline
	}
	e := &evaluator{p: p, o: o, ctx: ctx, rep: &Report{
		Schema:    ReportSchema,
		Candidate: RunInfo{Dir: o.Candidate},
		Policy: PolicyInfo{
			Path: p.Path, Correction: p.Correction, BootstrapIterations: p.BootstrapIterations,
			Seed: *p.Seed, StrictProvenance: p.StrictProvenance,
		},
		Checks: []Check{},
	}}
	defer e.rep.finish()
	cand, err := loadRunOr(o.Candidate, o.CandidateErr)
	if err != nil {
		e.add(Check{Name: "input candidate results", Kind: KindInput, Verdict: Unevaluable,
			Reason: "cannot read the candidate's results: " + err.Error()})
		return e.rep, nil
	}
	e.cand = cand
	e.rep.Candidate = cand.info()
	if cand.file.Interrupted {
		e.notice(LevelWarning, "", "the candidate run was interrupted: some samples were never evaluated")
	}
	if o.Baseline != "" {
		e.rep.Baseline = &RunInfo{Dir: o.Baseline}
		base, err := loadRunOr(o.Baseline, o.BaselineErr)
		if err != nil {
			e.add(Check{Name: "input baseline results", Kind: KindInput, Verdict: Unevaluable,
				Reason: "cannot read the baseline's results: " + err.Error()})
		} else {
			e.base = base
			info := base.info()
			e.rep.Baseline = &info
			if base.file.Interrupted {
				e.notice(LevelWarning, "", "the baseline run was interrupted: some samples were never evaluated")
			}
			e.runProvenance()
		}
	}
	e.required()
	e.errorRates()
	e.thresholds()
	e.regressions()
	e.pairwise()
	e.adjust()
	return e.rep, nil
}

type evaluator struct {
	p          *Policy
	o          Options
	ctx        context.Context
	rep        *Report
	cand, base *run
	// family indexes the regression and pairwise checks whose p-values are
	// adjusted together.
	family []int
}

func (e *evaluator) add(c Check) int {
	e.rep.Checks = append(e.rep.Checks, c)
	return len(e.rep.Checks) - 1
}

func (e *evaluator) notice(level, task, format string, args ...any) {
	e.rep.Notices = append(e.rep.Notices, Notice{Level: level, Task: task, Message: fmt.Sprintf(format, args...)})
}

// runProvenance reports run settings that differ between the runs.
func (e *evaluator) runProvenance() {
	b, c := e.base.file, e.cand.file
	diff := func(what string, bv, cv any) {
		if fmt.Sprint(bv) != fmt.Sprint(cv) {
			e.notice(LevelWarning, "", "run setting %s changed: %v → %v", what, bv, cv)
		}
	}
	fewshot := func(p *int) string {
		if p == nil {
			return "task default"
		}
		return fmt.Sprint(*p)
	}
	diff("mc_mode", b.Config.MCMode, c.Config.MCMode)
	diff("seed", b.Config.Seed, c.Config.Seed)
	diff("num_fewshot", fewshot(b.Config.NumFewshot), fewshot(c.Config.NumFewshot))
	diff("limit", b.Config.Limit, c.Config.Limit)
	diff("compose_hangul", b.Config.ComposeHangul, c.Config.ComposeHangul)
	diff("acc_norm_unit", b.Config.AccNormUnit, c.Config.AccNormUnit)
	diff("endpoint", b.Runner.Endpoint, c.Runner.Endpoint)
}

// required checks that each required task is in the candidate.
func (e *evaluator) required() {
	for _, name := range e.p.RequiredTasks {
		c := Check{Name: "required " + name, Kind: KindRequired, Task: name}
		if t, ok := e.cand.file.Tasks[name]; ok {
			if t.Scored > 0 {
				c.Verdict = Pass
				c.Reason = fmt.Sprintf("present with %d scored of %d samples", t.Scored, t.N)
			} else {
				c.Verdict = Unevaluable
				c.Reason = fmt.Sprintf("present but no sample was scored (%d samples, %d errors)", t.N, t.Errors)
			}
		} else if g, ok := e.cand.file.Groups[name]; ok {
			c.Group = true
			if g.N > 0 {
				c.Verdict = Pass
				c.Reason = fmt.Sprintf("group present with %d samples", g.N)
			} else {
				c.Verdict = Unevaluable
				c.Reason = "group present but has no samples"
			}
		} else {
			c.Verdict = Unevaluable
			c.Reason = "required task is missing from the candidate's results"
		}
		if e.base != nil && c.Verdict == Pass {
			_, inT := e.base.file.Tasks[name]
			_, inG := e.base.file.Groups[name]
			if !inT && !inG {
				c.Notes = append(c.Notes, "not in the baseline: no regression check is possible")
			}
		}
		e.add(c)
	}
}

// errorRates checks the run-wide max_error_rate.
func (e *evaluator) errorRates() {
	if e.p.MaxErrorRate == nil {
		return
	}
	var n, errs int
	for _, t := range e.cand.file.Tasks {
		n += t.N
		errs += t.Errors
	}
	e.add(errorRateCheck("error_rate overall", "", false, errs, n, *e.p.MaxErrorRate))
}

func errorRateCheck(name, task string, group bool, errs, n int, max float64) Check {
	c := Check{Name: name, Kind: KindErrorRate, Task: task, Group: group, Metric: "error_rate", Max: num(max), HigherIsBetter: boolp(false)}
	if n == 0 {
		c.Verdict = Unevaluable
		c.Reason = "no samples in the candidate"
		return c
	}
	r := float64(errs) / float64(n)
	lo, hi := stats.WilsonCI(errs, n, stats.Z95)
	c.Candidate, c.CILow, c.CIHigh, c.CIMethod = num(r), num(lo), num(hi), ciWilson
	if r > max+1e-12 {
		c.Verdict = Fail
		c.Reason = fmt.Sprintf("%d of %d samples failed (%s) > max %s", errs, n, pct(r), pct(max))
	} else {
		c.Verdict = Pass
		c.Reason = fmt.Sprintf("%d of %d samples failed (%s) ≤ max %s", errs, n, pct(r), pct(max))
	}
	return c
}

func pct(x float64) string { return fmt.Sprintf("%.2f%%", 100*x) }

// thresholds checks absolute bounds.
func (e *evaluator) thresholds() {
	for _, key := range sortedKeys(e.p.Thresholds) {
		th := e.p.Thresholds[key]
		var metrics map[string]float64
		var hib map[string]bool
		var errs, n int
		isGroup := false
		if t, ok := e.cand.file.Tasks[key]; ok {
			metrics, hib, errs, n = t.Metrics, t.HigherIsBetter, t.Errors, t.N
		} else if g, ok := e.cand.file.Groups[key]; ok {
			isGroup = true
			metrics = g.Metrics
			for _, tn := range g.Tasks {
				if t, ok := e.cand.file.Tasks[tn]; ok {
					n += t.N
					errs += t.Errors
				}
			}
		}
		if th.Min != nil || th.Max != nil {
			c := Check{Kind: KindThreshold, Task: key, Group: isGroup, Min: th.Min, Max: th.Max}
			metric, choice, err := pickMetric(th.Metric, true, metrics)
			switch {
			case metrics == nil:
				c.Name = "threshold " + key + " " + th.Metric
				c.Verdict, c.Reason = Unevaluable, "task or group is missing from the candidate's results"
			case err != nil:
				c.Name = "threshold " + key + " " + th.Metric
				c.Verdict, c.Reason = Unevaluable, err.Error()
			default:
				c.Name = "threshold " + key + " " + metric
				c.Metric, c.MetricChoice = metric, choice
				c.HigherIsBetter = boolp(!hasFalse(hib, metric))
				v := metrics[metric]
				c.Candidate = num(v)
				if se, ok := metrics[metric+"_stderr"]; ok && se > 0 {
					lo, hi := stats.NormalCI95(v, se)
					c.CILow, c.CIHigh, c.CIMethod = num(lo), num(hi), ciNormal
				}
				c.Verdict, c.Reason = Pass, "within bounds"
				if th.Min != nil && v < *th.Min {
					c.Verdict, c.Reason = Fail, fmt.Sprintf("%.4f < min %.4g", v, *th.Min)
				} else if th.Max != nil && v > *th.Max {
					c.Verdict, c.Reason = Fail, fmt.Sprintf("%.4f > max %.4g", v, *th.Max)
				} else if th.Min != nil && th.Max != nil {
					c.Reason = fmt.Sprintf("%.4g ≤ %.4f ≤ %.4g", *th.Min, v, *th.Max)
				} else if th.Min != nil {
					c.Reason = fmt.Sprintf("%.4f ≥ min %.4g", v, *th.Min)
				} else {
					c.Reason = fmt.Sprintf("%.4f ≤ max %.4g", v, *th.Max)
				}
			}
			e.add(c)
		}
		if th.MaxErrorRate != nil {
			if metrics == nil {
				e.add(Check{Name: "error_rate " + key, Kind: KindErrorRate, Task: key, Metric: "error_rate",
					Max: th.MaxErrorRate, Verdict: Unevaluable, Reason: "task or group is missing from the candidate's results"})
				continue
			}
			e.add(errorRateCheck("error_rate "+key, key, isGroup, errs, n, *th.MaxErrorRate))
		}
	}
}

func hasFalse(m map[string]bool, k string) bool {
	v, ok := m[k]
	return ok && !v
}

// metricKeys returns the metric names of m (without "_stderr" entries).
func metricKeys(m map[string]float64) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		if !strings.HasSuffix(k, "_stderr") {
			out[k] = true
		}
	}
	return out
}

// pickMetric picks the metric to check among those every map has: pref if
// given and present (required: an error if absent), else the first of
// PreferredMetrics present (a key "name" or "name,filter", the
// alphabetically first), else the alphabetically first.
func pickMetric(pref string, required bool, maps ...map[string]float64) (metric, choice string, err error) {
	var avail map[string]bool
	for _, m := range maps {
		keys := metricKeys(m)
		if avail == nil {
			avail = keys
			continue
		}
		for k := range avail {
			if !keys[k] {
				delete(avail, k)
			}
		}
	}
	names := sortedKeys(avail)
	if pref != "" {
		if avail[pref] {
			return pref, "policy", nil
		}
		if required {
			where := "the results"
			if len(maps) > 1 {
				where = "both runs"
			}
			return "", "", fmt.Errorf("metric %q is not in %s (available: %s)", pref, where, listOrNone(names))
		}
	}
	if len(names) == 0 {
		return "", "", errors.New("no metric is recorded in both runs")
	}
	choice = defaultChoice
	if pref != "" {
		choice = fmt.Sprintf("default (policy's default metric %q absent): first of %s present", pref, strings.Join(PreferredMetrics, ", "))
	}
	for _, want := range PreferredMetrics {
		for _, k := range names {
			if k == want || strings.HasPrefix(k, want+",") {
				return k, choice, nil
			}
		}
	}
	return names[0], choice, nil
}

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

// regressions compares the candidate with the baseline.
func (e *evaluator) regressions() {
	if len(e.p.Regressions) == 0 || e.base == nil {
		return
	}
	if err := e.cand.loadSamples(); err != nil {
		e.add(Check{Name: "input candidate samples", Kind: KindInput, Verdict: Unevaluable,
			Reason: "cannot read the candidate's samples: " + err.Error()})
		return
	}
	if err := e.base.loadSamples(); err != nil {
		e.add(Check{Name: "input baseline samples", Kind: KindInput, Verdict: Unevaluable,
			Reason: "cannot read the baseline's samples: " + err.Error()})
		return
	}
	names := map[string]bool{}
	_, hasDef := e.p.Regressions[DefaultKey]
	if hasDef {
		for name := range e.cand.file.Tasks {
			if _, ok := e.base.file.Tasks[name]; ok {
				names[name] = true
			} else if _, explicit := e.p.Regressions[name]; !explicit {
				e.notice(LevelInfo, name, "new task: not in the baseline, no regression check")
			}
		}
		for name := range e.base.file.Tasks {
			if _, ok := e.cand.file.Tasks[name]; !ok {
				if _, explicit := e.p.Regressions[name]; !explicit {
					e.notice(LevelWarning, name, "task in the baseline is missing from the candidate: no regression check (list it in required_tasks to enforce it)")
				}
			}
		}
	}
	for name := range e.p.Regressions {
		if name != DefaultKey {
			names[name] = true
		}
	}
	for _, name := range sortedKeys(names) {
		r, checked, _, metricRequired := e.p.regressionFor(name)
		if !checked {
			if _, inBoth := e.base.file.Tasks[name]; inBoth {
				e.notice(LevelInfo, name, "regression check skipped by the policy")
			}
			continue
		}
		_, inC := e.cand.file.Tasks[name]
		_, inB := e.base.file.Tasks[name]
		_, gC := e.cand.file.Groups[name]
		switch {
		case inC && inB:
			e.taskRegression(name, r, metricRequired)
		case !inC && !inB && gC:
			e.groupRegression(name, r, metricRequired)
		default:
			c := newRegressionCheck(name, r)
			c.Name = "regression " + name + " " + r.Metric
			c.Metric = r.Metric
			c.Verdict = Unevaluable
			switch {
			case !inC && !inB:
				c.Reason = "not a task of either run nor a group of the candidate"
			case !inC:
				c.Reason = "task is missing from the candidate's results"
			default:
				c.Reason = "task is missing from the baseline's results"
			}
			e.add(c)
		}
	}
}

func newRegressionCheck(name string, r Regression) Check {
	return Check{Kind: KindRegression, Task: name, MaxDrop: r.MaxDrop, Significance: r.Significance}
}

func (e *evaluator) seed(name, metric string) int64 {
	h := fnv.New64a()
	h.Write([]byte(name + "\x00" + metric))
	return *e.p.Seed ^ int64(h.Sum64()>>1)
}

// taskRegression compares one task.
func (e *evaluator) taskRegression(name string, r Regression, metricRequired bool) {
	ct, bt := e.cand.file.Tasks[name], e.base.file.Tasks[name]
	c := newRegressionCheck(name, r)
	metric, choice, err := pickMetric(r.Metric, metricRequired, ct.Metrics, bt.Metrics)
	if err != nil {
		c.Name = "regression " + name + " " + r.Metric
		c.Verdict, c.Reason = Unevaluable, err.Error()
		e.add(c)
		return
	}
	c.Name = "regression " + name + " " + metric
	c.Metric, c.MetricChoice = metric, choice
	c.HigherIsBetter = boolp(!hasFalse(ct.HigherIsBetter, metric))
	c.BaselineReported, c.CandidateReported = num(bt.Metrics[metric]), num(ct.Metrics[metric])
	diffs := provenanceDiffs(bt, ct)
	for _, d := range diffs {
		e.notice(LevelWarning, name, "%s", d)
	}
	c.Notes = append(c.Notes, diffs...)

	cs, bs := e.cand.tasks[name], e.base.tasks[name]
	if cs == nil || bs == nil {
		which := "candidate"
		if bs == nil {
			which = "baseline"
		}
		c.Verdict, c.Reason = Unevaluable, "no samples for this task in the "+which+"'s samples.parquet"
		e.add(c)
		return
	}
	pr, pairing := pairSamples(bs, cs, metric)
	c.Pairing = &pairing
	if d := pairing.describe(); d != "" {
		c.Notes = append(c.Notes, d)
	}
	if pairing.PromptChanged > 0 {
		e.notice(LevelWarning, name, "%d samples have a changed prompt and were excluded from the comparison", pairing.PromptChanged)
	}
	if pairing.TargetChanged > 0 {
		e.notice(LevelWarning, name, "%d samples have a changed target and were excluded from the comparison", pairing.TargetChanged)
	}
	if pairing.Matched == 0 {
		c.Verdict, c.Reason = Unevaluable, "no matched samples: "+pairing.describe()
		e.add(c)
		return
	}
	aggC, errC := detectAgg(ct.Metrics[metric], cs, metric)
	aggB, errB := detectAgg(bt.Metrics[metric], bs, metric)
	switch {
	case errC != nil:
		c.Verdict, c.Reason = NotTestable, "not testable: candidate: "+errC.Error()
	case errB != nil:
		c.Verdict, c.Reason = NotTestable, "not testable: baseline: "+errB.Error()
	case aggC != aggB:
		c.Verdict, c.Reason = NotTestable, fmt.Sprintf("not testable: the metric is aggregated as %s in the candidate and %s in the baseline", aggC, aggB)
	}
	if c.Verdict != "" {
		e.add(c)
		return
	}
	var cmp comparison
	if aggC == aggMean {
		cmp, err = compareMean(pr, e.p.BootstrapIterations, e.seed(name, metric))
	} else {
		if !pr.labelled() {
			c.Verdict, c.Reason = NotTestable, fmt.Sprintf("not testable: %s is a corpus metric and the matched samples lack gold or predicted choices", aggC)
			e.add(c)
			return
		}
		cmp, err = compareCorpus(aggC, pr, e.p.BootstrapIterations, e.seed(name, metric))
	}
	if err != nil {
		c.Verdict, c.Reason = NotTestable, "not testable: "+err.Error()
		e.add(c)
		return
	}
	c.fill(cmp)
	if e.p.StrictProvenance && len(diffs) > 0 {
		c.Verdict, c.Reason = Unevaluable, "data or config changed between the runs (strict_provenance): "+strings.Join(diffs, "; ")
		e.add(c)
		return
	}
	e.family = append(e.family, e.add(c))
}

// groupRegression compares a group on the pooled samples of its tasks
// (a micro average); every task must have a mean-aggregated metric.
func (e *evaluator) groupRegression(name string, r Regression, metricRequired bool) {
	c := newRegressionCheck(name, r)
	c.Group = true
	g := e.cand.file.Groups[name]
	var members []string
	var maps []map[string]float64
	for _, tn := range g.Tasks {
		ct, okC := e.cand.file.Tasks[tn]
		bt, okB := e.base.file.Tasks[tn]
		if !okC || !okB {
			c.Notes = append(c.Notes, fmt.Sprintf("member task %q is not in both runs and is left out", tn))
			continue
		}
		members = append(members, tn)
		maps = append(maps, ct.Metrics, bt.Metrics)
	}
	sort.Strings(members)
	if len(members) == 0 {
		c.Name = "regression " + name + " " + r.Metric
		c.Verdict, c.Reason = Unevaluable, "no task of the group is in both runs"
		e.add(c)
		return
	}
	metric, choice, err := pickMetric(r.Metric, metricRequired, maps...)
	if err != nil {
		c.Name = "regression " + name + " " + r.Metric
		c.Verdict, c.Reason = Unevaluable, "group tasks: "+err.Error()
		e.add(c)
		return
	}
	c.Name = "regression " + name + " " + metric
	c.Metric, c.MetricChoice = metric, choice
	higher := true
	c.CandidateReported = num(g.Metrics[metric])
	if bg, ok := e.base.file.Groups[name]; ok {
		c.BaselineReported = num(bg.Metrics[metric])
	}
	pooled := &pairs{}
	var pairing Pairing
	for _, tn := range members {
		ct, bt := e.cand.file.Tasks[tn], e.base.file.Tasks[tn]
		if hasFalse(ct.HigherIsBetter, metric) {
			higher = false
		}
		for _, d := range provenanceDiffs(bt, ct) {
			c.Notes = append(c.Notes, tn+": "+d)
		}
		cs, bs := e.cand.tasks[tn], e.base.tasks[tn]
		if cs == nil || bs == nil {
			c.Verdict, c.Reason = Unevaluable, fmt.Sprintf("no samples for member task %q in one of the runs", tn)
			e.add(c)
			return
		}
		pr, pg := pairSamples(bs, cs, metric)
		pairing.add(pg)
		aggC, errC := detectAgg(ct.Metrics[metric], cs, metric)
		aggB, errB := detectAgg(bt.Metrics[metric], bs, metric)
		if errC != nil || errB != nil || aggC != aggMean || aggB != aggMean {
			c.Verdict, c.Reason = NotTestable, fmt.Sprintf("not testable: member task %q's %s is not a per-sample mean in both runs, so the group cannot be pooled", tn, metric)
			e.add(c)
			return
		}
		pooled.base = append(pooled.base, pr.base...)
		pooled.cand = append(pooled.cand, pr.cand...)
	}
	c.HigherIsBetter = boolp(higher)
	c.Pairing = &pairing
	c.Notes = append(c.Notes, fmt.Sprintf("pooled over %d tasks (micro average): %s", len(members), strings.Join(members, ", ")))
	if d := pairing.describe(); d != "" {
		c.Notes = append(c.Notes, d)
	}
	if pairing.Matched == 0 {
		c.Verdict, c.Reason = Unevaluable, "no matched samples in the group's tasks"
		e.add(c)
		return
	}
	cmp, err := compareMean(pooled, e.p.BootstrapIterations, e.seed(name, metric))
	if err != nil {
		c.Verdict, c.Reason = NotTestable, "not testable: "+err.Error()
		e.add(c)
		return
	}
	c.fill(cmp)
	e.family = append(e.family, e.add(c))
}

// fill copies a comparison into a regression check.
func (c *Check) fill(cmp comparison) {
	c.Test, c.Aggregation, c.CIMethod = cmp.test, cmp.agg, cmp.ciMethod
	c.Baseline, c.Candidate, c.Delta = num(cmp.base), num(cmp.cand), num(cmp.delta)
	c.CILow, c.CIHigh, c.P = num(cmp.lo), num(cmp.hi), num(cmp.p)
	drop := -cmp.delta
	if c.HigherIsBetter != nil && !*c.HigherIsBetter {
		drop = cmp.delta
	}
	c.Drop = num(drop)
	c.ExceedsMaxDrop = drop > *c.MaxDrop+1e-12
	if cmp.mcnemar {
		c.McNemarB, c.McNemarC = intp(cmp.b), intp(cmp.c)
	}
}

// adjust corrects the regression and pairwise p-values for multiplicity
// and decides their verdicts.
func (e *evaluator) adjust() {
	e.rep.Policy.FamilySize = len(e.family)
	ps := make([]float64, len(e.family))
	for i, idx := range e.family {
		ps[i] = *e.rep.Checks[idx].P
		if e.rep.Checks[idx].Kind == KindPairwise {
			e.rep.Policy.PairwiseInFamily++
		}
	}
	adj := adjust(e.p.Correction, ps)
	for i, idx := range e.family {
		c := &e.rep.Checks[idx]
		c.PAdjusted = num(adj[i])
		alpha := *c.Significance
		c.Significant = adj[i] <= alpha
		sig := fmt.Sprintf("p_adj %s %s %g", fmtP(adj[i]), map[bool]string{true: "≤", false: ">"}[c.Significant], alpha)
		if c.Kind == KindPairwise {
			c.decidePairwise(sig)
			continue
		}
		drop, maxDrop := *c.Drop, *c.MaxDrop
		switch {
		case c.ExceedsMaxDrop && c.Significant:
			c.Verdict = Fail
			c.Reason = fmt.Sprintf("drop %.4g > max_drop %g and significant (%s)", drop, maxDrop, sig)
		case c.ExceedsMaxDrop:
			c.Verdict = Pass
			c.Reason = fmt.Sprintf("drop %.4g > max_drop %g but not significant (%s)", drop, maxDrop, sig)
		case drop == 0:
			c.Verdict = Pass
			c.Reason = fmt.Sprintf("no change (%s)", sig)
		case drop < 0:
			c.Verdict = Pass
			c.Reason = fmt.Sprintf("no drop (improved by %.4g; %s)", -drop, sig)
		case c.Significant:
			c.Verdict = Pass
			c.Reason = fmt.Sprintf("drop %.4g ≤ max_drop %g (significant: %s)", drop, maxDrop, sig)
		default:
			c.Verdict = Pass
			c.Reason = fmt.Sprintf("drop %.4g ≤ max_drop %g (%s)", drop, maxDrop, sig)
		}
	}
}

// fmtP formats a p-value for messages.
func fmtP(p float64) string {
	switch {
	case math.IsNaN(p):
		return "n/a"
	case p < 0.0001:
		return fmt.Sprintf("%.1e", p)
	}
	return fmt.Sprintf("%.4f", p)
}

// pairSamples matches the samples of one task by doc id and prompt hash.
func pairSamples(bs, cs *taskSamples, metric string) (*pairs, Pairing) {
	pr := &pairs{}
	pg := Pairing{Duplicates: bs.duplicates + cs.duplicates}
	for _, id := range cs.sortedDocs() {
		c := cs.byDoc[id]
		b, ok := bs.byDoc[id]
		if !ok {
			pg.OnlyCandidate++
			continue
		}
		if b.promptHash != c.promptHash {
			pg.PromptChanged++
			continue
		}
		if b.failed || c.failed {
			pg.Failed++
			continue
		}
		if b.target != c.target {
			pg.TargetChanged++
			continue
		}
		bv, okB := b.metrics[metric]
		cv, okC := c.metrics[metric]
		if !okB || !okC {
			pg.MissingMetric++
			continue
		}
		pg.Matched++
		pr.base = append(pr.base, bv)
		pr.cand = append(pr.cand, cv)
		gold := c.gold
		if b.gold != c.gold {
			gold = -1
		}
		pr.gold = append(pr.gold, gold)
		pr.basePred = append(pr.basePred, b.pred)
		pr.candPred = append(pr.candPred, c.pred)
	}
	for id := range bs.byDoc {
		if _, ok := cs.byDoc[id]; !ok {
			pg.OnlyBaseline++
		}
	}
	return pr, pg
}

// labelled reports whether every pair has gold and predicted labels.
func (p *pairs) labelled() bool {
	for i := range p.gold {
		if p.gold[i] < 0 || p.basePred[i] < 0 || p.candPred[i] < 0 {
			return false
		}
	}
	return len(p.gold) > 0
}

func closeTo(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// detectAgg finds how a run aggregated a metric by recomputing the value
// in results.json from the run's scored samples: the mean of the
// per-sample values, else a corpus f1, macro f1 or mcc over the samples'
// gold and predicted choices.
func detectAgg(reported float64, ts *taskSamples, metric string) (string, error) {
	var vals []float64
	var golds, preds []int
	labelled := true
	for _, id := range ts.sortedDocs() {
		s := ts.byDoc[id]
		if s.failed {
			continue
		}
		v, ok := s.metrics[metric]
		if !ok {
			continue
		}
		vals = append(vals, v)
		if s.gold < 0 || s.pred < 0 {
			labelled = false
		}
		golds = append(golds, s.gold)
		preds = append(preds, s.pred)
	}
	if len(vals) == 0 {
		return "", fmt.Errorf("no scored sample has %s", metric)
	}
	mean := stats.Mean(vals)
	if closeTo(mean, reported) {
		return aggMean, nil
	}
	if labelled {
		for _, agg := range []string{aggF1, aggMacroF1, aggMCC} {
			if v, err := corpusFunc(agg)(golds, preds); err == nil && closeTo(v, reported) {
				return agg, nil
			}
		}
	}
	return "", fmt.Errorf("results.json has %s = %.6g, which is neither the mean of the %d per-sample values (%.6g) nor a corpus f1, macro f1 or mcc recomputable from the samples' choices", metric, reported, len(vals), mean)
}

// provenanceDiffs lists what changed in a task's data and config.
func provenanceDiffs(b, c *results.Task) []string {
	var out []string
	diff := func(what, bv, cv string) {
		if bv != cv {
			out = append(out, fmt.Sprintf("%s changed: %s → %s", what, shown(bv), shown(cv)))
		}
	}
	diff("dataset path", b.Dataset.Path, c.Dataset.Path)
	diff("dataset name", b.Dataset.Name, c.Dataset.Name)
	diff("dataset split", b.Dataset.Split, c.Dataset.Split)
	diff("dataset revision", b.Dataset.Revision, c.Dataset.Revision)
	diff("dataset fingerprint", b.Dataset.Fingerprint, c.Dataset.Fingerprint)
	diff("config hash", b.ConfigHash, c.ConfigHash)
	diff("task version", b.Version, c.Version)
	diff("output type", b.OutputType, c.OutputType)
	if b.NumFewshot != c.NumFewshot {
		out = append(out, fmt.Sprintf("num_fewshot changed: %d → %d", b.NumFewshot, c.NumFewshot))
	}
	return out
}

// shown shortens hashes and marks empty values.
func shown(s string) string {
	if s == "" {
		return "(none)"
	}
	if len(s) == 64 && strings.Trim(s, "0123456789abcdef") == "" {
		return s[:12] + "…"
	}
	return s
}
