package judge

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/hanbench/hanbench/datasets/datasetstest"
	"github.com/hanbench/hanbench/evals"
	"github.com/hanbench/hanbench/evals/results"
	"github.com/hanbench/hanbench/runners"
)

// syntheticTemplates is a templates.py in LogicKor's format, written for
// these tests (CC0). It exercises implicit concatenation, both quote
// styles, triple quotes, escapes and comments.
const syntheticTemplates = `# synthetic LogicKor-format templates for hanbench tests
PROMPT_STRATEGY = {
    "cot-1-shot": [
        {
            "role": "system",
            "content": "단계별로 생각한 뒤 답하세요.",
        },
        {"role": "user", "content": "1 더하기 1은?"},
        {
            "role": "assistant",
            "content": """1과 1을 더하면
2입니다.""",
        },
    ],
    "1-shot": [
        {'role': 'user', 'content': '예시 질문\t(탭)'},
        {"role": "assistant", "content": "예시 " "답변\u0021"},  # implicit concatenation
    ],
    "default": [],
}

JUDGE_TEMPLATE = {
    "single_turn": """싱글 턴 평가 규칙 (synthetic).
# 출력 형식
평가: 평가 내용
점수: 숫자""",
    "multi_turn": """멀티 턴 평가 규칙 (synthetic).
# 출력 형식
평가: 평가 내용
점수: 숫자""",
}
`

func strp(s string) *string { return &s }

// writeSyntheticLogicKor writes a small LogicKor-format data folder.
func writeSyntheticLogicKor(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	qs := []logicKorQuestion{
		{ID: 1, Category: "추론(Reasoning)", Questions: []string{"철수는 영희보다 크다. 누가 더 작은가?", "위 답을 한 문장으로 요약하세요."}, References: []*string{nil, nil}},
		{ID: 2, Category: "추론(Reasoning)", Questions: []string{"모든 새는 날 수 있는가?", "펭귄의 예를 들어 다시 설명하세요."}, References: []*string{strp("펭귄은 날지 못한다."), nil}},
		{ID: 3, Category: "수학(Math)", Questions: []string{"12 곱하기 12는?", "그 값을 3으로 나누면?"}, References: []*string{strp("144"), strp("48")}},
		{ID: 4, Category: "수학(Math)", Questions: []string{"2의 10제곱은?", "그 값의 자릿수 합은?"}, References: []*string{strp(""), strp("7")}},
		{ID: 5, Category: "글쓰기(Writing)", Questions: []string{"봄에 관한 짧은 시를 쓰세요.", "같은 시를 영어로 번역하세요."}, References: []*string{nil, nil}},
		{ID: 6, Category: "글쓰기(Writing)", Questions: []string{"자기소개서 첫 문장을 쓰세요.", "더 격식 있게 고치세요."}, References: []*string{nil, nil}},
	}
	var vs []any
	for _, q := range qs {
		vs = append(vs, q)
	}
	writeFile(t, filepath.Join(dir, "questions.jsonl"), jsonl(t, vs...))
	writeFile(t, filepath.Join(dir, "templates.py"), syntheticTemplates)
	return dir
}

// lkAnswer is the fake model's answer: deterministic in the question, with
// surrounding whitespace the evaluator must strip.
func lkAnswer(q string, turn int, english bool) string {
	h := hashBytes([]byte(q))[:8]
	if english {
		return fmt.Sprintf("  This is answer %d, written in English only (%s).\n", turn, h)
	}
	return fmt.Sprintf("\n모델의 %d번째 답변입니다 (%s).\n", turn, h)
}

// lkExpectedUser rebuilds evaluator.py's judge user message independently.
func lkExpectedUser(q logicKorQuestion, a1, a2 string, multi bool) string {
	prompt := "아래의 내용을 주어진 평가 기준들을 충실히 반영하여 평가해라. 특히 모델 답변이 언어 요구사항을 준수하는지 반드시 확인해야 한다.\n\n" +
		"**Question**\n" + q.Questions[0]
	if q.References[0] != nil && *q.References[0] != "" {
		prompt += "\n\n**Additional Reference**\n" + *q.References[0]
	}
	prompt += "\n\n**Model's Response**\n" + a1
	if multi {
		prompt += "\n\n**Follow-up Question.**\n" + q.Questions[1]
		if q.References[1] != nil && *q.References[1] != "" {
			prompt += "\n\n**Additional Reference**\n" + *q.References[1]
		}
		prompt += "\n\n**Model's Response**\n" + a2
	}
	return prompt + "\n\n[[대화 종료. 평가 시작.]]"
}

