package judge

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hanbench/hanbench/evals"
	"github.com/hanbench/hanbench/evals/results"
	"github.com/hanbench/hanbench/evals/scoring"
	"github.com/hanbench/hanbench/evals/scoring/pyre"
	"github.com/hanbench/hanbench/runners"
)

// LogicKor prompt strategies (the keys of PROMPT_STRATEGY in templates.py).
const (
	StrategyDefault  = "default"
	Strategy1Shot    = "1-shot"
	StrategyCoT1Shot = "cot-1-shot"
)

// LogicKorDirEnv names the environment variable holding the LogicKor folder
// (questions.jsonl and templates.py or templates.py.txt).
const LogicKorDirEnv = "HANBENCH_LOGICKOR_DIR"

// Upstream pins: instructkr/LogicKor @ 11c3a84 (the repository is read-only).
const (
	logicKorCommit        = "11c3a84f93d176754f1ce197a8f00961cffa9de2"
	logicKorQuestionsSHA  = "83440ad0424fa9e9a92206dc6cb5a3d9e2f7c3074ad4ac8425c3e1d8af11782c"
	logicKorTemplatesSHA  = "e27beaf59de2ce323531b7993989becceccb7ff38f8b767286a4fcbb9f6c25c7"
	logicKorVersion       = "1"
	logicKorJudgeStripped = "*"
)

// LogicKor's judge user message (evaluator.py create_answers), in pieces.
const (
	lkUserHead = "아래의 내용을 주어진 평가 기준들을 충실히 반영하여 평가해라. 특히 모델 답변이 언어 요구사항을 준수하는지 반드시 확인해야 한다.\n\n**Question**\n"
	// lkUserHeadNoLanguage is lkUserHead without its reminder of the
	// language rules, for LogicKorConfig.NoPenalty.
	lkUserHeadNoLanguage = "아래의 내용을 주어진 평가 기준들을 충실히 반영하여 평가해라.\n\n**Question**\n"
	lkUserRef            = "\n\n**Additional Reference**\n"
	lkUserResponse       = "\n\n**Model's Response**\n"
	lkUserFollowUp       = "\n\n**Follow-up Question.**\n"
	lkUserEnd            = "\n\n[[대화 종료. 평가 시작.]]"
)

// logicKorParser is evaluator.py's parsing: strip '*', then the first
// 점수:\s*(\d+(\.\d+)?) converted with float(); the explanation is
// 평가:(.*?)점수: (DOTALL), stripped.
var logicKorParser = &scoreParser{
	prep:     func(s string) string { return strings.ReplaceAll(s, logicKorJudgeStripped, "") },
	patterns: []*pyre.Regexp{pyre.MustCompile(`점수:\s*(\d+(\.\d+)?)`, 0)},
	pyFloat:  true,
	max:      10,
	explain: func(s string) string {
		s = strings.ReplaceAll(s, logicKorJudgeStripped, "")
		ms, err := lkExplain.FindAll(s)
		if err != nil || len(ms) == 0 {
			return s
		}
		return pyStrip(ms[0].Groups[1])
	},
}

var lkExplain = pyre.MustCompile(`평가:(.*?)점수:`, pyre.DotAll)

// LogicKorConfig configures a LogicKor evaluator.
type LogicKorConfig struct {
	// Name is the task name (default: logickor, logickor_1shot or
	// logickor_cot_1shot by Strategy).
	Name string
	// Strategy is StrategyDefault, Strategy1Shot or StrategyCoT1Shot.
	Strategy string
	// Dir holds questions.jsonl and templates.py (or templates.py.txt);
	// empty means $HANBENCH_LOGICKOR_DIR, else $HANBENCH_DATA_DIR/logickor.
	Dir string
	// Reasks is how many times a scoreless judge reply is asked again; 0
	// means DefaultReasks, a negative value none.
	Reasks int
	// MaxTokens bounds each model answer; 0 leaves it to the server (vLLM:
	// the rest of the context, like upstream's max_tokens = model length).
	MaxTokens int
	// JudgeMaxTokens bounds each judge reply; 0 sends none (as upstream).
	JudgeMaxTokens int
	// NoPenalty turns LogicKor's language rule off: the "# 언어 요구사항"
	// section (a non-Korean answer scores 0) is cut from both judge
	// templates and the user message no longer reminds the judge of it.
	// The templates must have that section. Scores are then not
	// comparable with LogicKor's.
	NoPenalty bool
}

