package judge

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/hanbench/hanbench/evals"
	"github.com/hanbench/hanbench/evals/results"
	"github.com/hanbench/hanbench/evals/scoring"
	"github.com/hanbench/hanbench/evals/scoring/pyre"
	"github.com/hanbench/hanbench/runners"
)

// KoMTDirEnv names the environment variable holding the KoMT-Bench folder:
// the question file, the GPT-4 reference answers and the Korean judge
// prompts, either under hanbench's names (mt_bench__question_ko.jsonl,
// reference_answer_ko__gpt-4.jsonl, data__judge_prompts_ko.jsonl) or in
// FastChat's layout (the fastchat/llm_judge/data folder of the KoMT-Bench
// repository: judge_prompts_ko.jsonl, mt_bench/question_ko.jsonl,
// mt_bench/reference_answer_ko/gpt-4.jsonl).
const KoMTDirEnv = "HANBENCH_KOMT_DIR"

// Upstream pins: LG-AI-EXAONE/KoMT-Bench @ 56d4f3a.
const (
	koMTCommit       = "56d4f3af437543dce39f08aecfb818abed81210d"
	koMTQuestionsSHA = "b5738f10e6eeca5b83c4568a1152acd79a04517f6c03e698dcdb6ef3889652fa"
	koMTRefsSHA      = "2c949fa6640e10e77f315793f6ae0de2b7f89cd9b5b6d97df19697ad10fa3347"
	koMTPromptsSHA   = "32d1e94b1b3877c68bed2254ef33e05b496999896b1cb3887613e0ba5d755fa5"
	koMTVersion      = "1"
)

// Defaults from FastChat: gen_api_answer/gen_model_answer generate at most
// 1024 tokens; the judge is called with max_tokens 2048.
const (
	KoMTDefaultMaxTokens      = 1024
	KoMTDefaultJudgeMaxTokens = 2048
)

// koMTTemperature is FastChat's temperature_config; other categories use 0.7.
var koMTTemperature = map[string]float64{
	"writing": 0.7, "roleplay": 0.7,
	"extraction": 0.0, "math": 0.0, "coding": 0.0, "reasoning": 0.0,
	"stem": 0.1, "humanities": 0.1,
	"arena-hard-200": 0.0,
}

// koMTNeedRef is FastChat's NEED_REF_CATS: judged with the math prompts and
// the GPT-4 reference answers.
var koMTNeedRef = map[string]bool{"math": true, "reasoning": true, "coding": true, "arena-hard-200": true}

// koMTExempt are the questions detector.py never penalizes (JSON answers
// that are almost entirely English by design).
var koMTExempt = map[int]bool{138: true, 140: true}

// koMTParser is FastChat's one_score_pattern, then one_score_pattern_backup,
// converted with ast.literal_eval (ASCII digits only).
var koMTParser = &scoreParser{
	patterns: []*pyre.Regexp{pyre.MustCompile(`\[\[(\d+\.?\d*)\]\]`, 0), pyre.MustCompile(`\[(\d+\.?\d*)\]`, 0)},
	max:      10,
}

// The four single-grading prompts KoMT-Bench uses.
var koMTPromptNames = []string{"single-v1", "single-math-v1", "single-v1-multi-turn", "single-math-v1-multi-turn"}

// KoMTConfig configures a KoMT-Bench evaluator.
type KoMTConfig struct {
	// Name is the task name (default komt_bench).
	Name string
	// Dir is the data folder (see KoMTDirEnv); empty means
	// $HANBENCH_KOMT_DIR, else $HANBENCH_DATA_DIR/komt-bench.
	Dir string
	// Reasks is how many times a scoreless judge reply is asked again; 0
	// means DefaultReasks, a negative value none (FastChat never re-asks).
	Reasks int
	// MaxTokens bounds each model answer: 0 means KoMTDefaultMaxTokens, a
	// negative value leaves it to the server.
	MaxTokens int
	// JudgeMaxTokens bounds each judge reply: 0 means
	// KoMTDefaultJudgeMaxTokens, a negative value sends none.
	JudgeMaxTokens int
	// NoPenalty turns the language penalty off (scores are then not
	// comparable with KoMT-Bench's).
	NoPenalty bool
}

type koMTQuestion struct {
	ID        int      `json:"question_id"`
	Category  string   `json:"category"`
	Turns     []string `json:"turns"`
	Reference []string `json:"reference,omitempty"`
}

type koMTPrompt struct {
	Name         string `json:"name"`
	Type         string `json:"type"`
	System       string `json:"system_prompt"`
	Template     string `json:"prompt_template"`
	OutputFormat string `json:"output_format"`
}

