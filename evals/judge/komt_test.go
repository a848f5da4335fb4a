package judge

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hanbench/hanbench/datasets/datasetstest"
	"github.com/hanbench/hanbench/evals/results"
	"github.com/hanbench/hanbench/runners"
)

// writeSyntheticKoMT writes a KoMT-Bench-format folder (hanbench's file
// names) with questions written for these tests (CC0).
func writeSyntheticKoMT(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	qs := []any{
		map[string]any{"question_id": 81, "category": "writing", "turns": []string{"봄 여행 블로그 글을 쓰세요.", "모든 문장을 ㄱ으로 시작하게 고치세요."}},
		map[string]any{"question_id": 111, "category": "math", "turns": []string{"3x + 2 = 11일 때 x는?", "x의 제곱은?"}, "reference": []string{"3", "9"}},
		map[string]any{"question_id": 121, "category": "coding", "turns": []string{"리스트를 뒤집는 파이썬 함수를 쓰세요.", "재귀로 다시 쓰세요."}},
		map[string]any{"question_id": 138, "category": "extraction", "turns": []string{"리뷰에서 평점을 JSON으로 뽑으세요.", "키 이름을 영어로 바꾸세요."}},
		map[string]any{"question_id": 140, "category": "extraction", "turns": []string{"주가 표를 JSON으로 만드세요.", "소수점 둘째 자리로 반올림하세요."}},
		map[string]any{"question_id": 151, "category": "stem", "turns": []string{"광합성을 설명하세요.", "초등학생에게 설명하듯 다시 하세요."}},
		map[string]any{"question_id": 155, "category": "misc", "turns": []string{"아무 말이나 해 보세요.", "한 번 더요."}},
	}
	refs := []any{
		map[string]any{"question_id": 111, "answer_id": "a", "model_id": "gpt-4", "tstamp": 1.0, "choices": []any{map[string]any{"index": 0, "turns": []string{"x = 3입니다.", "x² = 9입니다."}}}},
		map[string]any{"question_id": 121, "answer_id": "b", "model_id": "gpt-4", "tstamp": 1.0, "choices": []any{map[string]any{"index": 0, "turns": []string{"def rev(xs): return xs[::-1]", "def rev(xs): return [] if not xs else rev(xs[1:]) + xs[:1]"}}}},
		map[string]any{"question_id": 199, "answer_id": "c", "model_id": "gpt-4", "tstamp": 1.0, "choices": []any{map[string]any{"index": 0, "turns": []string{"unused", "unused"}}}},
	}
	prompts := []any{
		map[string]any{"name": "pair-v2", "type": "pairwise", "system_prompt": "쌍대 비교", "prompt_template": "{question} {answer_a} {answer_b}", "description": "", "category": "general", "output_format": "[[A]]"},
		map[string]any{"name": "single-v1", "type": "single", "system_prompt": "SYS 일반", "prompt_template": "[지시]\n 1~10점으로 평가하세요: \"[[rating]]\".\n\n[질문]\n{question}\n\n[답변 시작]\n{answer}\n[답변 끝]", "description": "", "category": "general", "output_format": "[[rating]]"},
		map[string]any{"name": "single-math-v1", "type": "single", "system_prompt": "SYS 수학", "prompt_template": "[지시]\n 참조와 비교하세요.\n\n[질문]\n{question}\n\n[참조 시작]\n{ref_answer_1}\n[참조 끝]\n\n[답변 시작]\n{answer}\n[답변 끝]", "description": "", "category": "math", "output_format": "[[rating]]"},
		map[string]any{"name": "single-v1-multi-turn", "type": "single", "system_prompt": "SYS 일반 멀티\n\n", "prompt_template": "<|대화 시작|>\n\n### 사용자:\n{question_1}\n\n### 어시스턴트 A:\n{answer_1}\n\n### 사용자:\n{question_2}\n\n### 어시스턴트 A:\n{answer_2}\n\n<|대화 종료|>", "description": "", "category": "general", "output_format": "[[rating]]"},
		map[string]any{"name": "single-math-v1-multi-turn", "type": "single", "system_prompt": "SYS 수학 멀티\n\n", "prompt_template": "<|참조 시작|>\n{question_1}\n{ref_answer_1}\n{question_2}\n{ref_answer_2}\n<|참조 끝|>\n\n<|대화 시작|>\n\n### 사용자:\n{question_1}\n\n### 어시스턴트 A:\n{answer_1}\n\n### 사용자:\n{question_2}\n\n### 어시스턴트 A:\n{answer_2}\n\n<|대화 끝|>", "description": "", "category": "math", "output_format": "[[rating]]"},
	}
	writeFile(t, filepath.Join(dir, "mt_bench__question_ko.jsonl"), jsonl(t, qs...))
	writeFile(t, filepath.Join(dir, "reference_answer_ko__gpt-4.jsonl"), jsonl(t, refs...))
	writeFile(t, filepath.Join(dir, "data__judge_prompts_ko.jsonl"), jsonl(t, prompts...))
	return dir
}