// logicKorQuestion is one line of questions.jsonl.
type logicKorQuestion struct {
	ID         int       `json:"id"`
	Category   string    `json:"category"`
	Questions  []string  `json:"questions"`
	References []*string `json:"references"`
}

// LogicKor is the LogicKor evaluator: 42 two-turn questions answered with
// one of three prompt strategies and graded 1–10 by a judge per turn.
type LogicKor struct {
	cfg  LogicKorConfig
	js   judgeState
	data lazyData

	dir       string
	questions []logicKorQuestion
	prefix    []runners.Message // the strategy's messages
	judgeSys  map[string]string // "single_turn", "multi_turn"
	files     map[string][]byte
	cats      []string
	pinned    bool
}

// NewLogicKor returns a LogicKor evaluator. Data is read on first use (Len).
func NewLogicKor(cfg LogicKorConfig) (*LogicKor, error) {
	switch cfg.Strategy {
	case "":
		cfg.Strategy = StrategyDefault
	case StrategyDefault, Strategy1Shot, StrategyCoT1Shot:
	default:
		return nil, fmt.Errorf("logickor: unknown strategy %q (want %s, %s or %s)", cfg.Strategy, StrategyDefault, Strategy1Shot, StrategyCoT1Shot)
	}
	if cfg.Name == "" {
		cfg.Name = map[string]string{StrategyDefault: "logickor", Strategy1Shot: "logickor_1shot", StrategyCoT1Shot: "logickor_cot_1shot"}[cfg.Strategy]
	}
	cfg.Reasks = orDefault(cfg.Reasks, DefaultReasks)
	return &LogicKor{cfg: cfg}, nil
}

// Name implements evals.Evaluator.
func (l *LogicKor) Name() string { return l.cfg.Name }

// Len implements evals.Evaluator: it loads the questions and templates.
func (l *LogicKor) Len() (int, error) {
	if err := l.data.load(l.load); err != nil {
		return 0, err
	}
	return len(l.questions), nil
}

func (l *LogicKor) load() error {
	dir, err := resolveDir(l.cfg.Dir, LogicKorDirEnv, "logickor")
	if err != nil {
		return fmt.Errorf("%s: %w (get questions.jsonl and templates.py from github.com/instructkr/LogicKor @ %s): %w", l.cfg.Name, err, logicKorCommit[:7], errNoData)
	}
	l.dir = dir
	qPath, err := findFile(dir, "questions.jsonl")
	if err != nil {
		return fmt.Errorf("%s: %w: %w", l.cfg.Name, err, errNoData)
	}
	tPath, err := findFile(dir, "templates.py", "templates.py.txt")
	if err != nil {
		return fmt.Errorf("%s: %w: %w", l.cfg.Name, err, errNoData)
	}
	qData, err := os.ReadFile(qPath)
	if err != nil {
		return err
	}
	tData, err := os.ReadFile(tPath)
	if err != nil {
		return err
	}
	l.files = map[string][]byte{qPath: qData, tPath: tData}
	l.pinned = hashBytes(qData) == logicKorQuestionsSHA && hashBytes(tData) == logicKorTemplatesSHA
	if l.questions, err = readLogicKorQuestions(qPath, qData); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, q := range l.questions {
		l.cats = appendNew(l.cats, seen, q.Category)
	}
	return l.loadTemplates(tPath, tData)
}

func readLogicKorQuestions(path string, data []byte) ([]logicKorQuestion, error) {
	var out []logicKorQuestion
	ids := map[int]int{}
	err := eachJSONLine(path, data, func(line int, raw []byte) error {
		var q logicKorQuestion
		if err := strictJSON(raw, &q); err != nil {
			return err
		}
		// Upstream reads questions[0] and questions[1] only; id 3 of the
		// official file has a third, near-duplicate question that is never
		// asked.
		switch {
		case len(q.Questions) < 2:
			return fmt.Errorf("questions: want 2 turns, got %d", len(q.Questions))
		case len(q.References) < 2:
			return fmt.Errorf("references: want 2 entries (string or null), got %d", len(q.References))
		case strings.TrimSpace(q.Category) == "":
			return fmt.Errorf("category is empty")
		}
		if prev, dup := ids[q.ID]; dup {
			return fmt.Errorf("id %d already on line %d", q.ID, prev)
		}
		ids[q.ID] = line
		out = append(out, q)
		return nil
	})
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("%s: no questions", path)
	}
	return out, err
}

