package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-runewidth"
	"github.com/spf13/cobra"

	"github.com/hanbench/hanbench/datasets"
	"github.com/hanbench/hanbench/evals"
	"github.com/hanbench/hanbench/evals/catalog"
	"github.com/hanbench/hanbench/evals/judge"
	"github.com/hanbench/hanbench/evals/progress"
	"github.com/hanbench/hanbench/evals/results"
	"github.com/hanbench/hanbench/evals/storage"
	"github.com/hanbench/hanbench/evals/task"
	"github.com/hanbench/hanbench/runners"
	"github.com/hanbench/hanbench/runners/adaptive"
)

// RunOptions are the flags of `hanbench run`.
type RunOptions struct {
	Model         string
	ModelRevision string
	BaseURLs      []string
	APIKeyEnv     string
	Runner        string
	Endpoint      string
	Tasks         []string
	Out           string
	Concurrency   int
	// AutoConcurrency is --concurrency auto: an adaptive limit between 1
	// and MaxConcurrency (runners/adaptive); Concurrency is then the
	// engine's worker count, MaxConcurrency.
	AutoConcurrency bool
	// MaxConcurrency bounds the adaptive limit.
	MaxConcurrency       int
	Limit                int
	NumFewshot           int
	Seed                 int64
	MCMode               string
	Timeout              time.Duration
	ExtraBody            string
	KeepDecomposedHangul bool
	FewshotAsMultiturn   bool
	DataDir              string
	Stream               bool
	NoProgress           bool
	Stack                StackOptions
	JudgeModel           string
	JudgeBaseURLs        []string
	JudgeAPIKeyEnv       string
	JudgeEndpoint        string
	JudgeConcurrency     int
	// JudgeReasks is --judge-reasks: re-asks of a scoreless judge reply
	// (0 or -1: none).
	JudgeReasks int
	// NoLanguagePenalty is --no-language-penalty.
	NoLanguagePenalty bool
	// Shard is --shard INDEX/COUNT; Shards is --shards COUNT, the index
	// coming from JOB_COMPLETION_INDEX.
	Shard  string
	Shards int
	// MetricsAddr is --metrics-addr: serve Prometheus metrics there.
	MetricsAddr string

	// afterRun, if set, is called once the evaluation has ended, before
	// the metrics server stops, with its /metrics URL ("" without one).
	afterRun func(metricsURL string)

	// apiKeyEnvSet is true when --api-key-env was given explicitly.
	apiKeyEnvSet bool
	// newRunner builds the runner; tests may replace it.
	newRunner func(name string, cfg runners.Config) (runners.Runner, error)
}

// DefaultAPIKeyEnv is read when --api-key-env is not given.
const DefaultAPIKeyEnv = "OPENAI_API_KEY"

