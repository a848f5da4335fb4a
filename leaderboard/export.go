package leaderboard

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hanbench/hanbench/evals/results"
)

// ExportScore is one score in leaderboard.json: raw metric values (not ×100).
type ExportScore struct {
	Value  float64     `json:"value"`
	Stderr *float64    `json:"stderr,omitempty"`
	CI95   *[2]float64 `json:"ci95,omitempty"`
	Macro  *float64    `json:"macro,omitempty"`
	N      int         `json:"n"`
	Metric string      `json:"metric,omitempty"`
	Run    string      `json:"run,omitempty"`
	// ConfigHash is the task's config hash in Run (task scores only).
	ConfigHash string `json:"config_hash,omitempty"`
}

// ExportColumn is a table column in leaderboard.json.
type ExportColumn struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Kind   string   `json:"kind"`
	Tasks  []string `json:"tasks"`
	Metric string   `json:"metric,omitempty"`
	Higher bool     `json:"higher_is_better"`
	// Averaged is true when the column enters the average.
	Averaged bool `json:"averaged"`
	// Judge is the judge provenance shared by every score of a judged
	// task's column; a task has one column per judge model, judge prompt
	// hash, penalty and strategy.
	Judge *results.JudgeInfo `json:"judge,omitempty"`
	// ConfigHashes lists the distinct config hashes of the column's runs
	// when there are several (the runs were not configured alike).
	ConfigHashes []string `json:"config_hashes,omitempty"`
}

// ExportRow is one model (or, in all_runs, one run) in leaderboard.json.
// Missing scores are absent, never 0.
type ExportRow struct {
	Model   string                  `json:"model"`
	Slug    string                  `json:"slug"`
	Info    ModelInfo               `json:"info"`
	Page    string                  `json:"page"`
	Run     string                  `json:"run,omitempty"`
	Results string                  `json:"results,omitempty"`
	Average map[string]*ExportScore `json:"average,omitempty"`
	Scores  map[string]*ExportScore `json:"scores"`
}

// ExportRun is one results file in leaderboard.json.
type ExportRun struct {
	ID             string   `json:"id"`
	Model          string   `json:"model"`
	StartedAt      string   `json:"started_at,omitempty"`
	FinishedAt     string   `json:"finished_at,omitempty"`
	HarnessVersion string   `json:"harness_version"`
	Results        string   `json:"results"`
	URL            string   `json:"url"`
	Tasks          []string `json:"tasks"`
	Interrupted    bool     `json:"interrupted,omitempty"`
}

// Export is the content of leaderboard.json.
type Export struct {
	Schema         string `json:"schema"`
	Title          string `json:"title"`
	GeneratedAt    string `json:"generated_at"`
	BasePath       string `json:"base_path"`
	EChartsVersion string `json:"echarts_version"`
	// AverageDefinition says what "average" means.
	AverageDefinition string         `json:"average_definition"`
	Columns           []ExportColumn `json:"columns"`
	TaskColumns       []ExportColumn `json:"task_columns"`
	Latest            []ExportRow    `json:"latest"`
	AllRuns           []ExportRow    `json:"all_runs"`
	Runs              []ExportRun    `json:"runs"`
}

func exportScore(sc *score) *ExportScore {
	if sc == nil {
		return nil
	}
	e := &ExportScore{Value: sc.Value, N: sc.N, Metric: sc.Metric, ConfigHash: sc.ConfigHash}
	if sc.Run != nil {
		e.Run = sc.Run.ID
	}
	if sc.HasStderr {
		se := sc.Stderr
		e.Stderr = &se
		e.CI95 = &[2]float64{sc.Value - 1.96*se, sc.Value + 1.96*se}
	}
	if sc.HasMacro {
		m := sc.Macro
		e.Macro = &m
	}
	return e
}

func exportColumns(cols []*column) []ExportColumn {
	out := []ExportColumn{}
	for _, c := range cols {
		ec := ExportColumn{ID: c.ID, Name: c.Name, Kind: c.Kind, Tasks: c.Tasks, Metric: c.Metric,
			Higher: c.Higher, Averaged: c.averaged()}
		if td := c.Task; td != nil {
			ec.Judge = td.Judge
			if td.ConfigDiffers() {
				ec.ConfigHashes = td.ConfigHashes
			}
		}
		out = append(out, ec)
	}
	return out
}

const averageDefinition = "benchmarks_macro: unweighted mean over the averaged benchmark columns (a group counts as the macro mean of its tasks); " +
	"benchmarks_micro: mean weighted by sample count (a group counts as its reported micro mean); tasks_macro / tasks_micro: the same over every task column. " +
	"Only higher-is-better proportion columns are averaged; an average is absent when any averaged column is missing. Its stderr assumes independent columns. " +
	"Judge-graded tasks have one column per judge model, judge prompt hash, penalty rule and strategy, and are never averaged."