// KoMT is the KoMT-Bench evaluator: 80 two-turn questions (MT-Bench adapted
// to Korean), each turn graded 1–10 by a judge with FastChat's Korean
// single-grading prompts, non-Korean answers penalized to √score.
type KoMT struct {
	cfg  KoMTConfig
	js   judgeState
	data lazyData

	dir       string
	questions []koMTQuestion
	refs      map[int][]string
	prompts   map[string]koMTPrompt
	files     map[string][]byte
	cats      []string
	pinned    bool
}

// NewKoMT returns a KoMT-Bench evaluator. Data is read on first use (Len).
func NewKoMT(cfg KoMTConfig) (*KoMT, error) {
	if cfg.Name == "" {
		cfg.Name = "komt_bench"
	}
	cfg.Reasks = orDefault(cfg.Reasks, DefaultReasks)
	cfg.MaxTokens = orDefault(cfg.MaxTokens, KoMTDefaultMaxTokens)
	cfg.JudgeMaxTokens = orDefault(cfg.JudgeMaxTokens, KoMTDefaultJudgeMaxTokens)
	return &KoMT{cfg: cfg}, nil
}

// Name implements evals.Evaluator.
func (k *KoMT) Name() string { return k.cfg.Name }

// Len implements evals.Evaluator: it loads questions, reference answers and
// judge prompts.
func (k *KoMT) Len() (int, error) {
	if err := k.data.load(k.load); err != nil {
		return 0, err
	}
	return len(k.questions), nil
}

func (k *KoMT) load() error {
	dir, err := resolveDir(k.cfg.Dir, KoMTDirEnv, "komt-bench")
	if err != nil {
		return fmt.Errorf("%s: %w (get the question file, reference answers and judge prompts from github.com/LG-AI-EXAONE/KoMT-Bench @ %s, FastChat/fastchat/llm_judge/data): %w", k.cfg.Name, err, koMTCommit[:7], errNoData)
	}
	k.dir = dir
	qPath, err := findFile(dir, "mt_bench__question_ko.jsonl", "question_ko.jsonl", "mt_bench/question_ko.jsonl")
	if err != nil {
		return fmt.Errorf("%s: %w: %w", k.cfg.Name, err, errNoData)
	}
	rPath, err := findFile(dir, "reference_answer_ko__gpt-4.jsonl", "reference_answer_ko/gpt-4.jsonl", "mt_bench/reference_answer_ko/gpt-4.jsonl")
	if err != nil {
		return fmt.Errorf("%s: %w: %w", k.cfg.Name, err, errNoData)
	}
	pPath, err := findFile(dir, "data__judge_prompts_ko.jsonl", "judge_prompts_ko.jsonl")
	if err != nil {
		return fmt.Errorf("%s: %w: %w", k.cfg.Name, err, errNoData)
	}
	k.files = map[string][]byte{}
	for _, p := range []string{qPath, rPath, pPath} {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		k.files[p] = b
	}
	k.pinned = hashBytes(k.files[qPath]) == koMTQuestionsSHA && hashBytes(k.files[rPath]) == koMTRefsSHA && hashBytes(k.files[pPath]) == koMTPromptsSHA

	ids := map[int]int{}
	err = eachJSONLine(qPath, k.files[qPath], func(line int, raw []byte) error {
		var q koMTQuestion
		if err := strictJSON(raw, &q); err != nil {
			return err
		}
		if len(q.Turns) != 2 {
			return fmt.Errorf("turns: want 2, got %d", len(q.Turns))
		}
		if q.Category == "" {
			return fmt.Errorf("category is empty")
		}
		if prev, dup := ids[q.ID]; dup {
			return fmt.Errorf("question_id %d already on line %d", q.ID, prev)
		}
		ids[q.ID] = line
		k.questions = append(k.questions, q)
		return nil
	})
	if err != nil {
		return err
	}
	if len(k.questions) == 0 {
		return fmt.Errorf("%s: no questions", qPath)
	}

	k.refs = map[int][]string{}
	err = eachJSONLine(rPath, k.files[rPath], func(line int, raw []byte) error {
		var a struct {
			ID      *int `json:"question_id"`
			Choices []struct {
				Turns []string `json:"turns"`
			} `json:"choices"`
		}
		if err := strictJSON(raw, &a); err != nil {
			return err
		}
		if a.ID == nil {
			return fmt.Errorf("question_id missing")
		}
		if len(a.Choices) == 0 || len(a.Choices[0].Turns) < 2 {
			return fmt.Errorf("question %d: choices[0].turns must hold 2 answers", *a.ID)
		}
		k.refs[*a.ID] = a.Choices[0].Turns // a later line replaces an earlier one, as FastChat's dict does
		return nil
	})
	if err != nil {
		return err
	}

	k.prompts = map[string]koMTPrompt{}
	err = eachJSONLine(pPath, k.files[pPath], func(line int, raw []byte) error {
		var p koMTPrompt
		if err := strictJSON(raw, &p); err != nil {
			return err
		}
		k.prompts[p.Name] = p
		return nil
	})
	if err != nil {
		return err
	}
	for _, name := range koMTPromptNames {
		p, ok := k.prompts[name]
		if !ok {
			return fmt.Errorf("%s: judge prompt %q missing", pPath, name)
		}
		if p.Type != "single" || p.OutputFormat != "[[rating]]" {
			return fmt.Errorf("%s: judge prompt %q: want type single and output_format [[rating]], got %q and %q", pPath, name, p.Type, p.OutputFormat)
		}
		allowed := map[string]bool{}
		if strings.HasSuffix(name, "-multi-turn") {
			allowed = map[string]bool{"question_1": true, "question_2": true, "answer_1": true, "answer_2": true, "ref_answer_1": true, "ref_answer_2": true}
		} else {
			allowed = map[string]bool{"question": true, "answer": true, "ref_answer_1": true}
		}
		for _, f := range templateFields(p.Template) {
			if !allowed[f] {
				return fmt.Errorf("%s: judge prompt %q: unknown field {%s}", pPath, name, f)
			}
		}
	}

	seen := map[string]bool{}
	for _, q := range k.questions {
		if koMTNeedRef[q.Category] {
			if _, ok := k.refs[q.ID]; !ok {
				return fmt.Errorf("%s: no reference answer for question %d (category %s needs one)", rPath, q.ID, q.Category)
			}
		}
		k.cats = appendNew(k.cats, seen, q.Category)
	}
	return nil
}

