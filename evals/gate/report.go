package gate

import (
	"fmt"
	"math"
	"strings"

	"github.com/hanbench/hanbench/evals/judge"
)

// ReportSchema identifies the JSON verdict format.
const ReportSchema = "hanbench.gate/v1"

// Verdict is the outcome of one check or of the whole gate.
type Verdict string

// Verdicts.
const (
	// Pass: the check passed.
	Pass Verdict = "pass"
	// Fail: the candidate failed the check.
	Fail Verdict = "fail"
	// Unevaluable: the check could not be evaluated (missing task, no
	// matched samples, unreadable results).
	Unevaluable Verdict = "unevaluable"
	// NotTestable: the metric cannot be compared with a paired test from
	// the data recorded (e.g. a corpus metric without per-sample labels).
	// It counts as unevaluable for the overall verdict.
	NotTestable Verdict = "not_testable"
)

// Kind is the type of a check.
type Kind string

// Check kinds.
const (
	KindInput      Kind = "input"
	KindRequired   Kind = "required_task"
	KindErrorRate  Kind = "error_rate"
	KindThreshold  Kind = "threshold"
	KindRegression Kind = "regression"
	// KindPairwise is a pairwise judge comparison of a judge task's
	// answers (policy section pairwise).
	KindPairwise Kind = "pairwise"
)

// Test names recorded in Check.Test.
const (
	TestMcNemarExact    = "mcnemar_exact"
	TestPairedBootstrap = "paired_bootstrap"
	// TestCorpusBootstrap is a paired bootstrap over documents that
	// recomputes a corpus metric on each resample; Check.Aggregation names
	// the metric (f1, macro_f1, mcc).
	TestCorpusBootstrap = "paired_bootstrap_corpus"
	// TestSignExact is the two-sided exact sign test of a pairwise
	// check's wins against its losses (ties dropped).
	TestSignExact = "sign_test_exact"
)

// Report is the outcome of Evaluate. Every string in it that came from a
// results file (task, metric and group names, dataset revisions) is
// untrusted; the renderers escape them.
type Report struct {
	// Schema is ReportSchema.
	Schema string `json:"schema"`
	// Verdict is fail if any check failed, else unevaluable if any check
	// was unevaluable or not testable, else pass.
	Verdict Verdict `json:"verdict"`
	// Summary is a one-line account of the verdict.
	Summary string `json:"summary"`
	// Candidate and Baseline describe the runs (Baseline nil without one).
	Candidate RunInfo  `json:"candidate"`
	Baseline  *RunInfo `json:"baseline,omitempty"`
	// Policy is the policy applied, with defaults filled in.
	Policy PolicyInfo `json:"policy"`
	// Checks are in a stable order: inputs, required tasks, error rates,
	// thresholds, regressions, pairwise comparisons; by name within a kind.
	Checks []Check `json:"checks"`
	// Notices are things a reader must know that are not checks: changed
	// data, dropped or new tasks, metric choices.
	Notices []Notice `json:"notices,omitempty"`
	// Counts tallies the checks by verdict.
	Counts Counts `json:"counts"`
}

// RunInfo identifies a results directory.
type RunInfo struct {
	Dir            string `json:"dir"`
	Model          string `json:"model,omitempty"`
	ModelRevision  string `json:"model_revision,omitempty"`
	HarnessVersion string `json:"harness_version,omitempty"`
	Interrupted    bool   `json:"interrupted,omitempty"`
}

// PolicyInfo records the policy settings that shape the statistics.
type PolicyInfo struct {
	Path                string `json:"path,omitempty"`
	Correction          string `json:"correction"`
	BootstrapIterations int    `json:"bootstrap_iterations"`
	Seed                int64  `json:"seed"`
	StrictProvenance    bool   `json:"strict_provenance,omitempty"`
	// FamilySize is the number of p-values adjusted together: those of the
	// regression and pairwise checks.
	FamilySize int `json:"family_size"`
	// PairwiseInFamily is the number of pairwise checks in the family.
	PairwiseInFamily int `json:"pairwise_in_family,omitempty"`
}

// Counts tallies checks by verdict.
type Counts struct {
	Pass        int `json:"pass"`
	Fail        int `json:"fail"`
	Unevaluable int `json:"unevaluable"`
	NotTestable int `json:"not_testable"`
}

// Notice levels.
const (
	LevelWarning = "warning"
	LevelInfo    = "info"
)

// Notice is a finding that is not a check.
type Notice struct {
	Level   string `json:"level"`
	Task    string `json:"task,omitempty"`
	Message string `json:"message"`
}

