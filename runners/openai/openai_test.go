package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/hanbench/hanbench/runners"
)

func TestNewValidation(t *testing.T) {
	cases := []struct {
		name string
		cfg  runners.Config
		want string // substring of the error
	}{
		{"no model", runners.Config{BaseURLs: []string{"http://h"}}, "model is required"},
		{"no url", runners.Config{Model: "m"}, "at least one base URL"},
		{"bad endpoint", runners.Config{Model: "m", BaseURLs: []string{"http://h"}, Endpoint: "responses"}, `endpoint "responses"`},
		{"bad scheme", runners.Config{Model: "m", BaseURLs: []string{"ftp://h"}}, "base URL 1"},
		{"no host", runners.Config{Model: "m", BaseURLs: []string{"http:///v1"}}, "no host"},
		{"query", runners.Config{Model: "m", BaseURLs: []string{"http://h", "http://h2/v1?x=1"}}, "base URL 2"},
	}
	for _, c := range cases {
		_, err := New(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
}

func TestNormalizeBaseURL(t *testing.T) {
	cases := []struct{ in, base, shown string }{
		{"http://127.0.0.1:8000", "http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"},
		{"http://127.0.0.1:8000/", "http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"},
		{"http://127.0.0.1:8000/v1/", "http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"},
		{"http://h/v1/chat/completions", "http://h/v1", "http://h/v1"},
		{"http://h/v1/completions", "http://h/v1", "http://h/v1"},
		{"https://api.example.com/openai/v1", "https://api.example.com/openai/v1", "https://api.example.com/openai/v1"},
		{" http://u:secret@h:1 ", "http://u:secret@h:1/v1", "http://u:xxxxx@h:1/v1"},
	}
	for _, c := range cases {
		base, shown, err := normalizeBaseURL(c.in)
		if err != nil || base != c.base || shown != c.shown {
			t.Errorf("normalizeBaseURL(%q) = %q, %q, %v; want %q, %q", c.in, base, shown, err, c.base, c.shown)
		}
	}
}

func TestDescribeAndRegistry(t *testing.T) {
	r, err := runners.New(Name, runners.Config{Model: "qwen", BaseURLs: []string{"http://a:pw@h1:8000", "http://h2:8000/v1"}, APIKey: "sk-x", Endpoint: "completions"})
	if err != nil {
		t.Fatal(err)
	}
	d, ok := r.(runners.Describer)
	if !ok {
		t.Fatal("runner is not a Describer")
	}
	want := runners.Description{Kind: "openai", Model: "qwen", BaseURLs: []string{"http://a:xxxxx@h1:8000/v1", "http://h2:8000/v1"}, Endpoint: "completions"}
	if got := d.Describe(); !reflect.DeepEqual(got, want) {
		t.Errorf("Describe = %+v, want %+v", got, want)
	}
	r2, _ := New(runners.Config{Model: "m", BaseURLs: []string{"http://h"}})
	if r2.Describe().Endpoint != EndpointChat {
		t.Errorf("default endpoint = %q", r2.Describe().Endpoint)
	}
}

func TestConnectionPool(t *testing.T) {
	cases := []struct {
		conc, idle, max int
	}{
		{0, defaultPool, 0},
		{64, 64, 64},
		{1, 1, 1},
	}
	for _, c := range cases {
		r, err := New(runners.Config{Model: "m", BaseURLs: []string{"http://h"}, Concurrency: c.conc})
		if err != nil {
			t.Fatal(err)
		}
		tr := r.http.Transport.(*http.Transport)
		if tr.MaxIdleConnsPerHost != c.idle || tr.MaxConnsPerHost != c.max {
			t.Errorf("concurrency %d: idle %d max %d, want %d %d", c.conc, tr.MaxIdleConnsPerHost, tr.MaxConnsPerHost, c.idle, c.max)
		}
		if r.http.Timeout != DefaultTimeout {
			t.Errorf("timeout = %v", r.http.Timeout)
		}
	}
}

func TestSplitThink(t *testing.T) {
	cases := []struct{ in, text, reasoning string }{
		{"plain answer", "plain answer", ""},
		{"<think>R</think>T", "T", "R"},
		{"\n<think>\nlong\nthought\n</think>\n\n답: 3", "답: 3", "long\nthought"},
		{"<think>cut by max_tokens", "", "cut by max_tokens"},
		{"thought only closed</think>\n\nanswer", "answer", "thought only closed"},
		{"answer mentions <think> later", "answer mentions <think> later", ""},
		{"a <think>x</think> b", "a <think>x</think> b", ""},
	}
	for _, c := range cases {
		text, reasoning := splitThink(c.in)
		if text != c.text || reasoning != c.reasoning {
			t.Errorf("splitThink(%q) = %q, %q; want %q, %q", c.in, text, reasoning, c.text, c.reasoning)
		}
	}
}

func TestCutAtStop(t *testing.T) {
	cases := []struct {
		text  string
		stops []string
		want  string
		cut   bool
	}{
		{"a\nb", []string{"\n"}, "a", true},
		{"a###b\nc", []string{"\n", "###"}, "a", true},
		{"abc", []string{"x", ""}, "abc", false},
		{"정답: 서울입니다.", []string{"입니다"}, "정답: 서울", true},
		{"abc", nil, "abc", false},
	}
	for _, c := range cases {
		got, cut := cutAtStop(c.text, c.stops)
		if got != c.want || cut != c.cut {
			t.Errorf("cutAtStop(%q, %q) = %q, %v", c.text, c.stops, got, cut)
		}
	}
}

// echoBody answers an echo request for the given prompts (in reverse choice
// order if asked), with legacy logprobs where every token is one character
// and every log-prob is minus the prompt's length in characters, minus 0.5.
func echoBody(prompts []string, reverse bool) string {
	var choices []string
	for i, p := range prompts {
		var toks, lps, offs []string
		for j, r := range []rune(p + "!") {
			b, _ := json.Marshal(string(r))
			toks = append(toks, string(b))
			if j == 0 {
				lps = append(lps, "null")
			} else {
				lps = append(lps, fmt.Sprintf("-%d.5", len([]rune(p))))
			}
			offs = append(offs, fmt.Sprint(j))
		}
		text, _ := json.Marshal(p + "!")
		choices = append(choices, fmt.Sprintf(`{"index":%d,"text":%s,"finish_reason":"length","logprobs":{"tokens":[%s],"token_logprobs":[%s],"text_offset":[%s]}}`,
			i, text, strings.Join(toks, ","), strings.Join(lps, ","), strings.Join(offs, ",")))
	}
	if reverse {
		for i, j := 0, len(choices)-1; i < j; i, j = i+1, j-1 {
			choices[i], choices[j] = choices[j], choices[i]
		}
	}
	return `{"choices":[` + strings.Join(choices, ",") + `],"usage":{"prompt_tokens":3,"completion_tokens":1}}`
}

func promptsOf(t *testing.T, body []byte) []string {
	var v struct {
		Prompt json.RawMessage `json:"prompt"`
	}
	json.Unmarshal(body, &v)
	var one string
	if json.Unmarshal(v.Prompt, &one) == nil {
		return []string{one}
	}
	var list []string
	if err := json.Unmarshal(v.Prompt, &list); err != nil {
		t.Errorf("prompt %s: %v", v.Prompt, err)
	}
	return list
}

func TestLogLikelihoodChoiceOrderAndListFallback(t *testing.T) {
	pairs := []runners.Continuation{{Context: "가", Continuation: "나"}, {Context: "a", Continuation: "bc"}, {Context: "x", Continuation: "y"}}
	want := []runners.LogLikelihood{{LogProb: -2.5, Tokens: 1}, {LogProb: -7, Tokens: 2}, {LogProb: -2.5, Tokens: 1}}
	modes := []struct {
		name string
		// answer returns the body for prompts; "" means a 400.
		answer    func(prompts []string) string
		requests  []int // prompts per request, first LogLikelihood call then second
		listState int32
	}{
		{"reversed choices", func(p []string) string { return echoBody(p, true) }, []int{3, 3}, listsAccepted},
		{"list answered with one choice", func(p []string) string { return echoBody(p[:1], false) }, []int{3, 1, 1, 1, 1, 1, 1}, listsRejected},
		{"list rejected", func(p []string) string {
			if len(p) > 1 {
				return ""
			}
			return echoBody(p, false)
		}, []int{3, 1, 1, 1, 1, 1, 1}, listsRejected},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			var mu sync.Mutex
			var sizes []int
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				p := promptsOf(t, b)
				mu.Lock()
				sizes = append(sizes, len(p))
				mu.Unlock()
				body := m.answer(p)
				if body == "" {
					w.WriteHeader(400)
					io.WriteString(w, `{"error":{"message":"prompt must be a string"}}`)
					return
				}
				io.WriteString(w, body)
			}))
			defer srv.Close()
			r := mustNew(t, runnersConfig(srv.URL, nil))
			for range 2 {
				got, err := r.LogLikelihood(context.Background(), runners.LogLikelihoodRequest{Pairs: pairs})
				if err != nil {
					t.Fatal(err)
				}
				for i := range want {
					// Every token here has no top_logprobs: not greedy.
					if got.Results[i] != want[i] {
						t.Errorf("pair %d = %+v, want %+v", i, got.Results[i], want[i])
					}
				}
			}
			if !reflect.DeepEqual(sizes, m.requests) {
				t.Errorf("prompts per request = %v, want %v", sizes, m.requests)
			}
			if r.lists.Load() != m.listState {
				t.Errorf("list state = %d, want %d", r.lists.Load(), m.listState)
			}
		})
	}
}