// temperature is FastChat's temperature for a category.
func koMTTemp(cat string) float64 {
	if t, ok := koMTTemperature[cat]; ok {
		return t
	}
	return 0.7
}

// judgePromptHash covers the four judge prompts KoMT-Bench uses.
func (k *KoMT) judgePromptHash() string {
	var ps []koMTPrompt
	for _, n := range koMTPromptNames {
		ps = append(ps, k.prompts[n])
	}
	return hashJSON(ps)
}

// Evaluate implements evals.Evaluator: two model turns at the category's
// temperature (turn 2 sees the model's own turn-1 answer), one judgment per
// turn, then the language penalty.
func (k *KoMT) Evaluate(ctx context.Context, env *evals.Env, docID int) (*evals.EvalResult, error) {
	d, err := k.js.startDoc(k.cfg.Name, env, docID, k.Len)
	if err != nil {
		return nil, err
	}
	q := k.questions[docID]
	cat := slug(q.Category)
	temp := koMTTemp(q.Category)
	needRef := koMTNeedRef[q.Category]
	var ref []string
	if needRef {
		ref = k.refs[q.ID]
	}

	msgs1 := []runners.Message{{Role: "user", Content: q.Turns[0]}}
	res, rec := d.res, &d.rec
	res.Sample.PromptHash = hashJSON(map[string]any{"messages": msgs1, "follow_up": q.Turns[1], "temperature": temp})
	res.Sample.Prompt = mustJSON(msgs1)
	if ref != nil {
		res.Sample.Target = mustJSON(ref[:2])
	}
	if err := d.twoTurns(ctx, env.Model, msgs1, q.Turns[1], temp, k.cfg.MaxTokens); err != nil {
		return d.finish(err)
	}
	a1, a2 := rec.Answers[0], rec.Answers[1]

	var final, raw [2]*float64
	for turn := 1; turn <= 2; turn++ {
		name := "single-v1"
		if needRef {
			name = "single-math-v1"
		}
		vals := map[string]string{}
		if turn == 1 {
			vals["question"], vals["answer"] = q.Turns[0], a1
		} else {
			name += "-multi-turn"
			vals["question_1"], vals["question_2"] = q.Turns[0], q.Turns[1]
			vals["answer_1"], vals["answer_2"] = a1, a2
		}
		if needRef {
			vals["ref_answer_1"] = ref[0]
			if turn == 2 {
				vals["ref_answer_2"] = ref[1]
			}
		}
		p := k.prompts[name]
		user, err := pyFormat(p.Template, vals)
		if err != nil {
			return nil, fmt.Errorf("%s: judge prompt %q: %w", k.cfg.Name, name, err)
		}
		a := judgeAsk{
			turn: turn, template: name, maxTokens: k.cfg.JudgeMaxTokens,
			messages: []runners.Message{{Role: "system", Content: p.System}, {Role: "user", Content: user}},
		}
		answer := rec.Answers[turn-1]
		j, err := d.judge(ctx, env.Judge, a, koMTParser, k.cfg.Reasks, answer, func(j *Judgment) {
			if j.Score != nil && !k.cfg.NoPenalty && !koMTExempt[q.ID] && !IsKorean(answer) {
				j.Score = ptr(math.Sqrt(*j.RawScore))
				j.Penalized = true
			}
		})
		if err != nil {
			return d.finish(err)
		}
		final[turn-1], raw[turn-1] = j.Score, j.RawScore
	}

	res.Scores = map[string]scoring.Outcome{
		"_t1": optOutcome(final[0]), "_t2": optOutcome(final[1]),
		"_r1": optOutcome(raw[0]), "_r2": optOutcome(raw[1]),
	}
	unjudged, penalized := 0, 0
	for i, key := range []string{"turn1", "turn2"} {
		if final[i] == nil {
			unjudged++
			continue
		}
		if rec.Judgments[i].Penalized {
			penalized++
		}
		d.score(*final[i], key, key+","+cat)
	}
	if unjudged < 2 {
		// The document's mean judged turn score, for paired comparisons.
		s, n := 0.0, 0.0
		for _, v := range final {
			if v != nil {
				s, n = s+*v, n+1
			}
		}
		res.Sample.Metrics["score"] = s / n
	}
	d.score(float64(unjudged), "unjudged")
	d.score(float64(penalized), "turns_penalized")
	res.Sample.Extracted = mustJSON(final)
	return d.finish(nil)
}

