package gate

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/hanbench/hanbench/evals/judge"
	"github.com/hanbench/hanbench/evals/results"
	"github.com/hanbench/hanbench/evals/stats"
	"github.com/hanbench/hanbench/runners"
)

// Synthetic pairwise prompts (written for these tests): the fake judge
// finds the answers between <A>…</A> and <B>…</B>.
const testPairPrompts = `{"name": "pair-v2", "type": "pairwise", "system_prompt": "SYS", "prompt_template": "[Q]{question}<A>{answer_a}</A><B>{answer_b}</B>", "output_format": "[[A]]"}
{"name": "pair-v2-multi-turn", "type": "pairwise", "system_prompt": "SYS M", "prompt_template": "{question_1}{question_2}<A>{answer_a_1}|{answer_a_2}</A><B>{answer_b_1}|{answer_b_2}</B>", "output_format": "[[A]]"}
{"name": "pair-math-v1", "type": "pairwise", "system_prompt": "SYS R", "prompt_template": "[Q]{question}[R]{ref_answer_1}<A>{answer_a}</A><B>{answer_b}</B>", "output_format": "[[A]]"}
{"name": "pair-math-v1-multi-turn", "type": "pairwise", "system_prompt": "SYS RM", "prompt_template": "{question_1}{ref_answer_1}{question_2}{ref_answer_2}<A>{answer_a_1}|{answer_a_2}</A><B>{answer_b_1}|{answer_b_2}</B>", "output_format": "[[A]]"}
`

func writePairPromptsDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "judge_prompts_ko.jsonl"), []byte(testPairPrompts), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// fakeJudge is an in-process judge runner.
type fakeJudge struct {
	mu    sync.Mutex
	calls int
	reply func(user string) (string, error)
}

func (f *fakeJudge) Generate(_ context.Context, req runners.GenerateRequest) (runners.GenerateResponse, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	text, err := f.reply(req.Messages[len(req.Messages)-1].Content)
	return runners.GenerateResponse{Text: text}, err
}

func (f *fakeJudge) LogLikelihood(context.Context, runners.LogLikelihoodRequest) (runners.LogLikelihoodResponse, error) {
	return runners.LogLikelihoodResponse{}, runners.ErrUnsupported
}

func (f *fakeJudge) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// markerReply prefers the answer that contains "GOOD"; a tie otherwise.
func markerReply(user string) (string, error) {
	cut := func(open, close string) string {
		_, rest, _ := strings.Cut(user, open)
		s, _, _ := strings.Cut(rest, close)
		return s
	}
	a, b := strings.Contains(cut("<A>", "</A>"), "GOOD"), strings.Contains(cut("<B>", "</B>"), "GOOD")
	switch {
	case a && !b:
		return "[[A]]", nil
	case b && !a:
		return "[[B]]", nil
	}
	return "[[C]]", nil
}

// judgeSamples builds n one-turn judge-task samples; good(i) puts the
// marker into answer i.
func judgeSamples(task string, n int, good func(int) bool) []results.Sample {
	out := make([]results.Sample, n)
	for i := range out {
		q := fmt.Sprintf("질문 %d", i)
		a := fmt.Sprintf("답 %d", i)
		if good(i) {
			a = "GOOD " + a
		}
		prompt, _ := json.Marshal([]runners.Message{{Role: "user", Content: q}})
		resp, _ := json.Marshal(map[string]any{"answers": []string{a}, "judgments": []any{}})
		out[i] = results.Sample{Task: task, DocID: int64(i), Prompt: string(prompt), PromptHash: hash(q),
			Response: string(resp), Extracted: "[5]", Metrics: map[string]float64{"score": 5, "unjudged": 0}}
	}
	return out
}

func always(v bool) func(int) bool { return func(int) bool { return v } }

// pairwiseEval runs the gate with a judge on constructed runs.
func pairwiseEval(t *testing.T, base, cand fakeRun, policy string, j runners.Runner, promptsDir string) *Report {
	t.Helper()
	root := t.TempDir()
	p, err := ParsePolicy("gate.yaml", []byte(policy))
	if err != nil {
		t.Fatalf("policy: %v", err)
	}
	rep, err := EvaluateContext(context.Background(), Options{
		Candidate: writeRun(t, filepath.Join(root, "cand"), cand), Baseline: writeRun(t, filepath.Join(root, "base"), base),
		Policy: p, Judge: j, JudgeModel: "judge-x", JudgeConcurrency: 3, PairwisePromptsDir: promptsDir,
	})
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	return rep
}

