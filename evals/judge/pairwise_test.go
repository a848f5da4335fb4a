package judge

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/hanbench/hanbench/datasets/datasetstest"
	"github.com/hanbench/hanbench/evals"
	"github.com/hanbench/hanbench/evals/results"
	"github.com/hanbench/hanbench/evals/stats"
	"github.com/hanbench/hanbench/runners"
)

func TestParsePairVerdict(t *testing.T) {
	tests := []struct {
		reply string
		want  PairVerdict
	}{
		{"설명... 최종 평결: [[A]]", VerdictA},
		{"[[B]]", VerdictB},
		{"동점입니다. [[C]]", VerdictTie},
		{"no verdict at all", VerdictNone},
		{"", VerdictNone},
		{"[A] or [B] single brackets", VerdictNone},
		{"[[a]] lower case", VerdictNone},
		{"[[ A ]] spaced", VerdictNone},
		// FastChat checks "[[A]]" first, wherever it is.
		{"B가 낫다고 하기 어렵다 [[B]]; 최종 [[A]]", VerdictA},
		{"[[C]] 아니 [[B]]", VerdictB},
		{"[[[A]]]", VerdictA},
	}
	for _, tt := range tests {
		if got := ParsePairVerdict(tt.reply); got != tt.want {
			t.Errorf("ParsePairVerdict(%q) = %q, want %q", tt.reply, got, tt.want)
		}
	}
}

func TestCombinePairVerdicts(t *testing.T) {
	const A, B, C, N = VerdictA, VerdictB, VerdictTie, VerdictNone
	tests := []struct {
		candAsA, candAsB PairVerdict
		want             PairOutcome
	}{
		// Consistent verdicts.
		{A, B, PairWin},
		{B, A, PairLoss},
		{C, C, PairTie},
		// Position bias: the judge always prefers the same position.
		{A, A, PairTie},
		{B, B, PairTie},
		// A tie in either game.
		{C, B, PairTie},
		{C, A, PairTie},
		{A, C, PairTie},
		{B, C, PairTie},
		// No verdict in either game: unjudged, never a tie.
		{N, A, PairUnjudged},
		{N, B, PairUnjudged},
		{N, C, PairUnjudged},
		{A, N, PairUnjudged},
		{B, N, PairUnjudged},
		{C, N, PairUnjudged},
		{N, N, PairUnjudged},
	}
	for _, tt := range tests {
		if got := CombinePairVerdicts(tt.candAsA, tt.candAsB); got != tt.want {
			t.Errorf("CombinePairVerdicts(%q, %q) = %q, want %q", tt.candAsA, tt.candAsB, got, tt.want)
		}
	}
}

func TestSignTest(t *testing.T) {
	tests := []struct {
		wins, losses int
		want         float64
	}{
		{0, 0, 1},
		{5, 5, 1},
		{1, 0, 1},
		{10, 0, 2.0 / 1024},
		{0, 10, 2.0 / 1024},
		{3, 7, 2 * (1 + 10 + 45 + 120) / 1024.0},
		{7, 3, 2 * (1 + 10 + 45 + 120) / 1024.0},
		{0, 20, 2 * math.Pow(0.5, 20)},
	}
	for _, tt := range tests {
		if got := SignTest(tt.wins, tt.losses); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("SignTest(%d, %d) = %v, want %v", tt.wins, tt.losses, got, tt.want)
		}
	}
}