func (l *LogicKor) loadTemplates(path string, data []byte) error {
	mod, err := parsePyAssignments(path, string(data))
	if err != nil {
		return err
	}
	strat, ok := mod["PROMPT_STRATEGY"].(map[string]any)
	if !ok {
		return fmt.Errorf("%s: PROMPT_STRATEGY missing or not a dict", path)
	}
	msgs, ok := strat[l.cfg.Strategy].([]any)
	if !ok {
		return fmt.Errorf("%s: PROMPT_STRATEGY[%q] missing or not a list", path, l.cfg.Strategy)
	}
	l.prefix = []runners.Message{}
	for i, m := range msgs {
		d, ok := m.(map[string]any)
		role, rok := d["role"].(string)
		content, cok := d["content"].(string)
		if !ok || !rok || !cok || len(d) != 2 {
			return fmt.Errorf("%s: PROMPT_STRATEGY[%q][%d]: want {\"role\": str, \"content\": str}", path, l.cfg.Strategy, i)
		}
		switch role {
		case "system", "user", "assistant":
		default:
			return fmt.Errorf("%s: PROMPT_STRATEGY[%q][%d]: unknown role %q", path, l.cfg.Strategy, i, role)
		}
		l.prefix = append(l.prefix, runners.Message{Role: role, Content: content})
	}
	jt, ok := mod["JUDGE_TEMPLATE"].(map[string]any)
	if !ok {
		return fmt.Errorf("%s: JUDGE_TEMPLATE missing or not a dict", path)
	}
	l.judgeSys = map[string]string{}
	for _, k := range []string{"single_turn", "multi_turn"} {
		s, ok := jt[k].(string)
		if !ok || s == "" {
			return fmt.Errorf("%s: JUDGE_TEMPLATE[%q] missing or not a string", path, k)
		}
		if l.cfg.NoPenalty {
			cut, ok := withoutLanguageRules(s)
			if !ok {
				return fmt.Errorf("%s: JUDGE_TEMPLATE[%q] has no %q section to remove (language penalty off)", path, k, lkLanguageHeading)
			}
			s = cut
		}
		l.judgeSys[k] = s
	}
	return nil
}

// userHead is the start of the judge user message: lkUserHead, or
// lkUserHeadNoLanguage with the language rule off.
func (l *LogicKor) userHead() string {
	if l.cfg.NoPenalty {
		return lkUserHeadNoLanguage
	}
	return lkUserHead
}

// lkLanguageHeading starts the language rules of LogicKor's judge
// templates (a non-Korean answer scores 0).
const lkLanguageHeading = "# 언어 요구사항"

// withoutLanguageRules cuts the lkLanguageHeading section, from its heading
// line to the next "# " heading (or the end), out of a judge template;
// false when the template has no such section.
func withoutLanguageRules(tmpl string) (string, bool) {
	i := strings.Index(tmpl, lkLanguageHeading+"\n")
	if i < 0 || (i > 0 && tmpl[i-1] != '\n') {
		return tmpl, false
	}
	rest := tmpl[i+len(lkLanguageHeading)+1:]
	if j := strings.Index(rest, "\n# "); j >= 0 {
		return tmpl[:i] + rest[j+1:], true
	}
	return strings.TrimRight(tmpl[:i], "\n"), true
}

// judgePromptHash is the sha256 of everything that shapes the judge's
// prompts: both system templates and the user-message scaffolding.
func (l *LogicKor) judgePromptHash() string {
	return hashJSON([]string{l.judgeSys["single_turn"], l.judgeSys["multi_turn"], l.userHead(), lkUserRef, lkUserResponse, lkUserFollowUp, lkUserEnd})
}

// logicKorJudgeUser builds evaluator.py's user message, starting with head
// (lkUserHead upstream).
func logicKorJudgeUser(head string, q logicKorQuestion, answers []string, multi bool) string {
	var b strings.Builder
	b.WriteString(head)
	b.WriteString(q.Questions[0])
	if r := q.References[0]; r != nil && *r != "" {
		b.WriteString(lkUserRef + *r)
	}
	b.WriteString(lkUserResponse + answers[0])
	if multi {
		b.WriteString(lkUserFollowUp + q.Questions[1])
		if r := q.References[1]; r != nil && *r != "" {
			b.WriteString(lkUserRef + *r)
		}
		b.WriteString(lkUserResponse + answers[1])
	}
	b.WriteString(lkUserEnd)
	return b.String()
}