func TestPairwisePolicy(t *testing.T) {
	p, err := ParsePolicy("gate.yaml", []byte("pairwise:\n  komt_bench: {max_loss_margin: 0.05, significance: 0.01}\n  logickor: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !p.NeedsBaseline() || !p.NeedsJudge() {
		t.Errorf("NeedsBaseline %v NeedsJudge %v", p.NeedsBaseline(), p.NeedsJudge())
	}
	if pw := p.pairwiseFor("komt_bench"); *pw.MaxLossMargin != 0.05 || *pw.Significance != 0.01 {
		t.Errorf("komt_bench %+v", pw)
	}
	if pw := p.pairwiseFor("logickor"); *pw.MaxLossMargin != 0 || *pw.Significance != DefaultSignificance {
		t.Errorf("logickor defaults %+v", pw)
	}
	p, err = ParsePolicy("gate.yaml", []byte("regressions:\n  default: {}\n"))
	if err != nil || p.NeedsJudge() {
		t.Errorf("a policy without pairwise entries needs a judge: %v", err)
	}
	tests := []struct{ name, yaml, want string }{
		{"unknown key", "pairwise:\n  komt_bench: {max_drop: 0.1}\n", "gate.yaml:2:"},
		{"wrong type", "pairwise:\n  komt_bench: {significance: high}\n", "gate.yaml:2:"},
		{"not a map", "pairwise: [komt_bench]\n", "gate.yaml:1:"},
		{"default entry", "pairwise:\n  default: {}\n", "gate.yaml:2: pairwise.default: pairwise entries name judge tasks"},
		{"empty name", "pairwise:\n  \"\": {}\n", "pairwise.: empty task name"},
		{"margin above 1", "pairwise:\n  komt_bench:\n    max_loss_margin: 1.5\n", "gate.yaml:3: pairwise.komt_bench.max_loss_margin: 1.5 is not a rate"},
		{"negative margin", "pairwise:\n  komt_bench:\n    max_loss_margin: -0.1\n", "gate.yaml:3: pairwise.komt_bench.max_loss_margin:"},
		{"significance 0", "pairwise:\n  komt_bench:\n    significance: 0\n", "gate.yaml:3: pairwise.komt_bench.significance:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy("gate.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := Evaluate(Options{Candidate: t.TempDir(), Policy: mustPolicy(t, "pairwise:\n  komt_bench: {}\n")}); !errors.Is(err, ErrNeedBaseline) {
		t.Errorf("pairwise without a baseline: %v", err)
	}
}

func mustPolicy(t *testing.T, y string) *Policy {
	t.Helper()
	p, err := ParsePolicy("gate.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPairwiseChecks(t *testing.T) {
	prompts := writePairPromptsDir(t)
	run := func(samples []results.Sample) fakeRun {
		return fakeRun{model: "m", tasks: []fakeTask{{name: "komt_bench", samples: samples}}}
	}
	// baseline/candidate answer quality per doc: 'g' marked GOOD.
	runs := func(n int, base, cand func(int) bool) (fakeRun, fakeRun) {
		return run(judgeSamples("komt_bench", n, base)), run(judgeSamples("komt_bench", n, cand))
	}
	marker := func() runners.Runner { return &fakeJudge{reply: markerReply} }
	tests := []struct {
		name       string
		n          int
		base, cand func(int) bool
		policy     string
		judge      runners.Runner
		prompts    string
		verdict    Verdict
		reason     string
		check      func(t *testing.T, c *Check)
	}{
		{name: "candidate worse fails", n: 20, base: always(true), cand: always(false),
			policy: "pairwise:\n  komt_bench: {max_loss_margin: 0.05}\n", judge: marker(), verdict: Fail,
			reason: "the candidate loses: loss rate − win rate 1 > max_loss_margin 0.05 and significant",
			check: func(t *testing.T, c *Check) {
				pc := c.Pairwise
				if pc.Wins != 0 || pc.Losses != 20 || pc.Ties != 0 || pc.JudgeRequests != 40 || pc.Questions.Matched != 20 || pc.Judge != "judge-x" {
					t.Errorf("counts %+v", pc)
				}
				if *c.Candidate != 0 || *c.Baseline != 1 || *c.Delta != -1 || *c.Drop != 1 || !near(*c.P, 2*math.Pow(0.5, 20)) || *c.CIHigh >= 0 {
					t.Errorf("numbers cand %v base %v delta %v p %v ci [%v, %v]", *c.Candidate, *c.Baseline, *c.Delta, *c.P, *c.CILow, *c.CIHigh)
				}
				if c.Test != TestSignExact || c.CIMethod != ciTango || c.Metric != "win_rate" || !c.ExceedsMaxLossMargin || !c.Significant {
					t.Errorf("check %+v", c)
				}
			}},
		{name: "equal passes", n: 20, base: always(false), cand: always(false),
			policy: "pairwise:\n  komt_bench: {}\n", judge: marker(), verdict: Pass, reason: "no net loss",
			check: func(t *testing.T, c *Check) {
				if c.Pairwise.Ties != 20 || *c.Candidate != 0.5 || *c.Delta != 0 || *c.P != 1 {
					t.Errorf("counts %+v cand %v", c.Pairwise, *c.Candidate)
				}
			}},
		{name: "better passes", n: 20, base: always(false), cand: always(true),
			policy: "pairwise:\n  komt_bench: {}\n", judge: marker(), verdict: Pass, reason: "no net loss (win rate − loss rate +1"},
		{name: "significant loss within the margin passes", n: 100, base: func(i int) bool { return i < 10 }, cand: always(false),
			policy: "pairwise:\n  komt_bench: {max_loss_margin: 0.2}\n", judge: marker(), verdict: Pass,
			reason: "loss rate − win rate 0.1 ≤ max_loss_margin 0.2 (p_adj 0.0020 ≤ 0.05; 0 wins, 10 losses, 90 ties)"},
		{name: "large loss not significant passes", n: 3, base: func(i int) bool { return i < 2 }, cand: always(false),
			policy: "pairwise:\n  komt_bench: {max_loss_margin: 0.05}\n", judge: marker(), verdict: Pass,
			reason: "loss rate − win rate 0.6667 > max_loss_margin 0.05 but not significant (p_adj 0.5000 > 0.05"},
		{name: "no judge", n: 5, base: always(true), cand: always(false),
			policy: "pairwise:\n  komt_bench: {}\n", verdict: Unevaluable, reason: "no judge was given"},
		{name: "judge fails", n: 5, base: always(true), cand: always(false), policy: "pairwise:\n  komt_bench: {}\n",
			judge: &fakeJudge{reply: func(string) (string, error) {
				return "", &runners.Error{Kind: runners.KindNetwork, Message: "connection refused"}
			}},
			verdict: Unevaluable, reason: "the judge failed: pairwise komt_bench: doc"},
		{name: "judge gives no verdict", n: 5, base: always(true), cand: always(false), policy: "pairwise:\n  komt_bench: {}\n",
			judge:   &fakeJudge{reply: func(string) (string, error) { return "모르겠다", nil }},
			verdict: Unevaluable, reason: "the judge gave no verdict on any of the 5 turns",
			check: func(t *testing.T, c *Check) {
				if c.Pairwise.Unjudged != 5 || c.Pairwise.JudgeRequests != 40 || c.P != nil {
					t.Errorf("counts %+v", c.Pairwise)
				}
			}},
		{name: "no prompts", n: 5, base: always(true), cand: always(false), policy: "pairwise:\n  komt_bench: {}\n",
			judge: marker(), prompts: "none", verdict: Unevaluable, reason: "cannot read the pairwise judge prompts"},
		{name: "task missing", n: 5, base: always(true), cand: always(false), policy: "pairwise:\n  k2_eval: {}\n",
			judge: marker(), verdict: Unevaluable, reason: "task is in neither run's results"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, cand := runs(tt.n, tt.base, tt.cand)
			dir := prompts
			if tt.prompts == "none" {
				dir = t.TempDir()
			}
			rep := pairwiseEval(t, base, cand, tt.policy, tt.judge, dir)
			name := "pairwise komt_bench"
			if strings.Contains(tt.policy, "k2_eval") {
				name = "pairwise k2_eval"
			}
			c := check(t, rep, name)
			if c.Verdict != tt.verdict || !strings.Contains(c.Reason, tt.reason) || rep.Verdict != tt.verdict {
				t.Errorf("verdict %s (report %s), reason %q; want %s, %q", c.Verdict, rep.Verdict, c.Reason, tt.verdict, tt.reason)
			}
			if c.Kind != KindPairwise || c.Task != strings.TrimPrefix(name, "pairwise ") {
				t.Errorf("kind %s task %s", c.Kind, c.Task)
			}
			inFamily := c.P != nil
			if want := map[bool]int{true: 1, false: 0}[inFamily]; rep.Policy.FamilySize != want || rep.Policy.PairwiseInFamily != want {
				t.Errorf("family %d / %d pairwise, want %d", rep.Policy.FamilySize, rep.Policy.PairwiseInFamily, want)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func TestPairwiseMatching(t *testing.T) {
	prompts := writePairPromptsDir(t)
	base := judgeSamples("komt_bench", 6, always(true))
	cand := judgeSamples("komt_bench", 6, always(false))
	// All questions changed: nothing to compare.
	changed := judgeSamples("komt_bench", 6, always(false))
	for i := range changed {
		changed[i].Prompt = strings.Replace(changed[i].Prompt, "질문", "바뀐 질문", 1)
	}
	j := &fakeJudge{reply: markerReply}
	rep := pairwiseEval(t, fakeRun{tasks: []fakeTask{{name: "komt_bench", samples: base}}}, fakeRun{tasks: []fakeTask{{name: "komt_bench", samples: changed}}},
		"pairwise:\n  komt_bench: {}\n", j, prompts)
	c := check(t, rep, "pairwise komt_bench")
	if c.Verdict != Unevaluable || !strings.Contains(c.Reason, "no matched pairs") || !strings.Contains(c.Reason, "6 question changed") || j.count() != 0 {
		t.Errorf("verdict %s reason %q, %d judge calls", c.Verdict, c.Reason, j.count())
	}
	if !hasNotice(rep, "komt_bench", "6 questions differ between the runs") {
		t.Errorf("notices %+v", rep.Notices)
	}
	// Some excluded: the rest is compared, the exclusions are noted.
	cand[0].Error, cand[0].Metrics = "HTTP 500", nil
	cand[1].Prompt = changed[1].Prompt
	rep = pairwiseEval(t, fakeRun{tasks: []fakeTask{{name: "komt_bench", samples: base}}}, fakeRun{tasks: []fakeTask{{name: "komt_bench", samples: cand}}},
		"pairwise:\n  komt_bench: {}\n", &fakeJudge{reply: markerReply}, prompts)
	c = check(t, rep, "pairwise komt_bench")
	if c.Pairwise.Questions != (judge.PairwiseMatching{Matched: 4, QuestionChanged: 1, Failed: 1}) || c.Pairwise.Losses != 4 {
		t.Errorf("pairwise %+v", c.Pairwise)
	}
	if !strings.Contains(strings.Join(c.Notes, "\n"), "4 questions matched, 2 excluded (1 question changed, 1 failed in a run)") {
		t.Errorf("notes %q", c.Notes)
	}
}

// TestPairwiseFamily checks that pairwise p-values are corrected together
// with the regressions', and that a policy without pairwise entries never
// asks the judge.
func TestPairwiseFamily(t *testing.T) {
	prompts := writePairPromptsDir(t)
	bb, cb := pairedBinary(300, 200, 12, 4)
	base := fakeRun{tasks: []fakeTask{
		{name: "kmmlu", samples: binarySamples("kmmlu", "acc", bb)},
		{name: "komt_bench", samples: judgeSamples("komt_bench", 12, func(i int) bool { return i < 6 })},
	}}
	cand := fakeRun{tasks: []fakeTask{
		{name: "kmmlu", samples: binarySamples("kmmlu", "acc", cb)},
		{name: "komt_bench", samples: judgeSamples("komt_bench", 12, always(false))},
	}}
	j := &fakeJudge{reply: markerReply}
	rep := pairwiseEval(t, base, cand, "regressions:\n  kmmlu: {}\npairwise:\n  komt_bench: {}\n", j, prompts)
	reg, pw := check(t, rep, "regression kmmlu acc"), check(t, rep, "pairwise komt_bench")
	if rep.Policy.FamilySize != 2 || rep.Policy.PairwiseInFamily != 1 {
		t.Fatalf("family %+v", rep.Policy)
	}
	want := stats.Holm([]float64{*reg.P, *pw.P})
	if !near(*reg.PAdjusted, want[0]) || !near(*pw.PAdjusted, want[1]) || *pw.PAdjusted == *pw.P {
		t.Errorf("adjusted %v %v, want Holm %v (raw %v %v)", *reg.PAdjusted, *pw.PAdjusted, want, *reg.P, *pw.P)
	}
	// Order of checks: regressions, then pairwise.
	if rep.Checks[len(rep.Checks)-1].Kind != KindPairwise {
		t.Errorf("last check %s", rep.Checks[len(rep.Checks)-1].Name)
	}
	var text bytes.Buffer
	if err := WriteText(&text, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "correction holm over 2 p-values (1 regression, 1 pairwise)") {
		t.Errorf("text:\n%s", text.String())
	}

	j2 := &fakeJudge{reply: markerReply}
	rep = pairwiseEval(t, base, cand, "regressions:\n  default: {}\n", j2, prompts)
	if j2.count() != 0 || rep.Policy.PairwiseInFamily != 0 {
		t.Errorf("%d judge calls without pairwise entries", j2.count())
	}
}

// pairwiseReport is a failing gate with pairwise checks on hostile task
// names, paths fixed for golden files.
func pairwiseReport(t *testing.T) *Report {
	t.Helper()
	prompts := writePairPromptsDir(t)
	var base, cand fakeRun
	base.model, cand.model = "base-model", "cand <model>"
	for i, name := range []string{"komt_bench", nameXML, namePipe, nameCommand, nameControls, nameKorean} {
		n := 20 + i
		base.tasks = append(base.tasks, fakeTask{name: name, samples: judgeSamples(name, n, func(d int) bool { return d%(i+1) == 0 })})
		cand.tasks = append(cand.tasks, fakeTask{name: name, samples: judgeSamples(name, n, func(d int) bool { return d%2 == 1 })})
	}
	policy := "pairwise:\n  komt_bench: {max_loss_margin: 0.05}\n"
	for _, n := range []string{nameXML, namePipe, nameCommand, nameControls, nameKorean} {
		b, _ := json.Marshal(n)
		policy += "  " + string(b) + ": {max_loss_margin: 0.1, significance: 0.05}\n"
	}
	rep := pairwiseEval(t, base, cand, policy, &fakeJudge{reply: markerReply}, prompts)
	rep.Candidate.Dir, rep.Baseline.Dir, rep.Policy.Path = "results/rc7", "results/v1.2", "gate.yaml"
	for i := range rep.Checks {
		for j, n := range rep.Checks[i].Notes {
			rep.Checks[i].Notes[j] = strings.ReplaceAll(n, shown(rep.Checks[i].Pairwise.PromptsSHA256), "<sha>")
		}
	}
	return rep
}

func TestPairwiseOutputs(t *testing.T) {
	rep := pairwiseReport(t)
	if rep.Verdict != Fail || rep.Counts.Fail == 0 || rep.Counts.Pass == 0 || len(rep.Checks) != 6 {
		t.Fatalf("verdict %s counts %+v", rep.Verdict, rep.Counts)
	}
	txt := render(t, rep, func(b *bytes.Buffer, r *Report) error { return WriteText(b, r) })
	md := render(t, rep, func(b *bytes.Buffer, r *Report) error { return WriteMarkdown(b, r) })
	ju := render(t, rep, func(b *bytes.Buffer, r *Report) error { return WriteJUnit(b, r) })
	ann := render(t, rep, func(b *bytes.Buffer, r *Report) error { return WriteAnnotations(b, r) })
	js := render(t, rep, func(b *bytes.Buffer, r *Report) error { return WriteJSON(b, r) })
	golden(t, "pairwise.txt", txt)
	golden(t, "pairwise.md", md)
	golden(t, "pairwise.junit.xml", ju)
	golden(t, "pairwise.annotations", ann)
	golden(t, "pairwise.json", js)

	// Text: every pairwise check is listed, with its statistics; nothing
	// from a task name can start a workflow command or move the cursor.
	for _, c := range rep.Checks {
		if !strings.Contains(string(txt), TerminalSafe(c.Name)+": "+TerminalSafe(c.Reason)) {
			t.Errorf("text lacks %q", c.Name)
		}
	}
	if !strings.Contains(string(txt), "exact sign test of wins against losses") || strings.Contains(string(txt), "##[") {
		t.Errorf("text:\n%s", txt)
	}
	for _, line := range strings.Split(string(txt), "\n") {
		if strings.HasPrefix(strings.TrimLeft(line, " \t"), "::") {
			t.Errorf("line starts a workflow command: %q", line)
		}
		for _, r := range line {
			if unicode.IsControl(r) || r == 0x202e || r == 0x2028 {
				t.Errorf("control character %U in %q", r, line)
			}
		}
	}
	// Markdown: one row per check, 11 columns, no live markup.
	rows := 0
	for _, line := range strings.Split(string(md), "\n") {
		if strings.HasPrefix(line, "| ") {
			rows++
			if n := unescaped(line, '|'); n != 12 {
				t.Errorf("row has %d unescaped pipes: %s", n, line)
			}
		}
	}
	if rows != len(rep.Checks)+1 {
		t.Errorf("%d table rows, want %d", rows, len(rep.Checks)+1)
	}
	for _, r := range "<>[]`_@" {
		if n := unescaped(string(md), r); n > 0 {
			t.Errorf("%d unescaped %q in the Markdown", n, r)
		}
	}
	// JUnit: well-formed, one testcase per check, failures for failed ones.
	var doc junitSuites
	if err := xml.Unmarshal(ju, &doc); err != nil {
		t.Fatalf("JUnit is not well-formed XML: %v", err)
	}
	if len(doc.Suites[0].Cases) != len(rep.Checks) || doc.Failures != rep.Counts.Fail {
		t.Errorf("JUnit: %d cases, %d failures; report %+v", len(doc.Suites[0].Cases), doc.Failures, rep.Counts)
	}
	for i, jc := range doc.Suites[0].Cases {
		c := rep.Checks[i]
		if jc.Name != xmlSafe(c.Name) || jc.Classname != "hanbench.gate.pairwise" || (jc.Failure != nil) != (c.Verdict == Fail) {
			t.Errorf("testcase %q class %s failure %v for %s", jc.Name, jc.Classname, jc.Failure != nil, c.Verdict)
		}
		body := jc.SystemOut
		if jc.Failure != nil {
			body = jc.Failure.Body
		}
		if !strings.Contains(body, "exact sign test") {
			t.Errorf("testcase %q body lacks the statistics: %q", jc.Name, body)
		}
	}
	// Annotations: one ::error per failed check, parsing back to its name
	// and reason.
	n := 0
	for _, line := range strings.Split(strings.TrimSuffix(string(ann), "\n"), "\n") {
		cmd, props, data, ok := parseCommand(line)
		if !ok || cmd != "error" || len(props) != 1 || !strings.HasPrefix(props["title"], "hanbench gate: pairwise ") || !strings.HasPrefix(data, "FAIL: the candidate loses") {
			t.Errorf("annotation %q parses as %q %q %q", line, cmd, props, data)
		}
		n++
	}
	if n != rep.Counts.Fail {
		t.Errorf("%d annotations, %d failed checks", n, rep.Counts.Fail)
	}
	// JSON: the pairwise fields round-trip.
	var back Report
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	for i, c := range back.Checks {
		if c.Pairwise == nil || c.Pairwise.Wins != rep.Checks[i].Pairwise.Wins || c.MaxLossMargin == nil || c.Name != rep.Checks[i].Name {
			t.Errorf("JSON check %d: %+v", i, c)
		}
	}
}