func TestNetWinInterval(t *testing.T) {
	// Reference: Fagerland, Lydersen & Laake, Statistical Analysis of
	// Contingency Tables, ch. 8 (R package contingencytables,
	// Tango_asymptotic_score_CI_paired_2x2): the Cavo et al. (2012) table
	// 59, 6 / 16, 80 gives -0.0621 (95% CI -0.1240 to -0.0054).
	lo, hi := NetWinInterval(6, 16, 59+80, stats.Z95)
	if math.Abs(lo-(-0.1240)) > 5e-5 || math.Abs(hi-(-0.0054)) > 5e-5 {
		t.Errorf("Cavo table: [%.5f, %.5f], want [-0.1240, -0.0054]", lo, hi)
	}
	// Swapping wins and losses mirrors the interval.
	lo2, hi2 := NetWinInterval(16, 6, 139, stats.Z95)
	if math.Abs(lo2+hi) > 1e-9 || math.Abs(hi2+lo) > 1e-9 {
		t.Errorf("mirror: [%v, %v] vs [%v, %v]", lo2, hi2, lo, hi)
	}
	tests := []struct {
		name           string
		w, l, ties     int
		wantLo, wantHi float64 // NaN: not checked exactly
	}{
		{"all wins", 10, 0, 0, math.NaN(), 1},
		{"all losses", 0, 10, 0, -1, math.NaN()},
		{"all ties", 0, 0, 20, math.NaN(), math.NaN()},
		{"one win", 1, 0, 0, math.NaN(), 1},
		{"balanced", 30, 30, 40, math.NaN(), math.NaN()},
		{"lopsided", 40, 2, 8, math.NaN(), math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi := NetWinInterval(tt.w, tt.l, tt.ties, stats.Z95)
			n := float64(tt.w + tt.l + tt.ties)
			est := float64(tt.w-tt.l) / n
			if !(lo <= est && est <= hi) || lo < -1 || hi > 1 || math.IsNaN(lo) || math.IsNaN(hi) {
				t.Fatalf("[%v, %v] does not hold the estimate %v inside [-1, 1]", lo, hi, est)
			}
			if !math.IsNaN(tt.wantLo) && lo != tt.wantLo {
				t.Errorf("lo = %v, want %v", lo, tt.wantLo)
			}
			if !math.IsNaN(tt.wantHi) && hi != tt.wantHi {
				t.Errorf("hi = %v, want %v", hi, tt.wantHi)
			}
			if est > -1 && est < 1 && (hi-lo < 1e-6) {
				t.Errorf("degenerate interval [%v, %v]", lo, hi)
			}
		})
	}
	// All ties: the score interval is ±z²/(n+z²) around 0.
	lo, hi = NetWinInterval(0, 0, 20, stats.Z95)
	want := stats.Z95 * stats.Z95 / (20 + stats.Z95*stats.Z95)
	if math.Abs(hi-want) > 1e-9 || math.Abs(lo+want) > 1e-9 {
		t.Errorf("all ties: [%v, %v], want ±%v", lo, hi, want)
	}
	// More data, narrower interval.
	l1, h1 := NetWinInterval(10, 5, 5, stats.Z95)
	l2, h2 := NetWinInterval(100, 50, 50, stats.Z95)
	if !(h2-l2 < h1-l1) {
		t.Errorf("n=20: %v wide, n=200: %v wide", h1-l1, h2-l2)
	}
	for _, c := range [][3]int{{0, 0, 0}, {-1, 2, 3}} {
		if lo, hi := NetWinInterval(c[0], c[1], c[2], stats.Z95); !math.IsNaN(lo) || !math.IsNaN(hi) {
			t.Errorf("NetWinInterval%v = %v, %v, want NaN", c, lo, hi)
		}
	}
}

func TestSummarizePairs(t *testing.T) {
	game := func(v PairVerdict, attempts int) PairGame {
		return PairGame{Verdict: v, Attempts: attempts, JudgePromptTokens: 10 * attempts, JudgeCompletionTokens: attempts}
	}
	pair := func(g1, g2 PairVerdict) PairJudgment {
		return PairJudgment{Games: [2]PairGame{game(g1, 1), game(g2, 2)}, Outcome: CombinePairVerdicts(g1, g2)}
	}
	ps := []PairJudgment{
		pair(VerdictA, VerdictB), pair(VerdictA, VerdictB), pair(VerdictA, VerdictB), // 3 wins
		pair(VerdictB, VerdictA),     // 1 loss
		pair(VerdictTie, VerdictTie), // consistent tie
		pair(VerdictA, VerdictA),     // inconsistent tie
		pair(VerdictTie, VerdictA),   // inconsistent tie
		pair(VerdictNone, VerdictA),  // unjudged
	}
	s := SummarizePairs(ps)
	if s.Wins != 3 || s.Losses != 1 || s.Ties != 3 || s.Judged != 7 || s.Unjudged != 1 || s.Inconsistent != 2 {
		t.Errorf("counts %+v", s)
	}
	if s.JudgeRequests != 24 || s.JudgePromptTokens != 240 || s.JudgeCompletionTokens != 24 {
		t.Errorf("usage %+v", s)
	}
	if !near(s.WinRate, 4.5/7) || !near(s.WinShare, 3.0/7) || !near(s.LossShare, 1.0/7) || !near(s.Net, 2.0/7) {
		t.Errorf("rates %+v", s)
	}
	if !near(s.P, SignTest(3, 1)) || !near(s.WinRateLow, (1+s.NetLow)/2) || !near(s.WinRateHigh, (1+s.NetHigh)/2) {
		t.Errorf("p / interval %+v", s)
	}
	if !(s.NetLow < s.Net && s.Net < s.NetHigh) {
		t.Errorf("interval [%v, %v] misses %v", s.NetLow, s.NetHigh, s.Net)
	}
	empty := SummarizePairs([]PairJudgment{pair(VerdictNone, VerdictNone)})
	if empty.Judged != 0 || empty.Unjudged != 1 || !math.IsNaN(empty.WinRate) || !math.IsNaN(empty.NetLow) || empty.P != 1 {
		t.Errorf("nothing judged: %+v", empty)
	}
}

