package main

// Tests of sharded runs: the --shard/--shards flags, sharded runs as
// separate processes merged back into the unsharded run, the Prometheus
// endpoint of --metrics-addr, and the Kubernetes manifests and GitHub
// Pages workflow under testdata/k8s that run shards, merge them and
// publish the leaderboard.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goyaml "github.com/goccy/go-yaml"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	k8syaml "sigs.k8s.io/yaml"

	"github.com/hanbench/hanbench/evals/catalog"
	"github.com/hanbench/hanbench/evals/demo"
	"github.com/hanbench/hanbench/evals/storage"
)

func TestResolveShard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		shard         string
		shards        int
		env           string
		out           string
		wantShard     int
		wantShards    int
		wantOut       string
		wantErrSubstr []string
	}{
		{name: "unsharded", out: "r", wantOut: "r"},
		{name: "shard flag", shard: "2/4", out: "r/shard-{shard}", wantShard: 2, wantShards: 4, wantOut: "r/shard-2"},
		{name: "spaces", shard: " 0 / 3 ", out: "r", wantShards: 3, wantOut: "r"},
		{name: "one shard", shard: "0/1", out: "r", wantShards: 1, wantOut: "r"},
		{name: "indexed job", shards: 3, env: "1", out: "/results/x/shard-{shard}", wantShard: 1, wantShards: 3, wantOut: "/results/x/shard-1"},
		{name: "index too big", shard: "4/4", out: "r", wantErrSubstr: []string{"--shard", "0 ≤ INDEX < COUNT"}},
		{name: "negative index", shard: "-1/4", out: "r", wantErrSubstr: []string{"0 ≤ INDEX < COUNT"}},
		{name: "zero count", shard: "0/0", out: "r", wantErrSubstr: []string{"0 ≤ INDEX < COUNT"}},
		{name: "not a fraction", shard: "two", out: "r", wantErrSubstr: []string{`--shard "two"`, "INDEX/COUNT"}},
		{name: "both flags", shard: "0/2", shards: 2, env: "0", out: "r", wantErrSubstr: []string{"mutually exclusive"}},
		{name: "no index in env", shards: 4, out: "r", wantErrSubstr: []string{"JOB_COMPLETION_INDEX is not set", "--shard INDEX/4"}},
		{name: "index out of range", shards: 4, env: "4", out: "r", wantErrSubstr: []string{`JOB_COMPLETION_INDEX is "4"`, "0 to 3"}},
		{name: "index not a number", shards: 4, env: "x", out: "r", wantErrSubstr: []string{`"x"`}},
		{name: "negative shards", shards: -2, out: "r", wantErrSubstr: []string{"--shards must be at least 1"}},
		{name: "placeholder without sharding", out: "r/{shard}", wantErrSubstr: []string{"{shard}", "no --shard"}},
	}
	for _, tc := range tests {
		o := &RunOptions{Shard: tc.shard, Shards: tc.shards, Out: tc.out}
		env := map[string]string{}
		if tc.env != "" {
			env[JobCompletionIndexEnv] = tc.env
		}
		shard, shards, err := resolveShard(o, func(k string) string { return env[k] })
		if len(tc.wantErrSubstr) > 0 {
			if err == nil {
				t.Errorf("%s: no error", tc.name)
				continue
			}
			for _, w := range tc.wantErrSubstr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: error %q does not mention %q", tc.name, err, w)
				}
			}
			continue
		}
		if err != nil || shard != tc.wantShard || shards != tc.wantShards || o.Out != tc.wantOut {
			t.Errorf("%s: shard %d of %d, out %q, err %v; want %d of %d, out %q", tc.name, shard, shards, o.Out, err, tc.wantShard, tc.wantShards, tc.wantOut)
		}
	}
}

