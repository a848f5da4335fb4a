package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hanbench/hanbench/evals/judge"
	"github.com/hanbench/hanbench/evals/results"
)

// judgeFlagsTemplates is a LogicKor-format templates.py written for this
// test (CC0), with a language section like the real judge rubric's.
const judgeFlagsTemplates = `PROMPT_STRATEGY = {"default": [], "1-shot": [], "cot-1-shot": []}
JUDGE_TEMPLATE = {
    "single_turn": """싱글 턴 평가 규칙.

# 언어 요구사항
- 한국어로 답변하지 않을 경우, 점수는 0점 처리된다.

# 출력 형식
평가: 평가 내용
점수: 숫자""",
    "multi_turn": """멀티 턴 평가 규칙.

# 언어 요구사항
- 한국어로 답변하지 않을 경우, 점수는 0점 처리된다.

# 출력 형식
평가: 평가 내용
점수: 숫자""",
}
`

// judgeFlagsServer is one OpenAI-compatible fake on 127.0.0.1 for both the
// model and the judge (told apart by the request's model). The judge never
// scores a K2-Eval answer to the instruction holding "NOSCORE", so every
// re-ask shows; it records the judge's system prompts.
type judgeFlagsServer struct {
	model, judge string
	mu           sync.Mutex
	noScoreAsks  int
	systems      []string
}