// lkPlan is what the fake judge answers for (doc, turn, attempt).
func lkPlan(doc, turn, attempt int) (reply string, score float64, scored bool) {
	base := float64(1 + (doc*3+turn*5)%10)
	switch {
	case doc == 0 && turn == 1: // two scoreless replies, then a score
		if attempt < 3 {
			return "평가: 판단을 보류한다.", 0, false
		}
		return "평가: 충분하다.\n점수: 7", 7, true
	case doc == 1 && turn == 2: // never a score: unjudged
		return "평가: 점수를 줄 수 없다.", 0, false
	case doc == 2 && turn == 1: // markdown stars are stripped
		return "**평가:** 좋음\n**점수:** 8.5", 8.5, true
	case doc == 3 && turn == 2: // out of range, then a score
		if attempt == 1 {
			return "평가: 훌륭하다.\n점수: 11", 0, false
		}
		return "평가: 훌륭하다.\n점수: 9", 9, true
	}
	return fmt.Sprintf("평가: 답변이 적절하다.\n점수: %g", base), base, true
}

type lkCase struct {
	name     string
	dir      string
	strategy string
	task     string
}

func TestLogicKorEndToEnd(t *testing.T) {
	cases := []lkCase{
		{"synthetic/default", "", StrategyDefault, "logickor"},
		{"synthetic/1-shot", "", Strategy1Shot, "logickor_1shot"},
		{"synthetic/cot-1-shot", "", StrategyCoT1Shot, "logickor_cot_1shot"},
		{"real/default", "real", StrategyDefault, "logickor"},
		{"real/cot-1-shot", "real", StrategyCoT1Shot, "logickor_cot_1shot"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.dir
			if dir == "real" {
				dir = datasetstest.SharedData(t, "logickor")
			} else {
				dir = writeSyntheticLogicKor(t)
			}
			testLogicKorRun(t, dir, tc.strategy, tc.task, tc.dir == "real")
		})
	}
}