// komtFixture is the test's own reading of a KoMT-Bench folder.
type komtFixture struct {
	questions []koMTQuestion
	refs      map[int][]string
	prompts   map[string]koMTPrompt
}

func readKoMTFixture(t *testing.T, dir string, qName, rName, pName string) komtFixture {
	t.Helper()
	var f komtFixture
	f.refs = map[int][]string{}
	f.prompts = map[string]koMTPrompt{}
	read := func(name string, fn func([]byte)) {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			fn([]byte(line))
		}
	}
	read(qName, func(b []byte) {
		var q koMTQuestion
		if err := json.Unmarshal(b, &q); err != nil {
			t.Fatal(err)
		}
		f.questions = append(f.questions, q)
	})
	read(rName, func(b []byte) {
		var a struct {
			ID      int `json:"question_id"`
			Choices []struct {
				Turns []string `json:"turns"`
			} `json:"choices"`
		}
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatal(err)
		}
		f.refs[a.ID] = a.Choices[0].Turns
	})
	read(pName, func(b []byte) {
		var p koMTPrompt
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		f.prompts[p.Name] = p
	})
	return f
}

// komtEnglish marks (question, turn) answered in English by the fake model.
func komtEnglish(id, turn int) bool {
	switch {
	case id == 81 && turn == 1, id == 111 && turn == 2, id == 138, id == 140 && turn == 2, id == 98 && turn == 2:
		return true
	}
	return false
}

// komtAnswer is the fake model's answer. The coding question's answer is
// Korean prose around an English code block (must not be penalized).
func komtAnswer(id int, q string, turn int) string {
	h := hashBytes([]byte(q))[:8]
	switch {
	case komtEnglish(id, turn):
		return fmt.Sprintf("Sure! Here is the answer for turn %d, entirely in English (%s).", turn, h)
	case id == 121:
		return fmt.Sprintf("다음 함수를 보세요 (%s):\n```python\ndef reverse_list(items):\n    return items[::-1]  # returns a new reversed list\n```\n자세한 설명은 https://docs.python.org/3/tutorial/ 를 참고하세요.", h)
	}
	return fmt.Sprintf("한국어로 답합니다: %d번째 답변 (%s).", turn, h)
}

// komtPlan is what the fake judge replies for (question, turn, attempt).
func komtPlan(id, turn, attempt int) (string, float64, bool) {
	v := float64(1 + (id*7+turn*3)%10)
	switch {
	case id == 81 && turn == 2: // never a score
		return "평가를 할 수 없습니다.", 0, false
	case id == 111 && turn == 1: // one scoreless reply, then a score
		if attempt == 1 {
			return "좋은 답변입니다. 점수: 여덟", 0, false
		}
		return "좋은 답변입니다. 점수: [[8]]", 8, true
	case id == 151 && turn == 1: // the fallback pattern
		return "무난합니다. 점수: [6]", 6, true
	case id == 155 && turn == 2: // a decimal rating
		return "점수: [[7.5]]", 7.5, true
	}
	return fmt.Sprintf("설명입니다.\n\n점수: [[%g]]", v), v, true
}