// TestShardFlagErrors: bad shard flags are usage errors before any request.
func TestShardFlagErrors(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer hs.Close()
	for _, tc := range []struct {
		name  string
		flags []string
		env   map[string]string
		want  string
	}{
		{"bad shard", []string{"--shard", "5/4"}, nil, "--shard"},
		{"shards without index", []string{"--shards", "4"}, nil, "JOB_COMPLETION_INDEX"},
		{"shards with bad index", []string{"--shards", "4"}, map[string]string{JobCompletionIndexEnv: "9"}, "JOB_COMPLETION_INDEX"},
		{"both", []string{"--shard", "0/4", "--shards", "4"}, map[string]string{JobCompletionIndexEnv: "0"}, "mutually exclusive"},
		{"bad metrics address", []string{"--metrics-addr", "256.0.0.1:0"}, nil, "--metrics-addr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "out")
			c := newTestProc(t, tc.env)
			args := append([]string{"run", "--model", "m", "--base-url", hs.URL + "/v1", "--tasks", "kmmlu_sample", "--out", out, "--no-cache"}, tc.flags...)
			if code := c.run(args...); code != ExitUsage {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitUsage, c.errOut)
			}
			if !strings.Contains(c.errOut.String(), tc.want) {
				t.Errorf("stderr does not mention %q:\n%s", tc.want, c.errOut)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("the output directory was created")
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the server got %d requests", n)
	}
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// hanbenchBinary builds the hanbench binary once per test process.
func hanbenchBinary(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found")
	}
	binOnce.Do(func() {
		binPath = filepath.Join(testRoot, "bin", "hanbench")
		build := exec.Command(goBin, "build", "-o", binPath, ".")
		build.Env = resumeBuildEnv
		if out, err := build.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// procEnv is the environment of a hanbench child process: this one's (HOME
// and the cache in the test root), offline, with extra set.
func procEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, JobCompletionIndexEnv+"=") && !strings.HasPrefix(kv, "OPENAI_API_KEY=") {
			env = append(env, kv)
		}
	}
	return append(env, append([]string{"OPENAI_API_KEY=", "HF_HUB_OFFLINE=1"}, extra...)...)
}

// TestShardedProcessesMergeToUnsharded is issue 8's acceptance test: the
// three sample tasks evaluated once unsharded and as 4 shards in separate
// processes at the same time (two with --shard i/4, two as an Indexed Job
// would run them, --shards 4 and $JOB_COMPLETION_INDEX), then merged with
// `hanbench merge`: results.json (timestamps and timings aside) and
// samples.parquet (latency and cache flag aside) are identical.
func TestShardedProcessesMergeToUnsharded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs five processes; skipped with -short")
	}
	t.Parallel()
	bin := hanbenchBinary(t)
	items, err := demo.CatalogItems()
	if err != nil {
		t.Fatal(err)
	}
	model := demo.Model{Name: uniqueModel(t), Skill: 0.6, Latency: 5 * time.Millisecond}
	srv := demo.NewServer([]demo.Model{model}, items)
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	tmp := t.TempDir()
	args := func(out string, extra ...string) []string {
		return append([]string{"run", "--model", model.Name, "--base-url", url,
			"--tasks", "kmmlu_sample,kobest_boolq_sample,ko_math_sample",
			"--out", out, "--no-cache", "--concurrency", "4", "--seed", "1234", "--no-progress"}, extra...)
	}
	type proc struct {
		name string
		cmd  *exec.Cmd
		log  *bytes.Buffer
	}
	start := func(name string, env []string, a ...string) proc {
		cmd := exec.Command(bin, a...)
		var log bytes.Buffer
		cmd.Stdout, cmd.Stderr, cmd.Env = &log, &log, procEnv(env...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return proc{name, cmd, &log}
	}
	whole := filepath.Join(tmp, "whole")
	shardOut := filepath.Join(tmp, "shards", "shard-{shard}")
	procs := []proc{
		start("unsharded", nil, args(whole)...),
		start("shard 0", nil, args(shardOut, "--shard", "0/4")...),
		start("shard 1", nil, args(filepath.Join(tmp, "shards", "shard-1"), "--shard", "1/4")...),
		start("shard 2", []string{JobCompletionIndexEnv + "=2"}, args(shardOut, "--shards", "4")...),
		start("shard 3", []string{JobCompletionIndexEnv + "=3"}, args(shardOut, "--shards", "4")...),
	}
	for _, p := range procs {
		if err := p.cmd.Wait(); err != nil {
			t.Fatalf("%s: %v\n%s", p.name, err, p.log)
		}
	}
	total := 0
	for i := 0; i < 4; i++ {
		dir := filepath.Join(tmp, "shards", fmt.Sprintf("shard-%d", i))
		f, ss := readRunDir(t, dir)
		if f.Shard == nil || f.Shard.Index != i || f.Shard.Count != 4 || f.Interrupted {
			t.Errorf("%s: shard %+v interrupted %v", dir, f.Shard, f.Interrupted)
		}
		for _, s := range ss {
			if s.DocID%4 != int64(i) {
				t.Fatalf("%s holds %s doc %d", dir, s.Task, s.DocID)
			}
		}
		total += len(ss)
	}

	merged := filepath.Join(tmp, "merged")
	cmd := exec.Command(bin, "merge", "--out", merged, filepath.Join(tmp, "shards", "shard-*"))
	cmd.Env = procEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("merge: %v\n%s", err, out)
	}
	sameResultsDirs(t, whole, merged)
	f, ss := readRunDir(t, merged)
	if f.Shard != nil || len(ss) != total || len(ss) != 48+34+33 {
		t.Errorf("merged: shard %+v, %d samples; the shards had %d", f.Shard, len(ss), total)
	}

	// A shard left out is refused, naming what is missing.
	cmd = exec.Command(bin, "merge", "--out", filepath.Join(tmp, "partial"),
		filepath.Join(tmp, "shards", "shard-0"), filepath.Join(tmp, "shards", "shard-1"), filepath.Join(tmp, "shards", "shard-3"))
	cmd.Env = procEnv()
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); err == nil || code != int(ExitUsage) || !strings.Contains(string(out), "missing shard(s) 2 of 4") {
		t.Errorf("merging 3 of 4 shards: exit %d, output:\n%s", code, out)
	}
}

