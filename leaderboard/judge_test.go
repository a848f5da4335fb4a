package leaderboard

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hanbench/hanbench/evals/results"
)

// xssJudge is a hostile judge model name.
const xssJudge = `</script><b>judge`

// judgeRun is one results directory of the judge fixture.
type judgeRun struct {
	dir      string
	model    string
	finished time.Time
	// lk is the logickor score, lkJudge its judge and lkHash its config hash.
	lk      float64
	lkJudge results.JudgeInfo
	lkHash  string
	boolq   float64
}

func writeJudgeRun(t *testing.T, jr judgeRun) {
	t.Helper()
	judge := jr.lkJudge
	f := &results.File{
		Model: jr.model, HarnessVersion: "v0.1.0-test", Runner: results.Runner{Kind: "openai", Endpoint: "chat"},
		StartedAt: jr.finished.Add(-time.Hour), FinishedAt: jr.finished,
		Config: results.RunConfig{Seed: 1, MCMode: "generate", Concurrency: 4},
		Tasks: map[string]*results.Task{
			"logickor": {N: 2, Scored: 2, Metrics: map[string]float64{"score": jr.lk, "score_stderr": 0.5},
				HigherIsBetter: map[string]bool{"score": true}, OutputType: "generate_until", ConfigHash: jr.lkHash,
				Judge: &judge, Notes: []string{"judge: " + judge.Model}},
			"kobest_boolq": {N: 10, Scored: 10, Metrics: map[string]float64{"acc": jr.boolq, "acc_stderr": 0.1},
				HigherIsBetter: map[string]bool{"acc": true}, OutputType: "multiple_choice", ConfigHash: "cfg-boolq"},
		},
	}
	if err := os.MkdirAll(jr.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := results.Write(jr.dir, f); err != nil {
		t.Fatal(err)
	}
	w, err := results.CreateSamples(jr.dir)
	if err != nil {
		t.Fatal(err)
	}
	for d := 0; d < 2; d++ {
		s := results.Sample{Task: "logickor", DocID: int64(d), Prompt: "질문", Response: "답변 " + judge.Model,
			Metrics: map[string]float64{"score": jr.lk}}
		if err := w.Write(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestJudgeColumns builds a site from runs of one task graded by different
// judges (and one penalty rule apart) and checks that their scores are
// never merged, ranked together or averaged, that the judge is shown, that
// differing config hashes are flagged, and that a hostile judge name is
// escaped everywhere.
func TestJudgeColumns(t *testing.T) {
	root := t.TempDir()
	t0 := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	gpt := results.JudgeInfo{Model: "gpt-4o", PromptHash: strings.Repeat("a", 64), Strategy: "default", Penalty: results.PenaltyZeroNonKorean, Reasks: 3}
	gptNoPenalty := gpt
	gptNoPenalty.Penalty, gptNoPenalty.PromptHash = results.PenaltyNone, strings.Repeat("b", 64)
	hostile := gpt
	hostile.Model = xssJudge
	runs := []judgeRun{
		// Model A, graded by gpt-4o, then (newer) by the hostile judge.
		{dir: "a1", model: "org/alpha", finished: t0, lk: 8, lkJudge: gpt, lkHash: "h-gpt-reasks3", boolq: 0.8},
		{dir: "a2", model: "org/alpha", finished: t0.Add(time.Hour), lk: 6, lkJudge: hostile, lkHash: "h-hostile", boolq: 0.8},
		// Model B, graded by gpt-4o with another config (newest gpt-4o run).
		{dir: "b", model: "org/beta", finished: t0.Add(2 * time.Hour), lk: 7, lkJudge: gpt, lkHash: "h-gpt-reasks1", boolq: 0.6},
		// Model C, graded by gpt-4o without the language penalty.
		{dir: "c", model: "org/gamma", finished: t0.Add(3 * time.Hour), lk: 9, lkJudge: gptNoPenalty, lkHash: "h-gpt-nopenalty", boolq: 0.7},
	}
	for _, jr := range runs {
		jr.dir = filepath.Join(root, "results", jr.dir)
		writeJudgeRun(t, jr)
	}
	out := filepath.Join(root, "site")
	rep, err := Build(t.Context(), BuildOptions{Results: []string{filepath.Join(root, "results")}, Out: out, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tasks != 4 { // kobest_boolq + three logickor columns
		t.Errorf("%d tasks, want 4", rep.Tasks)
	}
	ex := loadExport(t, out)

	// Columns: one per judge provenance, each naming its judge, none averaged.
	cols := map[string]ExportColumn{}
	for _, c := range ex.TaskColumns {
		if c.Judge == nil {
			if c.Name != "kobest_boolq" || !c.Averaged {
				t.Errorf("column %+v", c)
			}
			continue
		}
		if c.Averaged || len(c.Tasks) != 1 || c.Tasks[0] != "logickor" {
			t.Errorf("judged column %+v", c)
		}
		cols[c.Judge.Model+"/"+c.Judge.Penalty] = c
	}
	colGPT, colNoPen, colXSS := cols["gpt-4o/"+results.PenaltyZeroNonKorean], cols["gpt-4o/"+results.PenaltyNone], cols[xssJudge+"/"+results.PenaltyZeroNonKorean]
	if len(cols) != 3 || colGPT.ID == "" || colNoPen.ID == "" || colXSS.ID == "" {
		t.Fatalf("judged columns %v", cols)
	}
	for _, want := range []struct {
		col  ExportColumn
		name string
	}{
		{colGPT, "logickor · judge gpt-4o · penalty zero-non-korean"},
		{colNoPen, "logickor · judge gpt-4o · penalty none"},
		{colXSS, "logickor · judge " + xssJudge},
	} {
		if want.col.Name != want.name {
			t.Errorf("column name %q, want %q", want.col.Name, want.name)
		}
	}
	if strings.Join(colGPT.ConfigHashes, ",") != "h-gpt-reasks1,h-gpt-reasks3" || colXSS.ConfigHashes != nil {
		t.Errorf("config hashes: gpt %v, hostile %v", colGPT.ConfigHashes, colXSS.ConfigHashes)
	}

	// Scores: model A has both judges' scores, apart; nothing is 7 (their mean).
	type cell struct {
		model, col string
		want       float64 // NaN: absent
		hash       string
	}
	none := math.NaN()
	check := func(rows []ExportRow, run string, cells []cell) {
		t.Helper()
		for _, c := range cells {
			var r *ExportRow
			for i := range rows {
				if rows[i].Model == c.model && rows[i].Run == run {
					r = &rows[i]
				}
			}
			if r == nil {
				t.Fatalf("no row for %s run %q", c.model, run)
			}
			sc, ok := r.Scores[c.col]
			switch {
			case math.IsNaN(c.want) && ok:
				t.Errorf("%s %s run %q: score %v, want none", c.model, c.col, run, sc.Value)
			case !math.IsNaN(c.want) && (!ok || sc.Value != c.want || sc.ConfigHash != c.hash):
				t.Errorf("%s %s run %q: %+v, want %v (%s)", c.model, c.col, run, sc, c.want, c.hash)
			}
		}
	}
	check(ex.Latest, "", []cell{
		{"org/alpha", colGPT.ID, 8, "h-gpt-reasks3"},
		{"org/alpha", colXSS.ID, 6, "h-hostile"},
		{"org/alpha", colNoPen.ID, none, ""},
		{"org/beta", colGPT.ID, 7, "h-gpt-reasks1"},
		{"org/beta", colXSS.ID, none, ""},
		{"org/gamma", colNoPen.ID, 9, "h-gpt-nopenalty"},
		{"org/gamma", colGPT.ID, none, ""},
	})
	// Each run row holds its own judge's score only.
	for _, r := range ex.AllRuns {
		if r.Model != "org/alpha" {
			continue
		}
		_, hasGPT := r.Scores[colGPT.ID]
		_, hasXSS := r.Scores[colXSS.ID]
		if hasGPT == hasXSS {
			t.Errorf("run %s: gpt-4o score %v, hostile judge score %v; want exactly one", r.Run, hasGPT, hasXSS)
		}
	}
	// Averages cover kobest_boolq only: the judges' scores never enter them.
	for model, want := range map[string]float64{"org/alpha": 0.8, "org/beta": 0.6, "org/gamma": 0.7} {
		r := exportRow(t, ex.Latest, model)
		for _, k := range []string{"benchmarks_macro", "benchmarks_micro", "tasks_macro", "tasks_micro"} {
			if a := r.Average[k]; a == nil || a.Value != want {
				t.Errorf("%s %s = %+v, want %v", model, k, a, want)
			}
		}
	}

	// The index names the judge in the column header, escaped, and flags
	// the gpt-4o column's differing config hashes and alpha's cell in it.
	idx := readSite(t, out, "index.html")
	for _, want := range []string{
		`<span class="badge judge" title="judge gpt-4o · judge prompt sha256 aaaa`,
		`>judge gpt-4o · penalty zero-non-korean</span>`,
		`>judge gpt-4o · penalty none</span>`,
		`>judge &lt;/script&gt;&lt;b&gt;judge</span>`,
		`title="config hash differs between runs: h-gpt-reasks, h-gpt-reasks (newest run: h-gpt-reasks)"`,
		`config hash h-gpt-reasks ≠ h-gpt-reasks (newest run)">8.0000<span class="badge bad cfg"`,
	} {
		if !strings.Contains(idx, want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	// alpha's gpt-4o cell in its latest row and its run's row, each in the benchmark and the task view.
	if n := strings.Count(idx, `class="badge bad cfg"`); n != 4 {
		t.Errorf("%d flagged cells, want 4", n)
	}
	for _, avgCol := range []string{"logickor · judge", "logickor"} {
		if strings.Contains(idx, `checked> `+avgCol) {
			t.Errorf("a judged column %q is offered for the average", avgCol)
		}
	}

	// One task page per judge; each ranks only its own judge's scores.
	pages := map[string]string{}
	for rel, data := range siteFiles(t, out) {
		if strings.HasPrefix(rel, "tasks/logickor--judge-") {
			pages[rel] = string(data)
		}
	}
	if len(pages) != 3 {
		t.Fatalf("logickor task pages: %d, want 3", len(pages))
	}
	var gptPage, xssPage string
	for _, p := range pages {
		switch {
		case strings.Contains(p, "<title>logickor · judge gpt-4o · penalty zero-non-korean ·"):
			gptPage = p
		case strings.Contains(p, "<title>logickor · judge &lt;/script&gt;&lt;b&gt;judge ·"):
			xssPage = p
		}
	}
	if gptPage == "" || xssPage == "" {
		t.Fatal("task pages do not name their judge in the title")
	}
	ranking := func(p string) string {
		i := strings.Index(p, `id="task-ranking"`)
		return p[i : i+strings.Index(p[i:], "</table>")]
	}
	if r := ranking(gptPage); !strings.Contains(r, ">8.0000<") || !strings.Contains(r, ">7.0000<") || strings.Contains(r, ">6.0000<") || strings.Contains(r, ">9.0000<") {
		t.Errorf("gpt-4o ranking mixes judges:\n%s", r)
	}
	if r := ranking(xssPage); !strings.Contains(r, ">6.0000<") || strings.Count(r, "<tr>") != 2 {
		t.Errorf("hostile judge ranking:\n%s", r)
	}
	for _, want := range []string{`<dd><code>gpt-4o</code></dd>`, "<dd>zero-non-korean</dd>", "<dd>default</dd>", "<dd>3</dd>",
		`<span class="badge bad">`, "judge &lt;/script&gt;&lt;b&gt;judge</a>", `<td><code class="hash">h-gpt-reasks</code> <span class="badge bad">≠</span></td>`} {
		if !strings.Contains(gptPage, want) {
			t.Errorf("gpt-4o task page lacks %s", want)
		}
	}
	if !strings.Contains(xssPage, `<dd><code>&lt;/script&gt;&lt;b&gt;judge</code></dd>`) {
		t.Error("hostile task page does not show its judge, escaped")
	}

	// Samples: each run's samples sit under its own judge's task.
	_, cv := parseJSONP(t, []byte(readSite(t, out, "data/catalog.js")))
	var cat struct {
		Tasks []struct {
			S string `json:"s"`
			N string `json:"n"`
		} `json:"tasks"`
		Samples map[string]map[string][][2]any `json:"samples"`
	}
	if err := json.Unmarshal(cv, &cat); err != nil {
		t.Fatal(err)
	}
	slugOf := map[string]string{}
	for _, tk := range cat.Tasks {
		slugOf[tk.N] = tk.S
	}
	alpha := cat.Samples[hashSlug("org/alpha", 40)]
	if got := alpha[slugOf[colGPT.Name]]; len(got) != 1 || !strings.Contains(got[0][0].(string), "20260201t080000") {
		t.Errorf("alpha's gpt-4o samples: %v", got)
	}
	if got := alpha[slugOf[colXSS.Name]]; len(got) != 1 || !strings.Contains(got[0][0].(string), "20260201t090000") {
		t.Errorf("alpha's hostile-judge samples: %v", got)
	}

	// The hostile judge name is never raw in markup or scripts.
	for rel, data := range siteFiles(t, out) {
		if strings.HasPrefix(rel, "assets/") || strings.HasSuffix(rel, ".csv") {
			continue
		}
		if strings.Contains(string(data), "</script><b>") || strings.Contains(string(data), "<b>judge") {
			t.Errorf("%s holds the judge name unescaped", rel)
		}
	}
}
