package main

// End-to-end test of `hanbench gate` with pairwise checks: two results
// directories written by real `hanbench run` of komt_bench (the shared
// KoMT-Bench data, a loopback model server and a loopback judge), then the
// gate with a loopback pairwise judge that prefers the answer with a
// marker.

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hanbench/hanbench/datasets/datasetstest"
	"github.com/hanbench/hanbench/evals/gate"
	"github.com/hanbench/hanbench/runners"
)

// gateChatRequest is the part of a chat request the fakes read.
type gateChatRequest struct {
	Model    string            `json:"model"`
	Messages []runners.Message `json:"messages"`
	Seed     *int              `json:"seed"`
}

// gateChatServer serves /v1/chat/completions on 127.0.0.1, answering with
// reply, and records every request.
type gateChatServer struct {
	url   string
	mu    sync.Mutex
	reqs  []gateChatRequest
	reply func(gateChatRequest) (string, int)
}

func newGateChatServer(t *testing.T, reply func(gateChatRequest) (string, int)) *gateChatServer {
	t.Helper()
	s := &gateChatServer{reply: reply}
	s.url = serveLocal(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req gateChatRequest
		if r.URL.Path != "/v1/chat/completions" || json.Unmarshal(body, &req) != nil || len(req.Messages) == 0 {
			http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.reqs = append(s.reqs, req)
		s.mu.Unlock()
		text, status := s.reply(req)
		w.Header().Set("Content-Type", "application/json")
		if status != 0 {
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"error":{"message":%q}}`, text)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{
			"id": "x", "object": "chat.completion", "created": 1, "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": text}}},
			"usage":   map[string]any{"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
		})
	}))
	return s
}

func (s *gateChatServer) requests() []gateChatRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]gateChatRequest(nil), s.reqs...)
}

// isPairwise tells the KoMT-Bench pairwise prompts (two assistants) from
// the single-grading ones.
func isPairwise(req gateChatRequest) bool {
	return strings.Contains(req.Messages[0].Content, "두 명의 인공지능 어시스턴트")
}

// pairSections returns what a real KoMT-Bench pairwise prompt shows of
// assistant A and of assistant B (answers only, in turn order).
func pairSections(user string) (a, b []string) {
	cut := func(s, open, close string) (string, string, bool) {
		_, rest, ok := strings.Cut(s, open)
		if !ok {
			return "", s, false
		}
		in, after, ok := strings.Cut(rest, close)
		return in, after, ok
	}
	for _, side := range []struct {
		name string
		out  *[]string
	}{{"A", &a}, {"B", &b}} {
		if in, _, ok := cut(user, "[어시스턴트 "+side.name+"의 답변 시작]\n", "\n[어시스턴트 "+side.name+"의 답변 끝]"); ok {
			*side.out = []string{in}
			continue
		}
		conv, _, _ := cut(user, "<|어시스턴트 "+side.name+"와 사용자와의 대화 시작|>", "<|어시스턴트 "+side.name+"와 사용자와의 대화 종료|>")
		marker := "### 어시스턴트 " + side.name + ":\n"
		for _, part := range strings.Split(conv, marker)[1:] {
			ans, _, _ := strings.Cut(part, "\n\n### 사용자:")
			*side.out = append(*side.out, strings.TrimSuffix(ans, "\n\n"))
		}
	}
	return a, b
}

// markerVerdict prefers the assistant whose answers carry "GOOD".
func markerVerdict(user string) string {
	a, b := pairSections(user)
	ga, gb := strings.Contains(strings.Join(a, " "), "GOOD"), strings.Contains(strings.Join(b, " "), "GOOD")
	switch {
	case ga && !gb:
		return "A가 더 좋다. [[A]]"
	case gb && !ga:
		return "B가 더 좋다. [[B]]"
	}
	return "비슷하다. [[C]]"
}

// runJudged runs `hanbench run` of komt_bench with a model whose answers
// start with prefix, and returns the results directory.
func runJudged(t *testing.T, dataDir, judgeURL, prefix string) string {
	t.Helper()
	model := newGateChatServer(t, func(req gateChatRequest) (string, int) {
		q := req.Messages[len(req.Messages)-1].Content
		return fmt.Sprintf("  %s답변 (%d자 질문)\n", prefix, len([]rune(q))), 0
	})
	out := filepath.Join(t.TempDir(), "run")
	c := newTestProc(t, nil)
	if code := c.run("run", "--model", uniqueModel(t), "--base-url", model.url, "--tasks", "komt_bench", "--out", out,
		"--judge-model", "judge-single", "--judge-base-url", judgeURL, "--data-dir", dataDir, "--limit", "24",
		"--no-progress", "--no-cache"); code != ExitOK {
		t.Fatalf("run: exit %d\n%s", code, c.errOut.String())
	}
	return out
}

func TestGatePairwiseEndToEnd(t *testing.T) {
	dataDir := datasetstest.SharedData(t)
	datasetstest.SharedData(t, "komt-bench", "data__judge_prompts_ko.jsonl")
	single := newGateChatServer(t, func(gateChatRequest) (string, int) { return "평가: 좋음. 점수: [[5]]", 0 })
	base := runJudged(t, dataDir, single.url, "GOOD ")
	worse := runJudged(t, dataDir, single.url, "")
	same := runJudged(t, dataDir, single.url, "GOOD ")
	_, baseSamples := readRunDir(t, base)
	_, worseSamples := readRunDir(t, worse)
	if len(baseSamples) != 24 || len(worseSamples) != 24 {
		t.Fatalf("%d and %d samples, want 24", len(baseSamples), len(worseSamples))
	}
	stored := map[string]bool{}
	for _, s := range append(baseSamples, worseSamples...) {
		var rec struct{ Answers []string }
		if err := json.Unmarshal([]byte(s.Response), &rec); err != nil || len(rec.Answers) != 2 {
			t.Fatalf("sample %d: %v %q", s.DocID, err, s.Response)
		}
		for _, a := range rec.Answers {
			stored[a] = true
		}
	}

	root := t.TempDir()
	policy := filepath.Join(root, "gate.yaml")
	if err := os.WriteFile(policy, []byte("pairwise:\n  komt_bench: {max_loss_margin: 0.05, significance: 0.05}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pairJudge := newGateChatServer(t, func(req gateChatRequest) (string, int) {
		if !isPairwise(req) {
			return "not a pairwise prompt", http.StatusBadRequest
		}
		return markerVerdict(req.Messages[1].Content), 0
	})
	silent := newGateChatServer(t, func(gateChatRequest) (string, int) { return "판정하기 어렵습니다.", 0 })
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL + "/v1"
	down.Close()

	gateArgs := func(cand, judgeURL string, extra ...string) []string {
		args := []string{"gate", "--candidate", cand, "--baseline", base, "--policy", policy, "--data-dir", dataDir,
			"--cache-dir", filepath.Join(root, "cache")}
		if judgeURL != "" {
			args = append(args, "--judge-model", uniqueModel(t), "--judge-base-url", judgeURL)
		}
		return append(args, extra...)
	}

	t.Run("worse candidate fails, both orders asked with the real answers", func(t *testing.T) {
		n0 := len(pairJudge.requests())
		out := filepath.Join(root, "out")
		c := newTestProc(t, map[string]string{"GITHUB_ACTIONS": "true"})
		code := c.run(gateArgs(worse, pairJudge.url, "--junit", filepath.Join(out, "r.xml"), "--markdown", filepath.Join(out, "s.md"), "--json", filepath.Join(out, "g.json"))...)
		if code != ExitGateFailed {
			t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitGateFailed, c.out.String(), c.errOut.String())
		}
		for _, want := range []string{"pairwise  komt_bench", "FAIL", "the candidate loses", "0 wins, 48 losses, 0 ties",
			"::error title=hanbench gate%3A pairwise komt_bench::FAIL: the candidate loses"} {
			if !strings.Contains(c.out.String(), want) {
				t.Errorf("stdout lacks %q:\n%s", want, c.out.String())
			}
		}
		reqs := pairJudge.requests()[n0:]
		if len(reqs) != 96 {
			t.Fatalf("%d pairwise judge requests, want 96 (24 questions × 2 turns × 2 orders)", len(reqs))
		}
		// Each (A, B) presentation has its mirror: the same answers with the
		// positions swapped, and every answer shown is one stored in the
		// samples.
		type shown struct{ a, b string }
		seen := map[shown]int{}
		refPrompts := 0
		for _, r := range reqs {
			a, b := pairSections(r.Messages[1].Content)
			if len(a) == 0 || len(a) != len(b) {
				t.Fatalf("cannot read the answers of %q", r.Messages[1].Content)
			}
			for _, x := range append(append([]string(nil), a...), b...) {
				if !stored[x] {
					t.Errorf("judge saw %q, not an answer from samples.parquet", x)
				}
			}
			if strings.Contains(r.Messages[1].Content, "참조용 답변") {
				refPrompts++
			}
			seen[shown{strings.Join(a, "\x00"), strings.Join(b, "\x00")}]++
		}
		candFirst := 0
		for k, n := range seen {
			if seen[shown{k.b, k.a}] != n {
				t.Errorf("presentation %q has no mirror", k)
			}
			if !strings.Contains(k.a, "GOOD") {
				candFirst += n
			}
		}
		if candFirst != 48 || refPrompts != 16 {
			t.Errorf("%d requests with the candidate as A (want 48); %d with reference answers (want 16: 4 reasoning questions)", candFirst, refPrompts)
		}
		data, err := os.ReadFile(filepath.Join(out, "g.json"))
		if err != nil {
			t.Fatal(err)
		}
		var rep gate.Report
		if err := json.Unmarshal(data, &rep); err != nil || len(rep.Checks) != 1 {
			t.Fatalf("json: %v %s", err, data)
		}
		pc := rep.Checks[0]
		if pc.Kind != gate.KindPairwise || pc.Pairwise == nil || pc.Pairwise.Losses != 48 || pc.Pairwise.Questions.Matched != 24 || pc.PAdjusted == nil || !pc.Significant {
			t.Errorf("json check %+v", pc)
		}
		data, _ = os.ReadFile(filepath.Join(out, "r.xml"))
		var junit struct {
			Failures int `xml:"failures,attr"`
		}
		if err := xml.Unmarshal(data, &junit); err != nil || junit.Failures != 1 || !strings.Contains(string(data), `name="pairwise komt_bench"`) {
			t.Errorf("junit: %v\n%s", err, data)
		}
		md, _ := os.ReadFile(filepath.Join(out, "s.md"))
		if !strings.Contains(string(md), "| ❌ fail | pairwise | komt\\_bench | win\\_rate |") {
			t.Errorf("markdown:\n%s", md)
		}
	})

	t.Run("equal candidate passes", func(t *testing.T) {
		c := newTestProc(t, nil)
		if code := c.run(gateArgs(same, pairJudge.url)...); code != ExitOK {
			t.Fatalf("exit %d\n%s\n%s", code, c.out.String(), c.errOut.String())
		}
		if !strings.Contains(c.out.String(), "0 wins, 0 losses, 48 ties") || !strings.Contains(c.out.String(), "PASSED: all 1 checks passed") {
			t.Errorf("stdout:\n%s", c.out.String())
		}
	})

	t.Run("responses are cached", func(t *testing.T) {
		model := uniqueModel(t)
		args := append(gateArgs(worse, ""), "--judge-model", model, "--judge-base-url", pairJudge.url)
		for i, want := range []int{96, 0} {
			n0 := len(pairJudge.requests())
			if code := newTestProc(t, nil).run(args...); code != ExitGateFailed {
				t.Fatalf("gate %d: exit %d", i, code)
			}
			if n := len(pairJudge.requests()) - n0; n != want {
				t.Errorf("gate %d: %d judge requests, want %d", i, n, want)
			}
		}
	})

	tests := []struct {
		name   string
		args   []string
		code   ExitCode
		stdout string
		stderr string
	}{
		{"judge without verdicts is unevaluable", gateArgs(worse, silent.url, "--max-attempts", "1"), ExitGateUnevaluable,
			"the judge gave no verdict on any of the 48 turns", "COULD NOT EVALUATE"},
		{"unreachable judge is unevaluable", gateArgs(worse, downURL, "--max-attempts", "1", "--no-cache"), ExitGateUnevaluable,
			"the judge failed", "COULD NOT EVALUATE"},
		{"no judge is unevaluable", gateArgs(worse, ""), ExitGateUnevaluable, "no judge was given", ""},
		{"judge model without URL", append(gateArgs(worse, ""), "--judge-model", "j"), ExitUsage, "", "--judge-model needs --judge-base-url"},
		{"judge key variable unset", gateArgs(worse, pairJudge.url, "--judge-api-key-env", "HANBENCH_NO_SUCH_KEY"), ExitUsage, "", "--judge-api-key-env HANBENCH_NO_SUCH_KEY"},
		{"pairwise without baseline", []string{"gate", "--candidate", worse, "--policy", policy}, ExitUsage, "", "--baseline is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestProc(t, nil)
			code := c.run(tt.args...)
			if code != tt.code || !strings.Contains(c.out.String(), tt.stdout) || !strings.Contains(c.errOut.String(), tt.stderr) {
				t.Errorf("exit %d (want %d)\nstdout (want %q):\n%s\nstderr (want %q):\n%s", code, tt.code, tt.stdout, c.out.String(), tt.stderr, c.errOut.String())
			}
		})
	}
	// The single-grading judge of `run` never saw a pairwise prompt, and the
	// pairwise judge never a single-grading one.
	for _, r := range single.requests() {
		if isPairwise(r) {
			t.Error("run sent a pairwise prompt")
		}
	}
}