func testLogicKorRun(t *testing.T, dir, strategy, task string, real bool) {
	ev, err := NewLogicKor(LogicKorConfig{Dir: dir, Strategy: strategy})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Name() != task {
		t.Fatalf("name %q, want %q", ev.Name(), task)
	}
	n, err := ev.Len()
	if err != nil {
		t.Fatal(err)
	}
	qs := ev.questions
	prefix := ev.prefix
	singleSys, multiSys := ev.judgeSys["single_turn"], ev.judgeSys["multi_turn"]
	if real {
		// Independent anchors on the real templates (the parser itself is
		// checked against Python in TestParsePyAssignmentsPython).
		if n != 42 {
			t.Fatalf("real LogicKor has %d questions, want 42", n)
		}
		switch strategy {
		case StrategyCoT1Shot:
			if len(prefix) != 3 || prefix[0].Role != "system" || prefix[0].Content != "문제를 해결하는 과정을 단계별로 명확하게 설명한 다음, 최종 답변을 제시해 주세요." {
				t.Fatalf("cot-1-shot prefix: %+v", prefix)
			}
		case StrategyDefault:
			if len(prefix) != 0 {
				t.Fatalf("default prefix: %+v", prefix)
			}
		}
		if !strings.HasPrefix(singleSys, "너는 질문에 대한 한국어 언어 모델의 답변을 매우 꼼꼼히 평가할 것이다.") ||
			!strings.HasPrefix(multiSys, "너는 대화 후 이어지는 후속 질문에 대한 한국어 언어 모델의 답변을") ||
			!strings.HasSuffix(singleSys, "# 출력 형식\n평가: 평가 내용\n점수: 숫자") {
			t.Fatalf("judge templates not read verbatim:\n%q\n%q", singleSys, multiSys)
		}
	} else {
		want := map[string]int{StrategyDefault: 0, Strategy1Shot: 2, StrategyCoT1Shot: 3}[strategy]
		if len(prefix) != want {
			t.Fatalf("prefix has %d messages, want %d", len(prefix), want)
		}
		if strategy == Strategy1Shot && (prefix[0].Content != "예시 질문\t(탭)" || prefix[1].Content != "예시 답변!") {
			t.Fatalf("1-shot prefix misread: %q", prefix)
		}
		if strategy == StrategyCoT1Shot && prefix[2].Content != "1과 1을 더하면\n2입니다." {
			t.Fatalf("cot prefix misread: %q", prefix[2].Content)
		}
	}
	english := map[int]bool{4: true} // doc 4 answers in English (LogicKor: no hanbench penalty)

	byQ1 := map[string]int{}
	for i, q := range qs {
		byQ1[q.Questions[0]] = i
	}
	P := len(prefix)
	var modelCalls counter
	model := chatServer(t, "model-x", func(req chatRequest) chatReply {
		msgs := req.Messages
		if req.Temperature == nil || *req.Temperature != 0 {
			t.Errorf("model request temperature %s, want 0", show(req.Temperature))
		}
		if len(msgs) < P+1 {
			t.Errorf("model request with %d messages", len(msgs))
			return chatReply{Status: 400, Content: "short"}
		}
		for i := 0; i < P; i++ {
			if msgs[i] != prefix[i] {
				t.Errorf("prefix message %d = %+v, want %+v", i, msgs[i], prefix[i])
			}
		}
		doc, ok := byQ1[msgs[P].Content]
		if !ok || msgs[P].Role != "user" {
			t.Errorf("first question not a known turn-1 question: %+v", msgs[P])
			return chatReply{Status: 400, Content: "unknown"}
		}
		switch len(msgs) {
		case P + 1:
			modelCalls.inc(fmt.Sprintf("%d/1", doc))
			return chatReply{Content: lkAnswer(qs[doc].Questions[0], 1, english[doc])}
		case P + 3:
			modelCalls.inc(fmt.Sprintf("%d/2", doc))
			want := pyStrip(lkAnswer(qs[doc].Questions[0], 1, english[doc]))
			if msgs[P+1].Role != "assistant" || msgs[P+1].Content != want {
				t.Errorf("doc %d turn 2: history has %+v, want the model's real turn-1 answer %q", doc, msgs[P+1], want)
			}
			if msgs[P+2] != (runners.Message{Role: "user", Content: qs[doc].Questions[1]}) {
				t.Errorf("doc %d turn 2: last message %+v", doc, msgs[P+2])
			}
			return chatReply{Content: lkAnswer(qs[doc].Questions[1], 2, english[doc])}
		}
		t.Errorf("model request with %d messages", len(msgs))
		return chatReply{Status: 400, Content: "bad"}
	})

	// Expected judge prompts, keyed by user message.
	type key struct{ doc, turn int }
	prompts := map[string]key{}
	for i, q := range qs {
		a1 := pyStrip(lkAnswer(q.Questions[0], 1, english[i]))
		a2 := pyStrip(lkAnswer(q.Questions[1], 2, english[i]))
		prompts[lkExpectedUser(q, a1, a2, false)] = key{i, 1}
		prompts[lkExpectedUser(q, a1, a2, true)] = key{i, 2}
	}
	var judgeCalls counter
	judge := chatServer(t, "judge-x", func(req chatRequest) chatReply {
		if len(req.Messages) != 2 || req.Messages[0].Role != "system" || req.Messages[1].Role != "user" {
			t.Errorf("judge request shape: %d messages", len(req.Messages))
			return chatReply{Status: 400, Content: "shape"}
		}
		if req.Temperature == nil || *req.Temperature != 0 {
			t.Errorf("judge temperature %s, want 0", show(req.Temperature))
		}
		k, ok := prompts[req.Messages[1].Content]
		if !ok {
			t.Errorf("unexpected judge user message:\n%s", req.Messages[1].Content)
			return chatReply{Status: 400, Content: "unknown prompt"}
		}
		wantSys := singleSys
		if k.turn == 2 {
			wantSys = multiSys
			user := req.Messages[1].Content
			a1 := pyStrip(lkAnswer(qs[k.doc].Questions[0], 1, english[k.doc]))
			a2 := pyStrip(lkAnswer(qs[k.doc].Questions[1], 2, english[k.doc]))
			if !strings.Contains(user, a1) || !strings.Contains(user, a2) {
				t.Errorf("multi-turn judge prompt of doc %d lacks an answer", k.doc)
			}
		}
		if req.Messages[0].Content != wantSys {
			t.Errorf("doc %d turn %d: wrong judge system prompt", k.doc, k.turn)
		}
		attempt := judgeCalls.inc(fmt.Sprintf("%d/%d", k.doc, k.turn))
		switch {
		case attempt == 1 && req.Seed != nil:
			t.Errorf("first judge request carries seed %d", *req.Seed)
		case attempt > 1 && (req.Seed == nil || *req.Seed != attempt-1):
			t.Errorf("re-ask %d carries seed %s, want %d", attempt-1, show(req.Seed), attempt-1)
		}
		reply, _, _ := lkPlan(k.doc, k.turn, attempt)
		return chatReply{Content: reply}
	})

	sum, out, err := runEval(t, newRunner(t, model, "model-x"), newRunner(t, judge, "judge-x"), "judge-x", ev)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if sum.Samples != n || sum.Failed != 0 {
		t.Fatalf("samples %d failed %d, want %d and 0 (%s)", sum.Samples, sum.Failed, n, sum.FirstError)
	}

	// Expected scores from the judge's plan.
	var single, multi []float64
	cat := map[string][2][]float64{}
	var z []float64
	unjudged := 0
	type docScores struct{ s, m *float64 }
	var per []docScores
	for i, q := range qs {
		var ds docScores
		for turn := 1; turn <= 2; turn++ {
			var final *float64
			for attempt := 1; attempt <= 1+DefaultReasks; attempt++ {
				if _, v, ok := lkPlan(i, turn, attempt); ok {
					final = &v
					break
				}
			}
			c := cat[slug(q.Category)]
			if final == nil {
				unjudged++
			} else if turn == 1 {
				single = append(single, *final)
				c[0] = append(c[0], *final)
				ds.s = final
			} else {
				multi = append(multi, *final)
				c[1] = append(c[1], *final)
				ds.m = final
			}
			cat[slug(q.Category)] = c
		}
		per = append(per, ds)
	}
	sm, mm := meanOf(single), meanOf(multi)
	for _, ds := range per {
		zi := 0.0
		if ds.s != nil {
			zi += (*ds.s - sm) / (2 * float64(len(single)))
		}
		if ds.m != nil {
			zi += (*ds.m - mm) / (2 * float64(len(multi)))
		}
		z = append(z, zi)
	}
	zz := 0.0
	for _, v := range z {
		zz += v * v
	}
	want := map[string]float64{
		"score":        (sm + mm) / 2,
		"score_single": sm,
		"score_multi":  mm,
		"unjudged":     float64(unjudged),
		"score_stderr": math.Sqrt(float64(len(z)) / float64(len(z)-1) * zz),
	}
	for c, v := range cat {
		want["score_single,"+c] = meanOf(v[0])
		want["score_multi,"+c] = meanOf(v[1])
		want["score,"+c] = (meanOf(v[0]) + meanOf(v[1])) / 2
	}
	if unjudged != 1 {
		t.Fatalf("plan should leave exactly one turn unjudged, got %d", unjudged)
	}
	tr := sum.Results.Tasks[task]
	if tr == nil {
		t.Fatalf("no results for %s", task)
	}
	checkMetrics(t, tr.Metrics, want)
	if real && len(cat) != 6 {
		t.Errorf("real data: %d categories", len(cat))
	}
	if _, ok := tr.Metrics["score_single_stderr"]; !ok {
		t.Errorf("score_single_stderr missing")
	}

	// Every model turn asked once; judge attempts as planned.
	for i := range qs {
		for turn := 1; turn <= 2; turn++ {
			if c := modelCalls.get(fmt.Sprintf("%d/%d", i, turn)); c != 1 {
				t.Errorf("doc %d turn %d: %d model calls", i, turn, c)
			}
		}
	}
	for _, c := range []struct{ doc, turn, attempts int }{{0, 1, 3}, {1, 2, 1 + DefaultReasks}, {3, 2, 2}, {5, 1, 1}} {
		if got := judgeCalls.get(fmt.Sprintf("%d/%d", c.doc, c.turn)); got != c.attempts {
			t.Errorf("doc %d turn %d: %d judge requests, want %d", c.doc, c.turn, got, c.attempts)
		}
	}

	// Samples carry answers and judge explanations.
	samples := readSamples(t, out)[task]
	if len(samples) != n {
		t.Fatalf("%d samples", len(samples))
	}
	s0 := samples[0]
	r0 := decodeRecord(t, s0)
	if r0.Answers[0] != pyStrip(lkAnswer(qs[0].Questions[0], 1, false)) || len(r0.Judgments) != 2 {
		t.Errorf("doc 0 record: %+v", r0)
	}
	if j := r0.Judgments[0]; j.Attempts != 3 || len(j.Replies) != 3 || j.Explanation != "충분하다." || j.Score == nil || *j.Score != 7 {
		t.Errorf("doc 0 single judgment: %+v", j)
	}
	if s0.Metrics["score_single"] != 7 {
		t.Errorf("doc 0 sample metrics %v", s0.Metrics)
	}
	r1 := decodeRecord(t, samples[1])
	if j := r1.Judgments[1]; j.Score != nil || j.Attempts != 1+DefaultReasks || len(j.Replies) != 1+DefaultReasks {
		t.Errorf("doc 1 multi judgment should be unjudged after %d attempts: %+v", 1+DefaultReasks, j)
	}
	if samples[1].Extracted != fmt.Sprintf("[%g,null]", *lkPlanScore(1, 1)) {
		t.Errorf("doc 1 extracted %s", samples[1].Extracted)
	}
	if _, ok := samples[1].Metrics["score_multi"]; ok || samples[1].Metrics["unjudged"] != 1 {
		t.Errorf("doc 1 metrics %v", samples[1].Metrics)
	}
	if r2 := decodeRecord(t, samples[2]); r2.Judgments[0].Explanation != "좋음" || *r2.Judgments[0].Score != 8.5 {
		t.Errorf("doc 2 judgment %+v", r2.Judgments[0])
	}
	// LogicKor never penalizes on its own: the English doc keeps its score.
	r4 := decodeRecord(t, samples[4])
	if r4.Judgments[0].Penalized || r4.Judgments[0].Language == nil || r4.Judgments[0].Language.Hangul != 0 {
		t.Errorf("doc 4 (English) judgment %+v", r4.Judgments[0])
	}
	// The prompt hash does not depend on the model's answers; the prompt
	// is the full turn-2 conversation.
	if !strings.Contains(s0.Prompt, r0.Answers[0]) || s0.PromptHash == hashString(s0.Prompt) {
		t.Errorf("doc 0 prompt/hash: %s", s0.Prompt)
	}
	// Provenance.
	if !strings.Contains(strings.Join(tr.Notes, "\n"), "judge: judge-x") || tr.ConfigHash == "" {
		t.Errorf("notes %q hash %q", tr.Notes, tr.ConfigHash)
	}
	if real && tr.Dataset.Revision != logicKorCommit {
		t.Errorf("real data revision %q", tr.Dataset.Revision)
	}
}