// poolSummary is the mean over the valid outcomes of several metrics (all
// judged turns).
func poolSummary(keys ...string) func(map[string][]scoring.Outcome) (float64, bool) {
	return func(all map[string][]scoring.Outcome) (float64, bool) {
		var pool []scoring.Outcome
		for _, k := range keys {
			pool = append(pool, all[k]...)
		}
		return meanValid(pool)
	}
}

// turnsStderr is the cluster-robust standard error of the mean turn score
// (turns of one question are correlated): μ = Σ S_i / Σ n_i over documents
// i with S_i the sum and n_i the number of judged turns, and
// z_i = (S_i − μ n_i) / Σ n.
func turnsStderr(all map[string][]scoring.Outcome) (float64, bool) {
	t1, t2 := all["_t1"], all["_t2"]
	if len(t1) != len(t2) {
		return 0, false
	}
	sums := make([]float64, len(t1))
	ns := make([]float64, len(t1))
	total, count := 0.0, 0.0
	for i := range t1 {
		for _, o := range []scoring.Outcome{t1[i], t2[i]} {
			if o.Valid {
				sums[i] += o.Value
				ns[i]++
			}
		}
		total += sums[i]
		count += ns[i]
	}
	if count == 0 {
		return 0, false
	}
	mu := total / count
	z := make([]float64, len(t1))
	for i := range z {
		z[i] = (sums[i] - mu*ns[i]) / count
	}
	return linearStderr(z)
}

// Metrics implements evals.Evaluator: "score" (mean of all judged turn
// scores, 1–10, after the penalty), "score_stderr" (clustered by
// question), "turn1", "turn2", per category "score,<c>", "turn1,<c>",
// "turn2,<c>", "score_no_penalty", and the counts "unjudged" and
// "turns_penalized". Names sort with "score" first, so tools that pick the
// alphabetically first metric pick the official one.
func (k *KoMT) Metrics() []evals.MetricInfo {
	k.Len()
	ms := []evals.MetricInfo{
		{Name: "score", HigherIsBetter: true, Summary: poolSummary("_t1", "_t2")},
		{Name: "score_stderr", HigherIsBetter: false, Summary: turnsStderr},
		{Name: "turn1", Aggregation: "mean", HigherIsBetter: true},
		{Name: "turn2", Aggregation: "mean", HigherIsBetter: true},
	}
	for _, c := range k.cats {
		s := slug(c)
		ms = append(ms,
			evals.MetricInfo{Name: "score," + s, HigherIsBetter: true, Summary: poolSummary("turn1,"+s, "turn2,"+s)},
			evals.MetricInfo{Name: "turn1," + s, Aggregation: "mean", HigherIsBetter: true},
			evals.MetricInfo{Name: "turn2," + s, Aggregation: "mean", HigherIsBetter: true},
		)
	}
	return append(ms,
		evals.MetricInfo{Name: "score_no_penalty", HigherIsBetter: true, Summary: poolSummary("_r1", "_r2")},
		evals.MetricInfo{Name: "unjudged", HigherIsBetter: false, Summary: sumSummary("unjudged")},
		evals.MetricInfo{Name: "turns_penalized", HigherIsBetter: false, Summary: sumSummary("turns_penalized")},
	)
}

