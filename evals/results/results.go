// Package results defines hanbench's results files — results.json (schema
// hanbench.results/v1) and samples.parquet — and reads and writes them.
// It is the one contract between a run and everything that reads runs
// afterwards (samples, gate, leaderboard), so it depends on no other
// hanbench package.
package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// SchemaV1 identifies the results.json format.
const SchemaV1 = "hanbench.results/v1"

// File names inside a results directory.
const (
	ResultsFile = "results.json"
	SamplesFile = "samples.parquet"
)

// File is the content of results.json.
type File struct {
	// Schema is always SchemaV1.
	Schema string `json:"schema"`
	// Model is the model name sent to the server.
	Model string `json:"model"`
	// ModelRevision is an optional user-given revision that tells apart
	// models served under the same name.
	ModelRevision string `json:"model_revision,omitempty"`
	// BaseURL is the first endpoint used, or "" when redacted.
	BaseURL string `json:"base_url"`
	// Runner describes the backend (kind, endpoint type); never credentials.
	Runner Runner `json:"runner"`
	// HarnessVersion is hanbench's version.
	HarnessVersion string `json:"harness_version"`
	// StartedAt and FinishedAt bound the run.
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Config holds the run options that affect scores.
	Config RunConfig `json:"config"`
	// Tasks holds one entry per evaluated task, keyed by task name.
	Tasks map[string]*Task `json:"tasks"`
	// Groups holds aggregate scores over task groups, keyed by group name.
	Groups map[string]*Group `json:"groups,omitempty"`
	// Interrupted is true when the run was stopped before every sample was done.
	Interrupted bool `json:"interrupted,omitempty"`
	// TaskOrder lists the tasks in the order the engine interleaves them;
	// samples.parquet is ordered by (doc id, position in TaskOrder).
	TaskOrder []string `json:"task_order,omitempty"`
	// Shard is set when this run evaluated one shard of the documents.
	Shard *Shard `json:"shard,omitempty"`
}

// Shard identifies a partial run: the documents whose id ≡ Index (mod
// Count) in every task.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// Runner is the provenance of the backend.
type Runner struct {
	// Kind is the runner's registry name, e.g. "openai".
	Kind string `json:"kind"`
	// Endpoint is "chat" or "completions".
	Endpoint string `json:"endpoint,omitempty"`
	// Replicas is the number of base URLs used.
	Replicas int `json:"replicas,omitempty"`
	// Stream is true when generations were streamed (TTFT measured).
	Stream bool `json:"stream,omitempty"`
}

// RunConfig records the options of a run that affect its scores.
type RunConfig struct {
	// Seed seeds few-shot sampling.
	Seed int64 `json:"seed"`
	// NumFewshot is the --num-fewshot override, nil when each task's default was used.
	NumFewshot *int `json:"num_fewshot,omitempty"`
	// Limit is the --limit per task, 0 for none.
	Limit int `json:"limit,omitempty"`
	// MCMode is how multiple-choice tasks were scored: "loglikelihood",
	// "first-token" or "generate".
	MCMode string `json:"mc_mode"`
	// Concurrency is the number of requests in flight; with
	// ConcurrencyAuto, the upper bound of the adaptive limit.
	Concurrency int `json:"concurrency"`
	// ConcurrencyAuto is true for --concurrency auto: the calls in flight
	// followed the server (grown while it kept up, cut on 429/503).
	ConcurrencyAuto bool `json:"concurrency_auto,omitempty"`
	// ComposeHangul is true when decomposed Hangul was composed on load.
	ComposeHangul bool `json:"compose_hangul"`
	// AccNormUnit says what acc_norm divides by ("characters").
	AccNormUnit string `json:"acc_norm_unit,omitempty"`
}

// Task is one task's outcome.
type Task struct {
	// N is the number of samples evaluated (errors included).
	N int `json:"n"`
	// Scored is the number of samples with a score (N minus errors).
	Scored int `json:"scored"`
	// Errors counts samples that failed after all retries.
	Errors int `json:"errors"`
	// ErrorsByKind splits Errors by kind (rate_limit, server, ...).
	ErrorsByKind map[string]int `json:"errors_by_kind,omitempty"`
	// Truncated counts replies cut off by the token budget.
	Truncated int `json:"truncated"`
	// Metrics maps a metric name ("acc", "exact_match,strict-match") to its
	// value, with "<metric>_stderr" beside each.
	Metrics map[string]float64 `json:"metrics"`
	// HigherIsBetter tells, per metric, the direction of improvement.
	HigherIsBetter map[string]bool `json:"higher_is_better,omitempty"`
	// Aggregations names, per metric, how per-sample values were combined
	// ("mean", "macro_f1", ...), so results can be recomputed from samples.
	Aggregations map[string]string `json:"aggregations,omitempty"`
	// Size is the number of documents in the task after --limit (a
	// shard evaluates a part of them).
	Size int `json:"size,omitempty"`
	// OutputType is "multiple_choice" or "generate_until".
	OutputType string `json:"output_type"`
	// NumFewshot is the number of examples in each prompt.
	NumFewshot int `json:"num_fewshot"`
	// Version is the task's metadata version.
	Version string `json:"version,omitempty"`
	// Source is the task file or built-in name.
	Source string `json:"source,omitempty"`
	// ConfigHash is the sha256 of the resolved task config.
	ConfigHash string `json:"config_hash"`
	// PromptHash is the sha256 over all prompts sent, in doc order.
	PromptHash string `json:"prompt_hash,omitempty"`
	// Dataset records where the data came from.
	Dataset Dataset `json:"dataset"`
	// Usage records cost and speed.
	Usage Usage `json:"usage"`
	// Notes are protocol notes a reader must know (e.g. deliberate deviations).
	Notes []string `json:"notes,omitempty"`
	// Groups lists the groups this task belongs to.
	Groups []string `json:"groups,omitempty"`
	// Judge is the provenance of a judge-graded task's scores (nil for
	// every other task). Scores whose Judge differs in model, prompt hash,
	// penalty or strategy are different measurements: readers must never
	// average or rank them together.
	Judge *JudgeInfo `json:"judge,omitempty"`
}