// scrape reads a /metrics page into name{labels} → value, label pairs
// sorted by name as Prometheus writes them.
func scrape(t *testing.T, u string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("scraping %s: %v", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scraping %s: %s", u, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing %s: %v", u, err)
	}
	m := map[string]float64{}
	for name, mf := range fams {
		for _, mt := range mf.GetMetric() {
			var labels []string
			for _, lp := range mt.GetLabel() {
				labels = append(labels, lp.GetName()+"="+lp.GetValue())
			}
			key := name
			if len(labels) > 0 {
				key += "{" + strings.Join(labels, ",") + "}"
			}
			switch {
			case mt.Counter != nil:
				m[key] = mt.GetCounter().GetValue()
			case mt.Gauge != nil:
				m[key] = mt.GetGauge().GetValue()
			case mt.Histogram != nil:
				m[key+"_count"] = float64(mt.GetHistogram().GetSampleCount())
			}
		}
	}
	return m
}

// TestMetricsAddr runs `hanbench run --metrics-addr 127.0.0.1:0` against a
// server that answers 503 three times and 400 once, scrapes /metrics while
// the run works and once it is done, and checks the counters against what
// happened.
func TestMetricsAddr(t *testing.T) {
	t.Parallel()
	items, err := demo.CatalogItems()
	if err != nil {
		t.Fatal(err)
	}
	model := uniqueModel(t)
	srv := demo.NewServer([]demo.Model{{Name: model, Skill: 0.6, Latency: 15 * time.Millisecond}}, items)
	// Log-likelihood requests 2-4 get 503 (retried); the first generation
	// gets 400 (its sample fails).
	var completions, chats atomic.Int64
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/chat/completions"):
			if chats.Add(1) == 1 {
				http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
				return
			}
		case strings.HasSuffix(r.URL.Path, "/completions"):
			if n := completions.Add(1); n >= 2 && n <= 4 {
				http.Error(w, `{"error":{"message":"overloaded"}}`, http.StatusServiceUnavailable)
				return
			}
		}
		srv.Handler().ServeHTTP(w, r)
	}))
	defer hs.Close()

	c := newTestProc(t, nil)
	var final map[string]float64
	cmd := NewCmdRun(c.gs, func(gs *GlobalState, o *RunOptions) error {
		o.afterRun = func(u string) { final = scrape(t, u) }
		return runRun(gs, o)
	})
	cmd.SetArgs([]string{"--model", model, "--base-url", hs.URL + "/v1", "--tasks", "kmmlu_sample,ko_math_sample",
		"--out", filepath.Join(t.TempDir(), "out"), "--no-cache", "--no-progress", "--concurrency", "2",
		"--metrics-addr", "127.0.0.1:0"})
	cmd.SetOut(io.Discard)
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(c.gs.Ctx) }()

	// Scrape while the run works: some samples done, not all.
	urlRE := regexp.MustCompile(`serving metrics at (http://\S+/metrics)`)
	var during map[string]float64
	deadline := time.Now().Add(20 * time.Second)
	for during == nil && time.Now().Before(deadline) {
		if m := urlRE.FindStringSubmatch(c.errOut.String()); m != nil {
			s := scrape(t, m[1])
			if d := s[`hanbench_samples_total{status=ok,task=kmmlu_sample}`]; d > 0 {
				during = s
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	err = <-done
	if code := codeOf(err); err == nil || code != ExitSampleErrors {
		t.Fatalf("run: %v (exit %d), want exit %d for the sample that got 400; stderr:\n%s", err, code, ExitSampleErrors, c.errOut)
	}
	if during == nil {
		t.Fatalf("no scrape saw samples during the run; stderr:\n%s", c.errOut)
	}
	const kmmlu, komath = 48, 33
	doneDuring := during[`hanbench_samples_total{status=ok,task=kmmlu_sample}`] + during[`hanbench_samples_total{status=ok,task=ko_math_sample}`]
	if doneDuring >= kmmlu+komath || during["hanbench_samples_planned"] != kmmlu+komath {
		t.Errorf("during the run: %v samples done of %v planned", doneDuring, during["hanbench_samples_planned"])
	}
	if final == nil {
		t.Fatal("no scrape after the run")
	}
	sum := func(prefix string) float64 {
		var s float64
		for k, v := range final {
			if strings.HasPrefix(k, prefix) {
				s += v
			}
		}
		return s
	}
	ll := fmt.Sprintf("hanbench_requests_total{model=%s,op=loglikelihood}", model)
	gen := fmt.Sprintf("hanbench_requests_total{model=%s,op=generate}", model)
	for _, tc := range []struct {
		what string
		got  float64
		want float64
	}{
		{"samples finished", sum("hanbench_samples_total"), kmmlu + komath},
		{"samples failed", sum("hanbench_samples_total{status=failed"), 1},
		{"samples planned", final["hanbench_samples_planned"], kmmlu + komath},
		{"requests: one per sample, plus three retries", final[ll] + final[gen], kmmlu + komath + 3},
		{"server errors", sum("hanbench_request_errors_total{kind=server"), 3},
		{"bad requests", sum("hanbench_request_errors_total{kind=bad_request"), 1},
		{"all errors", sum("hanbench_request_errors_total"), 4},
		{"latency observations", sum("hanbench_request_duration_seconds"), kmmlu + komath + 3},
		{"in flight", sum("hanbench_requests_in_flight"), 0},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %v, want %v", tc.what, tc.got, tc.want)
		}
	}
	if final[ll] < kmmlu || final[gen] < komath {
		t.Errorf("requests by operation: loglikelihood %v generate %v", final[ll], final[gen])
	}
	if sum("hanbench_tokens_total") == 0 || final["go_goroutines"] == 0 {
		t.Errorf("no token counts or Go runtime metrics: tokens %v goroutines %v", sum("hanbench_tokens_total"), final["go_goroutines"])
	}
	// The server is gone once the command has returned.
	u := urlRE.FindStringSubmatch(c.errOut.String())[1]
	if resp, err := http.Get(u); err == nil {
		resp.Body.Close()
		t.Errorf("%s still answers after the run", u)
	}
}

// manifests reads the Kubernetes objects in testdata/k8s, each document
// strictly decoded into its API type: an unknown or misspelt field fails.
type manifests struct {
	jobs        map[string]*batchv1.Job
	services    map[string]*corev1.Service
	deployments map[string]*appsv1.Deployment
	secrets     map[string]*corev1.Secret
}

func readManifests(t *testing.T) *manifests {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "k8s", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in testdata/k8s: %v", err)
	}
	m := &manifests{jobs: map[string]*batchv1.Job{}, services: map[string]*corev1.Service{}, deployments: map[string]*appsv1.Deployment{}, secrets: map[string]*corev1.Secret{}}
	for _, file := range files {
		if filepath.Base(file) == "pages-workflow.yaml" {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			var meta struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := k8syaml.Unmarshal([]byte(doc), &meta); err != nil {
				t.Fatalf("%s document %d: %v", file, i+1, err)
			}
			var obj any
			var name func() string
			switch meta.APIVersion + " " + meta.Kind {
			case "batch/v1 Job":
				o := &batchv1.Job{}
				obj, name = o, func() string { m.jobs[o.Name] = o; return o.Name }
			case "v1 Service":
				o := &corev1.Service{}
				obj, name = o, func() string { m.services[o.Name] = o; return o.Name }
			case "apps/v1 Deployment":
				o := &appsv1.Deployment{}
				obj, name = o, func() string { m.deployments[o.Name] = o; return o.Name }
			case "v1 Secret":
				o := &corev1.Secret{}
				obj, name = o, func() string { m.secrets[o.Name] = o; return o.Name }
			default:
				t.Fatalf("%s document %d: unexpected %s %s", file, i+1, meta.APIVersion, meta.Kind)
			}
			if err := k8syaml.UnmarshalStrict([]byte(doc), obj); err != nil {
				t.Fatalf("%s document %d (%s): %v", file, i+1, meta.Kind, err)
			}
			if name() == "" {
				t.Errorf("%s document %d: %s without a name", file, i+1, meta.Kind)
			}
		}
	}
	return m
}