func (s *judgeFlagsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
	}
	if r.URL.Path != "/v1/chat/completions" || json.NewDecoder(r.Body).Decode(&req) != nil || len(req.Messages) == 0 {
		http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
		return
	}
	text := "한국어로 쓴 답변입니다."
	switch req.Model {
	case s.model:
	case s.judge:
		s.mu.Lock()
		last := req.Messages[len(req.Messages)-1].Content
		switch {
		case strings.Contains(last, "Score:"): // K2-Eval's rubric
			text = "Evaluation: fine.\nScore: 4"
			if strings.Contains(last, "NOSCORE") {
				s.noScoreAsks++
				text = "Evaluation: cannot decide."
			}
		default: // LogicKor
			text = "평가: 좋다.\n점수: 6"
			if req.Messages[0].Role == "system" {
				s.systems = append(s.systems, req.Messages[0].Content)
			}
		}
		s.mu.Unlock()
	default:
		http.Error(w, `{"error":{"message":"unknown model"}}`, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"id":"x","object":"chat.completion","created":1,"model":%q,"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":%q}}],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}`, req.Model, text)
}

// TestRunJudgeFlags runs LogicKor and K2-Eval with --judge-reasks and
// --no-language-penalty and checks that the flags reach the judge tasks:
// the judge's requests, results.json's judge provenance and the config
// hash.
func TestRunJudgeFlags(t *testing.T) {
	data := t.TempDir()
	lk := filepath.Join(data, "logickor")
	k2 := filepath.Join(data, "k2.csv")
	for path, content := range map[string]string{
		filepath.Join(lk, "questions.jsonl"): `{"id": 1, "category": "추론(Reasoning)", "questions": ["누가 더 큰가?", "요약하세요."], "references": [null, null]}
{"id": 2, "category": "수학(Math)", "questions": ["2 더하기 2는?", "그 값의 두 배는?"], "references": ["4", "8"]}
`,
		filepath.Join(lk, "templates.py"): judgeFlagsTemplates,
		k2:                                "instruction,subject,ability\n김치를 설명하세요.,음식,지식\nNOSCORE 한글을 설명하세요.,역사,지식\n",
	} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Set here rather than with --data-dir, which sets the process
	// environment for good.
	t.Setenv(judge.LogicKorDirEnv, lk)
	t.Setenv(judge.K2EvalDataEnv, k2)

	type outcome struct {
		lk, k2      *results.Task
		noScoreAsks int
		systems     []string
	}
	run := func(t *testing.T, flags ...string) outcome {
		t.Helper()
		// One judge name for every run: it is part of the config hash.
		srv := &judgeFlagsServer{model: uniqueModel(t), judge: "hanbench-test-judge"}
		url := serveLocal(t, srv)
		out := filepath.Join(t.TempDir(), "res")
		c := newTestProc(t, nil)
		args := append([]string{"run", "--model", srv.model, "--base-url", url, "--tasks", "logickor,k2_eval",
			"--judge-model", srv.judge, "--out", out, "--no-progress", "--no-cache", "--concurrency", "2"}, flags...)
		if code := c.run(args...); code != ExitOK {
			t.Fatalf("exit %d; stderr:\n%s", code, c.errOut)
		}
		f, err := results.Read(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"logickor", "k2_eval"} {
			if j := f.Tasks[name].Judge; j == nil || j.Model != srv.judge {
				t.Fatalf("%s: judge provenance %+v does not name the judge %s", name, j, srv.judge)
			}
			f.Tasks[name].Judge.Model = "" // compared below without the name
		}
		return outcome{f.Tasks["logickor"], f.Tasks["k2_eval"], srv.noScoreAsks, srv.systems}
	}

	base := run(t)
	tests := []struct {
		name        string
		flags       []string
		reasks      int
		lkPenalty   string
		promptSame  bool // LogicKor's judge prompt hash equals the default's
		noScoreAsks int  // judge requests for the K2-Eval answer that never gets a score
	}{
		{"default", nil, judge.DefaultReasks, results.PenaltyZeroNonKorean, true, 1 + judge.DefaultReasks},
		{"reasks 1", []string{"--judge-reasks", "1"}, 1, results.PenaltyZeroNonKorean, true, 2},
		{"reasks 0", []string{"--judge-reasks", "0"}, 0, results.PenaltyZeroNonKorean, true, 1},
		{"reasks -1", []string{"--judge-reasks=-1"}, 0, results.PenaltyZeroNonKorean, true, 1},
		{"no language penalty", []string{"--no-language-penalty"}, judge.DefaultReasks, results.PenaltyNone, false, 1 + judge.DefaultReasks},
	}
	hashes := map[string]string{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := run(t, tc.flags...)
			wantLK := results.JudgeInfo{PromptHash: base.lk.Judge.PromptHash, Strategy: judge.StrategyDefault, Penalty: tc.lkPenalty, Reasks: tc.reasks}
			if !tc.promptSame {
				wantLK.PromptHash = got.lk.Judge.PromptHash
				if wantLK.PromptHash == base.lk.Judge.PromptHash || len(wantLK.PromptHash) != 64 {
					t.Errorf("judge prompt hash %q: want a new sha256", wantLK.PromptHash)
				}
			}
			if *got.lk.Judge != wantLK {
				t.Errorf("logickor judge %+v, want %+v", *got.lk.Judge, wantLK)
			}
			wantK2 := results.JudgeInfo{PromptHash: base.k2.Judge.PromptHash, Penalty: results.PenaltyNone, Reasks: tc.reasks}
			if *got.k2.Judge != wantK2 {
				t.Errorf("k2_eval judge %+v, want %+v", *got.k2.Judge, wantK2)
			}
			if got.noScoreAsks != tc.noScoreAsks {
				t.Errorf("the scoreless K2-Eval answer was judged %d times, want %d", got.noScoreAsks, tc.noScoreAsks)
			}
			if got.k2.Metrics["unjudged"] != 1 || got.k2.Metrics["score"] != 4 {
				t.Errorf("k2_eval metrics %v", got.k2.Metrics)
			}
			if len(got.systems) != 4 {
				t.Fatalf("%d LogicKor judge requests, want 4", len(got.systems))
			}
			for _, sys := range got.systems {
				if strings.Contains(sys, "0점 처리") != (tc.lkPenalty == results.PenaltyZeroNonKorean) {
					t.Errorf("penalty %s: judge system prompt %q", tc.lkPenalty, sys)
				}
			}
			// Same flags, same hash (the default run is repeated); else a new one.
			if (got.lk.ConfigHash == base.lk.ConfigHash) != (tc.name == "default") {
				t.Errorf("logickor config hash %s vs default %s", got.lk.ConfigHash, base.lk.ConfigHash)
			}
			hashes[tc.name] = got.lk.ConfigHash + " " + got.k2.ConfigHash
		})
	}
	if hashes["reasks 0"] != hashes["reasks -1"] {
		t.Error("--judge-reasks 0 and -1 differ")
	}
	if base.lk.Judge.PromptHash == "" || base.k2.Judge.PromptHash == "" {
		t.Error("no judge prompt hash recorded")
	}
}

// TestRunJudgeFlagsErrors rejects a negative re-ask count other than -1.
func TestRunJudgeFlagsErrors(t *testing.T) {
	c := newTestProc(t, nil)
	out := filepath.Join(t.TempDir(), "res")
	code := c.run("run", "--model", "m", "--base-url", "http://127.0.0.1:1/v1", "--tasks", "logickor",
		"--judge-model", "j", "--judge-reasks", "-2", "--out", out, "--no-progress")
	if code != ExitUsage || !strings.Contains(c.errOut.String(), "--judge-reasks must be -1 (none) or more, got -2") {
		t.Fatalf("exit %d; stderr:\n%s", code, c.errOut)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("output written on a usage error")
	}
}