// NewCmdRun builds `hanbench run`. runF, if non-nil, replaces runRun (tests).
func NewCmdRun(gs *GlobalState, runF func(*GlobalState, *RunOptions) error) *cobra.Command {
	o := &RunOptions{}
	cmd := &cobra.Command{
		Use:   "run --model NAME --base-url URL --tasks T1,T2 --out DIR",
		Short: "Evaluate a model on tasks and write results.json and samples.parquet",
		Example: `  hanbench run --model LGAI-EXAONE/EXAONE-4.0-32B --base-url http://gpu-01:8000/v1 \
      --api-key-env MY_KEY --tasks kmmlu_sample,./my_task.yaml --out results/exaone4 \
      --concurrency 64 --limit 100 --num-fewshot 5 --seed 1234`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.apiKeyEnvSet = c.Flags().Changed("api-key-env")
			if !c.Flags().Changed("num-fewshot") {
				o.NumFewshot = -1
			}
			if runF != nil {
				return runF(gs, o)
			}
			return runRun(gs, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Model, "model", "", "model name sent to the server (required)")
	f.StringVar(&o.ModelRevision, "model-revision", "", "revision recorded with the results, for servers that answer to any model name")
	f.StringArrayVar(&o.BaseURLs, "base-url", nil, "OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1 (required)")
	f.StringVar(&o.APIKeyEnv, "api-key-env", DefaultAPIKeyEnv, "name of the environment variable holding the API key")
	f.StringVar(&o.Runner, "runner", "openai", "backend: "+strings.Join(runners.Names(), ", "))
	f.StringVar(&o.Endpoint, "endpoint", "chat", "generation endpoint: chat or completions")
	f.StringSliceVar(&o.Tasks, "tasks", nil, "comma-separated task names, group names or task YAML files (required)")
	f.StringVar(&o.Out, "out", "", "results directory or s3://bucket/prefix (required; {shard} is replaced by the shard index)")
	o.Concurrency = 16
	f.Var(&concurrencyValue{n: &o.Concurrency, auto: &o.AutoConcurrency}, "concurrency",
		"requests in flight, or auto: find the server's limit while running (grow while it keeps up, back off on 429/503 and honour Retry-After)")
	f.IntVar(&o.MaxConcurrency, "max-concurrency", adaptive.DefaultMax, "upper bound of --concurrency auto (used only with it)")
	f.IntVar(&o.Limit, "limit", 0, "evaluate at most this many documents per task (0: all)")
	f.IntVar(&o.NumFewshot, "num-fewshot", -1, "few-shot examples per prompt (default: each task's own)")
	f.Int64Var(&o.Seed, "seed", 1234, "few-shot sampling seed")
	f.StringVar(&o.MCMode, "mc-mode", evals.MCLogLikelihood, "multiple-choice scoring: loglikelihood (prompt log-probabilities via /v1/completions echo), first-token (the choice labels' log-probabilities at the first generated token; works on chat-only APIs and servers that ignore echo) or generate (generate and extract the label)")
	f.DurationVar(&o.Timeout, "timeout", 10*time.Minute, "per-request timeout")
	f.StringVar(&o.ExtraBody, "extra-body", "", `JSON object merged into every request body, e.g. '{"chat_template_kwargs":{"enable_thinking":false}}'`)
	f.BoolVar(&o.KeepDecomposedHangul, "keep-decomposed-hangul", false, "do not compose conjoining jamo into Hangul syllables when loading data")
	f.StringVar(&o.DataDir, "data-dir", "", "local copies of datasets: Hub datasets as DIR/<owner>/<name>/, other benchmarks as DIR/<benchmark>/ (logickor, komt-bench, korquad1, kobbq, hanifeval); sets HANBENCH_DATA_DIR")
	f.BoolVar(&o.FewshotAsMultiturn, "fewshot-as-multiturn", false, "send few-shot examples as chat turns (chat endpoint)")
	f.BoolVar(&o.NoProgress, "no-progress", false, "no progress display")
	f.BoolVar(&o.Stream, "stream", false, "stream generations (server-sent events) to measure time to first token and decode speed")
	f.IntVar(&o.Stack.MaxAttempts, "max-attempts", 6, "tries per request, retrying connection errors, timeouts, 408/429/5xx and malformed replies with backoff (1 = no retries)")
	f.DurationVar(&o.Stack.MaxRetryTime, "max-retry-time", 10*time.Minute, "time budget for retrying one request")
	f.Float64Var(&o.Stack.MaxRPS, "max-rps", 0, "requests per second across all tasks (0 = unlimited)")
	f.IntVar(&o.Stack.MaxTPM, "max-tpm", 0, "prompt+completion tokens per minute across all tasks (0 = unlimited)")
	f.StringVar(&o.Stack.CacheDir, "cache-dir", "", "response cache directory or s3://bucket/prefix shared by shards (default: the user cache dir, e.g. ~/.cache/hanbench)")
	f.BoolVar(&o.Stack.NoCache, "no-cache", false, "do not read or write the response cache")
	f.StringVar(&o.JudgeModel, "judge-model", "", "judge model for judge-graded tasks (logickor, komt_bench, ...)")
	f.StringArrayVar(&o.JudgeBaseURLs, "judge-base-url", nil, "OpenAI-compatible base URL of the judge (default: --base-url)")
	f.StringVar(&o.JudgeAPIKeyEnv, "judge-api-key-env", "", "environment variable holding the judge's API key (default: --api-key-env)")
	f.IntVar(&o.JudgeConcurrency, "judge-concurrency", 0, "judge requests in flight (default: --concurrency)")
	f.IntVar(&o.JudgeReasks, "judge-reasks", judge.DefaultReasks, "times a judge reply without a score is asked again before the turn is left unjudged (0 or -1: never)")
	f.BoolVar(&o.NoLanguagePenalty, "no-language-penalty", false, "turn off the judge tasks' language rules (KoMT-Bench's sqrt(score) and LogicKor's 0 for non-Korean answers); recorded in results.json, scores no longer comparable with published ones")
	f.StringVar(&o.Shard, "shard", "", "evaluate shard INDEX/COUNT of every task's documents (those with doc id ≡ INDEX mod COUNT), e.g. 0/4; combine the shards with `hanbench merge`")
	f.IntVar(&o.Shards, "shards", 0, "split every task's documents into this many shards and evaluate the one numbered by $JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs); {shard} in --out becomes the index")
	f.StringVar(&o.MetricsAddr, "metrics-addr", "", "serve Prometheus metrics (requests, errors by kind, latency, samples) on http://ADDR/metrics during the run, e.g. 127.0.0.1:9090")
	return cmd
}

func (o *RunOptions) validate() error {
	var missing []string
	if o.Model == "" {
		missing = append(missing, "--model")
	}
	if len(o.BaseURLs) == 0 {
		missing = append(missing, "--base-url")
	}
	if len(o.Tasks) == 0 {
		missing = append(missing, "--tasks")
	}
	if o.Out == "" {
		missing = append(missing, "--out")
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing required flag(s): %s", strings.Join(missing, ", "))
	}
	if o.Endpoint != "chat" && o.Endpoint != "completions" {
		return fmt.Errorf("--endpoint %q: want chat or completions", o.Endpoint)
	}
	if o.AutoConcurrency {
		if o.MaxConcurrency < 1 {
			return fmt.Errorf("--max-concurrency must be at least 1, got %d", o.MaxConcurrency)
		}
		if o.Stack.MaxAttempts < 2 {
			return fmt.Errorf("--concurrency auto finds the server's limit through 429/503 replies, which need retries: --max-attempts must be at least 2")
		}
		o.Concurrency = o.MaxConcurrency
	}
	if o.Concurrency < 1 {
		return fmt.Errorf("--concurrency must be at least 1, got %d", o.Concurrency)
	}
	switch o.MCMode {
	case evals.MCLogLikelihood, evals.MCFirstToken, evals.MCGenerate:
	default:
		return fmt.Errorf("--mc-mode %q: want loglikelihood, first-token or generate", o.MCMode)
	}
	if o.Stack.MaxAttempts < 1 {
		return fmt.Errorf("--max-attempts must be at least 1, got %d", o.Stack.MaxAttempts)
	}
	if o.Limit < 0 {
		return fmt.Errorf("--limit must not be negative, got %d", o.Limit)
	}
	for _, u := range o.BaseURLs {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return fmt.Errorf("--base-url %q: want an http:// or https:// URL", u)
		}
	}
	return nil
}