// Synthetic pairwise prompts (written for these tests): the fake judge
// finds the answers between <A>…</A> and <B>…</B>.
var syntheticPairPrompts = []any{
	map[string]any{"name": "single-v1", "type": "single", "system_prompt": "S", "prompt_template": "{question}{answer}", "description": "", "category": "general", "output_format": "[[rating]]"},
	map[string]any{"name": PairPrompt, "type": "pairwise", "system_prompt": "SYS 쌍대", "prompt_template": "[Q]{question}[/Q]<A>{answer_a}</A><B>{answer_b}</B>", "description": "", "category": "general", "output_format": "[[A]]"},
	map[string]any{"name": PairPromptMultiTurn, "type": "pairwise", "system_prompt": "SYS 쌍대 멀티", "prompt_template": "[Q1]{question_1}[Q2]{question_2}<A>{answer_a_1}|{answer_a_2}</A><B>{answer_b_1}|{answer_b_2}</B>", "description": "", "category": "general", "output_format": "[[A]]"},
	map[string]any{"name": PairMathPrompt, "type": "pairwise", "system_prompt": "SYS 쌍대 수학", "prompt_template": "[Q]{question}[R]{ref_answer_1}<A>{answer_a}</A><B>{answer_b}</B>", "description": "", "category": "math", "output_format": "[[A]]"},
	map[string]any{"name": PairMathPromptMultiTurn, "type": "pairwise", "system_prompt": "SYS 쌍대 수학 멀티", "prompt_template": "[Q1]{question_1}[R1]{ref_answer_1}[Q2]{question_2}[R2]{ref_answer_2}<A>{answer_a_1}|{answer_a_2}</A><B>{answer_b_1}|{answer_b_2}</B>", "description": "", "category": "general", "output_format": "[[A]]"},
}

func writePairPrompts(t *testing.T) *PairwisePrompts {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "judge_prompts_ko.jsonl"), jsonl(t, syntheticPairPrompts...))
	pp, err := LoadPairwisePrompts(dir)
	if err != nil {
		t.Fatal(err)
	}
	return pp
}

// between returns the text between open and close in s.
func between(s, open, close string) (string, bool) {
	i := strings.Index(s, open)
	if i < 0 {
		return "", false
	}
	rest := s[i+len(open):]
	j := strings.Index(rest, close)
	if j < 0 {
		return "", false
	}
	return rest[:j], true
}

// markerJudge answers a synthetic pairwise prompt: it prefers the answer
// (for two turns: the turn-2 answer) that contains "GOOD", ties otherwise.
func markerJudge(req chatRequest) chatReply {
	user := req.Messages[len(req.Messages)-1].Content
	a, okA := between(user, "<A>", "</A>")
	b, okB := between(user, "<B>", "</B>")
	if !okA || !okB {
		return chatReply{Status: 400, Content: "not a pairwise prompt"}
	}
	last := func(s string) string { return s[strings.LastIndex(s, "|")+1:] }
	ga, gb := strings.Contains(last(a), "GOOD"), strings.Contains(last(b), "GOOD")
	switch {
	case ga && !gb:
		return chatReply{Content: "A가 더 낫다. [[A]]"}
	case gb && !ga:
		return chatReply{Content: "B가 더 낫다. [[B]]"}
	}
	return chatReply{Content: "비슷하다. [[C]]"}
}

// pairSample builds a judge task's sample as the evaluators store it:
// Prompt holds the last model request (prefix, questions, the turn-1
// answer), Response the answers record, Target the references.
func pairSample(task string, doc int, prefix []runners.Message, questions, answers []string, target string) results.Sample {
	msgs := append([]runners.Message(nil), prefix...)
	msgs = append(msgs, runners.Message{Role: "user", Content: questions[0]})
	if len(questions) == 2 {
		msgs = append(msgs, runners.Message{Role: "assistant", Content: answers[0]}, runners.Message{Role: "user", Content: questions[1]})
	}
	return results.Sample{
		Task: task, DocID: int64(doc), Prompt: mustJSON(msgs), Target: target,
		Response: mustJSON(record{Answers: answers, Judgments: []Judgment{}}), Metrics: map[string]float64{},
	}
}