// Evaluate implements evals.Evaluator: two model turns (turn 2 sees the
// model's own turn-1 answer), then the single-turn and multi-turn judgments.
func (l *LogicKor) Evaluate(ctx context.Context, env *evals.Env, docID int) (*evals.EvalResult, error) {
	d, err := l.js.startDoc(l.cfg.Name, env, docID, l.Len)
	if err != nil {
		return nil, err
	}
	q := l.questions[docID]
	cat := slug(q.Category)
	msgs1 := append(append([]runners.Message(nil), l.prefix...), runners.Message{Role: "user", Content: q.Questions[0]})
	res := d.res
	res.Sample.PromptHash = hashJSON(map[string]any{"messages": msgs1, "follow_up": q.Questions[1]})
	res.Sample.Prompt = mustJSON(msgs1)
	res.Sample.Target = mustJSON(q.References)
	if err := d.twoTurns(ctx, env.Model, msgs1, q.Questions[1], 0, l.cfg.MaxTokens); err != nil {
		return d.finish(err)
	}

	var scores [2]*float64
	for i, kind := range []string{"single_turn", "multi_turn"} {
		a := judgeAsk{
			turn: i + 1, template: kind, maxTokens: l.cfg.JudgeMaxTokens,
			messages: []runners.Message{
				{Role: "system", Content: l.judgeSys[kind]},
				{Role: "user", Content: logicKorJudgeUser(l.userHead(), q, d.rec.Answers, i == 1)},
			},
		}
		j, err := d.judge(ctx, env.Judge, a, logicKorParser, l.cfg.Reasks, d.rec.Answers[i], nil)
		if err != nil {
			return d.finish(err)
		}
		scores[i] = j.Score
	}

	res.Scores = map[string]scoring.Outcome{
		"_single": optOutcome(scores[0]),
		"_multi":  optOutcome(scores[1]),
	}
	unjudged := 0
	for i, key := range []string{"score_single", "score_multi"} {
		if scores[i] == nil {
			unjudged++
			continue
		}
		d.score(*scores[i], key, key+","+cat)
	}
	if scores[0] != nil && scores[1] != nil {
		res.Sample.Metrics["score"] = (*scores[0] + *scores[1]) / 2
	}
	d.score(float64(unjudged), "unjudged")
	res.Sample.Extracted = mustJSON(scores)
	return d.finish(nil)
}