// Check is one gate check and its outcome. Numbers that do not apply are
// nil (null in JSON).
type Check struct {
	// Name identifies the check, e.g. "regression kmmlu acc".
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// Task is the task or group checked ("" for run-wide checks).
	Task string `json:"task,omitempty"`
	// Group is true when Task names a group.
	Group bool `json:"group,omitempty"`
	// Metric is the metric key.
	Metric string `json:"metric,omitempty"`
	// MetricChoice says why this metric: "policy" or how the default was
	// picked.
	MetricChoice string `json:"metric_choice,omitempty"`
	// HigherIsBetter is the metric's direction (nil without a metric).
	HigherIsBetter *bool `json:"higher_is_better,omitempty"`

	// Baseline and Candidate are the compared values: for regressions on
	// the matched samples, for thresholds and error rates the candidate's
	// recorded value, for pairwise checks each run's win rate (ties as
	// half; they add up to 1).
	Baseline  *float64 `json:"baseline,omitempty"`
	Candidate *float64 `json:"candidate,omitempty"`
	// BaselineReported and CandidateReported are the values in
	// results.json over all samples (regressions).
	BaselineReported  *float64 `json:"baseline_reported,omitempty"`
	CandidateReported *float64 `json:"candidate_reported,omitempty"`
	// Delta is Candidate − Baseline (pairwise: win rate − loss rate of the
	// candidate).
	Delta *float64 `json:"delta,omitempty"`
	// Drop is the loss in the metric's direction (positive = worse;
	// pairwise: loss rate − win rate).
	Drop *float64 `json:"drop,omitempty"`
	// CILow and CIHigh bound the 95% interval of Delta (regressions,
	// pairwise) or of Candidate (thresholds, error rates); CIMethod names
	// it.
	CILow    *float64 `json:"ci_low,omitempty"`
	CIHigh   *float64 `json:"ci_high,omitempty"`
	CIMethod string   `json:"ci_method,omitempty"`

	// Test is the paired test used; Aggregation the metric's aggregation
	// ("mean", "f1", "macro_f1", "mcc").
	Test        string `json:"test,omitempty"`
	Aggregation string `json:"aggregation,omitempty"`
	// P is the test's two-sided p-value, PAdjusted after the correction.
	P         *float64 `json:"p,omitempty"`
	PAdjusted *float64 `json:"p_adjusted,omitempty"`
	// McNemarB counts matched samples right in the baseline and wrong in
	// the candidate, McNemarC the reverse (McNemar tests only).
	McNemarB *int `json:"mcnemar_b,omitempty"`
	McNemarC *int `json:"mcnemar_c,omitempty"`
	// Pairing accounts for the samples of a regression check.
	Pairing *Pairing `json:"pairing,omitempty"`
	// Pairwise accounts for the questions and verdicts of a pairwise check.
	Pairwise *PairwiseCounts `json:"pairwise,omitempty"`

	// Limits from the policy.
	Min     *float64 `json:"min,omitempty"`
	Max     *float64 `json:"max,omitempty"`
	MaxDrop *float64 `json:"max_drop,omitempty"`
	// MaxLossMargin is a pairwise check's tolerated loss rate − win rate.
	MaxLossMargin *float64 `json:"max_loss_margin,omitempty"`
	Significance  *float64 `json:"significance,omitempty"`
	// ExceedsMaxDrop and Significant are the two conditions of a
	// regression failure; ExceedsMaxLossMargin and Significant those of a
	// pairwise failure.
	ExceedsMaxDrop       bool `json:"exceeds_max_drop,omitempty"`
	ExceedsMaxLossMargin bool `json:"exceeds_max_loss_margin,omitempty"`
	Significant          bool `json:"significant,omitempty"`

	Verdict Verdict `json:"verdict"`
	// Reason explains the verdict in one sentence.
	Reason string `json:"reason"`
	// Notes are details (excluded samples, changed provenance).
	Notes []string `json:"notes,omitempty"`
}

// Pairing accounts for the samples of a regression check.
type Pairing struct {
	// Matched samples were compared.
	Matched int `json:"matched"`
	// PromptChanged samples had a different prompt hash (a changed prompt).
	PromptChanged int `json:"prompt_changed"`
	// TargetChanged samples had the same prompt but a different target.
	TargetChanged int `json:"target_changed"`
	// Failed samples had an error in either run.
	Failed int `json:"failed"`
	// MissingMetric samples lacked the metric in either run.
	MissingMetric int `json:"missing_metric"`
	// OnlyBaseline and OnlyCandidate samples were in one run only.
	OnlyBaseline  int `json:"only_baseline"`
	OnlyCandidate int `json:"only_candidate"`
	// Duplicates are repeated (task, doc id) rows, ignored after the first.
	Duplicates int `json:"duplicates"`
}