// Describe implements evals.Evaluator. The config hash covers the judge
// model, the judge prompts, the penalty rule and detector, generation
// settings and the re-ask count.
func (k *KoMT) Describe() evals.TaskInfo {
	k.Len()
	judge := k.js.get()
	jh := k.judgePromptHash()
	penalty := "sqrt(score) when the answer is not Korean (" + DetectorVersion + ", threshold 0.5); questions 138 and 140 exempt"
	ji := results.JudgeInfo{Model: judge, PromptHash: jh, Penalty: results.PenaltySqrtNonKorean, Detector: DetectorVersion,
		Reasks: k.cfg.Reasks, MaxTokens: k.cfg.JudgeMaxTokens}
	if k.cfg.NoPenalty {
		penalty = "none"
		ji.Penalty, ji.Detector = results.PenaltyNone, ""
	}
	temps, _ := json.Marshal(koMTTemperature)
	hash, jinfo := judgeProvenance(map[string]any{
		"benchmark": "komt_bench", "version": koMTVersion, "task": k.cfg.Name,
		"temperatures": string(temps), "default_temperature": 0.7, "max_tokens": k.cfg.MaxTokens,
		"penalty": penalty, "unjudged": "missing",
		"score_parse": []string{koMTParser.patterns[0].String(), koMTParser.patterns[1].String()},
	}, ji)
	info := evals.TaskInfo{
		OutputType: "generate_until",
		Version:    koMTVersion,
		Source:     "builtin:" + k.cfg.Name + " (hanbench evals/judge; protocol of LG-AI-EXAONE/KoMT-Bench @ " + koMTCommit[:7] + ", FastChat llm_judge)",
		ConfigHash: hash,
		Judge:      jinfo,
		Dataset:    results.Dataset{Path: k.dir, Split: "test", Fingerprint: fingerprint(k.files)},
		Notes: []string{
			fmt.Sprintf("judge: %s at temperature 0, max_tokens %d; judge prompt sha256 %s; scores from different judges or judge prompts are not comparable and must not be averaged", orUnknown(judge), k.cfg.JudgeMaxTokens, jh),
			"judge prompts: FastChat single grading with the Korean prompts single-v1 and single-v1-multi-turn; math, reasoning and coding use single-math-v1(-multi-turn) with the GPT-4 reference answers (reference_answer_ko/gpt-4.jsonl)",
			"generation: FastChat temperatures (writing, roleplay 0.7; extraction, math, coding, reasoning 0.0; stem, humanities 0.1), max_tokens " + maxTokensNote(k.cfg.MaxTokens) + ", no system message (the server's chat template applies); turn 2 is asked with the model's own turn-1 answer in the history",
			"score = mean of all judged turn scores (1–10) after the language penalty; per turn and per category means; score_stderr is clustered by question; some model cards report ×10",
			koMTPenaltyNote(penalty, k.cfg.NoPenalty),
			fmt.Sprintf("unjudged: a turn whose judge reply has no [[score]] (or [score]) after %d re-asks is missing from every mean and counted in 'unjudged'; FastChat records -1 without re-asking, leaves it unpenalized and show_result drops -1 rows, so the mean is the same but upstream has fewer judged turns; scores above 10 count as no score", k.cfg.Reasks),
		},
	}
	pinData(&info, k.pinned, k.files, koMTCommit, "question, reference or judge-prompt file differs from LG-AI-EXAONE/KoMT-Bench")
	return info
}

// koMTPenaltyNote explains the language penalty in the notes.
func koMTPenaltyNote(penalty string, off bool) string {
	if off {
		return "language penalty: none (turned off, --no-language-penalty): non-Korean answers keep the judge's score, so scores are not comparable with KoMT-Bench's, which turn them into sqrt(score)"
	}
	return "language penalty: " + penalty + ". Upstream (detector.py) uses MediaPipe's language detector with max_results=2, and its loop keeps the LAST detection, i.e. the second most likely language whenever two are returned. MediaPipe is not available in Go: hanbench decides on the dominant script of the answer's prose (weighted Hangul share of letters, code blocks, inline code, math and URLs ignored, alphabetic letters weighted 1/3; no prose letters counts as Korean) and deliberately does not replicate the last-of-two quirk, so penalties can differ from upstream on mixed-language answers"
}