// parseCommandLine parses hanbench arguments with the real command tree's
// flags, failing on an unknown command or flag.
func parseCommandLine(t *testing.T, where string, args []string) *cobra.Command {
	t.Helper()
	root := NewCmdRoot(newTestProc(t, nil).gs)
	cmd, rest, err := root.Find(args)
	if err != nil || cmd == root {
		t.Fatalf("%s: %v is not a hanbench command: %v", where, args, err)
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Fatalf("%s: %s %v: %v", where, cmd.CommandPath(), rest, err)
	}
	if cmd.Args != nil {
		if err := cmd.Args(cmd, cmd.Flags().Args()); err != nil {
			t.Fatalf("%s: %s: %v", where, cmd.CommandPath(), err)
		}
	}
	return cmd
}

func flagValue(t *testing.T, cmd *cobra.Command, name string) string {
	t.Helper()
	f := cmd.Flags().Lookup(name)
	if f == nil {
		t.Fatalf("%s has no --%s", cmd.CommandPath(), name)
	}
	if sv, ok := f.Value.(interface{ GetSlice() []string }); ok {
		return strings.Join(sv.GetSlice(), ",")
	}
	return f.Value.String()
}

func onlyContainer(t *testing.T, where string, cs []corev1.Container) corev1.Container {
	t.Helper()
	if len(cs) != 1 {
		t.Fatalf("%s: %d containers, want 1", where, len(cs))
	}
	return cs[0]
}