func runRun(gs *GlobalState, o *RunOptions) error {
	if err := o.validate(); err != nil {
		return withCode(ExitUsage, err)
	}
	shard, shards, err := resolveShard(o, gs.Getenv)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if gs.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(evals.GCPercent))
	}
	stage, err := storage.Stage(o.Out)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("--out: %w", err))
	}
	if err := stage.Location().Check(gs.Ctx); err != nil {
		stage.Close()
		return withCode(ExitUsage, fmt.Errorf("--out: %w", err))
	}
	committed := false
	defer func() {
		if committed || !stage.Remote() {
			return
		}
		// A remote stage that never received output is only a temp dir;
		// one that did but was not uploaded is kept and named.
		if _, err := os.Stat(stage.Dir); err != nil {
			stage.Close()
		} else {
			fmt.Fprintf(gs.Stderr, "hanbench: the output for %s was not uploaded; it is kept in %s\n", stage.Location(), stage.Dir)
		}
	}()
	rm, err := startRunMetrics(gs, o.MetricsAddr)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer rm.Close()
	var extra map[string]any
	if o.ExtraBody != "" {
		if err := json.Unmarshal([]byte(o.ExtraBody), &extra); err != nil {
			return withCode(ExitUsage, fmt.Errorf("--extra-body: not a JSON object: %v", err))
		}
	}
	apiKey := ""
	if o.APIKeyEnv != "" {
		v, ok := gs.LookupEnv(o.APIKeyEnv)
		if !ok && o.apiKeyEnvSet {
			return withCode(ExitUsage, fmt.Errorf("--api-key-env %s: the environment variable is not set", o.APIKeyEnv))
		}
		apiKey = v
	}
	if o.DataDir != "" {
		// Go-coded tasks (judge benchmarks, KorQuAD, KoBBQ, IFEval) find
		// their local copies through this variable.
		if err := os.Setenv("HANBENCH_DATA_DIR", o.DataDir); err != nil {
			return err
		}
	}
	hub, err := datasets.HubFromGetenv(gs.Getenv)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	suite, custom, err := resolveTasks(o.Tasks, datasets.Options{KeepDecomposedHangul: o.KeepDecomposedHangul, Hub: hub, LocalMirror: o.DataDir})
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if custom, err = judgeEvaluators(custom, o); err != nil {
		return withCode(ExitUsage, err)
	}
	newRunner := o.newRunner
	if newRunner == nil {
		newRunner = runners.New
	}
	newRunner = rm.wrapNewRunner(newRunner)
	o.Stack.ModelRevision = o.ModelRevision
	var lim *adaptive.Limiter
	if o.AutoConcurrency {
		if lim, err = adaptive.New(adaptive.Options{Max: o.MaxConcurrency}); err != nil {
			return withCode(ExitUsage, err)
		}
		o.Stack.Adaptive = lim
		if err := rm.watchLimiter(lim); err != nil {
			return err
		}
	}
	r, closeRunner, err := buildRunner(newRunner, o.Runner, runners.Config{
		Model: o.Model, BaseURLs: o.BaseURLs, APIKey: apiKey, Endpoint: o.Endpoint,
		Timeout: o.Timeout, Concurrency: o.Concurrency, Extra: extra, Stream: o.Stream,
	}, o.Stack)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer closeRunner()
	info := results.Runner{Kind: o.Runner, Endpoint: o.Endpoint, Replicas: len(o.BaseURLs), Stream: o.Stream}
	if d, ok := r.(runners.Describer); ok {
		desc := d.Describe()
		info.Kind = desc.Kind
		if desc.Endpoint != "" {
			info.Endpoint = desc.Endpoint
		}
	}
	var judge runners.Runner
	if o.JudgeModel != "" {
		judgeURLs := o.JudgeBaseURLs
		if len(judgeURLs) == 0 {
			judgeURLs = o.BaseURLs
		}
		jc := o.JudgeConcurrency
		if jc <= 0 {
			jc = o.Concurrency
		}
		js := o.Stack
		if o.AutoConcurrency {
			// The judge is usually another API, with limits of its own.
			if js.Adaptive, err = adaptive.New(adaptive.Options{Max: jc}); err != nil {
				return withCode(ExitUsage, err)
			}
		}
		var closeJudge func() error
		judge, closeJudge, err = buildJudgeRunner(gs.LookupEnv, newRunner, o.Runner, JudgeOptions{
			Model: o.JudgeModel, BaseURLs: judgeURLs, APIKeyEnv: o.JudgeAPIKeyEnv, Concurrency: jc,
		}, apiKey, o.Timeout, js)
		if err != nil {
			return withCode(ExitUsage, err)
		}
		defer closeJudge()
	}
	var numFewshot *int
	if o.NumFewshot >= 0 {
		n := o.NumFewshot
		numFewshot = &n
	}
	var prog evals.Progress
	if !o.NoProgress {
		prog = progress.New(gs.Stderr, gs.StderrTTY)
	}
	prog = rm.progress(prog)
	conc := strconv.Itoa(o.Concurrency)
	if lim != nil {
		conc = fmt.Sprintf("auto (start %d, at most %d)", lim.Limit(), o.MaxConcurrency)
	}
	fmt.Fprintf(gs.Stderr, "hanbench %s: %s on %d task(s) via %s, concurrency %s\n",
		Version(), o.Model, len(suite.Tasks)+len(custom), redactURL(o.BaseURLs[0]), conc)
	if shards > 1 {
		fmt.Fprintf(gs.Stderr, "shard %d of %d: the documents with id ≡ %d (mod %d) of every task\n", shard, shards, shard, shards)
	}
	sum, err := evals.Run(gs.Ctx, evals.Options{
		Runner: r, Model: o.Model, ModelRevision: o.ModelRevision, BaseURL: redactURL(o.BaseURLs[0]),
		RunnerInfo: info, Suite: suite, Evaluators: custom, Judge: judge, JudgeModel: o.JudgeModel, Limit: o.Limit, NumFewshot: numFewshot, Seed: o.Seed,
		Concurrency: o.Concurrency, ConcurrencyAuto: o.AutoConcurrency, MCMode: o.MCMode, Endpoint: o.Endpoint,
		FewshotAsMultiturn: o.FewshotAsMultiturn, ComposeHangul: !o.KeepDecomposedHangul,
		OutDir: stage.Dir, HarnessVersion: Version(), Progress: prog, Shard: shard, Shards: shards,
	})
	if o.afterRun != nil {
		o.afterRun(rm.URL())
	}
	if lim != nil {
		st := lim.Stats()
		fmt.Fprintf(gs.Stderr, "adaptive concurrency: final limit %d in flight (peak %d); %d overload repl(ies), %d pause(s) for Retry-After\n",
			st.Limit, st.Peak, st.Overloads, st.Pauses)
	}
	if sum != nil {
		printSummary(gs.Stdout, sum.Results)
		uerr := commitStage(gs, stage)
		committed = true // uploaded, or kept and named by commitStage
		if uerr != nil {
			return errors.Join(uerr, runExit(err, sum))
		}
		out := stage.Location()
		fmt.Fprintf(gs.Stderr, "wrote %s and %s (%d samples)\n",
			out.Join(results.ResultsFile), out.Join(results.SamplesFile), sum.Samples)
	}
	return runExit(err, sum)
}

