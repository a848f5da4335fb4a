package judge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/hanbench/hanbench/evals"
	"github.com/hanbench/hanbench/evals/results"
	"github.com/hanbench/hanbench/evals/scoring"
	"github.com/hanbench/hanbench/evals/scoring/pyre"
	"github.com/hanbench/hanbench/runners"
)

// DefaultReasks is how many times a judge is asked again when its reply
// holds no score, before the turn is left unjudged.
const DefaultReasks = 3

// DataDirEnv names the environment variable holding the folder with the
// judge benchmarks' data, laid out as <dir>/logickor/, <dir>/komt-bench/
// and <dir>/k2-eval/ (the layout of hanbench's shared reference data).
const DataDirEnv = "HANBENCH_DATA_DIR"

// Judgment is one judged turn, as stored in samples.parquet (inside the
// JSON of Sample.Response, see the package documentation).
type Judgment struct {
	// Turn is 1 or 2.
	Turn int `json:"turn"`
	// Template names the judge prompt used (e.g. "single_turn",
	// "single-math-v1-multi-turn", "k2_eval").
	Template string `json:"template"`
	// PromptSHA256 is the sha256 of the JSON of the judge messages sent.
	PromptSHA256 string `json:"prompt_sha256"`
	// Score is the turn's final score (after any language penalty); nil when
	// the turn is unjudged.
	Score *float64 `json:"score"`
	// RawScore is the judge's score before any penalty.
	RawScore *float64 `json:"raw_score,omitempty"`
	// Penalized is true when a language penalty was applied to the score
	// (KoMT-Bench's √score for a non-Korean answer).
	Penalized bool `json:"penalized,omitempty"`
	// Language is the answer's measured Hangul share (KoMT-Bench's penalty
	// decision; informational elsewhere).
	Language *LanguageShare `json:"language,omitempty"`
	// Attempts is the number of judge requests made (1 + re-asks).
	Attempts int `json:"attempts"`
	// Explanation is the judge's reasoning, extracted as upstream does
	// (LogicKor: the text between "평가:" and "점수:"), else the whole reply.
	Explanation string `json:"explanation"`
	// Replies holds every judge reply, in order (usually one).
	Replies []string `json:"replies"`
	// JudgePromptTokens and JudgeCompletionTokens sum the judge's usage.
	JudgePromptTokens     int `json:"judge_prompt_tokens"`
	JudgeCompletionTokens int `json:"judge_completion_tokens"`
}

// record is what Sample.Response holds: the model's answers per turn and
// the judgments.
type record struct {
	Answers   []string   `json:"answers"`
	Judgments []Judgment `json:"judgments"`
}

// scoreParser finds the score in a judge reply.
type scoreParser struct {
	// prep rewrites the reply before matching (LogicKor strips '*').
	prep func(string) string
	// patterns are Python regexes tried in order; group 1 is the score.
	patterns []*pyre.Regexp
	// pyFloat converts with Python float() (Unicode digits allowed); else
	// with ast.literal_eval, which accepts ASCII digits only.
	pyFloat bool
	// max is the highest score the rubric allows; larger scores are
	// treated as no score.
	max float64
	// explain extracts the explanation; nil means the whole reply.
	explain func(string) string
}

// parse returns the score in reply, if any.
func (p *scoreParser) parse(reply string) (float64, bool) {
	if p.prep != nil {
		reply = p.prep(reply)
	}
	for _, re := range p.patterns {
		ms, err := re.FindAll(reply)
		if err != nil || len(ms) == 0 {
			continue
		}
		// re.search: the first match decides; a first match that does not
		// convert is not retried with the next pattern (upstream raises).
		v, ok := p.convert(ms[0].Groups[1])
		if !ok || math.IsNaN(v) || v < 0 || v > p.max {
			return 0, false
		}
		return v, true
	}
	return 0, false
}