// logicKorOverall is score.py's total: (mean single + mean multi) / 2.
func logicKorOverall(single, multi []float64) (float64, bool) {
	if len(single) == 0 || len(multi) == 0 {
		return 0, false
	}
	return (mean(single) + mean(multi)) / 2, true
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// overallSummary computes logicKorOverall from the outcomes of two metrics.
func overallSummary(singleKey, multiKey string) func(map[string][]scoring.Outcome) (float64, bool) {
	return func(all map[string][]scoring.Outcome) (float64, bool) {
		return logicKorOverall(validValues(all[singleKey]), validValues(all[multiKey]))
	}
}

// overallStderr is the standard error of logicKorOverall, by linearization
// over documents (the aligned "_single"/"_multi" series, with unjudged
// turns invalid): z_i = δs_i(s_i − S̄)/(2n_s) + δm_i(m_i − M̄)/(2n_m). With
// every turn judged it is the sample standard error of (s_i + m_i)/2.
func overallStderr(all map[string][]scoring.Outcome) (float64, bool) {
	s, m := all["_single"], all["_multi"]
	if len(s) != len(m) {
		return 0, false
	}
	sv, mv := validValues(s), validValues(m)
	if len(sv) == 0 || len(mv) == 0 {
		return 0, false
	}
	sm, mm := mean(sv), mean(mv)
	z := make([]float64, len(s))
	for i := range s {
		if s[i].Valid {
			z[i] += (s[i].Value - sm) / (2 * float64(len(sv)))
		}
		if m[i].Valid {
			z[i] += (m[i].Value - mm) / (2 * float64(len(mv)))
		}
	}
	return linearStderr(z)
}

// Metrics implements evals.Evaluator: "score" (the official overall),
// "score_stderr", "score_single", "score_multi", per category
// "score,<c>", "score_single,<c>", "score_multi,<c>" (c from the
// category's parenthesized English
// name, e.g. "reasoning"), and "unjudged" (turns without a score).
func (l *LogicKor) Metrics() []evals.MetricInfo {
	l.Len() // categories come from the data; an error leaves only the totals
	ms := []evals.MetricInfo{
		{Name: "score", HigherIsBetter: true, Summary: overallSummary("score_single", "score_multi")},
		{Name: "score_stderr", HigherIsBetter: false, Summary: overallStderr},
		{Name: "score_single", Aggregation: "mean", HigherIsBetter: true},
		{Name: "score_multi", Aggregation: "mean", HigherIsBetter: true},
	}
	for _, c := range l.cats {
		s := slug(c)
		ms = append(ms,
			evals.MetricInfo{Name: "score," + s, HigherIsBetter: true, Summary: overallSummary("score_single,"+s, "score_multi,"+s)},
			evals.MetricInfo{Name: "score_single," + s, Aggregation: "mean", HigherIsBetter: true},
			evals.MetricInfo{Name: "score_multi," + s, Aggregation: "mean", HigherIsBetter: true},
		)
	}
	return append(ms, evals.MetricInfo{Name: "unjudged", HigherIsBetter: false, Summary: sumSummary("unjudged")})
}

// Describe implements evals.Evaluator. The config hash covers the judge
// model, the judge prompts, the strategy's messages, generation settings,
// the re-ask count and the unjudged rule, so scores from different judges
// or prompts never share a hash.
func (l *LogicKor) Describe() evals.TaskInfo {
	l.Len()
	judge := l.js.get()
	jh := l.judgePromptHash()
	penalty, rule := "none (the judge rubric scores non-Korean answers 0)", results.PenaltyZeroNonKorean
	langNote := "language: hanbench applies no penalty; LogicKor's judge rubric itself scores non-Korean answers 0 (unless English was requested)"
	if l.cfg.NoPenalty {
		penalty, rule = "none (the judge rubric's language rules removed)", results.PenaltyNone
		langNote = "language: rule turned off (--no-language-penalty): the judge templates' '" + lkLanguageHeading + "' section (non-Korean answers score 0) and the user message's reminder of it were removed, so the judge prompt hash differs and scores are not comparable with LogicKor's"
	}
	hash, jinfo := judgeProvenance(map[string]any{
		"benchmark": "logickor", "version": logicKorVersion, "task": l.cfg.Name,
		"strategy": l.cfg.Strategy, "strategy_messages_sha256": hashJSON(l.prefix),
		"temperature": 0, "max_tokens": l.cfg.MaxTokens,
		"score_parse": logicKorParser.patterns[0].String(), "unjudged": "missing",
		"penalty": penalty,
	}, results.JudgeInfo{Model: judge, PromptHash: jh, Strategy: l.cfg.Strategy, Penalty: rule, Reasks: l.cfg.Reasks, MaxTokens: l.cfg.JudgeMaxTokens})
	info := evals.TaskInfo{
		OutputType: "generate_until",
		Version:    logicKorVersion,
		Source:     "builtin:" + l.cfg.Name + " (hanbench evals/judge; protocol of instructkr/LogicKor @ " + logicKorCommit[:7] + ")",
		NumFewshot: map[string]int{StrategyDefault: 0, Strategy1Shot: 1, StrategyCoT1Shot: 1}[l.cfg.Strategy],
		ConfigHash: hash,
		Judge:      jinfo,
		Dataset:    results.Dataset{Path: l.dir, Split: "test", Fingerprint: fingerprint(l.files)},
		Notes: []string{
			fmt.Sprintf("judge: %s at temperature 0; judge prompt sha256 %s; scores from different judges or judge prompts are not comparable and must not be averaged", orUnknown(judge), jh),
			"prompt strategy: " + l.cfg.Strategy + " (LogicKor templates.py PROMPT_STRATEGY)",
			"generation: temperature 0, max_tokens " + maxTokensNote(l.cfg.MaxTokens) + " (upstream: vLLM, max_tokens = model length 4096); turn 2 is asked with the model's own turn-1 answer in the history",
			"score = (mean single-turn score + mean multi-turn score) / 2, as LogicKor score.py; per category single/multi means",
			langNote,
			fmt.Sprintf("unjudged: a turn whose judge reply has no score after %d re-asks is missing from every mean and counted in 'unjudged'; upstream evaluator.py instead scores it 0 after 4 retries", l.cfg.Reasks),
		},
	}
	pinData(&info, l.pinned, l.files, logicKorCommit, "questions.jsonl or templates.py differ from instructkr/LogicKor")
	return info
}

func orUnknown(s string) string {
	if s == "" {
		return "(none: no document was judged)"
	}
	return s
}

// LogicKorJudgedRecord is one line of upstream LogicKor's judged output
// (evaluated/<org>/<model>/<strategy>.jsonl, written by evaluator.py).
type LogicKorJudgedRecord struct {
	ID          int                 `json:"id"`
	Category    string              `json:"category"`
	Questions   []string            `json:"questions"`
	Outputs     []string            `json:"outputs"`
	References  []*string           `json:"references"`
	QuerySingle LogicKorJudgeResult `json:"query_single"`
	QueryMulti  LogicKorJudgeResult `json:"query_multi"`
}

// LogicKorJudgeResult is evaluator.py's judgment of one turn.
type LogicKorJudgeResult struct {
	JudgeMessage string   `json:"judge_message"`
	JudgeScore   *float64 `json:"judge_score"`
}

// LogicKorUnjudgedMessage is the judge_message evaluator.py writes (with
// score 0) when the judge never produced a score.
const LogicKorUnjudgedMessage = "Impossible to judge due to repetition."

// ReadLogicKorJudged reads an upstream judged JSONL file. The files are
// UTF-8 with a BOM (evaluator.py appends with encoding utf-8-sig); a BOM at
// the start of any line is skipped. name is used in errors.
func ReadLogicKorJudged(r io.Reader, name string) ([]LogicKorJudgedRecord, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var out []LogicKorJudgedRecord
	err = eachJSONLine(name, data, func(line int, raw []byte) error {
		var rec LogicKorJudgedRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return err
		}
		switch {
		case rec.QuerySingle.JudgeScore == nil:
			return fmt.Errorf("query_single.judge_score missing")
		case rec.QueryMulti.JudgeScore == nil:
			return fmt.Errorf("query_multi.judge_score missing")
		case rec.Category == "":
			return fmt.Errorf("category missing")
		}
		out = append(out, rec)
		return nil
	})
	return out, err
}

