package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hanbench/hanbench/runners"
)

func TestServerMessage(t *testing.T) {
	cases := []struct{ body, want string }{
		{`{"error":{"message":"File Not Found","type":"not_found_error","code":404}}`, "File Not Found"},
		{`{"object":"error","message":"The model ` + "`x`" + ` does not exist.","type":"NotFoundError","code":404}`, "The model `x` does not exist."},
		{`{"error":"Input validation error: inputs must have less than 4096 tokens","error_type":"validation"}`, "Input validation error: inputs must have less than 4096 tokens"},
		{`{"detail":"Not authenticated"}`, "Not authenticated"},
		{`{"detail":[{"loc":["body","max_tokens"],"msg":"Input should be a valid integer","type":"int_parsing"}]}`, "body.max_tokens: Input should be a valid integer"},
		{"404 page not found\n", "404 page not found"},
		{"line1\nline2\x00", "line1 line2"},
		{"", ""},
		{strings.Repeat("가", 400), strings.Repeat("가", 166) + "…"},
	}
	for _, c := range cases {
		if got := serverMessage([]byte(c.body)); got != c.want {
			t.Errorf("serverMessage(%.60q) = %q, want %q", c.body, got, c.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		header http.Header
		want   time.Duration
	}{
		{http.Header{"Retry-After": {"3"}}, 3 * time.Second},
		{http.Header{"Retry-After": {"1.5"}}, 1500 * time.Millisecond},
		{http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, 90 * time.Second},
		{http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, 0},
		{http.Header{"Retry-After": {"-4"}}, 0},
		{http.Header{"Retry-After": {"soon"}}, 0},
		{http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"1"}}, 250 * time.Millisecond},
		{http.Header{}, 0},
	}
	for _, c := range cases {
		if got := retryAfter(c.header, now); got != c.want {
			t.Errorf("retryAfter(%v) = %v, want %v", c.header, got, c.want)
		}
	}
}

func TestStatusError(t *testing.T) {
	const key = "sk-secret-key-123"
	cases := []struct {
		status int
		body   string
		kind   runners.ErrorKind
	}{
		{401, `{"error":{"message":"Incorrect API key provided: sk-secret-key-123"}}`, runners.KindAuth},
		{403, `{"error":{"message":"forbidden"}}`, runners.KindAuth},
		{404, `{"error":{"message":"File Not Found"}}`, runners.KindNotFound},
		{400, `{"object":"error","message":"The model ` + "`m`" + ` does not exist."}`, runners.KindNotFound},
		{400, `{"error":{"message":"Invalid model name passed in model=m"}}`, runners.KindNotFound},
		{400, `{"object":"error","message":"This model's maximum context length is 2048 tokens."}`, runners.KindBadRequest},
		{422, `{"detail":[{"loc":["body","prompt"],"msg":"Field required"}]}`, runners.KindBadRequest},
		{413, `too large`, runners.KindBadRequest},
		{408, `timeout`, runners.KindTimeout},
		{409, `conflict`, runners.KindServer},
		{429, `{"error":{"message":"Rate limit reached"}}`, runners.KindRateLimit},
		{500, `{"error":{"message":"boom"}}`, runners.KindServer},
		{503, `Loading model`, runners.KindServer},
	}
	d := &doer{model: "m", apiKey: key}
	u, _ := url.Parse("http://user:pw@127.0.0.1:1/v1/chat/completions")
	req := &http.Request{Method: "POST", URL: u}
	for _, c := range cases {
		resp := &http.Response{StatusCode: c.status, Status: fmt.Sprint(c.status), Header: http.Header{"Retry-After": {"7"}}}
		err := d.statusError(req, resp, []byte(c.body))
		var e *runners.Error
		if !errors.As(err, &e) || e.Kind != c.kind || e.Status != c.status || e.RetryAfter != 7*time.Second {
			t.Errorf("%d %s: got %#v, want kind %s", c.status, c.body, err, c.kind)
			continue
		}
		if strings.Contains(e.Message, key) || strings.Contains(e.Message, "pw@") {
			t.Errorf("%d: message leaks a secret: %q", c.status, e.Message)
		}
		if c.kind == runners.KindNotFound && (!strings.Contains(e.Message, `"m"`) || !strings.Contains(e.Message, "127.0.0.1:1")) {
			t.Errorf("%d: not-found message does not name the model and URL: %q", c.status, e.Message)
		}
	}
}