// commitStage uploads a staged output to object storage. It runs even
// after an interrupt, so finished work reaches the bucket; when the upload
// fails the local copy is kept and named, never deleted.
func commitStage(gs *GlobalState, stage *storage.Staged) error {
	if !stage.Remote() {
		return nil
	}
	ctx := context.WithoutCancel(gs.Ctx)
	n, err := stage.Commit(ctx)
	if err != nil {
		return fmt.Errorf("%w\nthe output is kept in %s; upload it with your own tools or rerun", err, stage.Dir)
	}
	fmt.Fprintf(gs.Stderr, "uploaded %d file(s) to %s\n", n, stage.Location())
	return stage.Close()
}

// runExit maps the engine's outcome to an exit code.
func runExit(err error, sum *evals.Summary) error {
	var fe *evals.FatalError
	switch {
	case err == nil && sum != nil && sum.Failed > 0:
		return withCode(ExitSampleErrors, fmt.Errorf("%d of %d sample(s) failed after retries (first: %s); see `hanbench samples DIR --errors`", sum.Failed, sum.Samples, sum.FirstError))
	case err == nil:
		return nil
	case errors.Is(err, evals.ErrInterrupted) || errors.Is(err, context.Canceled):
		return withCode(ExitInterrupted, err)
	case runners.IsFatal(err):
		return withCode(ExitEndpoint, err)
	case errors.As(err, &fe):
		return withCode(ExitUsage, err)
	}
	return err
}