// LogicKorScores is LogicKor's score.py over judged records.
type LogicKorScores struct {
	// N is the number of records.
	N int
	// Single and Multi are the mean single-turn and multi-turn scores;
	// Overall is (Single + Multi) / 2.
	Single, Multi, Overall float64
	// Categories holds per-category means, in order of first appearance.
	Categories []LogicKorCategoryScores
	// UpstreamUnjudged counts turns evaluator.py gave up on (scored 0, as
	// upstream does, with LogicKorUnjudgedMessage).
	UpstreamUnjudged int
}

// LogicKorCategoryScores is one category's means.
type LogicKorCategoryScores struct {
	Category      string
	N             int
	Single, Multi float64
}

// ScoreLogicKorJudged aggregates upstream judged records exactly as
// score.py does, with the same functions hanbench's own LogicKor metrics
// use.
func ScoreLogicKorJudged(recs []LogicKorJudgedRecord) (LogicKorScores, error) {
	if len(recs) == 0 {
		return LogicKorScores{}, fmt.Errorf("logickor: no judged records")
	}
	var out LogicKorScores
	var single, multi []float64
	byCat := map[string]*[2][]float64{}
	var order []string
	for _, r := range recs {
		s, m := *r.QuerySingle.JudgeScore, *r.QueryMulti.JudgeScore
		single, multi = append(single, s), append(multi, m)
		c := byCat[r.Category]
		if c == nil {
			c = &[2][]float64{}
			byCat[r.Category] = c
			order = append(order, r.Category)
		}
		c[0], c[1] = append(c[0], s), append(c[1], m)
		for _, j := range []LogicKorJudgeResult{r.QuerySingle, r.QueryMulti} {
			if j.JudgeMessage == LogicKorUnjudgedMessage {
				out.UpstreamUnjudged++
			}
		}
	}
	out.N = len(recs)
	out.Overall, _ = logicKorOverall(single, multi)
	out.Single, out.Multi = mean(single), mean(multi)
	for _, c := range order {
		v := byCat[c]
		out.Categories = append(out.Categories, LogicKorCategoryScores{Category: c, N: len(v[0]), Single: mean(v[0]), Multi: mean(v[1])})
	}
	return out, nil
}

// eachJSONLine calls fn for every non-blank line of a JSONL file, skipping
// a UTF-8 BOM at the start of a line; errors name the file and line.
func eachJSONLine(name string, data []byte, fn func(line int, raw []byte) error) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 64*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		raw := bytes.TrimPrefix(sc.Bytes(), []byte("\ufeff"))
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		if err := fn(line, raw); err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// strictJSON decodes one JSON value and rejects trailing data. Unknown
// fields are ignored (mirrors may add some); required ones are checked by
// the callers.
func strictJSON(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON object")
	}
	return nil
}