// PairwiseCounts accounts for a pairwise check: the judge, the questions
// compared and excluded, and the candidate's outcomes per judged question
// turn (both orders combined).
type PairwiseCounts struct {
	// Judge is the judge model; PromptsSHA256 the hash of the pairwise
	// prompts, PromptsPinned whether they are KoMT-Bench's pinned file.
	Judge         string `json:"judge"`
	PromptsSHA256 string `json:"prompts_sha256"`
	PromptsPinned bool   `json:"prompts_pinned"`
	// Questions accounts for the questions: matched and excluded.
	Questions judge.PairwiseMatching `json:"questions"`
	// Wins, Losses and Ties count the judged turns; Unjudged the turns
	// where a game had no verdict after the re-asks (in no rate);
	// Inconsistent the ties that came from the two orders disagreeing.
	Wins         int `json:"wins"`
	Losses       int `json:"losses"`
	Ties         int `json:"ties"`
	Unjudged     int `json:"unjudged"`
	Inconsistent int `json:"inconsistent"`
	// WinShare and LossShare are wins and losses over the judged turns.
	WinShare  *float64 `json:"win_share,omitempty"`
	LossShare *float64 `json:"loss_share,omitempty"`
	// JudgeRequests counts the judge calls made (re-asks included).
	JudgeRequests int `json:"judge_requests"`
}

// Excluded is the number of samples (pairs) left out of the comparison.
func (p *Pairing) Excluded() int {
	return p.PromptChanged + p.TargetChanged + p.Failed + p.MissingMetric + p.OnlyBaseline + p.OnlyCandidate
}

func (p *Pairing) add(q Pairing) {
	p.Matched += q.Matched
	p.PromptChanged += q.PromptChanged
	p.TargetChanged += q.TargetChanged
	p.Failed += q.Failed
	p.MissingMetric += q.MissingMetric
	p.OnlyBaseline += q.OnlyBaseline
	p.OnlyCandidate += q.OnlyCandidate
	p.Duplicates += q.Duplicates
}

// describe lists the exclusions in words, "" when none.
func (p *Pairing) describe() string {
	var parts []string
	add := func(n int, what string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(p.PromptChanged, "prompt changed")
	add(p.TargetChanged, "target changed")
	add(p.Failed, "failed in a run")
	add(p.MissingMetric, "without the metric")
	add(p.OnlyBaseline, "only in baseline")
	add(p.OnlyCandidate, "only in candidate")
	if len(parts) == 0 && p.Duplicates == 0 {
		return ""
	}
	s := fmt.Sprintf("%d matched, %d excluded", p.Matched, p.Excluded())
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	if p.Duplicates > 0 {
		s += fmt.Sprintf("; %d duplicate rows ignored", p.Duplicates)
	}
	return s
}

// Failed reports whether the gate failed.
func (r *Report) Failed() bool { return r.Verdict == Fail }

// finish computes Counts, Verdict and Summary.
func (r *Report) finish() {
	r.Counts = Counts{}
	for _, c := range r.Checks {
		switch c.Verdict {
		case Pass:
			r.Counts.Pass++
		case Fail:
			r.Counts.Fail++
		case Unevaluable:
			r.Counts.Unevaluable++
		case NotTestable:
			r.Counts.NotTestable++
		}
	}
	switch {
	case r.Counts.Fail > 0:
		r.Verdict = Fail
	case r.Counts.Unevaluable+r.Counts.NotTestable > 0:
		r.Verdict = Unevaluable
	case len(r.Checks) == 0:
		r.Verdict = Unevaluable
	default:
		r.Verdict = Pass
	}
	n := len(r.Checks)
	switch r.Verdict {
	case Pass:
		r.Summary = fmt.Sprintf("PASSED: all %d checks passed", n)
	case Fail:
		r.Summary = fmt.Sprintf("FAILED: %d of %d checks failed", r.Counts.Fail, n)
	default:
		if n == 0 {
			r.Summary = "COULD NOT EVALUATE: no checks could be run"
		} else {
			r.Summary = fmt.Sprintf("COULD NOT EVALUATE: %d of %d checks could not be evaluated", r.Counts.Unevaluable+r.Counts.NotTestable, n)
		}
	}
	if r.Verdict == Fail && r.Counts.Unevaluable+r.Counts.NotTestable > 0 {
		r.Summary += fmt.Sprintf(", %d could not be evaluated", r.Counts.Unevaluable+r.Counts.NotTestable)
	}
}

// num returns a pointer to x, nil for NaN or ±Inf.
func num(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	if x == 0 {
		x = 0 // no negative zero
	}
	return &x
}

func intp(n int) *int { return &n }

func boolp(b bool) *bool { return &b }
