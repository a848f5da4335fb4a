package gate

import (
	"fmt"
	"strings"

	"github.com/hanbench/hanbench/evals/judge"
	"github.com/hanbench/hanbench/evals/results"
)

// CI method of pairwise checks: Tango's score interval for the net win
// rate (judge.NetWinInterval).
const ciTango = "tango_score"

// pairwise runs the policy's pairwise comparisons, one check per task in
// name order. Each check's p-value joins the regressions' family.
func (e *evaluator) pairwise() {
	if len(e.p.Pairwise) == 0 || e.base == nil {
		return
	}
	var prompts *judge.PairwisePrompts
	var promptsErr error
	if e.o.Judge != nil {
		prompts, promptsErr = judge.LoadPairwisePrompts(e.o.PairwisePromptsDir)
	}
	for _, name := range sortedKeys(e.p.Pairwise) {
		pw := e.p.pairwiseFor(name)
		c := Check{
			Name: "pairwise " + name, Kind: KindPairwise, Task: name, Metric: "win_rate", HigherIsBetter: boolp(true),
			MaxLossMargin: pw.MaxLossMargin, Significance: pw.Significance,
		}
		ct, inC := e.cand.file.Tasks[name]
		bt, inB := e.base.file.Tasks[name]
		switch {
		case !inC && !inB:
			c.Verdict, c.Reason = Unevaluable, "task is in neither run's results"
		case !inC:
			c.Verdict, c.Reason = Unevaluable, "task is missing from the candidate's results"
		case !inB:
			c.Verdict, c.Reason = Unevaluable, "task is missing from the baseline's results"
		case e.o.Judge == nil:
			c.Verdict, c.Reason = Unevaluable, "no judge was given: pairwise checks ask a judge model (hanbench gate --judge-model)"
		case promptsErr != nil:
			c.Verdict, c.Reason = Unevaluable, "cannot read the pairwise judge prompts: "+promptsErr.Error()
		}
		if c.Verdict != "" {
			e.add(c)
			continue
		}
		c.Notes = append(c.Notes, provenanceDiffs(bt, ct)...)
		cs, err := readTaskSamples(e.cand.dir, name)
		if err != nil {
			c.Verdict, c.Reason = Unevaluable, "cannot read the candidate's samples: "+err.Error()
			e.add(c)
			continue
		}
		bs, err := readTaskSamples(e.base.dir, name)
		if err != nil {
			c.Verdict, c.Reason = Unevaluable, "cannot read the baseline's samples: "+err.Error()
			e.add(c)
			continue
		}
		res, err := judge.ComparePairwise(e.ctx, judge.PairwiseConfig{
			Task: name, Judge: e.o.Judge, JudgeModel: e.o.JudgeModel, Prompts: prompts, Concurrency: e.o.JudgeConcurrency,
		}, bs, cs)
		if err != nil {
			c.Verdict, c.Reason = Unevaluable, "the judge failed: "+err.Error()
			e.add(c)
			continue
		}
		e.fillPairwise(&c, res)
		if c.Verdict != "" {
			e.add(c)
			continue
		}
		e.family = append(e.family, e.add(c))
	}
}

// fillPairwise copies a comparison into a pairwise check; it sets the
// verdict only when the check cannot be evaluated (nothing matched or
// judged).
func (e *evaluator) fillPairwise(c *Check, res *judge.PairwiseResult) {
	s := res.Summary
	pc := &PairwiseCounts{
		Judge: res.JudgeModel, PromptsSHA256: res.PromptsSHA256, PromptsPinned: res.PromptsPinned,
		Questions: res.Matching, Wins: s.Wins, Losses: s.Losses, Ties: s.Ties, Unjudged: s.Unjudged,
		Inconsistent: s.Inconsistent, JudgeRequests: s.JudgeRequests,
	}
	c.Pairwise = pc
	pinned := "not the pinned KoMT-Bench file"
	if res.PromptsPinned {
		pinned = "KoMT-Bench's pinned file"
	}
	c.Notes = append(c.Notes, fmt.Sprintf("judge %s at temperature 0; MT-Bench pairwise prompts sha256 %s (%s); each turn judged in both orders, FastChat's rule (disagreeing orders are a tie)",
		orNone(res.JudgeModel), shown(res.PromptsSHA256), pinned))
	if d := res.Matching.Describe(); d != "" {
		c.Notes = append(c.Notes, d)
	}
	if res.Matching.QuestionChanged > 0 {
		e.notice(LevelWarning, c.Task, "%d questions differ between the runs and were excluded from the pairwise comparison", res.Matching.QuestionChanged)
	}
	if s.Unjudged > 0 {
		c.Notes = append(c.Notes, fmt.Sprintf("%d turns unjudged (no verdict after the re-asks): left out, not counted as ties", s.Unjudged))
	}
	if res.Matching.Matched == 0 {
		c.Verdict, c.Reason = Unevaluable, "no matched pairs: no question was answered in both runs with the same question text"
		if d := res.Matching.Describe(); d != "" {
			c.Reason += " (" + d + ")"
		}
		return
	}
	if s.Judged == 0 {
		c.Verdict, c.Reason = Unevaluable, fmt.Sprintf("the judge gave no verdict on any of the %d turns", s.Unjudged)
		return
	}
	pc.WinShare, pc.LossShare = num(s.WinShare), num(s.LossShare)
	c.Test, c.CIMethod = TestSignExact, ciTango
	c.Baseline, c.Candidate = num(1-s.WinRate), num(s.WinRate)
	c.Delta, c.Drop = num(s.Net), num(-s.Net)
	c.CILow, c.CIHigh, c.P = num(s.NetLow), num(s.NetHigh), num(s.P)
	c.ExceedsMaxLossMargin = -s.Net > *c.MaxLossMargin+1e-12
}

// decidePairwise sets a pairwise check's verdict once its p-value is
// adjusted (sig describes the comparison with the level).
func (c *Check) decidePairwise(sig string) {
	pc := c.Pairwise
	margin := *c.Drop
	counts := fmt.Sprintf("%d wins, %d losses, %d ties", pc.Wins, pc.Losses, pc.Ties)
	switch {
	case c.ExceedsMaxLossMargin && c.Significant:
		c.Verdict = Fail
		c.Reason = fmt.Sprintf("the candidate loses: loss rate − win rate %.4g > max_loss_margin %g and significant (%s; %s)", margin, *c.MaxLossMargin, sig, counts)
	case c.ExceedsMaxLossMargin:
		c.Verdict = Pass
		c.Reason = fmt.Sprintf("loss rate − win rate %.4g > max_loss_margin %g but not significant (%s; %s)", margin, *c.MaxLossMargin, sig, counts)
	case margin <= 0:
		c.Verdict = Pass
		c.Reason = fmt.Sprintf("no net loss (win rate − loss rate %+.4g; %s; %s)", -margin, sig, counts)
	default:
		c.Verdict = Pass
		c.Reason = fmt.Sprintf("loss rate − win rate %.4g ≤ max_loss_margin %g (%s; %s)", margin, *c.MaxLossMargin, sig, counts)
	}
}

// readTaskSamples reads the samples of one task from a results directory.
func readTaskSamples(dir, task string) ([]results.Sample, error) {
	var out []results.Sample
	err := results.ReadSamples(dir, func(s results.Sample) error {
		if s.Task == task {
			out = append(out, s)
		}
		return nil
	})
	return out, err
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(unnamed)"
	}
	return s
}