func TestLogLikelihoodValidation(t *testing.T) {
	r := mustNew(t, runnersConfig("http://127.0.0.1:1", nil))
	_, err := r.LogLikelihood(context.Background(), runners.LogLikelihoodRequest{Pairs: []runners.Continuation{{Context: "a", Continuation: " b"}, {Context: "a"}}})
	checkErr(t, err, runners.KindBadRequest, []string{"pair 1: empty continuation"})
	got, err := r.LogLikelihood(context.Background(), runners.LogLikelihoodRequest{})
	if err != nil || len(got.Results) != 0 {
		t.Errorf("no pairs: %+v, %v", got, err)
	}
}

func TestGenerateRequestShapes(t *testing.T) {
	var last []byte
	var path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		last, _ = io.ReadAll(r.Body)
		path = r.URL.Path
		if strings.HasSuffix(r.URL.Path, "/chat/completions") {
			io.WriteString(w, `{"choices":[{"index":0,"message":{"role":"assistant","content":"답","reasoning":"newer vLLM field"},"finish_reason":"stop"}]}`)
			return
		}
		io.WriteString(w, `{"choices":[{"index":0,"text":"t","finish_reason":"length"}]}`)
	}))
	defer srv.Close()

	chat := mustNew(t, runnersConfig(srv.URL, nil))
	got, err := chat.Generate(context.Background(), runners.GenerateRequest{Prompt: "only a prompt"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Reasoning != "newer vLLM field" || got.Text != "답" {
		t.Errorf("Generate = %+v", got)
	}
	if want := `"messages":[{"role":"user","content":"only a prompt"}]`; !strings.Contains(string(last), want) {
		t.Errorf("body %s lacks %s", last, want)
	}
	// Empty message content is sent, not dropped (go-openai omits it).
	chat.Generate(context.Background(), runners.GenerateRequest{Messages: []runners.Message{{Role: "system", Content: ""}, {Role: "user", Content: "q"}}})
	if want := `{"role":"system","content":""}`; !strings.Contains(string(last), want) {
		t.Errorf("body %s lacks %s", last, want)
	}
	if _, err := chat.Generate(context.Background(), runners.GenerateRequest{}); err == nil {
		t.Error("Generate with neither prompt nor messages succeeded")
	}
	if strings.Contains(string(last), "max_tokens") {
		t.Errorf("max_tokens sent though MaxTokens is 0: %s", last)
	}

	cfg := runnersConfig(srv.URL, nil)
	cfg.Endpoint = EndpointCompletions
	comp := mustNew(t, cfg)
	if _, err := comp.Generate(context.Background(), runners.GenerateRequest{Messages: []runners.Message{{Role: "user", Content: "q"}}}); err == nil {
		t.Error("completions endpoint accepted messages without a prompt")
	}
	if _, err := comp.Generate(context.Background(), runners.GenerateRequest{Prompt: "p", Temperature: 0}); err != nil {
		t.Fatal(err)
	}
	if path != "/v1/completions" || !strings.Contains(string(last), `"temperature":0`) || !strings.Contains(string(last), `"prompt":"p"`) {
		t.Errorf("%s %s", path, last)
	}
}

// TestLogLikelihoodUnalignedTokens: tokens that cannot be lined up with a
// prompt the reply does echo are a bad request naming the problem, not
// "echo ignored"; the echoed text is read back for the right choice even
// when choices come in reverse index order.
func TestLogLikelihoodUnalignedTokens(t *testing.T) {
	pairs := []runners.Continuation{{Context: "가나다", Continuation: " 라"}, {Context: "abcdef", Continuation: " g"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		p := promptsOf(t, b)
		var choices []string
		for k := len(p) - 1; k >= 0; k-- { // reverse index order
			tokens := `["가나다"," 라"]`
			if p[k] == "abcdef g" { // covers the prompt's length with other text
				tokens = `["zzzzzz","zz"]`
			}
			choices = append(choices, fmt.Sprintf(`{"index":%d,"text":%q,"logprobs":{"tokens":%s,"token_logprobs":[null,-1]}}`, k, p[k]+"!", tokens))
		}
		io.WriteString(w, `{"choices":[`+strings.Join(choices, ",")+`]}`)
	}))
	defer srv.Close()
	r := mustNew(t, runnersConfig(srv.URL, nil))
	_, err := r.LogLikelihood(context.Background(), runners.LogLikelihoodRequest{Pairs: pairs})
	var re *runners.Error
	if !errors.As(err, &re) || re.Kind != runners.KindBadRequest || !strings.Contains(re.Message, "cannot line up 2 echoed tokens") {
		t.Fatalf("err = %v, want a bad request about lining up tokens", err)
	}
}