// pairFixture is a baseline and a candidate run of one task covering every
// matching rule and prompt choice.
func pairFixture() (base, cand []results.Sample) {
	sys := []runners.Message{{Role: "system", Content: "단계별로 설명하세요."}}
	q := func(d int) []string { return []string{fmt.Sprintf("질문 %d", d), fmt.Sprintf("후속 질문 %d", d)} }
	refs2 := mustJSON([]string{"참조 1", "참조 2"})
	refs1 := mustJSON([]*string{strp("참조만 1"), nil})
	add := func(doc int, prefix []runners.Message, qs []string, target string, b, c []string) {
		base = append(base, pairSample("t", doc, prefix, qs, b, target))
		cand = append(cand, pairSample("t", doc, prefix, qs, c, target))
	}
	// doc 0: no references; the candidate is better on both turns.
	add(0, nil, q(0), "", []string{"보통 답 0-1", "보통 답 0-2"}, []string{"GOOD 답 0-1", "GOOD 답 0-2"})
	// doc 1: both references; worse on turn 1, tie on turn 2.
	add(1, sys, q(1), refs2, []string{"GOOD 기준 1-1", "GOOD 1-2"}, []string{"후보 1-1", "GOOD 후보 1-2"})
	// doc 2: a reference for turn 1 only (LogicKor); tie, then better.
	add(2, sys, q(2), refs1, []string{"기준 2-1", "기준 2-2"}, []string{"후보 2-1", "GOOD 후보 2-2"})
	// doc 8: one turn (K2-Eval); better.
	add(8, nil, q(8)[:1], "", []string{"기준 8"}, []string{"GOOD 후보 8"})
	// doc 3: the question changed.
	base = append(base, pairSample("t", 3, nil, q(3), []string{"a", "b"}, ""))
	cand = append(cand, pairSample("t", 3, nil, []string{"바뀐 질문", q(3)[1]}, []string{"GOOD", "GOOD"}, ""))
	// doc 9: the system prompt changed.
	base = append(base, pairSample("t", 9, sys, q(9), []string{"a", "b"}, ""))
	cand = append(cand, pairSample("t", 9, nil, q(9), []string{"GOOD", "GOOD"}, ""))
	// doc 10: the references changed.
	base = append(base, pairSample("t", 10, nil, q(10), []string{"a", "b"}, refs2))
	cand = append(cand, pairSample("t", 10, nil, q(10), []string{"GOOD", "GOOD"}, refs1))
	// doc 4: failed in the candidate.
	add(4, nil, q(4), "", []string{"a", "b"}, []string{"GOOD", "GOOD"})
	cand[len(cand)-1].Error = "HTTP 500"
	// doc 5 only in the candidate, doc 6 only in the baseline.
	cand = append(cand, pairSample("t", 5, nil, q(5), []string{"GOOD", "GOOD"}, ""))
	base = append(base, pairSample("t", 6, nil, q(6), []string{"a", "b"}, ""))
	// doc 7: the baseline's sample is not a judge record.
	add(7, nil, q(7), "", []string{"a", "b"}, []string{"GOOD", "GOOD"})
	base[len(base)-1].Response = "plain text"
	// doc 11: the candidate has one answer, the baseline two.
	add(11, nil, q(11), "", []string{"a", "b"}, []string{"GOOD", "GOOD"})
	cand[len(cand)-1] = pairSample("t", 11, nil, q(11)[:1], []string{"GOOD"}, "")
	// A duplicate row of doc 0 (ignored) and a sample of another task.
	cand = append(cand, pairSample("t", 0, nil, q(0), []string{"x", "y"}, ""))
	cand = append(cand, pairSample("other", 0, nil, q(0), []string{"GOOD", "GOOD"}, ""))
	return base, cand
}

// judgeLog records the pairwise requests a fake judge received.
type judgeLog struct {
	mu   sync.Mutex
	reqs []chatRequest
}

func (l *judgeLog) add(r chatRequest) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, r)
}

func (l *judgeLog) all() []chatRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]chatRequest(nil), l.reqs...)
}