// convert turns the captured digits into a number.
func (p *scoreParser) convert(s string) (float64, bool) {
	if p.pyFloat {
		// float() maps every Unicode decimal digit to its value.
		var b strings.Builder
		for _, r := range s {
			if r > unicode.MaxASCII && unicode.IsDigit(r) {
				r = '0' + digitValue(r)
			}
			b.WriteRune(r)
		}
		s = b.String()
	}
	for _, r := range s {
		if r > unicode.MaxASCII {
			return 0, false
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// digitValue is the value of a Unicode decimal digit (category Nd). Unicode
// encodes each script's digits 0–9 as one contiguous run, so the value is
// the distance from the start of the run modulo 10.
func digitValue(r rune) rune {
	start := r
	for unicode.IsDigit(start - 1) {
		start--
	}
	return (r - start) % 10
}

// judgeAsk is one judge request.
type judgeAsk struct {
	turn      int
	template  string
	messages  []runners.Message
	maxTokens int
}

// ask sends a judge request, asking again (up to reasks times) while the
// reply holds no score. Re-asks carry Seed 1, 2, ... so that a response
// cache in front of the judge does not hand back the same scoreless reply.
// A request error (after the runner's own retries) is returned as is.
func ask(ctx context.Context, judge runners.Runner, a judgeAsk, p *scoreParser, reasks int) (Judgment, error) {
	j := Judgment{Turn: a.turn, Template: a.template, PromptSHA256: hashJSON(a.messages)}
	for attempt := 0; attempt <= reasks; attempt++ {
		req := runners.GenerateRequest{Messages: a.messages, Temperature: 0, MaxTokens: a.maxTokens}
		if attempt > 0 {
			seed := attempt
			req.Seed = &seed
		}
		resp, err := judge.Generate(ctx, req)
		j.Attempts++
		if err != nil {
			return j, fmt.Errorf("judge: %w", err)
		}
		j.JudgePromptTokens += resp.Usage.PromptTokens
		j.JudgeCompletionTokens += resp.Usage.CompletionTokens
		j.Replies = append(j.Replies, resp.Text)
		if v, ok := p.parse(resp.Text); ok {
			j.Score, j.RawScore = ptr(v), ptr(v)
			if p.explain != nil {
				j.Explanation = p.explain(resp.Text)
			} else {
				j.Explanation = resp.Text
			}
			return j, nil
		}
	}
	return j, nil
}

func ptr(v float64) *float64 { return &v }

// orDefault reads a count option where 0 means def and a negative value
// means none (0).
func orDefault(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// lazyData loads an evaluator's data once, on first use, and remembers the
// outcome.
type lazyData struct {
	once sync.Once
	err  error
}

// load runs fn the first time and returns its error every time.
func (l *lazyData) load(fn func() error) error {
	l.once.Do(func() { l.err = fn() })
	return l.err
}

// docRun is one document's evaluation in progress: its result, the record
// that becomes Sample.Response, and the model's usage.
type docRun struct {
	res *evals.EvalResult
	rec record
	mc  modelCall
}

// startDoc checks an Evaluate call (the data loads, env has a model and a
// named judge, docID is below the count length reports) and starts the
// document's result, with empty metrics.
func (js *judgeState) startDoc(task string, env *evals.Env, docID int, length func() (int, error)) (*docRun, error) {
	n, err := length()
	if err != nil {
		return nil, err
	}
	if _, err := js.check(task, env); err != nil {
		return nil, err
	}
	if docID < 0 || docID >= n {
		return nil, fmt.Errorf("%s: document %d out of range", task, docID)
	}
	return &docRun{res: &evals.EvalResult{Sample: results.Sample{Metrics: map[string]float64{}}}, rec: record{Answers: []string{}, Judgments: []Judgment{}}}, nil
}

// finish completes the result with the model's usage, finish reasons and
// the record. A failed model or judge call (err) fails the document, not
// the run: Evaluate returns no error.
func (d *docRun) finish(err error) (*evals.EvalResult, error) {
	d.mc.fill(&d.res.Sample)
	d.res.Usage = d.mc.total()
	d.res.Sample.Response = mustJSON(d.rec)
	if err != nil {
		d.res.Err = err
	}
	return d.res, nil
}

// answer asks the model under evaluation (see modelCall.generate) and
// records its answer.
func (d *docRun) answer(ctx context.Context, model runners.Runner, msgs []runners.Message, temp float64, maxTokens int) (string, error) {
	a, err := d.mc.generate(ctx, model, msgs, temp, maxTokens)
	if err != nil {
		return "", err
	}
	d.rec.Answers = append(d.rec.Answers, a)
	return a, nil
}

// score records v as the document's value of each metric in keys, both as
// an outcome and in the sample's metrics.
func (d *docRun) score(v float64, keys ...string) {
	if d.res.Scores == nil {
		d.res.Scores = map[string]scoring.Outcome{}
	}
	for _, k := range keys {
		d.res.Scores[k] = outcome(v)
		d.res.Sample.Metrics[k] = v
	}
}

// twoTurns asks turn 1 (msgs1), then followUp with the model's own turn-1
// answer in the history, as LogicKor and FastChat do. Sample.Prompt becomes
// the turn-2 messages.
func (d *docRun) twoTurns(ctx context.Context, model runners.Runner, msgs1 []runners.Message, followUp string, temp float64, maxTokens int) error {
	a1, err := d.answer(ctx, model, msgs1, temp, maxTokens)
	if err != nil {
		return err
	}
	msgs2 := append(append([]runners.Message(nil), msgs1...),
		runners.Message{Role: "assistant", Content: a1},
		runners.Message{Role: "user", Content: followUp})
	d.res.Sample.Prompt = mustJSON(msgs2)
	_, err = d.answer(ctx, model, msgs2, temp, maxTokens)
	return err
}

// judge asks the judge about answer (see ask), records the answer's Hangul
// share in the judgment, lets adjust (a language penalty; may be nil)
// change it, and adds it to the record, also when the judge call failed.
func (d *docRun) judge(ctx context.Context, judge runners.Runner, a judgeAsk, p *scoreParser, reasks int, answer string, adjust func(*Judgment)) (Judgment, error) {
	j, err := ask(ctx, judge, a, p, reasks)
	ls := MeasureHangul(answer)
	j.Language = &ls
	if adjust != nil {
		adjust(&j)
	}
	d.rec.Judgments = append(d.rec.Judgments, j)
	return j, err
}

// modelCall accumulates the usage of the model under evaluation.
type modelCall struct {
	usage     runners.Usage
	calls     int
	cached    int
	finish    []string
	truncated bool
	reasoning []string
}

// generate sends one chat request to the model and returns its answer,
// stripped of surrounding whitespace (as LogicKor's and FastChat's
// generators do).
func (m *modelCall) generate(ctx context.Context, r runners.Runner, msgs []runners.Message, temp float64, maxTokens int) (string, error) {
	resp, err := r.Generate(ctx, runners.GenerateRequest{
		Messages: append([]runners.Message(nil), msgs...), Temperature: temp, MaxTokens: maxTokens,
	})
	m.calls++
	if err != nil {
		return "", err
	}
	u := resp.Usage
	m.usage.PromptTokens += u.PromptTokens
	m.usage.CompletionTokens += u.CompletionTokens
	m.usage.Latency += u.Latency
	m.usage.Retries += u.Retries
	if m.usage.TimeToFirstToken == 0 {
		m.usage.TimeToFirstToken = u.TimeToFirstToken
	}
	if u.Cached {
		m.cached++
	}
	m.finish = append(m.finish, resp.FinishReason)
	if resp.FinishReason == "length" {
		m.truncated = true
	}
	m.reasoning = append(m.reasoning, resp.Reasoning)
	return pyStrip(resp.Text), nil
}

// total is the usage for EvalResult: Cached only when every call was.
func (m *modelCall) total() runners.Usage {
	u := m.usage
	u.Cached = m.calls > 0 && m.cached == m.calls
	return u
}

// fill copies finish reasons, truncation and reasoning into s.
func (m *modelCall) fill(s *results.Sample) {
	s.Truncated = m.truncated
	if m.truncated {
		s.FinishReason = "length"
	} else if len(m.finish) > 0 {
		s.FinishReason = m.finish[len(m.finish)-1]
	}
	for _, r := range m.reasoning {
		if r != "" {
			s.Reasoning = mustJSON(m.reasoning)
			break
		}
	}
}

// pyStrip is Python's str.strip(): Unicode White_Space plus U+001C–U+001F.
func pyStrip(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f) })
}

// pyFormat is Python's str.format for templates whose fields are plain
// names: "{name}" is replaced by vals[name] (inserted verbatim, never
// re-read), "{{" and "}}" are literal braces. A field missing from vals is
// an error, as it is in Python.
func pyFormat(tmpl string, vals map[string]string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(tmpl); {
		c := tmpl[i]
		switch {
		case c == '{' && strings.HasPrefix(tmpl[i:], "{{"):
			b.WriteByte('{')
			i += 2
		case c == '}' && strings.HasPrefix(tmpl[i:], "}}"):
			b.WriteByte('}')
			i += 2
		case c == '{':
			end := strings.IndexByte(tmpl[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("template: single '{' at byte %d", i)
			}
			name := tmpl[i+1 : i+end]
			v, ok := vals[name]
			if !ok {
				return "", fmt.Errorf("template: no value for field {%s}", name)
			}
			b.WriteString(v)
			i += end + 1
		case c == '}':
			return "", fmt.Errorf("template: single '}' at byte %d", i)
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), nil
}

// templateFields lists the {name} fields of a str.format template.
func templateFields(tmpl string) []string {
	var out []string
	seen := map[string]bool{}
	for i := 0; i < len(tmpl); i++ {
		if tmpl[i] == '{' {
			if strings.HasPrefix(tmpl[i:], "{{") {
				i++
				continue
			}
			end := strings.IndexByte(tmpl[i:], '}')
			if end < 0 {
				break
			}
			name := tmpl[i+1 : i+end]
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
			i += end
		}
	}
	return out
}

func hashJSON(v any) string {
	h := sha256.Sum256([]byte(mustJSON(v)))
	return hex.EncodeToString(h[:])
}

func hashBytes(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// mustJSON encodes v without HTML escaping; v is always encodable here.
func mustJSON(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// outcome is a valid per-sample score.
func outcome(v float64) scoring.Outcome {
	return scoring.Outcome{Value: v, Pred: -1, Gold: -1, Valid: true}
}

// optOutcome is outcome(*v), or an invalid Outcome when v is nil; used for
// the aligned per-document series behind the clustered standard errors.
func optOutcome(v *float64) scoring.Outcome {
	if v == nil {
		return scoring.Outcome{Pred: -1, Gold: -1}
	}
	return outcome(*v)
}

// validValues returns the values of the valid outcomes.
func validValues(outs []scoring.Outcome) []float64 {
	var vs []float64
	for _, o := range outs {
		if o.Valid {
			vs = append(vs, o.Value)
		}
	}
	return vs
}

// meanValid is the mean of the valid outcomes; false when there are none.
func meanValid(outs []scoring.Outcome) (float64, bool) {
	vs := validValues(outs)
	if len(vs) == 0 {
		return 0, false
	}
	s := 0.0
	for _, v := range vs {
		s += v
	}
	return s / float64(len(vs)), true
}

// sumSummary totals a count metric (unjudged turns, penalized turns).
func sumSummary(key string) func(map[string][]scoring.Outcome) (float64, bool) {
	return func(all map[string][]scoring.Outcome) (float64, bool) {
		outs, ok := all[key]
		if !ok {
			return 0, false
		}
		s := 0.0
		for _, o := range outs {
			if o.Valid {
				s += o.Value
			}
		}
		return s, true
	}
}

// linearStderr is the standard error of an estimator whose influence on
// each document is z[i] (its linearization): sqrt(m/(m-1) Σ z²). For a
// plain mean of one value per document it equals the sample standard error.
func linearStderr(z []float64) (float64, bool) {
	m := len(z)
	if m < 2 {
		return 0, false
	}
	s := 0.0
	for _, v := range z {
		s += v * v
	}
	return math.Sqrt(float64(m) / float64(m-1) * s), true
}

// judgeState remembers which judge graded an evaluator's documents, so that
// the config hash and notes name it; one evaluator must never mix judges.
type judgeState struct {
	mu    sync.Mutex
	model string
}

// check validates env for a judged task and returns the judge's name.
func (js *judgeState) check(task string, env *evals.Env) (string, error) {
	if env == nil || env.Model == nil {
		return "", fmt.Errorf("%s: no model runner", task)
	}
	if env.Judge == nil {
		return "", fmt.Errorf("%s needs a judge: pass --judge-model", task)
	}
	if env.Endpoint == "completions" {
		return "", fmt.Errorf("%s is a chat benchmark: it needs the chat endpoint, not completions", task)
	}
	name := env.JudgeModel
	if name == "" {
		if d, ok := env.Judge.(runners.Describer); ok {
			name = d.Describe().Model
		}
	}
	if name == "" {
		return "", fmt.Errorf("%s: the judge model has no name (set --judge-model / Options.JudgeModel): scores must record their judge", task)
	}
	js.mu.Lock()
	defer js.mu.Unlock()
	if js.model == "" {
		js.model = name
	} else if js.model != name {
		return "", fmt.Errorf("%s: judge changed from %q to %q within one run: scores of different judges must not be mixed", task, js.model, name)
	}
	return name, nil
}

func (js *judgeState) get() string {
	js.mu.Lock()
	defer js.mu.Unlock()
	return js.model
}

// judgeConfigHash is a judge task's config hash: fields (the benchmark's
// own settings) plus what every judge task records, the judge model, the
// judge prompts' hash, judge temperature 0, the judge's max tokens and the
// re-ask count.
func judgeConfigHash(fields map[string]any, judge, promptHash string, judgeMaxTokens, reasks int) string {
	fields["judge_model"] = judge
	fields["judge_prompt_sha256"] = promptHash
	fields["judge_temperature"] = 0
	fields["judge_max_tokens"] = judgeMaxTokens
	fields["reasks"] = reasks
	return hashJSON(fields)
}

// judgeProvenance returns a judge task's config hash (judgeConfigHash
// over fields and ji) and ji as results.json's judge provenance, made from
// the same values so the two never disagree. The judge's temperature is
// always 0; a negative MaxTokens (none sent) is recorded as 0.
func judgeProvenance(fields map[string]any, ji results.JudgeInfo) (string, *results.JudgeInfo) {
	ji.Temperature = 0
	ji.MaxTokens = max(ji.MaxTokens, 0)
	if ji.Penalty == "" {
		ji.Penalty = results.PenaltyNone
	}
	return judgeConfigHash(fields, ji.Model, ji.PromptHash, ji.MaxTokens, ji.Reasks), &ji
}

// maxTokensNote describes a model max_tokens setting for the notes.
func maxTokensNote(n int) string {
	if n > 0 {
		return fmt.Sprint(n)
	}
	return "server default"
}

// pinData records the upstream commit as the dataset revision when the
// files read are the pinned upstream ones; when other files were read it
// adds a note that they differ (differs) instead.
func pinData(info *evals.TaskInfo, pinned bool, files map[string][]byte, commit, differs string) {
	if pinned {
		info.Dataset.Revision = commit
	} else if files != nil {
		info.Notes = append(info.Notes, "data: "+differs+" @ "+commit[:7])
	}
}

// appendNew appends s to list unless seen holds it, and marks it seen: it
// lists categories in order of first appearance.
func appendNew(list []string, seen map[string]bool, s string) []string {
	if seen[s] {
		return list
	}
	seen[s] = true
	return append(list, s)
}

// findFile returns the first of names that exists in dir.
func findFile(dir string, names ...string) (string, error) {
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: none of %s found", dir, strings.Join(names, ", "))
}

// resolveDir picks the data folder (or file): explicit, then the benchmark's own
// environment variable, then $HANBENCH_DATA_DIR/<sub>.
func resolveDir(explicit, env, sub string) (string, error) {
	if explicit != "" {
		return explicit, nil
	}
	if v := os.Getenv(env); v != "" {
		return v, nil
	}
	if v := os.Getenv(DataDirEnv); v != "" {
		return filepath.Join(v, sub), nil
	}
	return "", fmt.Errorf("no data folder: set %s to the benchmark's folder, or %s to a folder holding %s/", env, DataDirEnv, sub)
}

// fingerprint hashes the data files read (name and content, in order).
func fingerprint(files map[string][]byte) string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.Base(n), len(files[n]))
		h.Write(files[n])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// slug makes a category into a metric-name suffix: the text inside
// parentheses if any ("추론(Reasoning)" → "reasoning"), lower-cased, with
// spaces and commas replaced by '_'.
func slug(cat string) string {
	s := cat
	if i := strings.LastIndex(s, "("); i >= 0 && strings.HasSuffix(s, ")") && i+1 < len(s)-1 {
		s = s[i+1 : len(s)-1]
	}
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == ',' {
			return '_'
		}
		return r
	}, s)
	if s == "" {
		return "unknown"
	}
	return s
}

// errNoData wraps data-loading failures so callers can tell them apart.
var errNoData = errors.New("benchmark data not available")
