package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hanbench/hanbench/evals/gate"
	"github.com/hanbench/hanbench/evals/judge"
	"github.com/hanbench/hanbench/evals/results"
	"github.com/hanbench/hanbench/runners"
)

func init() {
	extraCommandsList = append(extraCommandsList, func(gs *GlobalState) *cobra.Command { return NewCmdGate(gs) })
}

// GateOptions are the flags of `hanbench gate`.
type GateOptions struct {
	Candidate string
	Baseline  string
	Policy    string
	JUnit     string
	Markdown  string
	JSON      string
	// Judge flags, used only when the policy has pairwise checks.
	Judge   JudgeOptions
	Timeout time.Duration
	Stack   StackOptions
	DataDir string

	// newRunner builds the judge's backend; tests may replace it.
	newRunner func(name string, cfg runners.Config) (runners.Runner, error)
}

const gateLong = `Gate a release candidate on its results: absolute thresholds, error rates,
required tasks and regressions against a baseline, with paired significance
tests (exact McNemar for 0/1 scores, paired bootstrap otherwise) and a
family-wise correction (Holm by default). A regression fails only when the
drop exceeds max_drop AND is significant after the correction.

Samples are paired by task, doc id and prompt hash; samples whose prompt or
target changed, that failed, or that exist in one run only are excluded and
counted. Changed datasets or task configs are reported.

Policy file (gate.yaml):

  max_error_rate: 0.01            # failed samples / all
  correction: holm                # holm | bonferroni | bh | none
  thresholds:                     # absolute bounds per task or group
    kmmlu: {metric: acc, min: 0.55}
  regressions:                    # against the baseline
    default: {max_drop: 0.01, significance: 0.05}
    korquad_v1: {metric: f1, max_drop: 0.5}
  required_tasks: [kmmlu, kobest_boolq]
  pairwise:                       # judge tasks: A/B against the baseline
    komt_bench: {max_loss_margin: 0.05, significance: 0.05}

Pairwise checks ask a judge (--judge-model, --judge-base-url) which run's
answer to each question turn of a judge task is better, in both orders, with
MT-Bench's pairwise prompts (read from KoMT-Bench's judge_prompts_ko.jsonl:
--data-dir DIR/komt-bench, $HANBENCH_KOMT_DIR or $HANBENCH_DATA_DIR/komt-bench).
A pairwise check fails when the candidate loses significantly (sign test,
in the same correction family as the regressions) AND loss rate − win rate
exceeds max_loss_margin. Without a judge, pairwise checks are unevaluable; a
policy without pairwise entries never needs one.

The table goes to stdout. When GITHUB_ACTIONS=true, ::error and ::warning
annotations follow it; when GITHUB_STEP_SUMMARY is set, a Markdown summary is
appended to that file.

Exit codes:
  0   every check passed
  99  the candidate failed at least one check
  98  a check could not be evaluated (missing required task, no matched
      samples, unreadable results, metric not testable, no or failing judge)
      and none failed
  2   bad flags or a bad policy file; nothing was evaluated
  1   an unexpected error (e.g. a report file could not be written)`