// resolveTasks resolves task references: Go-coded tasks by name (judge
// benchmarks), everything else against the built-in catalog and the file
// system.
func resolveTasks(refs []string, dopt datasets.Options) (*task.Suite, []evals.Evaluator, error) {
	var yamlRefs []string
	var custom []evals.Evaluator
	seen := map[string]bool{}
	for _, r := range refs {
		r = strings.TrimSpace(r)
		if r == "" || seen[r] {
			continue
		}
		seen[r] = true
		ev, ok, err := evals.LookupEvaluator(r)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			custom = append(custom, ev)
			continue
		}
		yamlRefs = append(yamlRefs, r)
	}
	if len(yamlRefs) == 0 && len(custom) == 0 {
		return nil, nil, errors.New("--tasks: no task given")
	}
	suite := &task.Suite{}
	if len(yamlRefs) > 0 {
		var err error
		suite, err = task.Resolve(yamlRefs, task.LoadOptions{Builtin: catalog.FS(), DatasetOptions: dopt})
		if err != nil {
			return nil, nil, err
		}
	}
	return suite, custom, nil
}

// judgeEvaluators rebuilds the judge tasks among evs with the judge flags
// (--judge-reasks, --no-language-penalty); other evaluators are kept.
func judgeEvaluators(evs []evals.Evaluator, o *RunOptions) ([]evals.Evaluator, error) {
	if o.JudgeReasks < -1 {
		return nil, fmt.Errorf("--judge-reasks must be -1 (none) or more, got %d", o.JudgeReasks)
	}
	jo := judge.Options{Reasks: o.JudgeReasks, NoLanguagePenalty: o.NoLanguagePenalty}
	if jo.Reasks == 0 {
		jo.Reasks = -1 // judge.Options: 0 is the default, negative none
	}
	out := make([]evals.Evaluator, len(evs))
	for i, ev := range evs {
		jev, ok, err := judge.New(ev.Name(), jo)
		if err != nil {
			return nil, fmt.Errorf("task %s: %w", ev.Name(), err)
		}
		if !ok {
			jev = ev
		}
		out[i] = jev
	}
	return out, nil
}