func (b *builder) exportRow(rw *row) ExportRow {
	m := rw.Model
	e := ExportRow{Model: m.Key, Slug: m.Slug, Info: m.Info, Page: modelHref(m), Scores: map[string]*ExportScore{}}
	if rw.Run != nil {
		e.Run, e.Results = rw.Run.ID, runHref(rw.Run)
	}
	for id, sc := range rw.Cells {
		e.Scores[id] = exportScore(sc)
	}
	names := [2][2]string{{"benchmarks_micro", "benchmarks_macro"}, {"tasks_micro", "tasks_macro"}}
	for v := 0; v < 2; v++ {
		for mode := 0; mode < 2; mode++ {
			if a := rw.Avg[v][mode]; a != nil {
				if e.Average == nil {
					e.Average = map[string]*ExportScore{}
				}
				e.Average[names[v][mode]] = exportScore(a)
			}
		}
	}
	return e
}

func (b *builder) export() *Export {
	s := b.site
	ex := &Export{Schema: Schema, Title: b.o.Title, GeneratedAt: b.now.Format(time.RFC3339), BasePath: b.o.BasePath,
		EChartsVersion: EChartsVersion, AverageDefinition: averageDefinition,
		Columns: exportColumns(s.GroupView), TaskColumns: exportColumns(s.TaskCols),
		Latest: []ExportRow{}, AllRuns: []ExportRow{}, Runs: []ExportRun{}}
	for _, rw := range s.Latest {
		ex.Latest = append(ex.Latest, b.exportRow(rw))
	}
	for _, rw := range s.AllRuns {
		ex.AllRuns = append(ex.AllRuns, b.exportRow(rw))
	}
	for _, r := range s.Runs {
		er := ExportRun{ID: r.ID, Model: r.ModelKey, HarnessVersion: r.File.HarnessVersion, Results: runHref(r),
			URL: b.o.BasePath + runHref(r), Interrupted: r.File.Interrupted, Tasks: []string{}}
		if !r.File.StartedAt.IsZero() {
			er.StartedAt = r.File.StartedAt.UTC().Format(time.RFC3339)
		}
		if !r.File.FinishedAt.IsZero() {
			er.FinishedAt = r.File.FinishedAt.UTC().Format(time.RFC3339)
		}
		for t := range r.File.Tasks {
			er.Tasks = append(er.Tasks, t)
		}
		sort.Strings(er.Tasks)
		ex.Runs = append(ex.Runs, er)
	}
	return ex
}

// csvText guards against spreadsheet formula injection: a text cell
// starting with = + - @ or a control character gets a leading quote.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func csvNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func (b *builder) writeExports() error {
	ex := b.export()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(ex); err != nil {
		return err
	}
	if err := b.write("leaderboard.json", buf.Bytes()); err != nil {
		return err
	}

	// CSV of the table: latest run per model and task, benchmark view.
	s := b.site
	buf.Reset()
	w := csv.NewWriter(&buf)
	head := []string{"model", "name", "organisation", "params_b", "license", "weights", "type",
		"average_macro", "average_macro_stderr", "average_micro", "average_micro_stderr"}
	for _, c := range s.GroupView {
		head = append(head, csvText(c.Name), csvText(c.Name+"_stderr"), csvText(c.Name+"_n"))
	}
	if err := w.Write(head); err != nil {
		return err
	}
	for _, rw := range s.Latest {
		m := rw.Model
		rec := []string{csvText(m.Key), csvText(m.Info.Name), csvText(m.Info.Organisation), "", csvText(m.Info.License),
			m.Info.Weights, m.Info.Type}
		if m.Info.Params > 0 {
			rec[3] = csvNum(float64(m.Info.Params))
		}
		for _, a := range []*score{rw.Avg[0][1], rw.Avg[0][0]} {
			if a == nil {
				rec = append(rec, "", "")
				continue
			}
			se := ""
			if a.HasStderr {
				se = csvNum(a.Stderr)
			}
			rec = append(rec, csvNum(a.Value), se)
		}
		for _, c := range s.GroupView {
			sc := rw.Cells[c.ID]
			if sc == nil {
				rec = append(rec, "", "", "")
				continue
			}
			se := ""
			if sc.HasStderr {
				se = csvNum(sc.Stderr)
			}
			rec = append(rec, csvNum(sc.Value), se, strconv.Itoa(sc.N))
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return b.write("leaderboard.csv", buf.Bytes())
}
