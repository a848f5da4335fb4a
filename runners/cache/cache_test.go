package cache

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hanbench/hanbench/runners"
)

// fake answers deterministically from the request, counting calls. While
// failing is set it fails instead; gate, if set, holds calls until closed.
type fake struct {
	model   string
	calls   atomic.Int64
	failing atomic.Bool
	gate    chan struct{}
	logProb float64
}

func (f *fake) Generate(ctx context.Context, req runners.GenerateRequest) (runners.GenerateResponse, error) {
	f.calls.Add(1)
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return runners.GenerateResponse{}, ctx.Err()
		}
	}
	if f.failing.Load() {
		return runners.GenerateResponse{}, &runners.Error{Kind: runners.KindServer, Status: 503, Message: "busy"}
	}
	return runners.GenerateResponse{
		Text:         f.model + " says " + req.Prompt,
		Reasoning:    "thought about " + req.Prompt,
		FinishReason: "stop",
		Usage:        runners.Usage{PromptTokens: len(req.Prompt), CompletionTokens: 7, Latency: 50 * time.Millisecond, Retries: 2},
	}, nil
}

func (f *fake) LogLikelihood(ctx context.Context, req runners.LogLikelihoodRequest) (runners.LogLikelihoodResponse, error) {
	f.calls.Add(1)
	if f.failing.Load() {
		return runners.LogLikelihoodResponse{}, &runners.Error{Kind: runners.KindServer, Status: 503, Message: "busy"}
	}
	out := runners.LogLikelihoodResponse{Usage: runners.Usage{PromptTokens: 11}}
	for i := range req.Pairs {
		lp := f.logProb
		if lp == 0 {
			lp = -1.0 / float64(i+3) // not exact in binary: checks the float round trip
		}
		out.Results = append(out.Results, runners.LogLikelihood{LogProb: lp, IsGreedy: i%2 == 0, Tokens: i + 1})
	}
	return out, nil
}

func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

var ns = Namespace{Model: "model-a", Revision: "r1", Kind: "openai", Endpoint: "chat"}

func gen(prompt string) runners.GenerateRequest {
	return runners.GenerateRequest{Prompt: prompt, Messages: []runners.Message{{Role: "user", Content: prompt}}, MaxTokens: 32}
}

func TestSecondCallIsAHit(t *testing.T) { forEachBackend(t, testSecondCallIsAHit) }