func TestPatchJSON(t *testing.T) {
	extra := map[string]any{"chat_template_kwargs": map[string]any{"enable_thinking": false, "x": 1}, "top_k": 20, "seed": nil}
	body := []byte(`{"model":"m","seed":7,"big":12345678901234567890,"chat_template_kwargs":{"a":"<b>","budget":1.50}}`)
	got, err := patchJSON(body, extra)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"big":12345678901234567890,"chat_template_kwargs":{"a":"<b>","budget":1.50,"enable_thinking":false,"x":1},"model":"m","top_k":20}`
	if string(got) != want {
		t.Errorf("patchJSON = %s\nwant         %s", got, want)
	}
	// extra must be untouched and unshared.
	if len(extra["chat_template_kwargs"].(map[string]any)) != 2 {
		t.Errorf("extra was modified: %v", extra)
	}
	if _, err := patchJSON([]byte(`[1]`), extra); err == nil {
		t.Error("patchJSON accepted a non-object body")
	}
}

func TestNewPatchPrecedence(t *testing.T) {
	r := mustNew(t, runnersConfig("http://127.0.0.1:1", map[string]any{
		"temperature": 1.0, "chat_template_kwargs": map[string]any{"enable_thinking": true, "keep": "c"}}))
	p := r.newPatch(map[string]any{"chat_template_kwargs": map[string]any{"enable_thinking": false}, "top_k": 5}, map[string]any{"temperature": 0.0})
	b, _ := json.Marshal(p.set)
	want := `{"chat_template_kwargs":{"enable_thinking":false,"keep":"c"},"temperature":0,"top_k":5}`
	if string(b) != want {
		t.Errorf("patch = %s, want %s", b, want)
	}
	if r.extra["chat_template_kwargs"].(map[string]any)["enable_thinking"] != true {
		t.Error("Config.Extra was modified")
	}
}

func runnersConfig(base string, extra map[string]any) runners.Config {
	return runners.Config{Model: "m", BaseURLs: []string{base}, APIKey: "sk-k", Extra: extra}
}

// TestExtraConcurrent merges shared nested Extra maps from many goroutines;
// run with -race.
func TestExtraConcurrent(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var v struct {
			K map[string]any `json:"chat_template_kwargs"`
		}
		json.Unmarshal(b, &v)
		mu.Lock()
		seen = append(seen, fmt.Sprint(v.K))
		mu.Unlock()
		io.WriteString(w, `{"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}`)
	}))
	defer srv.Close()
	r := mustNew(t, runnersConfig(srv.URL, map[string]any{"chat_template_kwargs": map[string]any{"base": 1}}))
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := r.Generate(context.Background(), runners.GenerateRequest{Prompt: "p",
				Extra: map[string]any{"chat_template_kwargs": map[string]any{"i": i}}})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if len(seen) != 32 {
		t.Fatalf("%d requests", len(seen))
	}
	for _, s := range seen {
		if !strings.Contains(s, "base:1") || strings.Count(s, ":") != 2 {
			t.Errorf("chat_template_kwargs on the wire = %s, want base and one i", s)
		}
	}
}

func TestTimeoutAndNetworkErrors(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	cfg := runnersConfig(slow.URL, nil)
	cfg.Timeout = 100 * time.Millisecond
	r := mustNew(t, cfg)
	_, err := r.Generate(context.Background(), runners.GenerateRequest{Prompt: "p"})
	checkErr(t, err, runners.KindTimeout, []string{"within 100ms"})

	// The caller's own deadline is not a runner timeout: it is returned as
	// the context error.
	cfg.Timeout = time.Minute
	r = mustNew(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = r.Generate(ctx, runners.GenerateRequest{Prompt: "p"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("caller deadline: err = %v", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r = mustNew(t, runnersConfig("http://"+addr, nil))
	_, err = r.LogLikelihood(context.Background(), runners.LogLikelihoodRequest{Pairs: []runners.Continuation{{Context: "a", Continuation: " b"}}})
	checkErr(t, err, runners.KindNetwork, []string{addr})
}

func TestAPIKeyOnlyInAuthorizationHeader(t *testing.T) {
	const key = "sk-only-in-header-42"
	var got []string
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, r.Header.Get("Authorization"))
		bodies = append(bodies, r.URL.String()+string(b))
		w.WriteHeader(500)
		io.WriteString(w, `{"error":{"message":"key `+key+` broke"}}`)
	}))
	defer srv.Close()
	cfg := runnersConfig(srv.URL, nil)
	cfg.APIKey = key
	r := mustNew(t, cfg)
	_, err := r.Generate(context.Background(), runners.GenerateRequest{Prompt: "p"})
	checkErr(t, err, runners.KindServer, []string{"[redacted]"})
	if strings.Contains(err.Error(), key) {
		t.Errorf("error leaks the key: %v", err)
	}
	if len(got) != 1 || got[0] != "Bearer "+key {
		t.Errorf("Authorization = %q", got)
	}
	if strings.Contains(bodies[0], key) {
		t.Errorf("key in URL or body: %s", bodies[0])
	}
	d, _ := json.Marshal(r.Describe())
	if strings.Contains(string(d), key) {
		t.Errorf("Describe leaks the key: %s", d)
	}

	// No key: no Authorization header at all.
	cfg.APIKey = ""
	r = mustNew(t, cfg)
	r.Generate(context.Background(), runners.GenerateRequest{Prompt: "p"})
	if got[len(got)-1] != "" {
		t.Errorf("Authorization without a key = %q", got[len(got)-1])
	}
}