func lkPlanScore(doc, turn int) *float64 {
	for a := 1; a <= 1+DefaultReasks; a++ {
		if _, v, ok := lkPlan(doc, turn, a); ok {
			return &v
		}
	}
	return nil
}

func hashString(s string) string { return hashBytes([]byte(s)) }

func TestLogicKorNeedsJudge(t *testing.T) {
	dir := writeSyntheticLogicKor(t)
	ev, _ := NewLogicKor(LogicKorConfig{Dir: dir})
	var calls counter
	model := chatServer(t, "m", func(chatRequest) chatReply { calls.inc("x"); return chatReply{Content: "답"} })
	_, _, err := runEval(t, newRunner(t, model, "m"), nil, "", ev)
	var fe *evals.FatalError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "logickor needs a judge: pass --judge-model") {
		t.Fatalf("err = %v, want a fatal 'logickor needs a judge: pass --judge-model'", err)
	}
	if calls.get("x") != 0 {
		t.Errorf("the model was called %d times without a judge", calls.get("x"))
	}
}

func TestLogicKorJudgeAuthIsFatal(t *testing.T) {
	dir := writeSyntheticLogicKor(t)
	ev, _ := NewLogicKor(LogicKorConfig{Dir: dir})
	model := chatServer(t, "m", func(chatRequest) chatReply { return chatReply{Content: "답변"} })
	judge := chatServer(t, "j", func(chatRequest) chatReply { return chatReply{Status: 401, Content: "bad key"} })
	_, _, err := runEval(t, newRunner(t, model, "m"), newRunner(t, judge, "j"), "j", ev)
	if err == nil || !runners.IsFatal(err) {
		t.Fatalf("err = %v, want a fatal auth error", err)
	}
}