// TestKubernetesManifests checks the manifests of a sharded evaluation:
// an Indexed Job of n pods each running `hanbench run --shards n` against
// the vLLM Service, writing to an S3 bucket (and sharing a response cache
// there) where the merge Job's pattern finds exactly the n shard
// directories, then merging and building the leaderboard from the merged
// runs only, with credentials from a Secret.
func TestKubernetesManifests(t *testing.T) {
	t.Parallel()
	m := readManifests(t)
	shardsJob, mergeJob := m.jobs["hanbench-exaone-shards"], m.jobs["hanbench-exaone-merge"]
	if shardsJob == nil || mergeJob == nil {
		t.Fatalf("jobs %v: want hanbench-exaone-shards and hanbench-exaone-merge", slices.Sorted(maps.Keys(m.jobs)))
	}

	// The shards: an Indexed Job, n pods, each `run --shards n`.
	spec := shardsJob.Spec
	if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion {
		t.Errorf("shards job: completionMode %v, want Indexed", spec.CompletionMode)
	}
	if spec.Completions == nil || spec.Parallelism == nil {
		t.Fatal("shards job: completions and parallelism must be set")
	}
	n := int(*spec.Completions)
	if int(*spec.Parallelism) != n || spec.Template.Spec.RestartPolicy == corev1.RestartPolicyAlways || spec.Template.Spec.RestartPolicy == "" {
		t.Errorf("shards job: parallelism %d for %d completions, restartPolicy %s", *spec.Parallelism, n, spec.Template.Spec.RestartPolicy)
	}
	run := onlyContainer(t, "shards job", spec.Template.Spec.Containers)
	runCmd := parseCommandLine(t, "shards job", run.Args)
	if runCmd.Name() != "run" {
		t.Fatalf("shards job runs %q, want run", runCmd.CommandPath())
	}
	if got := flagValue(t, runCmd, "shards"); got != strconv.Itoa(n) {
		t.Errorf("shards job: --shards %s for %d completions", got, n)
	}
	for _, name := range strings.Split(flagValue(t, runCmd, "tasks"), ",") {
		if !slices.ContainsFunc(catalog.Info(), func(ti catalog.TaskInfo) bool { return ti.Name == name }) {
			t.Errorf("shards job: --tasks %s is not in the built-in catalog", name)
		}
	}

	// The endpoint is the vLLM Service, which selects the vLLM pods.
	base, err := url.Parse(flagValue(t, runCmd, "base-url"))
	if err != nil {
		t.Fatal(err)
	}
	svc := m.services[strings.Split(base.Hostname(), ".")[0]]
	if svc == nil {
		t.Fatalf("--base-url %s names no Service in the manifests", base)
	}
	port, _ := strconv.Atoi(base.Port())
	if len(svc.Spec.Ports) == 0 || int(svc.Spec.Ports[0].Port) != port {
		t.Errorf("--base-url port %d is not Service %s's port %v", port, svc.Name, svc.Spec.Ports)
	}
	selected := false
	for _, d := range m.deployments {
		match := true
		for k, v := range svc.Spec.Selector {
			match = match && d.Spec.Template.Labels[k] == v
		}
		selected = selected || match && len(svc.Spec.Selector) > 0
	}
	if !selected {
		t.Errorf("Service %s selects no Deployment's pods", svc.Name)
	}

	// Metrics: --metrics-addr on a declared container port.
	if _, p, err := net.SplitHostPort(flagValue(t, runCmd, "metrics-addr")); err != nil || !slices.ContainsFunc(run.Ports, func(cp corev1.ContainerPort) bool { return strconv.Itoa(int(cp.ContainerPort)) == p }) {
		t.Errorf("--metrics-addr %s is not a container port %v", flagValue(t, runCmd, "metrics-addr"), run.Ports)
	}

	// Every pod writes its own shard directory to the bucket, with
	// credentials from a Secret in the manifests.
	mounted := func(where string, c corev1.Container, p string) {
		t.Helper()
		loc, err := storage.Parse(p)
		if err != nil || !loc.IsRemote() {
			t.Errorf("%s: %s is not an s3:// location (%v)", where, p, err)
		}
		for _, ef := range c.EnvFrom {
			if ef.SecretRef != nil && m.secrets[ef.SecretRef.Name] != nil {
				sec := m.secrets[ef.SecretRef.Name]
				if sec.StringData["AWS_ACCESS_KEY_ID"] != "" && sec.StringData["AWS_SECRET_ACCESS_KEY"] != "" {
					return
				}
			}
		}
		t.Errorf("%s: no AWS credentials from a Secret in the manifests for %s", where, p)
	}
	var shardDirs []string
	for i := 0; i < n; i++ {
		o := &RunOptions{Shards: n, Out: flagValue(t, runCmd, "out")}
		shard, shards, err := resolveShard(o, func(k string) string {
			if k == JobCompletionIndexEnv {
				return strconv.Itoa(i)
			}
			return ""
		})
		if err != nil || shard != i || shards != n {
			t.Fatalf("pod %d: shard %d of %d: %v", i, shard, shards, err)
		}
		mounted("shards job", run, o.Out)
		shardDirs = append(shardDirs, o.Out)
	}
	if uniq := slices.Compact(slices.Sorted(slices.Values(shardDirs))); len(uniq) != n {
		t.Errorf("the %d pods share output directories: %v", n, shardDirs)
	}

	// The merge: its glob matches exactly the shard directories.
	ms := mergeJob.Spec.Template.Spec
	merge := onlyContainer(t, "merge job init", ms.InitContainers)
	mergeCmd := parseCommandLine(t, "merge job", merge.Args)
	if mergeCmd.Name() != "merge" {
		t.Fatalf("merge job's init container runs %q, want merge", mergeCmd.CommandPath())
	}
	for _, d := range shardDirs {
		ok := false
		for _, pat := range mergeCmd.Flags().Args() {
			match, err := path.Match(pat, d)
			if err != nil {
				t.Fatal(err)
			}
			ok = ok || match || pat == d
		}
		if !ok {
			t.Errorf("merge arguments %v do not cover shard directory %s", mergeCmd.Flags().Args(), d)
		}
	}
	merged := flagValue(t, mergeCmd, "out")
	mounted("merge job", merge, merged)

	// The leaderboard: built from the merged runs, never from the shards.
	lb := onlyContainer(t, "merge job", ms.Containers)
	lbCmd := parseCommandLine(t, "merge job", lb.Args)
	if lbCmd.CommandPath() != "hanbench leaderboard build" {
		t.Fatalf("merge job's container runs %q, want hanbench leaderboard build", lbCmd.CommandPath())
	}
	for _, r := range strings.Split(flagValue(t, lbCmd, "results"), ",") {
		if !strings.HasPrefix(merged, strings.TrimSuffix(r, "/")+"/") && merged != r {
			t.Errorf("leaderboard --results %s does not include the merged run %s", r, merged)
		}
		for _, d := range shardDirs {
			if strings.HasPrefix(d, strings.TrimSuffix(r, "/")+"/") {
				t.Errorf("leaderboard --results %s includes shard directory %s", r, d)
			}
		}
	}
	mounted("merge job", lb, flagValue(t, lbCmd, "out"))
	mounted("shards job cache", run, flagValue(t, runCmd, "cache-dir"))
}