func TestComparePairwise(t *testing.T) {
	pp := writePairPrompts(t)
	base, cand := pairFixture()
	var log judgeLog
	srv := chatServer(t, "judge-p", func(req chatRequest) chatReply {
		log.add(req)
		if req.Temperature == nil || *req.Temperature != 0 {
			t.Errorf("judge temperature %s, want 0", show(req.Temperature))
		}
		if req.MaxTokens == nil || *req.MaxTokens != 2048 {
			t.Errorf("judge max_tokens %s, want 2048", show(req.MaxTokens))
		}
		return markerJudge(req)
	})
	res, err := ComparePairwise(context.Background(), PairwiseConfig{
		Task: "t", Judge: newRunner(t, srv, "judge-p"), JudgeModel: "judge-p", Prompts: pp, Concurrency: 3,
	}, base, cand)
	if err != nil {
		t.Fatal(err)
	}
	wantMatching := PairwiseMatching{Matched: 4, QuestionChanged: 3, Failed: 1, Unreadable: 2, OnlyBaseline: 1, OnlyCandidate: 1, Duplicates: 1}
	if res.Matching != wantMatching {
		t.Errorf("matching %+v, want %+v", res.Matching, wantMatching)
	}
	if d := res.Matching.Describe(); !strings.Contains(d, "4 questions matched, 8 excluded") || !strings.Contains(d, "1 duplicate rows ignored") {
		t.Errorf("Describe = %q", d)
	}
	type row struct {
		doc      int64
		turn     int
		template string
		outcome  PairOutcome
	}
	want := []row{
		{0, 1, PairPrompt, PairWin}, {0, 2, PairPromptMultiTurn, PairWin},
		{1, 1, PairMathPrompt, PairLoss}, {1, 2, PairMathPromptMultiTurn, PairTie},
		{2, 1, PairMathPrompt, PairTie}, {2, 2, PairPromptMultiTurn, PairWin},
		{8, 1, PairPrompt, PairWin},
	}
	var got []row
	for _, p := range res.Pairs {
		got = append(got, row{p.DocID, p.Turn, p.Template, p.Outcome})
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("pairs\n got %+v\nwant %+v", got, want)
	}
	s := res.Summary
	if s.Wins != 4 || s.Losses != 1 || s.Ties != 2 || s.Unjudged != 0 || s.JudgeRequests != 14 || s.Inconsistent != 0 {
		t.Errorf("summary %+v", s)
	}
	if res.JudgeModel != "judge-p" || res.PromptsSHA256 != pp.SHA256() || res.PromptsPinned {
		t.Errorf("provenance %q %q %v", res.JudgeModel, res.PromptsSHA256, res.PromptsPinned)
	}

	// Every turn was asked in both orders, with exactly the prompts
	// FastChat's run_judge_pair renders from the stored answers.
	byUser := map[string]chatRequest{}
	for _, r := range log.all() {
		if _, dup := byUser[r.Messages[1].Content]; dup {
			t.Errorf("prompt asked twice: %q", r.Messages[1].Content)
		}
		byUser[r.Messages[1].Content] = r
	}
	if len(byUser) != 14 {
		t.Errorf("%d distinct judge prompts, want 14", len(byUser))
	}
	expect := func(system, user string) {
		t.Helper()
		r, ok := byUser[user]
		if !ok {
			t.Errorf("never asked: %q", user)
			return
		}
		if len(r.Messages) != 2 || r.Messages[0] != (runners.Message{Role: "system", Content: system}) || r.Messages[1].Role != "user" {
			t.Errorf("messages for %q: %+v", user, r.Messages)
		}
	}
	for _, order := range [][2]string{{"GOOD 답 0-1", "보통 답 0-1"}, {"보통 답 0-1", "GOOD 답 0-1"}} {
		expect("SYS 쌍대", "[Q]질문 0[/Q]<A>"+order[0]+"</A><B>"+order[1]+"</B>")
	}
	expect("SYS 쌍대 멀티", "[Q1]질문 0[Q2]후속 질문 0<A>GOOD 답 0-1|GOOD 답 0-2</A><B>보통 답 0-1|보통 답 0-2</B>")
	expect("SYS 쌍대 멀티", "[Q1]질문 0[Q2]후속 질문 0<A>보통 답 0-1|보통 답 0-2</A><B>GOOD 답 0-1|GOOD 답 0-2</B>")
	expect("SYS 쌍대 수학", "[Q]질문 1[R]참조 1<A>후보 1-1</A><B>GOOD 기준 1-1</B>")
	expect("SYS 쌍대 수학", "[Q]질문 1[R]참조 1<A>GOOD 기준 1-1</A><B>후보 1-1</B>")
	expect("SYS 쌍대 수학 멀티", "[Q1]질문 1[R1]참조 1[Q2]후속 질문 1[R2]참조 2<A>후보 1-1|GOOD 후보 1-2</A><B>GOOD 기준 1-1|GOOD 1-2</B>")
	expect("SYS 쌍대 수학", "[Q]질문 2[R]참조만 1<A>후보 2-1</A><B>기준 2-1</B>")
	expect("SYS 쌍대 멀티", "[Q1]질문 2[Q2]후속 질문 2<A>기준 2-1|기준 2-2</A><B>후보 2-1|GOOD 후보 2-2</B>")
	expect("SYS 쌍대", "[Q]질문 8[/Q]<A>기준 8</A><B>GOOD 후보 8</B>")
	for _, p := range res.Pairs {
		if p.Games[0].CandidatePosition != "A" || p.Games[1].CandidatePosition != "B" {
			t.Errorf("doc %d turn %d: positions %q %q", p.DocID, p.Turn, p.Games[0].CandidatePosition, p.Games[1].CandidatePosition)
		}
		for _, g := range p.Games {
			if g.Attempts != 1 || len(g.Replies) != 1 || g.PromptSHA256 == "" || g.JudgePromptTokens != 10 {
				t.Errorf("doc %d turn %d: game %+v", p.DocID, p.Turn, g)
			}
		}
	}

	// The outcome does not depend on the concurrency.
	res1, err := ComparePairwise(context.Background(), PairwiseConfig{Task: "t", Judge: newRunner(t, srv, "judge-p"), JudgeModel: "judge-p", Prompts: pp, Concurrency: 1}, base, cand)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := mustJSON(res1), mustJSON(res); a != b {
		t.Errorf("concurrency 1 and 3 differ:\n%s\n%s", a, b)
	}
}