func TestLogicKorJudgeServerErrorFailsSample(t *testing.T) {
	dir := writeSyntheticLogicKor(t)
	ev, _ := NewLogicKor(LogicKorConfig{Dir: dir})
	model := chatServer(t, "m", func(chatRequest) chatReply { return chatReply{Content: "답변"} })
	judge := chatServer(t, "j", func(req chatRequest) chatReply {
		if strings.Contains(req.Messages[1].Content, "12 곱하기 12는?") {
			return chatReply{Status: 500, Content: "boom"}
		}
		return chatReply{Content: "평가: 좋다\n점수: 6"}
	})
	sum, _, err := runEval(t, newRunner(t, model, "m"), newRunner(t, judge, "j"), "j", ev)
	if err != nil {
		t.Fatal(err)
	}
	tr := sum.Results.Tasks["logickor"]
	if tr.Errors != 1 || tr.ErrorsByKind["server"] != 1 {
		t.Fatalf("errors %d by kind %v, want 1 server error", tr.Errors, tr.ErrorsByKind)
	}
	checkMetrics(t, tr.Metrics, map[string]float64{"score": 6, "score_single": 6, "score_multi": 6, "unjudged": 0, "score_single,math": 6})
}

func TestLogicKorNoData(t *testing.T) {
	t.Setenv(LogicKorDirEnv, "")
	t.Setenv(DataDirEnv, "")
	ev, _ := NewLogicKor(LogicKorConfig{})
	_, err := ev.Len()
	if err == nil || !errors.Is(err, errNoData) || !strings.Contains(err.Error(), DataDirEnv) {
		t.Fatalf("Len err = %v", err)
	}
	t.Setenv(LogicKorDirEnv, t.TempDir())
	ev, _ = NewLogicKor(LogicKorConfig{})
	if _, err := ev.Len(); err == nil || !strings.Contains(err.Error(), "questions.jsonl") {
		t.Fatalf("Len err = %v", err)
	}
}