// workflow is the part of a GitHub Actions workflow the test reads;
// decoding is strict, so a misspelt key fails.
type workflow struct {
	Name        string            `yaml:"name"`
	On          map[string]any    `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Concurrency map[string]any    `yaml:"concurrency"`
	Jobs        map[string]struct {
		Needs       any               `yaml:"needs"`
		RunsOn      string            `yaml:"runs-on"`
		Environment map[string]string `yaml:"environment"`
		Steps       []struct {
			ID   string         `yaml:"id"`
			Name string         `yaml:"name"`
			Uses string         `yaml:"uses"`
			Run  string         `yaml:"run"`
			With map[string]any `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// TestPagesWorkflow checks the GitHub Pages workflow: hanbench command
// lines that parse with the real flags, a site built into the directory
// the Pages artifact uploads, and the permissions Pages deployment needs.
func TestPagesWorkflow(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "k8s", "pages-workflow.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	if err := goyaml.UnmarshalWithOptions(data, &wf, goyaml.Strict()); err != nil {
		t.Fatalf("pages-workflow.yaml: %v", err)
	}
	if wf.Permissions["pages"] != "write" || wf.Permissions["id-token"] != "write" {
		t.Errorf("permissions %v: Pages deployment needs pages: write and id-token: write", wf.Permissions)
	}
	expr := regexp.MustCompile(`\$\{\{[^}]*\}\}`)
	var site, artifact string
	deployed := false
	for name, job := range wf.Jobs {
		for _, st := range job.Steps {
			if strings.HasPrefix(st.Uses, "actions/upload-pages-artifact@") {
				artifact, _ = st.With["path"].(string)
			}
			if strings.HasPrefix(st.Uses, "actions/deploy-pages@") {
				deployed = true
			}
			sc := bufio.NewScanner(strings.NewReader(strings.ReplaceAll(st.Run, "\\\n", " ")))
			for sc.Scan() {
				fields := strings.Fields(expr.ReplaceAllString(sc.Text(), "X"))
				if len(fields) == 0 || (fields[0] != "./hanbench" && fields[0] != "hanbench") {
					continue
				}
				cmd := parseCommandLine(t, "workflow job "+name, fields[1:])
				if cmd.CommandPath() == "hanbench leaderboard build" {
					site = flagValue(t, cmd, "out")
				}
			}
		}
	}
	if site == "" || site != artifact || !deployed {
		t.Errorf("the site is built into %q, the Pages artifact uploads %q, deployed %v", site, artifact, deployed)
	}
}