func TestComparePairwiseJudgeBehaviour(t *testing.T) {
	pp := writePairPrompts(t)
	base, cand := pairFixture()
	tests := []struct {
		name   string
		reply  func(req chatRequest) chatReply
		reasks int
		check  func(t *testing.T, res *PairwiseResult, err error, reqs []chatRequest)
	}{
		{"no verdict: re-asked, then unjudged", func(chatRequest) chatReply { return chatReply{Content: "판단 불가"} }, 0,
			func(t *testing.T, res *PairwiseResult, err error, reqs []chatRequest) {
				if err != nil {
					t.Fatal(err)
				}
				s := res.Summary
				if s.Unjudged != 7 || s.Judged != 0 || s.Ties != 0 || !math.IsNaN(s.WinRate) || s.JudgeRequests != 56 {
					t.Errorf("summary %+v", s)
				}
				seeds := map[string]int{}
				for _, r := range reqs {
					seeds[show(r.Seed)]++
				}
				if !reflect.DeepEqual(seeds, map[string]int{"absent": 14, "1": 14, "2": 14, "3": 14}) {
					t.Errorf("seeds %v", seeds)
				}
				for _, p := range res.Pairs {
					if p.Outcome != PairUnjudged || p.Games[0].Attempts != 4 || len(p.Games[1].Replies) != 4 || p.Games[0].Verdict != VerdictNone {
						t.Errorf("pair %+v", p)
					}
				}
			}},
		{"no re-asks", func(chatRequest) chatReply { return chatReply{Content: "판단 불가"} }, -1,
			func(t *testing.T, res *PairwiseResult, err error, reqs []chatRequest) {
				if err != nil || res.Summary.Unjudged != 7 || len(reqs) != 14 {
					t.Errorf("err %v, summary %+v, %d requests", err, res.Summary, len(reqs))
				}
			}},
		{"verdict on a re-ask", func(req chatRequest) chatReply {
			if req.Seed == nil {
				return chatReply{Content: "음..."}
			}
			return markerJudge(req)
		}, 0, func(t *testing.T, res *PairwiseResult, err error, reqs []chatRequest) {
			if err != nil || res.Summary.Wins != 4 || res.Summary.Unjudged != 0 || len(reqs) != 28 {
				t.Errorf("err %v, summary %+v, %d requests", err, res.Summary, len(reqs))
			}
		}},
		{"position bias gives ties", func(chatRequest) chatReply { return chatReply{Content: "[[A]]"} }, 0,
			func(t *testing.T, res *PairwiseResult, err error, reqs []chatRequest) {
				if err != nil || res.Summary.Ties != 7 || res.Summary.Inconsistent != 7 || res.Summary.P != 1 || res.Summary.Net != 0 {
					t.Errorf("err %v, summary %+v", err, res.Summary)
				}
			}},
		{"fatal judge error stops the comparison", func(chatRequest) chatReply { return chatReply{Status: 401, Content: "bad key"} }, 0,
			func(t *testing.T, res *PairwiseResult, err error, reqs []chatRequest) {
				if err == nil || res != nil || !strings.Contains(err.Error(), "judge") || !runners.IsFatal(err) {
					t.Errorf("err %v, res %v", err, res)
				}
			}},
		{"server error stops the comparison", func(chatRequest) chatReply { return chatReply{Status: 500, Content: "down"} }, 0,
			func(t *testing.T, res *PairwiseResult, err error, reqs []chatRequest) {
				if err == nil || res != nil || !strings.Contains(err.Error(), "pairwise t: doc") {
					t.Errorf("err %v, res %v", err, res)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log judgeLog
			srv := chatServer(t, "judge-b", func(req chatRequest) chatReply {
				log.add(req)
				return tt.reply(req)
			})
			res, err := ComparePairwise(context.Background(), PairwiseConfig{
				Task: "t", Judge: newRunner(t, srv, "judge-b"), JudgeModel: "judge-b", Prompts: pp, Reasks: tt.reasks,
			}, base, cand)
			tt.check(t, res, err, log.all())
		})
	}
}

func TestComparePairwiseMisuse(t *testing.T) {
	pp := writePairPrompts(t)
	srv := chatServer(t, "j", markerJudge)
	if _, err := ComparePairwise(context.Background(), PairwiseConfig{Prompts: pp}, nil, nil); err == nil {
		t.Error("no judge: no error")
	}
	if _, err := ComparePairwise(context.Background(), PairwiseConfig{Judge: newRunner(t, srv, "j")}, nil, nil); err == nil {
		t.Error("no prompts: no error")
	}
	res, err := ComparePairwise(context.Background(), PairwiseConfig{Judge: newRunner(t, srv, "j"), Prompts: pp}, nil, nil)
	if err != nil || res.Matching.Matched != 0 || res.Summary.Judged != 0 || res.Pairs == nil {
		t.Errorf("empty runs: %v %+v", err, res)
	}
}

func TestLoadPairwisePromptsErrors(t *testing.T) {
	mod := func(name, key string, val any) []any {
		var out []any
		for _, p := range syntheticPairPrompts {
			m := map[string]any{}
			for k, v := range p.(map[string]any) {
				m[k] = v
			}
			if m["name"] == name {
				if val == nil {
					continue
				}
				m[key] = val
			}
			out = append(out, m)
		}
		return out
	}
	tests := []struct {
		name    string
		prompts []any
		want    string
	}{
		{"missing prompt", mod(PairMathPrompt, "", nil), `pairwise judge prompt "pair-math-v1" missing`},
		{"wrong type", mod(PairPrompt, "type", "single"), `judge prompt "pair-v2": want type pairwise`},
		{"wrong output format", mod(PairPrompt, "output_format", "[[rating]]"), `want type pairwise and output_format [[A]]`},
		{"unknown field", mod(PairPromptMultiTurn, "prompt_template", "{question_1}{answer_a}"), `judge prompt "pair-v2-multi-turn": unknown field {answer_a}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "data__judge_prompts_ko.jsonl"), jsonl(t, tt.prompts...))
			_, err := LoadPairwisePrompts(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "data__judge_prompts_ko.jsonl") {
				t.Errorf("err %v, want %q naming the file", err, tt.want)
			}
		})
	}
	t.Run("bad JSON names the line", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "judge_prompts_ko.jsonl"), jsonl(t, syntheticPairPrompts[0])+"{not json\n")
		if _, err := LoadPairwisePrompts(dir); err == nil || !strings.Contains(err.Error(), "judge_prompts_ko.jsonl:2:") {
			t.Errorf("err %v", err)
		}
	})
	t.Run("no folder", func(t *testing.T) {
		t.Setenv(KoMTDirEnv, "")
		t.Setenv(DataDirEnv, "")
		if _, err := LoadPairwisePrompts(""); err == nil || !strings.Contains(err.Error(), KoMTDirEnv) {
			t.Errorf("err %v", err)
		}
	})
	t.Run("no file", func(t *testing.T) {
		if _, err := LoadPairwisePrompts(t.TempDir()); err == nil || !strings.Contains(err.Error(), "judge_prompts_ko.jsonl") {
			t.Errorf("err %v", err)
		}
	})
}

// TestPairwiseRealPrompts reads KoMT-Bench's judge_prompts_ko.jsonl and
// checks the rendered prompts against Python's str.format, as FastChat
// renders them.
func TestPairwiseRealPrompts(t *testing.T) {
	dir := datasetstest.SharedData(t, "komt-bench")
	pp, err := LoadPairwisePrompts(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !pp.Pinned() || !strings.HasSuffix(pp.Path(), "data__judge_prompts_ko.jsonl") {
		t.Errorf("pinned %v, path %s", pp.Pinned(), pp.Path())
	}
	for _, n := range pairPromptNames {
		if p := pp.prompts[n]; !strings.HasPrefix(p.System, "공정한 심사위원이 되어") || !strings.Contains(p.System, "'[[A]]'") {
			t.Errorf("%s: system prompt %q", n, p.System)
		}
	}
	py := datasetstest.Python(t)
	cand := pairSide{questions: []string{"질문 {1}", "둘째 {{질문}}"}, answers: []string{"후보 답 1 {x}", "후보 답 2"},
		refs: []*string{strp("참조 1"), strp("참조 2")}}
	base := pairSide{questions: cand.questions, answers: []string{"기준 답 1", "기준 답 2 }}"}, refs: cand.refs}
	for turn := 1; turn <= 2; turn++ {
		for _, withRef := range []bool{false, true} {
			c, b := cand, base
			if !withRef {
				c.refs, b.refs = nil, nil
			}
			pt, err := buildPairTask(pp, 1, turn, c, b)
			if err != nil {
				t.Fatal(err)
			}
			for order, ab := range [2][2]pairSide{{c, b}, {b, c}} {
				a, bb := ab[0], ab[1]
				kw := map[string]string{"question": a.questions[0], "answer_a": a.answers[0], "answer_b": bb.answers[0]}
				if turn == 2 {
					kw = map[string]string{"question_1": a.questions[0], "question_2": a.questions[1],
						"answer_a_1": a.answers[0], "answer_b_1": bb.answers[0], "answer_a_2": a.answers[1], "answer_b_2": bb.answers[1]}
				}
				if withRef {
					kw["ref_answer_1"] = "참조 1"
					if turn == 2 {
						kw["ref_answer_2"] = "참조 2"
					}
				}
				in, _ := json.Marshal(map[string]any{"template": pp.prompts[pt.template].Template, "kw": kw})
				cmd := exec.Command(py, "-c", "import json,sys; d=json.load(sys.stdin); sys.stdout.write(d['template'].format(**d['kw']))")
				cmd.Stdin = strings.NewReader(string(in))
				out, err := cmd.Output()
				if err != nil {
					t.Fatal(err)
				}
				got := pt.messages[order]
				if got[1].Content != string(out) || got[0].Content != pp.prompts[pt.template].System {
					t.Errorf("turn %d ref %v order %d (%s): rendered\n%s\nPython:\n%s", turn, withRef, order, pt.template, got[1].Content, out)
				}
			}
			wantName := map[[2]bool]string{{false, false}: PairPrompt, {false, true}: PairMathPrompt, {true, false}: PairPromptMultiTurn, {true, true}: PairMathPromptMultiTurn}[[2]bool{turn == 2, withRef}]
			if pt.template != wantName {
				t.Errorf("turn %d ref %v: template %s, want %s", turn, withRef, pt.template, wantName)
			}
		}
	}
}

// TestComparePairwiseEvaluatorSamples runs the real evaluators (KoMT-Bench,
// LogicKor 1-shot, K2-Eval on synthetic data) for two models and compares
// their samples: the samples the evaluators write must be readable as
// pairs, and the judge must see the models' real answers.
func TestComparePairwiseEvaluatorSamples(t *testing.T) {
	pp := writePairPrompts(t)
	k2 := filepath.Join(t.TempDir(), "k2.csv")
	writeFile(t, k2, syntheticK2CSV)
	newEvs := func() []evals.Evaluator {
		km, _ := NewKoMT(KoMTConfig{Dir: writeSyntheticKoMT(t)})
		lk, err := NewLogicKor(LogicKorConfig{Dir: writeSyntheticLogicKor(t), Strategy: Strategy1Shot})
		if err != nil {
			t.Fatal(err)
		}
		ke, _ := NewK2Eval(K2EvalConfig{Path: k2})
		return []evals.Evaluator{km, lk, ke}
	}
	// The single-grading judge: a reply every benchmark's parser reads.
	single := chatServer(t, "judge-s", func(chatRequest) chatReply { return chatReply{Content: "평가: 좋다\n점수: 5 [[5]] Score: 3"} })
	model := func(name, marker string) runners.Runner {
		return newRunner(t, chatServer(t, name, func(req chatRequest) chatReply {
			q := req.Messages[len(req.Messages)-1].Content
			return chatReply{Content: "  " + marker + "답변(" + hashBytes([]byte(q))[:6] + ")\n"}
		}), name)
	}
	sample := func(m runners.Runner) []results.Sample {
		_, out, err := runEval(t, m, newRunner(t, single, "judge-s"), "judge-s", newEvs()...)
		if err != nil {
			t.Fatal(err)
		}
		var ss []results.Sample
		if err := results.ReadSamples(out, func(s results.Sample) error { ss = append(ss, s); return nil }); err != nil {
			t.Fatal(err)
		}
		return ss
	}
	base, cand := sample(model("model-base", "기준 ")), sample(model("model-cand", "GOOD "))
	var log judgeLog
	pj := chatServer(t, "judge-p", func(req chatRequest) chatReply { log.add(req); return markerJudge(req) })
	for _, tc := range []struct {
		task        string
		docs, turns int
	}{{"komt_bench", 7, 2}, {"logickor_1shot", 6, 2}, {"k2_eval", 4, 1}} {
		t.Run(tc.task, func(t *testing.T) {
			res, err := ComparePairwise(context.Background(), PairwiseConfig{Task: tc.task, Judge: newRunner(t, pj, "judge-p"), Prompts: pp}, base, cand)
			if err != nil {
				t.Fatal(err)
			}
			if res.Matching != (PairwiseMatching{Matched: tc.docs}) || res.Summary.Wins != tc.docs*tc.turns || res.Summary.Judged != tc.docs*tc.turns {
				t.Errorf("matching %+v summary %+v", res.Matching, res.Summary)
			}
		})
	}
	// The judge saw the answers stored in the samples, stripped.
	answers := map[string]bool{}
	for _, s := range append(base, cand...) {
		var rec record
		if err := json.Unmarshal([]byte(s.Response), &rec); err != nil {
			t.Fatal(err)
		}
		for _, a := range rec.Answers {
			answers[a] = true
		}
	}
	seen := 0
	for _, r := range log.all() {
		for _, tag := range []string{"A", "B"} {
			a, _ := between(r.Messages[1].Content, "<"+tag+">", "</"+tag+">")
			for _, part := range strings.Split(a, "|") {
				if !answers[part] || strings.TrimSpace(part) != part {
					t.Errorf("judge saw %q, not a stored answer", part)
				}
				seen++
			}
		}
	}
	if seen == 0 {
		t.Error("no judge request")
	}
}