// NewCmdGate builds `hanbench gate`.
func NewCmdGate(gs *GlobalState) *cobra.Command {
	o := &GateOptions{}
	cmd := &cobra.Command{
		Use:   "gate --candidate DIR --policy gate.yaml [--baseline DIR]",
		Short: "Pass or fail a release candidate against thresholds and a baseline",
		Long:  gateLong,
		Example: `  hanbench gate --candidate results/rc7 --baseline results/v1.2 --policy gate.yaml \
      --junit report.xml --markdown summary.md --json gate.json
  hanbench gate --candidate results/rc7 --baseline results/v1.2 --policy gate.yaml \
      --judge-model gpt-4o --judge-base-url https://api.openai.com/v1 --judge-api-key-env OPENAI_API_KEY \
      --data-dir /data/hanbench`,
		Args: cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			return runGate(gs, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Candidate, "candidate", "", "results directory or s3:// location of the release candidate (required)")
	f.StringVar(&o.Baseline, "baseline", "", "results directory or s3:// location of the baseline (required when the policy has regressions)")
	f.StringVar(&o.Policy, "policy", "", "policy file, e.g. gate.yaml (required)")
	f.StringVar(&o.JUnit, "junit", "", "write a JUnit XML report here")
	f.StringVar(&o.Markdown, "markdown", "", "write a Markdown summary here")
	f.StringVar(&o.JSON, "json", "", "write the JSON verdict here")
	f.StringVar(&o.Judge.Model, "judge-model", "", "judge model for the policy's pairwise checks")
	f.StringArrayVar(&o.Judge.BaseURLs, "judge-base-url", nil, "OpenAI-compatible base URL of the judge (required with --judge-model)")
	f.StringVar(&o.Judge.APIKeyEnv, "judge-api-key-env", "", "environment variable holding the judge's API key (default: "+DefaultAPIKeyEnv+" when set)")
	f.IntVar(&o.Judge.Concurrency, "judge-concurrency", 16, "judge requests in flight")
	f.DurationVar(&o.Timeout, "timeout", 10*time.Minute, "per-request timeout of the judge")
	f.IntVar(&o.Stack.MaxAttempts, "max-attempts", 6, "tries per judge request, retrying connection errors, timeouts, 408/429/5xx and malformed replies with backoff (1 = no retries)")
	f.DurationVar(&o.Stack.MaxRetryTime, "max-retry-time", 10*time.Minute, "time budget for retrying one judge request")
	f.StringVar(&o.Stack.CacheDir, "cache-dir", "", "judge response cache directory or s3://bucket/prefix (default: the user cache dir, e.g. ~/.cache/hanbench)")
	f.BoolVar(&o.Stack.NoCache, "no-cache", false, "do not read or write the response cache")
	f.StringVar(&o.DataDir, "data-dir", "", "folder holding komt-bench/ with judge_prompts_ko.jsonl, the pairwise judge prompts (as for hanbench run)")
	return cmd
}

// validateJudge checks the judge flags.
func (o *GateOptions) validateJudge() error {
	if o.Judge.Model == "" {
		if len(o.Judge.BaseURLs) > 0 {
			return errors.New("--judge-base-url needs --judge-model")
		}
		return nil
	}
	if len(o.Judge.BaseURLs) == 0 {
		return errors.New("--judge-model needs --judge-base-url (gate has no model endpoint to fall back on)")
	}
	for _, u := range o.Judge.BaseURLs {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return fmt.Errorf("--judge-base-url %q: want an http:// or https:// URL", u)
		}
	}
	if o.Judge.Concurrency < 1 {
		return fmt.Errorf("--judge-concurrency must be at least 1, got %d", o.Judge.Concurrency)
	}
	if o.Stack.MaxAttempts < 1 {
		return fmt.Errorf("--max-attempts must be at least 1, got %d", o.Stack.MaxAttempts)
	}
	return nil
}

// pairwisePromptsDir is the KoMT-Bench folder with the pairwise prompts:
// --data-dir/komt-bench, else $HANBENCH_KOMT_DIR, else
// $HANBENCH_DATA_DIR/komt-bench ("" when none is set).
func (o *GateOptions) pairwisePromptsDir(getenv func(string) string) string {
	switch {
	case o.DataDir != "":
		return filepath.Join(o.DataDir, "komt-bench")
	case getenv(judge.KoMTDirEnv) != "":
		return getenv(judge.KoMTDirEnv)
	case getenv(judge.DataDirEnv) != "":
		return filepath.Join(getenv(judge.DataDirEnv), "komt-bench")
	}
	return ""
}