// redactURL drops any user:password part of a URL.
func redactURL(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		if at := strings.Index(rest, "@"); at >= 0 && (strings.Index(rest, "/") < 0 || at < strings.Index(rest, "/")) {
			return u[:i+3] + rest[at+1:]
		}
	}
	return u
}

// printSummary writes a table of task metrics.
func printSummary(w io.Writer, f *results.File) {
	names := make([]string, 0, len(f.Tasks))
	for n := range f.Tasks {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "%s %6s %6s  %s\n", padCell("task", 28), "n", "errors", "metrics")
	for _, n := range names {
		t := f.Tasks[n]
		fmt.Fprintf(w, "%s %6d %6d  %s\n", padCell(cell(n, 60), 28), t.N, t.Errors, formatMetrics(t.Metrics))
	}
	gnames := make([]string, 0, len(f.Groups))
	for n := range f.Groups {
		gnames = append(gnames, n)
	}
	sort.Strings(gnames)
	for _, n := range gnames {
		g := f.Groups[n]
		fmt.Fprintf(w, "%s %6d %6s  %s\n", padCell(cell(n, 60)+" (group)", 28), g.N, "", formatMetrics(g.Metrics))
	}
}

func formatMetrics(m map[string]float64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		if !strings.HasSuffix(k, "_stderr") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		if se, ok := m[k+"_stderr"]; ok {
			parts = append(parts, fmt.Sprintf("%s=%.4f±%.4f", k, m[k], se))
		} else {
			parts = append(parts, fmt.Sprintf("%s=%.4f", k, m[k]))
		}
	}
	return strings.Join(parts, " ")
}

// padCell pads s with spaces to width terminal columns, counting Hangul
// and other wide characters as two columns.
func padCell(s string, width int) string {
	return runewidth.FillRight(s, width)
}

// concurrencyValue is --concurrency: a positive number, or "auto".
type concurrencyValue struct {
	n    *int
	auto *bool
}

func (v *concurrencyValue) String() string {
	if v.auto != nil && *v.auto {
		return "auto"
	}
	if v.n == nil {
		return "16"
	}
	return strconv.Itoa(*v.n)
}

func (v *concurrencyValue) Set(s string) error {
	if strings.EqualFold(strings.TrimSpace(s), "auto") {
		*v.auto = true
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("want a number or auto")
	}
	*v.n, *v.auto = n, false
	return nil
}

func (v *concurrencyValue) Type() string { return "N|auto" }