func testSecondCallIsAHit(t *testing.T, s *Store) {
	inner := &fake{model: "A"}
	r := Wrap(inner, s, ns)
	ctx := context.Background()
	first, err := r.Generate(ctx, gen("질문"))
	if err != nil {
		t.Fatal(err)
	}
	if first.Usage.Cached || first.Usage.Retries != 2 || first.Usage.Latency != 50*time.Millisecond {
		t.Errorf("first usage %+v: want the backend's, not cached", first.Usage)
	}
	second, err := r.Generate(ctx, gen("질문"))
	if err != nil {
		t.Fatal(err)
	}
	if inner.calls.Load() != 1 {
		t.Fatalf("backend called %d times, want 1", inner.calls.Load())
	}
	if !second.Usage.Cached || second.Usage.Retries != 0 || second.Usage.Latency > 40*time.Millisecond ||
		second.Usage.PromptTokens != first.Usage.PromptTokens || second.Usage.CompletionTokens != 7 {
		t.Errorf("hit usage %+v", second.Usage)
	}
	first.Usage, second.Usage = runners.Usage{}, runners.Usage{}
	if !reflect.DeepEqual(first, second) {
		t.Errorf("hit %+v differs from original %+v", second, first)
	}
	if st := s.Stats(); st.Hits != 1 || st.Misses != 1 || st.Stored != 1 || st.Errors != 0 {
		t.Errorf("stats %+v", st)
	}

	// Log-likelihood, with exact float round trip.
	req := runners.LogLikelihoodRequest{Pairs: []runners.Continuation{{Context: "문맥", Continuation: " 답"}, {Context: "x", Continuation: " y"}}}
	a, err := r.LogLikelihood(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.LogLikelihood(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if inner.calls.Load() != 2 || !b.Usage.Cached || !reflect.DeepEqual(a.Results, b.Results) {
		t.Errorf("log-likelihood: calls %d, hit %+v, want %+v", inner.calls.Load(), b, a)
	}
}

func TestModelsNeverShareAnswers(t *testing.T) { forEachBackend(t, testModelsNeverShareAnswers) }

func testModelsNeverShareAnswers(t *testing.T, s *Store) {
	ctx := context.Background()
	a, b := &fake{model: "A"}, &fake{model: "B"}
	variants := []struct {
		name  string
		inner *fake
		ns    Namespace
	}{
		{"model A", a, ns},
		{"model B", b, Namespace{Model: "model-b", Revision: "r1", Kind: "openai", Endpoint: "chat"}},
		{"model A other revision", b, Namespace{Model: "model-a", Revision: "r2", Kind: "openai", Endpoint: "chat"}},
		{"model A no revision", b, Namespace{Model: "model-a", Kind: "openai", Endpoint: "chat"}},
		{"model A completions endpoint", b, Namespace{Model: "model-a", Revision: "r1", Kind: "openai", Endpoint: "completions"}},
		{"model A other backend", b, Namespace{Model: "model-a", Revision: "r1", Kind: "other", Endpoint: "chat"}},
		{"model A thinking on", b, Namespace{Model: "model-a", Revision: "r1", Kind: "openai", Endpoint: "chat",
			Extra: map[string]any{"chat_template_kwargs": map[string]any{"enable_thinking": true}}}},
	}
	for _, v := range variants {
		before := v.inner.calls.Load()
		resp, err := Wrap(v.inner, s, v.ns).Generate(ctx, gen("같은 질문"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Usage.Cached || v.inner.calls.Load() != before+1 {
			t.Errorf("%s: served from the cache (%q)", v.name, resp.Text)
		}
	}
	// Each namespace now hits its own entry.
	resp, err := Wrap(b, s, variants[1].ns).Generate(ctx, gen("같은 질문"))
	if err != nil || !resp.Usage.Cached || resp.Text != "B says 같은 질문" {
		t.Errorf("model B hit = %q cached=%v err=%v", resp.Text, resp.Usage.Cached, err)
	}
	resp, err = Wrap(a, s, ns).Generate(ctx, gen("같은 질문"))
	if err != nil || !resp.Usage.Cached || resp.Text != "A says 같은 질문" {
		t.Errorf("model A hit = %q cached=%v err=%v", resp.Text, resp.Usage.Cached, err)
	}
}

func TestErrorsAreNotCached(t *testing.T) { forEachBackend(t, testErrorsAreNotCached) }

func testErrorsAreNotCached(t *testing.T, s *Store) {
	inner := &fake{model: "A"}
	r := Wrap(inner, s, ns)
	inner.failing.Store(true)
	if _, err := r.Generate(context.Background(), gen("q")); err == nil {
		t.Fatal("want error")
	}
	inner.failing.Store(false)
	resp, err := r.Generate(context.Background(), gen("q"))
	if err != nil || resp.Usage.Cached || inner.calls.Load() != 2 {
		t.Fatalf("after an error: %+v %v calls %d", resp, err, inner.calls.Load())
	}
	if n, _ := s.Len(context.Background()); n != 1 {
		t.Errorf("%d entries, want 1", n)
	}
}

func TestKeyCoversEveryRequestField(t *testing.T) {
	seed, seed2 := 1, 2
	base := runners.GenerateRequest{
		Prompt: "p", Messages: []runners.Message{{Role: "user", Content: "p"}}, Until: []string{"\n"},
		MaxTokens: 10, Temperature: 0, TopP: 0.9, Seed: &seed, Extra: map[string]any{"top_k": 20},
	}
	// One change per field; a new field in GenerateRequest fails the count
	// check until a case is added for it here.
	changes := map[string]func(r *runners.GenerateRequest){
		"Prompt":      func(r *runners.GenerateRequest) { r.Prompt = "q" },
		"Messages":    func(r *runners.GenerateRequest) { r.Messages = []runners.Message{{Role: "system", Content: "p"}} },
		"Until":       func(r *runners.GenerateRequest) { r.Until = []string{"\n\n"} },
		"MaxTokens":   func(r *runners.GenerateRequest) { r.MaxTokens = 11 },
		"Temperature": func(r *runners.GenerateRequest) { r.Temperature = 0.7 },
		"TopP":        func(r *runners.GenerateRequest) { r.TopP = 1 },
		"Seed":        func(r *runners.GenerateRequest) { r.Seed = &seed2 },
		"Extra":       func(r *runners.GenerateRequest) { r.Extra = map[string]any{"top_k": 21} },
		"TopLogprobs": func(r *runners.GenerateRequest) { r.TopLogprobs = 20 },
	}
	if n := reflect.TypeFor[runners.GenerateRequest]().NumField(); n != len(changes) {
		t.Fatalf("GenerateRequest has %d fields, the test covers %d", n, len(changes))
	}
	k0, err := Key(ns, MethodGenerate, base)
	if err != nil {
		t.Fatal(err)
	}
	for name, change := range changes {
		r := base
		change(&r)
		k, err := Key(ns, MethodGenerate, r)
		if err != nil {
			t.Fatal(err)
		}
		if k == k0 {
			t.Errorf("changing %s does not change the key", name)
		}
	}
	noSeed := base
	noSeed.Seed = nil
	if k, _ := Key(ns, MethodGenerate, noSeed); k == k0 {
		t.Error("dropping the seed does not change the key")
	}
	if k, _ := Key(ns, MethodLogLikelihood, base); k == k0 {
		t.Error("method is not in the key")
	}
	if n := reflect.TypeFor[Namespace]().NumField(); n != 5 {
		t.Errorf("Namespace has %d fields: check TestModelsNeverShareAnswers covers the new one", n)
	}

	// Pairs: order and content matter.
	p1 := runners.LogLikelihoodRequest{Pairs: []runners.Continuation{{Context: "a", Continuation: "b"}, {Context: "c", Continuation: "d"}}}
	p2 := runners.LogLikelihoodRequest{Pairs: []runners.Continuation{{Context: "c", Continuation: "d"}, {Context: "a", Continuation: "b"}}}
	p3 := runners.LogLikelihoodRequest{Pairs: []runners.Continuation{{Context: "ab", Continuation: ""}, {Context: "c", Continuation: "d"}}}
	k1, _ := Key(ns, MethodLogLikelihood, p1)
	k2, _ := Key(ns, MethodLogLikelihood, p2)
	k3, _ := Key(ns, MethodLogLikelihood, p3)
	if k1 == k2 || k1 == k3 {
		t.Error("pair order or the context/continuation split is not in the key")
	}
}

func TestKeyIsCanonical(t *testing.T) {
	a := runners.GenerateRequest{Prompt: "p", Extra: map[string]any{"a": 1, "b": map[string]any{"x": true, "y": "z"}}}
	b := runners.GenerateRequest{Prompt: "p", Extra: map[string]any{"b": map[string]any{"y": "z", "x": true}, "a": 1.0}}
	ka, _ := Key(ns, MethodGenerate, a)
	kb, _ := Key(ns, MethodGenerate, b)
	if ka != kb {
		t.Error("map order or 1 vs 1.0 changes the key")
	}
	empty := runners.GenerateRequest{Prompt: "p", Until: []string{}, Messages: []runners.Message{}, Extra: map[string]any{}}
	kn, _ := Key(ns, MethodGenerate, runners.GenerateRequest{Prompt: "p"})
	ke, _ := Key(ns, MethodGenerate, empty)
	if kn != ke {
		t.Error("empty and nil slices give different keys")
	}
	nsEmpty := ns
	nsEmpty.Extra = map[string]any{}
	if k, _ := Key(nsEmpty, MethodGenerate, runners.GenerateRequest{Prompt: "p"}); k != kn {
		t.Error("empty and nil namespace Extra give different keys")
	}
	// A golden key: if this changes, existing caches silently stop
	// hitting. Bump keyVersion deliberately instead.
	seed := 3
	k, err := Key(Namespace{Model: "m", Revision: "r", Kind: "openai", Endpoint: "chat"}, MethodGenerate,
		runners.GenerateRequest{Prompt: "안녕", Until: []string{"\n"}, MaxTokens: 5, Temperature: 0.5, Seed: &seed})
	if err != nil {
		t.Fatal(err)
	}
	const golden = "25238789bd94f34683117569062ccda8e7ea52212fe45caf1fc2941c78779598"
	if got := hex.EncodeToString(k[:]); got != golden {
		t.Errorf("golden key changed: %s", got)
	}
}

func TestUncacheableRequestsBypass(t *testing.T) {
	s, _ := openTemp(t)
	inner := &fake{model: "A"}
	r := Wrap(inner, s, ns)
	req := gen("q")
	req.Temperature = math.NaN()
	for range 2 {
		if _, err := r.Generate(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	inf := &fake{model: "A", logProb: math.Inf(-1)}
	ll := runners.LogLikelihoodRequest{Pairs: []runners.Continuation{{Context: "a", Continuation: "b"}}}
	for range 2 {
		resp, err := Wrap(inf, s, ns).LogLikelihood(context.Background(), ll)
		if err != nil || !math.IsInf(resp.Results[0].LogProb, -1) {
			t.Fatalf("%+v %v", resp, err)
		}
	}
	if inner.calls.Load() != 2 || inf.calls.Load() != 2 {
		t.Errorf("calls %d and %d, want 2 and 2", inner.calls.Load(), inf.calls.Load())
	}
	if st := s.Stats(); st.Uncacheable != 4 || st.Stored != 0 || st.Errors != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestInFlightRequestsShareOneCall(t *testing.T) {
	s, _ := openTemp(t)
	gate := make(chan struct{})
	inner := &fake{model: "A", gate: gate}
	r := Wrap(inner, s, ns)
	var wg sync.WaitGroup
	results := make([]runners.GenerateResponse, 10)
	for i := range results {
		wg.Go(func() {
			var err error
			results[i], err = r.Generate(context.Background(), gen("same"))
			if err != nil {
				t.Error(err)
			}
		})
	}
	for inner.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the others queue behind it
	close(gate)
	wg.Wait()
	cached := 0
	for _, res := range results {
		if res.Text != "A says same" {
			t.Errorf("text %q", res.Text)
		}
		if res.Usage.Cached {
			cached++
		}
	}
	if inner.calls.Load() != 1 || cached != 9 {
		t.Errorf("backend calls %d, cached answers %d; want 1 and 9", inner.calls.Load(), cached)
	}
}

// leaderFake fails its first call after gate is closed and answers every
// later call at once.
type leaderFake struct {
	fake
	gate chan struct{}
}

func (f *leaderFake) Generate(ctx context.Context, req runners.GenerateRequest) (runners.GenerateResponse, error) {
	if f.calls.Load() == 0 {
		f.calls.Add(1)
		<-f.gate
		return runners.GenerateResponse{}, &runners.Error{Kind: runners.KindServer, Status: 503, Message: "busy"}
	}
	return f.fake.Generate(ctx, req)
}

func TestFailedLeaderLetsFollowersTry(t *testing.T) {
	s, _ := openTemp(t)
	inner := &leaderFake{fake: fake{model: "A"}, gate: make(chan struct{})}
	r := Wrap(inner, s, ns)
	leaderErr := make(chan error)
	go func() {
		_, err := r.Generate(context.Background(), gen("x"))
		leaderErr <- err
	}()
	for inner.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	follower := make(chan runners.GenerateResponse)
	go func() {
		resp, err := r.Generate(context.Background(), gen("x"))
		if err != nil {
			t.Error(err)
		}
		follower <- resp
	}()
	time.Sleep(20 * time.Millisecond) // the follower waits for the leader
	if inner.calls.Load() != 1 {
		t.Fatalf("follower did not wait: %d calls", inner.calls.Load())
	}
	close(inner.gate)
	if err := <-leaderErr; err == nil {
		t.Error("leader: want its error")
	}
	resp := <-follower
	if resp.Text != "A says x" || resp.Usage.Cached || inner.calls.Load() != 2 {
		t.Errorf("follower got %+v after %d calls, want its own fresh answer", resp, inner.calls.Load())
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	const n = 300
	inner := &fake{model: "A"}
	r := Wrap(inner, s, ns)
	for i := range n {
		if _, err := r.Generate(context.Background(), gen(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	checkAllCached(t, s2, n)
}

// checkAllCached asserts prompts 0..n-1 are all answered from s.
func checkAllCached(t *testing.T, s *Store, n int) {
	t.Helper()
	inner := &fake{model: "A"}
	r := Wrap(inner, s, ns)
	for i := range n {
		resp, err := r.Generate(context.Background(), gen(strconv.Itoa(i)))
		if err != nil || !resp.Usage.Cached || resp.Text != "A says "+strconv.Itoa(i) {
			t.Fatalf("prompt %d: %q cached=%v err=%v", i, resp.Text, resp.Usage.Cached, err)
		}
	}
	if inner.calls.Load() != 0 {
		t.Errorf("backend called %d times", inner.calls.Load())
	}
}

const childEnv = "HANBENCH_CACHE_TEST_CHILD"

// TestChildProcess is the body of the child processes of the tests below;
// it does nothing in a normal run. It writes prompts FROM..TO-1 and prints
// each index after its answer has been stored.
func TestChildProcess(t *testing.T) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		t.Skip("helper for TestKillNine and TestTwoProcesses")
	}
	var dir string
	var from, to int
	if _, err := fmt.Sscanf(spec, "%d %d %s", &from, &to, &dir); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := Wrap(&fake{model: "A"}, s, ns)
	out := bufio.NewWriter(os.Stdout)
	for i := from; i < to; i++ {
		resp, err := r.Generate(context.Background(), gen(strconv.Itoa(i)))
		if err != nil || s.Err() != nil {
			t.Fatal(err, s.Err())
		}
		if resp.Text != "A says "+strconv.Itoa(i) {
			t.Fatal(resp.Text)
		}
		fmt.Fprintf(out, "stored %d\n", i)
		out.Flush()
	}
}

func child(t *testing.T, dir string, from, to int) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d %d %s", childEnv, from, to, dir))
	return cmd
}

// TestKillNine kills a writing process with SIGKILL and checks that every
// answer it had reported stored is in the reopened cache.
func TestKillNine(t *testing.T) {
	dir := t.TempDir()
	cmd := child(t, dir, 0, 1_000_000)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	reported := 0
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "stored ") {
			reported++
			if reported == 500 {
				break
			}
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	cmd.Wait()
	if reported != 500 {
		t.Fatalf("child reported %d answers before dying", reported)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var check string
	if err := s.be.(*sqliteBackend).rdb.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	checkAllCached(t, s, 500)
}

// TestTwoProcesses runs two writer processes and two Store handles in this
// process on one directory at the same time, with overlapping prompts.
func TestTwoProcesses(t *testing.T) {
	dir := t.TempDir()
	const n = 400
	var cmds []*exec.Cmd
	for _, rng := range [][2]int{{0, 250}, {150, n}} {
		cmd := child(t, dir, rng[0], rng[1])
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
		t.Cleanup(func() {
			if t.Failed() {
				t.Log(stderr.String())
			}
		})
	}
	var wg sync.WaitGroup
	for h := range 2 {
		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		wg.Go(func() {
			r := Wrap(&fake{model: "A"}, s, ns)
			for i := h * 100; i < n; i += 3 {
				if _, err := r.Generate(context.Background(), gen(strconv.Itoa(i))); err != nil {
					t.Error(err)
				}
			}
			if err := s.Err(); err != nil {
				t.Errorf("store %d: %v", h, err)
			}
		})
	}
	wg.Wait()
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("child %d: %v", i, err)
		}
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkAllCached(t, s, n)
}

// TestConcurrentHandles hammers two Store handles on one file from 64
// goroutines (run with -race).
func TestConcurrentHandles(t *testing.T) {
	dir := t.TempDir()
	stores := make([]*Store, 2)
	for i := range stores {
		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	const prompts = 100
	inner := &fake{model: "A"}
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Go(func() {
			r := Wrap(inner, stores[g%2], ns)
			for j := range 20 {
				p := strconv.Itoa((g*7 + j*13) % prompts)
				resp, err := r.Generate(context.Background(), gen(p))
				if err != nil || resp.Text != "A says "+p {
					t.Errorf("goroutine %d: %q %v", g, resp.Text, err)
				}
				ll, err := r.LogLikelihood(context.Background(), runners.LogLikelihoodRequest{Pairs: []runners.Continuation{{Context: p, Continuation: " x"}}})
				if err != nil || len(ll.Results) != 1 {
					t.Errorf("goroutine %d: %+v %v", g, ll, err)
				}
			}
		})
	}
	wg.Wait()
	for i, s := range stores {
		if st := s.Stats(); st.Errors != 0 {
			t.Errorf("store %d: %+v: %v", i, st, s.Err())
		}
	}
	// 2 methods x 100 prompts; each answer fetched at most once per handle.
	if c := inner.calls.Load(); c < 2*prompts || c > 2*2*prompts {
		t.Errorf("backend calls %d, want between %d and %d", c, 2*prompts, 4*prompts)
	}
	if n, _ := stores[0].Len(context.Background()); n != 2*prompts {
		t.Errorf("%d entries, want %d", n, 2*prompts)
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(""); err == nil {
		t.Error("Open(\"\") succeeded")
	}
	file := filepath.Join(t.TempDir(), "plain-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(file); err == nil || !strings.Contains(err.Error(), "plain-file") {
		t.Errorf("Open(file) = %v, want an error naming it", err)
	}
	// A database of another schema version is refused, naming the file.
	s, dir := openTemp(t)
	if _, err := s.be.(*sqliteBackend).wdb.Exec(`UPDATE meta SET value = '99' WHERE key = 'schema'`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), FileName) || !strings.Contains(err.Error(), "99") {
		t.Errorf("Open(old schema) = %v", err)
	}
}

func TestOddDirectoryNames(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "with space?and#hash%20", "캐시")
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := Wrap(&fake{model: "A"}, s, ns).Generate(context.Background(), gen("q")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
		t.Errorf("database not where expected: %v", err)
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/tmp/xdg-cache-test")
	t.Setenv("HOME", "/tmp/home-test")
	d, err := DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.UserCacheDir()
	if d != filepath.Join(want, "hanbench") {
		t.Errorf("DefaultDir = %q", d)
	}
}

func TestWrapRequiresModel(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Wrap with no model did not panic")
		}
	}()
	s, _ := openTemp(t)
	Wrap(&fake{}, s, Namespace{Kind: "openai"})
}

func TestClosedStoreFallsThrough(t *testing.T) {
	s, _ := openTemp(t)
	inner := &fake{model: "A"}
	r := Wrap(inner, s, ns)
	s.Close()
	resp, err := r.Generate(context.Background(), gen("q"))
	if err != nil || resp.Text != "A says q" {
		t.Fatalf("%+v %v", resp, err)
	}
	if s.Stats().Errors == 0 || s.Err() == nil {
		t.Error("database errors not counted")
	}
}

func TestCancelledFollower(t *testing.T) {
	s, _ := openTemp(t)
	gate := make(chan struct{})
	defer close(gate)
	inner := &fake{model: "A", gate: gate}
	r := Wrap(inner, s, ns)
	go r.Generate(context.Background(), gen("slow"))
	for inner.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := r.Generate(ctx, gen("slow")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("follower err = %v", err)
	}
}

type described struct{ fake }

func (d *described) Describe() runners.Description { return runners.Description{Model: "m"} }

func TestDescriberPassThrough(t *testing.T) {
	s, _ := openTemp(t)
	if _, ok := Wrap(&fake{}, s, ns).(runners.Describer); ok {
		t.Error("wrapper of a non-Describer claims to be one")
	}
	if d, ok := Wrap(&described{}, s, ns).(runners.Describer); !ok || d.Describe().Model != "m" {
		t.Error("Describe not passed through")
	}
}

func BenchmarkCacheHit(b *testing.B) {
	s, _ := openTemp(b)
	r := Wrap(&fake{model: "A"}, s, ns)
	ctx := context.Background()
	req := gen(strings.Repeat("한국어 질문입니다. ", 50))
	if _, err := r.Generate(ctx, req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Generate(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCacheMissAndStore(b *testing.B) {
	s, _ := openTemp(b)
	r := Wrap(&fake{model: "A"}, s, ns)
	ctx := context.Background()
	prefix := strings.Repeat("한국어 질문입니다. ", 50)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if _, err := r.Generate(ctx, gen(prefix+strconv.Itoa(i))); err != nil {
			b.Fatal(err)
		}
	}
}

func TestUnreadableEntryIsReplaced(t *testing.T) {
	s, _ := openTemp(t)
	inner := &fake{model: "A"}
	r := Wrap(inner, s, ns)
	ctx := context.Background()
	ll := runners.LogLikelihoodRequest{Pairs: []runners.Continuation{{Context: "a", Continuation: "b"}, {Context: "c", Continuation: "d"}}}
	if _, err := r.Generate(ctx, gen("q")); err != nil {
		t.Fatal(err)
	}
	if _, err := r.LogLikelihood(ctx, ll); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`{"Text": 5}`, `{"Results": [{"LogProb": -1}]}`} {
		if _, err := s.be.(*sqliteBackend).wdb.Exec(`UPDATE responses SET response = ?`, bad); err != nil {
			t.Fatal(err)
		}
		before := inner.calls.Load()
		g, err := r.Generate(ctx, gen("q"))
		if err != nil || g.Usage.Cached || g.Text != "A says q" {
			t.Errorf("%s: generate %+v %v", bad, g, err)
		}
		l, err := r.LogLikelihood(ctx, ll)
		if err != nil || l.Usage.Cached || len(l.Results) != 2 {
			t.Errorf("%s: loglikelihood %+v %v", bad, l, err)
		}
		if inner.calls.Load() != before+2 {
			t.Errorf("%s: backend calls %d, want 2 more", bad, inner.calls.Load()-before)
		}
		// Replaced: hits again.
		if g, _ := r.Generate(ctx, gen("q")); !g.Usage.Cached {
			t.Errorf("%s: entry not replaced", bad)
		}
		if l, _ := r.LogLikelihood(ctx, ll); !l.Usage.Cached {
			t.Errorf("%s: entry not replaced", bad)
		}
	}
	if s.Stats().Errors == 0 || !strings.Contains(s.Err().Error(), "unreadable") {
		t.Errorf("stats %+v, err %v", s.Stats(), s.Err())
	}
}

func TestPragmas(t *testing.T) {
	s, _ := openTemp(t)
	for name, db := range map[string]interface {
		QueryRow(string, ...any) *sql.Row
	}{"reader": s.be.(*sqliteBackend).rdb, "writer": s.be.(*sqliteBackend).wdb} {
		var mode string
		var sync, busy int
		if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow("PRAGMA busy_timeout").Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if mode != "wal" || sync != 1 || busy != int(busyTimeout.Milliseconds()) {
			t.Errorf("%s: journal_mode %s, synchronous %d, busy_timeout %d; want wal, 1 (NORMAL), %d", name, mode, sync, busy, busyTimeout.Milliseconds())
		}
	}
}