func TestLogicKorBadData(t *testing.T) {
	cases := []struct{ name, questions, templates, want string }{
		{"one turn", `{"id":1,"category":"c","questions":["q"],"references":[null,null]}`, syntheticTemplates, "questions.jsonl:1: questions: want 2 turns"},
		{"bad json", `{"id":1,"category":"c","questions":["a","b"],"references":[null,null]}` + "\n{oops", syntheticTemplates, "questions.jsonl:2:"},
		{"dup id", `{"id":1,"category":"c","questions":["a","b"],"references":[null,null]}` + "\n" + `{"id":1,"category":"c","questions":["a","b"],"references":[null,null]}`, syntheticTemplates, "id 1 already on line 1"},
		{"no judge", `{"id":1,"category":"c","questions":["a","b"],"references":[null,null]}`, "PROMPT_STRATEGY = {\"default\": []}\n", "JUDGE_TEMPLATE missing"},
		{"code", `{"id":1,"category":"c","questions":["a","b"],"references":[null,null]}`, "import os\n", "templates.py:1: expected '=' after import"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "questions.jsonl"), tc.questions)
			writeFile(t, filepath.Join(dir, "templates.py"), tc.templates)
			ev, _ := NewLogicKor(LogicKorConfig{Dir: dir})
			_, err := ev.Len()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestLogicKorUnknownStrategy(t *testing.T) {
	if _, err := NewLogicKor(LogicKorConfig{Strategy: "2-shot"}); err == nil {
		t.Fatal("unknown strategy accepted")
	}
}

func TestLogicKorParser(t *testing.T) {
	cases := []struct {
		reply   string
		want    float64
		ok      bool
		explain string
	}{
		{"평가: 좋다\n점수: 8", 8, true, "좋다"},
		{"평가: 좋다\n**점수: 7.5**", 7.5, true, "좋다"},
		{"**평가**: 길다\n**점수**: 6", 6, true, ""},
		{"평가: 한국어가 아니다.\n점수: 0", 0, true, "한국어가 아니다."},
		{"점수:\u30009", 9, true, ""},       // Python \s matches U+3000
		{"점수: １０", 10, true, ""},          // float() reads fullwidth digits
		{"점수: 3점, 이후 점수: 9", 3, true, ""}, // the first match decides
		{"평가: 좋다\n점수: 85", 0, false, ""},  // above the rubric
		{"평가: 좋다\nScore: 8", 0, false, ""},
		{"", 0, false, ""},
	}
	for _, tc := range cases {
		v, ok := logicKorParser.parse(tc.reply)
		if ok != tc.ok || (ok && v != tc.want) {
			t.Errorf("parse(%q) = %v, %v; want %v, %v", tc.reply, v, ok, tc.want, tc.ok)
		}
		if tc.explain != "" {
			if got := logicKorParser.explain(tc.reply); got != tc.explain {
				t.Errorf("explain(%q) = %q, want %q", tc.reply, got, tc.explain)
			}
		}
	}
}

func TestLogicKorConfigHashNamesJudge(t *testing.T) {
	dir := writeSyntheticLogicKor(t)
	hashes := map[string]string{}
	for _, judge := range []string{"gpt-4o", "gpt-4-1106-preview"} {
		ev, _ := NewLogicKor(LogicKorConfig{Dir: dir})
		model := chatServer(t, "m", func(chatRequest) chatReply { return chatReply{Content: "답변"} })
		js := chatServer(t, judge, func(chatRequest) chatReply { return chatReply{Content: "평가: 좋다\n점수: 5"} })
		sum, _, err := runEval(t, newRunner(t, model, "m"), newRunner(t, js, judge), judge, ev)
		if err != nil {
			t.Fatal(err)
		}
		tr := sum.Results.Tasks["logickor"]
		hashes[judge] = tr.ConfigHash
		if !strings.Contains(tr.Notes[0], judge) {
			t.Errorf("notes do not name the judge: %q", tr.Notes[0])
		}
	}
	if hashes["gpt-4o"] == hashes["gpt-4-1106-preview"] {
		t.Fatal("config hash does not depend on the judge model")
	}
	a, _ := NewLogicKor(LogicKorConfig{Dir: dir, Strategy: StrategyDefault})
	b, _ := NewLogicKor(LogicKorConfig{Dir: dir, Strategy: StrategyCoT1Shot})
	if a.Describe().ConfigHash == b.Describe().ConfigHash {
		t.Fatal("config hash does not depend on the strategy")
	}
}

func TestLogicKorRejectsCompletionsEndpoint(t *testing.T) {
	dir := writeSyntheticLogicKor(t)
	ev, _ := NewLogicKor(LogicKorConfig{Dir: dir})
	model := chatServer(t, "m", func(chatRequest) chatReply { return chatReply{Content: "x"} })
	_, err := ev.Evaluate(t.Context(), &evals.Env{Model: newRunner(t, model, "m"), Judge: newRunner(t, model, "m"), JudgeModel: "m", Endpoint: "completions"}, 0)
	if err == nil || !strings.Contains(err.Error(), "chat endpoint") {
		t.Fatalf("err = %v", err)
	}
}

// withLanguageSection adds a LogicKor-style language section (the rule
// that a non-Korean answer scores 0) to the synthetic judge templates.
func withLanguageSection(templates string) string {
	return strings.ReplaceAll(templates, "# 출력 형식", lkLanguageHeading+"\n- 한국어로 답변하지 않을 경우, 점수는 0점 처리된다.\n\n# 출력 형식")
}

func TestWithoutLanguageRules(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"middle", "규칙\n\n# 언어 요구사항\n- 0점\n- 예외\n\n# 출력 형식\n점수: 숫자", "규칙\n\n# 출력 형식\n점수: 숫자", true},
		{"at the start", "# 언어 요구사항\n- 0점\n# 출력 형식\nx", "# 출력 형식\nx", true},
		{"at the end", "규칙\n\n# 언어 요구사항\n- 0점", "규칙", true},
		{"missing", "규칙\n# 출력 형식\nx", "규칙\n# 출력 형식\nx", false},
		{"not a heading", "규칙 # 언어 요구사항\n- 0점", "규칙 # 언어 요구사항\n- 0점", false},
		{"sub-heading kept apart", "a\n# 언어 요구사항\n- 0점\n## 세부\n- b\n# 끝", "a\n# 끝", true},
	}
	for _, tc := range tests {
		got, ok := withoutLanguageRules(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: got %q, %v; want %q, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// TestLogicKorRealTemplatesLanguageRuleOff cuts the language section out of
// the real judge templates and checks what is left.
func TestLogicKorRealTemplatesLanguageRuleOff(t *testing.T) {
	dir := datasetstest.SharedData(t, "logickor")
	on, _ := NewLogicKor(LogicKorConfig{Dir: dir})
	off, _ := NewLogicKor(LogicKorConfig{Dir: dir, NoPenalty: true})
	if _, err := on.Len(); err != nil {
		t.Fatal(err)
	}
	if _, err := off.Len(); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"single_turn", "multi_turn"} {
		a, b := on.judgeSys[k], off.judgeSys[k]
		if !strings.Contains(a, "점수는 0점 처리된다") {
			t.Fatalf("%s: the real template lost its language rule: %q", k, a)
		}
		for _, gone := range []string{lkLanguageHeading, "0점 처리", "한국어로 답변해야"} {
			if strings.Contains(b, gone) {
				t.Errorf("%s: %q left in the template without language rules", k, gone)
			}
		}
		for _, kept := range []string{"# 기본 규칙", "Additional Reference", "# 평가 출력 방식", "# 출력 형식\n평가: 평가 내용\n점수: 숫자"} {
			if !strings.Contains(b, kept) {
				t.Errorf("%s: %q cut from the template", k, kept)
			}
		}
		// Exactly the section (typed out from templates.py) is cut.
		const section = "# 언어 요구사항\n" +
			"- 모델은 반드시 한국어로 답변해야 하며, 다른 언어로의 답변은 절대 허용되지 않는다.\n" +
			"- 예외적으로 질문이 영어로 답변할 것을 요구할 때에만 영어 답변이 허용된다.\n" +
			"- 한국어로 답변하지 않을 경우, 점수는 0점 처리된다.\n" +
			"- 언어 요구사항을 충족하는 것은 필수적이나, 이 요구사항의 충족이 답변의 질적 평가에 추가 점수로 이어지지는 않는다.\n\n"
		if strings.Replace(a, section, "", 1) != b {
			t.Errorf("%s: the cut is not exactly the language section:\n%s", k, b)
		}
	}
	if on.judgePromptHash() == off.judgePromptHash() {
		t.Error("the judge prompt hash does not change with the language rule")
	}
}

// TestLogicKorJudgeProvenance runs LogicKor with the language rule on and
// off and checks the judge requests, results.json's judge provenance, the
// config hash and the notes.
func TestLogicKorJudgeProvenance(t *testing.T) {
	dir := writeSyntheticLogicKor(t)
	writeFile(t, filepath.Join(dir, "templates.py"), withLanguageSection(syntheticTemplates))
	t.Setenv(LogicKorDirEnv, dir)
	run := func(o Options) (*results.Task, *LogicKor, []chatRequest) {
		t.Helper()
		ev, ok, err := New(TaskLogicKor, o)
		if !ok || err != nil {
			t.Fatal(ok, err)
		}
		lk := ev.(*LogicKor)
		model := chatServer(t, "m", func(chatRequest) chatReply { return chatReply{Content: "답변입니다."} })
		var mu sync.Mutex
		var reqs []chatRequest
		js := chatServer(t, "judge-x", func(r chatRequest) chatReply {
			mu.Lock()
			reqs = append(reqs, r)
			mu.Unlock()
			return chatReply{Content: "평가: 좋다\n점수: 6"}
		})
		sum, out, err := runEval(t, newRunner(t, model, "m"), newRunner(t, js, "judge-x"), "judge-x", ev)
		if err != nil {
			t.Fatal(err)
		}
		f, err := results.Read(out) // the provenance survives the file
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(f.Tasks[TaskLogicKor].Judge, sum.Results.Tasks[TaskLogicKor].Judge) {
			t.Errorf("results.json judge %+v, summary %+v", f.Tasks[TaskLogicKor].Judge, sum.Results.Tasks[TaskLogicKor].Judge)
		}
		return f.Tasks[TaskLogicKor], lk, reqs
	}
	on, lkOn, reqsOn := run(Options{})
	off, lkOff, reqsOff := run(Options{NoLanguagePenalty: true, Reasks: 1})

	if len(reqsOn) != 12 || len(reqsOff) != 12 {
		t.Fatalf("judge requests: %d and %d, want 12 each", len(reqsOn), len(reqsOff))
	}
	for _, r := range reqsOn {
		if !strings.Contains(r.Messages[0].Content, "0점 처리") || !strings.Contains(r.Messages[1].Content, "언어 요구사항을 준수하는지") {
			t.Fatalf("rule on: judge prompt lacks the language rule: %+v", r.Messages)
		}
	}
	for _, r := range reqsOff {
		for _, m := range r.Messages {
			if strings.Contains(m.Content, "언어 요구사항") || strings.Contains(m.Content, "0점") {
				t.Fatalf("rule off: judge prompt still holds the language rule: %q", m.Content)
			}
		}
		if !strings.Contains(r.Messages[0].Content, "# 출력 형식") || !strings.HasPrefix(r.Messages[1].Content, lkUserHeadNoLanguage) {
			t.Fatalf("rule off: judge prompt damaged: %+v", r.Messages)
		}
	}

	wantOn := results.JudgeInfo{Model: "judge-x", PromptHash: lkOn.judgePromptHash(), Strategy: StrategyDefault,
		Penalty: results.PenaltyZeroNonKorean, Reasks: DefaultReasks}
	wantOff := results.JudgeInfo{Model: "judge-x", PromptHash: lkOff.judgePromptHash(), Strategy: StrategyDefault,
		Penalty: results.PenaltyNone, Reasks: 1}
	if on.Judge == nil || *on.Judge != wantOn {
		t.Errorf("rule on: judge %+v, want %+v", on.Judge, wantOn)
	}
	if off.Judge == nil || *off.Judge != wantOff {
		t.Errorf("rule off: judge %+v, want %+v", off.Judge, wantOff)
	}
	if wantOn.PromptHash == wantOff.PromptHash || on.ConfigHash == off.ConfigHash {
		t.Error("turning the language rule off changes neither the judge prompt hash nor the config hash")
	}
	if notes := strings.Join(off.Notes, "\n"); !strings.Contains(notes, "--no-language-penalty") || !strings.Contains(notes, "after 1 re-asks") {
		t.Errorf("rule off: notes do not say so:\n%s", notes)
	}
	if on.Metrics["score"] != 6 || off.Metrics["score"] != 6 {
		t.Errorf("scores %v and %v, want 6", on.Metrics["score"], off.Metrics["score"])
	}

	// Templates without a language section cannot have it removed.
	ev, _ := NewLogicKor(LogicKorConfig{Dir: writeSyntheticLogicKor(t), NoPenalty: true})
	if _, err := ev.Len(); err == nil || !strings.Contains(err.Error(), `JUDGE_TEMPLATE["single_turn"] has no "# 언어 요구사항" section`) {
		t.Errorf("err = %v", err)
	}
}