// Judge penalty rules (JudgeInfo.Penalty).
const (
	// PenaltyNone: scores are the judge's, unchanged.
	PenaltyNone = "none"
	// PenaltySqrtNonKorean: a judged turn whose answer is not Korean
	// scores √score (KoMT-Bench's detector.py rule).
	PenaltySqrtNonKorean = "sqrt-non-korean"
	// PenaltyZeroNonKorean: the judge rubric tells the judge to score a
	// non-Korean answer 0 (LogicKor's JUDGE_TEMPLATE rule).
	PenaltyZeroNonKorean = "zero-non-korean"
)

// JudgeInfo records who graded a judge-graded task and under which rules.
// Two runs of one task are comparable only when Model, PromptHash,
// Penalty and Strategy are equal (the leaderboard keys its columns by
// them); the rest is recorded for reproduction and is also part of the
// task's ConfigHash.
type JudgeInfo struct {
	// Model is the judge model's name as sent to its server; empty when
	// no document was judged.
	Model string `json:"model"`
	// PromptHash is the sha256 of the judge prompts (system templates and
	// the user-message scaffolding) the task sends.
	PromptHash string `json:"prompt_hash"`
	// Strategy is the prompting strategy of the model under evaluation
	// where the benchmark has several (LogicKor: "default", "1-shot",
	// "cot-1-shot"); empty otherwise.
	Strategy string `json:"strategy,omitempty"`
	// Penalty is the language rule applied to scores: PenaltyNone,
	// PenaltySqrtNonKorean or PenaltyZeroNonKorean.
	Penalty string `json:"penalty"`
	// Detector names the language detector that decides the penalty
	// (KoMT-Bench), empty when none is used.
	Detector string `json:"detector,omitempty"`
	// Reasks is how many times a judge reply without a score was asked
	// again before the turn was left unjudged (0: never).
	Reasks int `json:"reasks"`
	// MaxTokens bounds each judge reply; 0 when no bound was sent.
	MaxTokens int `json:"max_tokens,omitempty"`
	// Temperature is the judge's sampling temperature.
	Temperature float64 `json:"temperature"`
}

// Dataset is the provenance of a task's data.
type Dataset struct {
	Path     string `json:"path"`
	Name     string `json:"name,omitempty"`
	Split    string `json:"split"`
	Revision string `json:"revision,omitempty"`
	// Fingerprint is a sha256 over the data files read.
	Fingerprint string `json:"fingerprint"`
}

// Usage is token and latency accounting for a task.
type Usage struct {
	Requests         int     `json:"requests"`
	Retries          int     `json:"retries"`
	CachedResponses  int     `json:"cached_responses"`
	PromptTokens     int64   `json:"prompt_tokens"`
	CompletionTokens int64   `json:"completion_tokens"`
	LatencyP50MS     float64 `json:"latency_p50_ms"`
	LatencyP95MS     float64 `json:"latency_p95_ms"`
	LatencyP99MS     float64 `json:"latency_p99_ms"`
	TTFTP50MS        float64 `json:"ttft_p50_ms,omitempty"`
	// TokensPerSecond is completion tokens per second of request time,
	// averaged over requests.
	TokensPerSecond float64 `json:"tokens_per_second,omitempty"`
	// WallSeconds is the time from the task's first request to its last reply.
	WallSeconds float64 `json:"wall_seconds"`
}

// Group is an aggregate over tasks.
type Group struct {
	// Tasks lists the leaf tasks aggregated.
	Tasks []string `json:"tasks"`
	// N is the total number of samples.
	N int `json:"n"`
	// Metrics holds the micro (size-weighted) averages under the metric's
	// name, macro averages under "<metric>_macro", with "_stderr" beside.
	Metrics map[string]float64 `json:"metrics"`
}

// Write stores f as DIR/results.json atomically (temp file + rename).
func Write(dir string, f *File) error {
	if f.Schema == "" {
		f.Schema = SchemaV1
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(true)
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("encoding results: %w", err)
	}
	return WriteFileAtomic(filepath.Join(dir, ResultsFile), buf.Bytes())
}

// Read loads DIR/results.json (or a results.json path) and checks its schema.
func Read(path string) (*File, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, ResultsFile)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f File
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line := bytes.Count(data[:se.Offset], []byte("\n")) + 1
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if f.Schema != SchemaV1 {
		return nil, fmt.Errorf("%s: schema %q is not %q", path, f.Schema, SchemaV1)
	}
	if f.Tasks == nil {
		f.Tasks = map[string]*Task{}
	}
	return &f, nil
}

// WriteFileAtomic writes data to path through a temporary file in the same
// directory and a rename, so readers never see a partial file.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