// komtFormat fills a FastChat template (an implementation independent of
// pyFormat: one replacer over all fields).
func komtFormat(tmpl string, vals map[string]string) string {
	var pairs []string
	for k, v := range vals {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(tmpl)
}

func TestKoMTEndToEnd(t *testing.T) {
	t.Run("synthetic", func(t *testing.T) {
		dir := writeSyntheticKoMT(t)
		fx := readKoMTFixture(t, dir, "mt_bench__question_ko.jsonl", "reference_answer_ko__gpt-4.jsonl", "data__judge_prompts_ko.jsonl")
		testKoMTRun(t, dir, fx, false)
	})
	t.Run("real", func(t *testing.T) {
		dir := datasetstest.SharedData(t, "komt-bench")
		fx := readKoMTFixture(t, dir, "mt_bench__question_ko.jsonl", "reference_answer_ko__gpt-4.jsonl", "data__judge_prompts_ko.jsonl")
		testKoMTRun(t, dir, fx, true)
	})
}

func testKoMTRun(t *testing.T, dir string, fx komtFixture, real bool) {
	ev, err := NewKoMT(KoMTConfig{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	n, err := ev.Len()
	if err != nil {
		t.Fatal(err)
	}
	if n != len(fx.questions) || (real && n != 80) {
		t.Fatalf("Len %d, fixture %d", n, len(fx.questions))
	}
	wantTemp := func(cat string) float64 {
		switch cat {
		case "writing", "roleplay":
			return 0.7
		case "extraction", "math", "coding", "reasoning":
			return 0
		case "stem", "humanities":
			return 0.1
		}
		return 0.7
	}
	needRef := func(cat string) bool { return cat == "math" || cat == "reasoning" || cat == "coding" }
	byQ1 := map[string]int{}
	for i, q := range fx.questions {
		byQ1[q.Turns[0]] = i
	}

	model := chatServer(t, "model-k", func(req chatRequest) chatReply {
		msgs := req.Messages
		i, ok := byQ1[msgs[0].Content]
		if !ok || msgs[0].Role != "user" {
			t.Errorf("unknown first message %+v", msgs[0])
			return chatReply{Status: 400, Content: "unknown"}
		}
		q := fx.questions[i]
		if req.Temperature == nil || *req.Temperature != wantTemp(q.Category) {
			t.Errorf("question %d (%s): temperature %s, want %v", q.ID, q.Category, show(req.Temperature), wantTemp(q.Category))
		}
		if req.MaxTokens == nil || *req.MaxTokens != 1024 {
			t.Errorf("question %d: max_tokens %s, want 1024", q.ID, show(req.MaxTokens))
		}
		switch len(msgs) {
		case 1:
			return chatReply{Content: komtAnswer(q.ID, q.Turns[0], 1) + "\n"}
		case 3:
			want := komtAnswer(q.ID, q.Turns[0], 1)
			if msgs[1] != (runners.Message{Role: "assistant", Content: want}) {
				t.Errorf("question %d turn 2: history %+v, want the real turn-1 answer", q.ID, msgs[1])
			}
			if msgs[2] != (runners.Message{Role: "user", Content: q.Turns[1]}) {
				t.Errorf("question %d turn 2: last message %+v", q.ID, msgs[2])
			}
			return chatReply{Content: komtAnswer(q.ID, q.Turns[1], 2)}
		}
		t.Errorf("question %d: %d messages", q.ID, len(msgs))
		return chatReply{Status: 400, Content: "bad"}
	})

	type key struct{ doc, turn int }
	expected := map[string]key{}
	systemOf := map[key]string{}
	for i, q := range fx.questions {
		a1, a2 := komtAnswer(q.ID, q.Turns[0], 1), komtAnswer(q.ID, q.Turns[1], 2)
		name1, name2 := "single-v1", "single-v1-multi-turn"
		v1 := map[string]string{"question": q.Turns[0], "answer": a1}
		v2 := map[string]string{"question_1": q.Turns[0], "question_2": q.Turns[1], "answer_1": a1, "answer_2": a2}
		if needRef(q.Category) {
			name1, name2 = "single-math-v1", "single-math-v1-multi-turn"
			r := fx.refs[q.ID]
			v1["ref_answer_1"] = r[0]
			v2["ref_answer_1"], v2["ref_answer_2"] = r[0], r[1]
		}
		expected[komtFormat(fx.prompts[name1].Template, v1)] = key{i, 1}
		expected[komtFormat(fx.prompts[name2].Template, v2)] = key{i, 2}
		systemOf[key{i, 1}] = fx.prompts[name1].System
		systemOf[key{i, 2}] = fx.prompts[name2].System
	}
	var judgeCalls counter
	judge := chatServer(t, "judge-k", func(req chatRequest) chatReply {
		if len(req.Messages) != 2 {
			t.Errorf("judge: %d messages", len(req.Messages))
			return chatReply{Status: 400, Content: "shape"}
		}
		k, ok := expected[req.Messages[1].Content]
		if !ok {
			t.Errorf("unexpected judge prompt:\n%s", req.Messages[1].Content)
			return chatReply{Status: 400, Content: "unknown"}
		}
		if req.Messages[0] != (runners.Message{Role: "system", Content: systemOf[k]}) {
			t.Errorf("doc %d turn %d: system %q", k.doc, k.turn, req.Messages[0].Content)
		}
		if req.MaxTokens == nil || *req.MaxTokens != 2048 {
			t.Errorf("judge max_tokens %s, want 2048", show(req.MaxTokens))
		}
		if k.turn == 2 {
			q := fx.questions[k.doc]
			u := req.Messages[1].Content
			if !strings.Contains(u, komtAnswer(q.ID, q.Turns[0], 1)) || !strings.Contains(u, komtAnswer(q.ID, q.Turns[1], 2)) {
				t.Errorf("multi-turn judge prompt of question %d lacks an answer", q.ID)
			}
		}
		attempt := judgeCalls.inc(fmt.Sprintf("%d/%d", k.doc, k.turn))
		reply, _, _ := komtPlan(fx.questions[k.doc].ID, k.turn, attempt)
		return chatReply{Content: reply}
	})

	sum, out, err := runEval(t, newRunner(t, model, "model-k"), newRunner(t, judge, "judge-k"), "judge-k", ev)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 0 || sum.Samples != n {
		t.Fatalf("samples %d failed %d (%s)", sum.Samples, sum.Failed, sum.FirstError)
	}

	var all, allRaw, t1, t2 []float64
	cats := map[string][3][]float64{}
	unjudged, penalized := 0, 0
	sums, counts := make([]float64, n), make([]float64, n)
	for i, q := range fx.questions {
		for turn := 1; turn <= 2; turn++ {
			var raw *float64
			for a := 1; a <= 1+DefaultReasks; a++ {
				if _, v, ok := komtPlan(q.ID, turn, a); ok {
					raw = &v
					break
				}
			}
			if raw == nil {
				unjudged++
				continue
			}
			v := *raw
			if komtEnglish(q.ID, turn) && q.ID != 138 && q.ID != 140 {
				v = math.Sqrt(v)
				penalized++
			}
			all, allRaw = append(all, v), append(allRaw, *raw)
			sums[i] += v
			counts[i]++
			c := cats[slug(q.Category)]
			c[turn] = append(c[turn], v)
			c[0] = append(c[0], v)
			cats[slug(q.Category)] = c
			if turn == 1 {
				t1 = append(t1, v)
			} else {
				t2 = append(t2, v)
			}
		}
	}
	mu := meanOf(all)
	var total, zz float64
	for i := range sums {
		total += counts[i]
	}
	for i := range sums {
		z := (sums[i] - mu*counts[i]) / total
		zz += z * z
	}
	want := map[string]float64{
		"score": mu, "turn1": meanOf(t1), "turn2": meanOf(t2), "score_no_penalty": meanOf(allRaw),
		"unjudged": float64(unjudged), "turns_penalized": float64(penalized),
		"score_stderr": math.Sqrt(float64(n) / float64(n-1) * zz),
		"turn1_stderr": sampleStderr(t1),
	}
	for c, v := range cats {
		want["score,"+c] = meanOf(v[0])
		if len(v[1]) > 0 {
			want["turn1,"+c] = meanOf(v[1])
		}
		if len(v[2]) > 0 {
			want["turn2,"+c] = meanOf(v[2])
		}
	}
	wantPen := 2 // questions 81 and 111; 138 and 140 are exempt
	if real {
		wantPen = 3 // and 98
	}
	if unjudged != 1 || penalized != wantPen {
		t.Fatalf("plan: unjudged %d penalized %d, want 1 and %d", unjudged, penalized, wantPen)
	}
	tr := sum.Results.Tasks["komt_bench"]
	checkMetrics(t, tr.Metrics, want)
	if real && len(cats) != 8 {
		t.Errorf("real data: %d categories", len(cats))
	}
	if real && tr.Dataset.Revision != koMTCommit {
		t.Errorf("revision %q", tr.Dataset.Revision)
	}
	if got := judgeCalls.get(fmt.Sprintf("%d/2", 0)); got != 1+DefaultReasks {
		t.Errorf("question 81 turn 2: %d judge requests, want %d", got, 1+DefaultReasks)
	}

	samples := readSamples(t, out)["komt_bench"]
	for i, q := range fx.questions {
		s := samples[int64(i)]
		rec := decodeRecord(t, s)
		for turn := 1; turn <= 2; turn++ {
			j := rec.Judgments[turn-1]
			wantPen := j.Score != nil && komtEnglish(q.ID, turn) && q.ID != 138 && q.ID != 140
			if j.Penalized != wantPen {
				t.Errorf("question %d turn %d: penalized %v, want %v", q.ID, turn, j.Penalized, wantPen)
			}
			if wantPen && !near(*j.Score, math.Sqrt(*j.RawScore)) {
				t.Errorf("question %d turn %d: score %v raw %v", q.ID, turn, *j.Score, *j.RawScore)
			}
			if j.Score != nil && j.Explanation != j.Replies[len(j.Replies)-1] {
				t.Errorf("question %d turn %d: explanation is not the judge's reply", q.ID, turn)
			}
		}
		if q.ID == 81 && s.Metrics["score"] != *rec.Judgments[0].Score {
			t.Errorf("question 81: sample score %v, want its only judged turn %v", s.Metrics["score"], *rec.Judgments[0].Score)
		}
		if needRef(q.Category) && s.Target != mustJSON(fx.refs[q.ID][:2]) {
			t.Errorf("question %d: target %s", q.ID, s.Target)
		}
	}
}

func TestKoMTParser(t *testing.T) {
	cases := []struct {
		reply string
		want  float64
		ok    bool
	}{
		{"점수: [[5]]", 5, true},
		{"평가 [[7.5]] 끝", 7.5, true},
		{"[[5.]]", 5, true},
		{"점수: [6]", 6, true},
		{"[3] 참고, 최종 [[9]]", 9, true}, // the [[ ]] pattern is tried first
		{"[[10]]", 10, true},
		{"[[11]]", 0, false},
		{"[[８]]", 0, false}, // ast.literal_eval rejects fullwidth digits
		{"점수: 8", 0, false},
		{"", 0, false},
	}
	for _, tc := range cases {
		v, ok := koMTParser.parse(tc.reply)
		if ok != tc.ok || (ok && v != tc.want) {
			t.Errorf("parse(%q) = %v, %v; want %v, %v", tc.reply, v, ok, tc.want, tc.ok)
		}
	}
}

func TestKoMTDataErrors(t *testing.T) {
	base := writeSyntheticKoMT(t)
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(base, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	q, r, p := read("mt_bench__question_ko.jsonl"), read("reference_answer_ko__gpt-4.jsonl"), read("data__judge_prompts_ko.jsonl")
	cases := []struct{ name, q, r, p, want string }{
		{"missing ref", q, strings.SplitN(r, "\n", 2)[1], p, "no reference answer for question 111"},
		{"missing prompt", q, r, strings.Replace(p, `"single-math-v1-multi-turn"`, `"other"`, 1), `judge prompt "single-math-v1-multi-turn" missing`},
		{"bad field", q, r, strings.Replace(p, "{answer}", "{answr}", 1), "unknown field {answr}"},
		{"one turn", `{"question_id": 1, "category": "writing", "turns": ["a"]}`, r, p, "mt_bench__question_ko.jsonl:1: turns: want 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "mt_bench__question_ko.jsonl"), tc.q)
			writeFile(t, filepath.Join(dir, "reference_answer_ko__gpt-4.jsonl"), tc.r)
			writeFile(t, filepath.Join(dir, "data__judge_prompts_ko.jsonl"), tc.p)
			ev, _ := NewKoMT(KoMTConfig{Dir: dir})
			if _, err := ev.Len(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	t.Setenv(KoMTDirEnv, "")
	t.Setenv(DataDirEnv, "")
	ev, _ := NewKoMT(KoMTConfig{})
	if _, err := ev.Len(); err == nil || !strings.Contains(err.Error(), KoMTDirEnv) {
		t.Fatalf("no-data err = %v", err)
	}
}

// TestKoMTFastChatLayout reads the data from FastChat's folder layout via
// $HANBENCH_KOMT_DIR.
func TestKoMTFastChatLayout(t *testing.T) {
	base := writeSyntheticKoMT(t)
	dir := t.TempDir()
	for from, to := range map[string]string{
		"mt_bench__question_ko.jsonl":      "mt_bench/question_ko.jsonl",
		"reference_answer_ko__gpt-4.jsonl": "mt_bench/reference_answer_ko/gpt-4.jsonl",
		"data__judge_prompts_ko.jsonl":     "judge_prompts_ko.jsonl",
	} {
		b, err := os.ReadFile(filepath.Join(base, from))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, to), string(b))
	}
	t.Setenv(KoMTDirEnv, dir)
	ev, _ := NewKoMT(KoMTConfig{})
	if n, err := ev.Len(); err != nil || n != 7 {
		t.Fatalf("Len = %d, %v", n, err)
	}
	if ev.Describe().Dataset.Revision != "" {
		t.Error("synthetic data recorded an upstream revision")
	}
}

func TestKoMTNoPenaltyChangesHash(t *testing.T) {
	dir := writeSyntheticKoMT(t)
	a, _ := NewKoMT(KoMTConfig{Dir: dir})
	b, _ := NewKoMT(KoMTConfig{Dir: dir, NoPenalty: true})
	if a.Describe().ConfigHash == b.Describe().ConfigHash {
		t.Fatal("the penalty rule is not part of the config hash")
	}
}

// TestKoMTPromptsFormatLikePython fills the real judge prompts with
// Python's str.format and with pyFormat and compares.
func TestKoMTPromptsFormatLikePython(t *testing.T) {
	py := datasetstest.Python(t)
	dir := datasetstest.SharedData(t, "komt-bench")
	vals := map[string]string{
		"question": "질문 {중괄호}", "answer": "답변 }{", "ref_answer_1": "참조 1", "ref_answer_2": "참조 2",
		"question_1": "질문 1", "question_2": "질문 2", "answer_1": "답변 1", "answer_2": "답변 2 {x}",
	}
	script := `import json, sys
vals = json.loads(sys.argv[2])
out = {}
for line in open(sys.argv[1], encoding="utf-8"):
    p = json.loads(line)
    if p["type"] == "single":
        out[p["name"]] = p["prompt_template"].format(**vals)
print(json.dumps(out, ensure_ascii=False))`
	raw, err := exec.Command(py, "-c", script, filepath.Join(dir, "data__judge_prompts_ko.jsonl"), mustJSON(vals)).Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var want map[string]string
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	ev, _ := NewKoMT(KoMTConfig{Dir: dir})
	if _, err := ev.Len(); err != nil {
		t.Fatal(err)
	}
	for _, name := range koMTPromptNames {
		got, err := pyFormat(ev.prompts[name].Template, vals)
		if err != nil || got != want[name] {
			t.Errorf("%s: pyFormat differs from Python (%v):\n%q\n%q", name, err, got, want[name])
		}
	}
}

// TestKoMTJudgeProvenance checks results.json's judge provenance with the
// penalty on and off.
func TestKoMTJudgeProvenance(t *testing.T) {
	dir := writeSyntheticKoMT(t)
	for _, noPenalty := range []bool{false, true} {
		ev, _ := NewKoMT(KoMTConfig{Dir: dir, NoPenalty: noPenalty, Reasks: -1, JudgeMaxTokens: -1})
		model := chatServer(t, "m", func(chatRequest) chatReply { return chatReply{Content: "답변입니다."} })
		js := chatServer(t, "judge-k", func(chatRequest) chatReply { return chatReply{Content: "점수: [[7]]"} })
		sum, _, err := runEval(t, newRunner(t, model, "m"), newRunner(t, js, "judge-k"), "judge-k", ev)
		if err != nil {
			t.Fatal(err)
		}
		want := results.JudgeInfo{Model: "judge-k", PromptHash: ev.judgePromptHash(), Penalty: results.PenaltySqrtNonKorean, Detector: DetectorVersion}
		if noPenalty {
			want.Penalty, want.Detector = results.PenaltyNone, ""
		}
		got := sum.Results.Tasks[TaskKoMTBench].Judge
		if got == nil || *got != want {
			t.Errorf("no penalty %v: judge %+v, want %+v", noPenalty, got, want)
		}
		notes := strings.Join(sum.Results.Tasks[TaskKoMTBench].Notes, "\n")
		if strings.Contains(notes, "--no-language-penalty") != noPenalty {
			t.Errorf("no penalty %v: notes\n%s", noPenalty, notes)
		}
	}
	// The default judge max_tokens is recorded.
	ev, _ := NewKoMT(KoMTConfig{Dir: dir})
	if j := ev.Describe().Judge; j == nil || j.MaxTokens != KoMTDefaultJudgeMaxTokens || j.Reasks != DefaultReasks || j.Model != "" {
		t.Errorf("default judge provenance %+v", j)
	}
}