func runGate(gs *GlobalState, o *GateOptions) error {
	var missing []string
	if o.Candidate == "" {
		missing = append(missing, "--candidate")
	}
	if o.Policy == "" {
		missing = append(missing, "--policy")
	}
	if len(missing) > 0 {
		return withCode(ExitUsage, fmt.Errorf("missing required flag(s): %s", strings.Join(missing, ", ")))
	}
	if err := o.validateJudge(); err != nil {
		return withCode(ExitUsage, err)
	}
	policy, err := gate.LoadPolicy(o.Policy)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if policy.NeedsBaseline() && o.Baseline == "" {
		return withCode(ExitUsage, fmt.Errorf("--baseline is required: %s has regression or pairwise checks", o.Policy))
	}
	// s3:// runs are fetched to local directories; the report names the
	// locations given. A run that cannot be fetched is an unevaluable
	// input check, as a missing directory is, so the reports are written.
	gopt := gate.Options{Candidate: o.Candidate, Baseline: o.Baseline, Policy: policy}
	renames := []*inputs{}
	fetch := func(loc string, dir *string, ferr *error) {
		in, err := fetchRun(gs.Ctx, loc)
		if err != nil {
			*ferr = err
			return
		}
		renames = append(renames, in)
		*dir = in.Dirs[0]
	}
	fetch(o.Candidate, &gopt.Candidate, &gopt.CandidateErr)
	if o.Baseline != "" {
		fetch(o.Baseline, &gopt.Baseline, &gopt.BaselineErr)
	}
	in := &inputs{names: map[string]string{}}
	for _, r := range renames {
		defer r.Close()
		for k, v := range r.names {
			in.names[k] = v
		}
	}
	if policy.NeedsJudge() && o.Judge.Model != "" {
		newRunner := o.newRunner
		if newRunner == nil {
			newRunner = runners.New
		}
		defaultKey, _ := gs.LookupEnv(DefaultAPIKeyEnv)
		j, closeJudge, err := buildJudgeRunner(gs.LookupEnv, newRunner, "openai", o.Judge, defaultKey, o.Timeout, o.Stack)
		if err != nil {
			return withCode(ExitUsage, err)
		}
		defer closeJudge()
		gopt.Judge, gopt.JudgeModel, gopt.JudgeConcurrency = j, o.Judge.Model, o.Judge.Concurrency
		gopt.PairwisePromptsDir = o.pairwisePromptsDir(gs.Getenv)
		fmt.Fprintf(gs.Stderr, "hanbench gate: pairwise checks of %d task(s) judged by %s via %s\n",
			len(policy.Pairwise), o.Judge.Model, redactURL(o.Judge.BaseURLs[0]))
	}
	rep, err := gate.EvaluateContext(gs.Ctx, gopt)
	if errors.Is(err, gate.ErrNeedBaseline) {
		return withCode(ExitUsage, fmt.Errorf("--baseline is required: %s has regression or pairwise checks", o.Policy))
	}
	if err != nil {
		return in.rename(err)
	}
	rep.Candidate.Dir = o.Candidate
	if rep.Baseline != nil {
		rep.Baseline.Dir = o.Baseline
	}
	for i := range rep.Checks {
		rep.Checks[i].Reason = in.rename(errors.New(rep.Checks[i].Reason)).Error()
	}
	for i := range rep.Notices {
		rep.Notices[i].Message = in.rename(errors.New(rep.Notices[i].Message)).Error()
	}

	var outErrs []error
	if err := gate.WriteText(gs.Stdout, rep); err != nil {
		outErrs = append(outErrs, err)
	}
	if gs.Getenv("GITHUB_ACTIONS") == "true" {
		if err := gate.WriteAnnotations(gs.Stdout, rep); err != nil {
			outErrs = append(outErrs, err)
		}
	}
	for _, out := range []struct {
		path  string
		write func(io.Writer, *gate.Report) error
	}{{o.JUnit, gate.WriteJUnit}, {o.Markdown, gate.WriteMarkdown}, {o.JSON, gate.WriteJSON}} {
		if out.path == "" {
			continue
		}
		var buf bytes.Buffer
		err := out.write(&buf, rep)
		if err == nil {
			err = results.WriteFileAtomic(out.path, buf.Bytes())
		}
		if err != nil {
			outErrs = append(outErrs, fmt.Errorf("writing %s: %w", out.path, err))
		}
	}
	if path := gs.Getenv("GITHUB_STEP_SUMMARY"); path != "" {
		if err := appendStepSummary(path, rep); err != nil {
			outErrs = append(outErrs, fmt.Errorf("writing the step summary %s: %w", path, err))
		}
	}
	outErr := errors.Join(outErrs...)

	switch rep.Verdict {
	case gate.Fail:
		if outErr != nil {
			fmt.Fprintf(gs.Stderr, "hanbench: %v\n", outErr)
		}
		return withCode(ExitGateFailed, errors.New(rep.Summary))
	case gate.Unevaluable:
		if outErr != nil {
			fmt.Fprintf(gs.Stderr, "hanbench: %v\n", outErr)
		}
		return withCode(ExitGateUnevaluable, errors.New(rep.Summary))
	}
	return outErr
}

// appendStepSummary appends the Markdown report to GitHub's step summary
// file, as GitHub expects.
func appendStepSummary(path string, rep *gate.Report) error {
	var buf bytes.Buffer
	if err := gate.WriteMarkdown(&buf, rep); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
