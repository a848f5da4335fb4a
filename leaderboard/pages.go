package leaderboard

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hanbench/hanbench/evals/results"
)

// pageBase is what every page template sees.
type pageBase struct {
	SiteTitle string
	PageTitle string
	Root      string // "" for top-level pages, "../" below
	Generated string
	Charts    bool
	Script    string // the page's own script in assets/
	EChartsV  string
	// RunLinks are the results files this page was built from.
	RunLinks []runLink
}

type runLink struct {
	ID    string
	Href  string
	Model string
}

// cellView is a formatted score.
type cellView struct {
	Has    bool
	Text   string
	V      string // raw value for sorting
	Title  string
	HasM   bool // a macro value exists (groups); for tasks it equals the micro one
	TextM  string
	VM     string
	TitleM string
	Class  string
	// Single is true when the macro view equals the micro one (tasks):
	// the cell is written once.
	Single bool
	// N, SE and SEM (macro stderr) let the page recompute averages.
	N   int
	SE  string
	SEM string
	// CfgDiff flags a task score whose config hash differs from the
	// newest run's for the same column.
	CfgDiff bool
}

type colHead struct {
	ID     string
	Name   string
	Href   string
	Title  string
	Higher bool
	Kind   string
	// Judge labels a judged task's column ("judge gpt-4o"); JudgeTitle
	// spells out its provenance.
	Judge      string
	JudgeTitle string
	// CfgDiffers is true when the column's runs have different config
	// hashes; CfgTitle lists them.
	CfgDiffers bool
	CfgTitle   string
}

type rowView struct {
	Kind    string // "latest" or "run"
	Name    string
	Key     string
	Href    string
	RunID   string
	RunHref string
	Org     string
	License string
	Type    string
	Weights string
	Params  string
	ParamsV string
	Search  string
	Avg     [2]cellView // [view] with micro and macro inside
	GCells  []cellView
	TCells  []cellView
}

type avgDef struct {
	View    string // "g" or "t"
	Columns []avgCol
}

// avgCol is a column that enters the average; Th names its header.
type avgCol struct {
	Name string
	Th   string
}

type indexPage struct {
	pageBase
	GroupCols      []colHead
	TaskCols       []colHead
	Rows           []rowView
	Orgs           []string
	Licenses       []string
	Types          []string
	Weights        []string
	AvgDefs        []avgDef
	BarChart       *chartView
	EffChart       *chartView
	DefaultAllRuns bool
	Empty          bool
	RowsShown      int
}

func fmtNum(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

// fmtScore shows a proportion ×100 with two decimals, anything else as is.
func fmtScore(v float64, pct bool) string {
	if pct {
		return strconv.FormatFloat(v*100, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

// ciText is the 95% normal interval, clamped to [0, 1] for proportions.
func ciText(v, se float64, has, pct bool) string {
	if !has {
		return ""
	}
	lo, hi := v-1.96*se, v+1.96*se
	if pct {
		lo, hi = math.Max(0, lo), math.Min(1, hi)
	}
	return fmtScore(lo, pct) + "–" + fmtScore(hi, pct)
}

func cellTitle(v, se float64, has, pct bool, n int, metric string, r *run) string {
	var parts []string
	if ci := ciText(v, se, has, pct); ci != "" {
		parts = append(parts, "95% 구간 / interval: "+ci)
	} else {
		parts = append(parts, "95% 구간 없음 / no interval reported")
	}
	if n > 0 {
		parts = append(parts, "n="+strconv.Itoa(n))
	}
	if metric != "" {
		parts = append(parts, metric)
	}
	if r != nil {
		parts = append(parts, "run "+r.ID)
	}
	return strings.Join(parts, " · ")
}

func makeCell(sc *score, pct bool) cellView {
	if sc == nil {
		return cellView{}
	}
	c := cellView{Has: true, Text: fmtScore(sc.Value, pct), V: strconv.FormatFloat(sc.Value, 'g', -1, 64),
		Title: cellTitle(sc.Value, sc.Stderr, sc.HasStderr, pct, sc.N, sc.Metric, nil), N: sc.N}
	if sc.HasStderr {
		c.SE = strconv.FormatFloat(sc.Stderr, 'g', -1, 64)
	}
	if sc.HasMacro {
		c.HasM, c.TextM, c.VM = true, fmtScore(sc.Macro, pct), strconv.FormatFloat(sc.Macro, 'g', -1, 64)
		c.TitleM = cellTitle(sc.Macro, sc.MacroStderr, sc.HasMacroStderr, pct, sc.N, sc.Metric+" (macro)", nil)
		if sc.HasMacroStderr {
			c.SEM = strconv.FormatFloat(sc.MacroStderr, 'g', -1, 64)
		}
	}
	return c
}

// taskCell is a task score: its macro view equals its micro view.
func taskCell(sc *score, pct bool) cellView {
	c := makeCell(sc, pct)
	if c.Has {
		c.HasM, c.TextM, c.VM, c.TitleM, c.SEM = true, c.Text, c.V, c.Title, c.SE
		c.Single = true
	}
	return c
}

func avgCell(mi, ma *score) cellView {
	var c cellView
	if mi != nil {
		c = makeCell(mi, true)
		c.Title = strings.Replace(c.Title, " · n=", " · micro · n=", 1)
	}
	if ma != nil {
		m := makeCell(ma, true)
		c.HasM, c.TextM, c.VM, c.TitleM = true, m.Text, m.V, strings.Replace(m.Title, " · n=", " · macro · n=", 1)
	}
	return c
}

func (b *builder) base(title, root, script string, charts bool) pageBase {
	return pageBase{SiteTitle: b.o.Title, PageTitle: title, Root: root, Script: script, Charts: charts,
		Generated: b.now.Format(time.RFC3339), EChartsV: EChartsVersion}
}

func modelHref(m *modelData) string { return "models/" + m.Slug + ".html" }
func taskHref(t *taskData) string   { return "tasks/" + t.Slug + ".html" }

func colHref(c *column) string {
	if c.Task != nil {
		return taskHref(c.Task)
	}
	return ""
}

// judgeTitle spells out a judge provenance in one line.
func judgeTitle(j *results.JudgeInfo) string {
	if j == nil {
		return ""
	}
	parts := []string{"judge " + j.Model, "judge prompt sha256 " + j.PromptHash, "penalty " + j.Penalty}
	if j.Strategy != "" {
		parts = append(parts, "strategy "+j.Strategy)
	}
	if j.Detector != "" {
		parts = append(parts, "detector "+j.Detector)
	}
	parts = append(parts, "re-asks "+strconv.Itoa(j.Reasks))
	if j.MaxTokens > 0 {
		parts = append(parts, "judge max_tokens "+strconv.Itoa(j.MaxTokens))
	}
	return strings.Join(parts, " · ")
}

// cfgTitle lists a task's config hashes when its runs differ.
func cfgTitle(td *taskData) string {
	if td == nil || !td.ConfigDiffers() {
		return ""
	}
	short := make([]string, len(td.ConfigHashes))
	for i, h := range td.ConfigHashes {
		short[i] = shortHash(h)
	}
	return "config hash differs between runs: " + strings.Join(short, ", ") + " (newest run: " + shortHash(td.RefHash()) + ")"
}

// flagConfig marks a task cell whose config hash is not the newest run's.
func flagConfig(cv *cellView, sc *score, td *taskData) {
	if sc == nil || td == nil || !td.ConfigDiffers() || sc.ConfigHash == td.RefHash() {
		return
	}
	cv.CfgDiff = true
	note := " · config hash " + shortHash(sc.ConfigHash) + " ≠ " + shortHash(td.RefHash()) + " (newest run)"
	cv.Title += note
	if cv.Single {
		cv.TitleM = cv.Title
	}
}

func paramsText(p Params) string {
	if p <= 0 {
		return ""
	}
	v := float64(p)
	if v < 1 {
		return strconv.FormatFloat(v*1000, 'f', -1, 64) + "M"
	}
	return strconv.FormatFloat(v, 'f', -1, 64) + "B"
}

func (b *builder) rowView(rw *row) rowView {
	s := b.site
	m := rw.Model
	v := rowView{Kind: "latest", Name: m.Info.Name, Key: m.Key, Href: modelHref(m), Org: m.Info.Organisation,
		License: m.Info.License, Type: m.Info.Type, Weights: m.Info.Weights, Params: paramsText(m.Info.Params)}
	if m.Info.Params > 0 {
		v.ParamsV = strconv.FormatFloat(float64(m.Info.Params), 'g', -1, 64)
	}
	if rw.Run != nil {
		v.Kind, v.RunID, v.RunHref = "run", rw.Run.ID, runHref(rw.Run)
	}
	v.Search = strings.ToLower(m.Info.Name + " " + m.Key + " " + m.Info.Organisation)
	for i, class := range []string{"avg col-g", "avg col-t"} {
		v.Avg[i] = avgCell(rw.Avg[i][0], rw.Avg[i][1])
		v.Avg[i].Class = class
	}
	for _, c := range s.GroupView {
		var cv cellView
		if c.Kind == "group" {
			cv = makeCell(rw.Cells[c.ID], c.Pct)
		} else {
			cv = taskCell(rw.Cells[c.ID], c.Pct)
			flagConfig(&cv, rw.Cells[c.ID], c.Task)
		}
		cv.Class = "col-g"
		v.GCells = append(v.GCells, cv)
	}
	for _, c := range s.TaskCols {
		cv := taskCell(rw.Cells[c.ID], c.Pct)
		flagConfig(&cv, rw.Cells[c.ID], c.Task)
		cv.Class = "col-t"
		v.TCells = append(v.TCells, cv)
	}
	return v
}

func colHeads(cols []*column) []colHead {
	var out []colHead
	for _, c := range cols {
		title := c.Metric
		if c.Kind == "group" {
			title = c.Name + ": " + strings.Join(c.Tasks, ", ")
			if c.Metric != "" {
				title += " · " + c.Metric
			}
		}
		h := colHead{ID: c.ID, Name: c.Name, Href: colHref(c), Title: title, Higher: c.Higher, Kind: c.Kind}
		if td := c.Task; td != nil {
			h.Name = td.Name
			if td.Judge != nil {
				h.Judge, h.JudgeTitle = td.JudgeLabel, judgeTitle(td.Judge)
				h.Title += " · " + h.JudgeTitle + " · not averaged"
			}
			h.CfgDiffers, h.CfgTitle = td.ConfigDiffers(), cfgTitle(td)
		}
		out = append(out, h)
	}
	return out
}

func distinct(rows []*row, f func(ModelInfo) string) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rows {
		if v := f(r.Model.Info); v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

func (b *builder) writePages() error {
	tmpl, err := parseTemplates()
	if err != nil {
		return err
	}
	render := func(name, rel string, data any) error {
		var buf bytes.Buffer
		if err := tmpl.ExecuteTemplate(&buf, name, data); err != nil {
			return fmt.Errorf("rendering %s: %w", rel, err)
		}
		return b.write(rel, buf.Bytes())
	}
	s := b.site

	// Index.
	ip := indexPage{pageBase: b.base("", "", "app.js", true), DefaultAllRuns: b.o.AllRuns,
		GroupCols: colHeads(s.GroupView), TaskCols: colHeads(s.TaskCols), Empty: len(s.Latest) == 0}
	ip.RunLinks = b.runLinks(s.Runs)
	ip.RowsShown = len(s.Latest)
	if b.o.AllRuns {
		ip.RowsShown = len(s.AllRuns)
	}
	for _, rw := range s.Latest {
		ip.Rows = append(ip.Rows, b.rowView(rw))
	}
	for _, rw := range s.AllRuns {
		ip.Rows = append(ip.Rows, b.rowView(rw))
	}
	ip.Orgs = distinct(s.Latest, func(m ModelInfo) string { return m.Organisation })
	ip.Licenses = distinct(s.Latest, func(m ModelInfo) string { return m.License })
	ip.Types = distinct(s.Latest, func(m ModelInfo) string { return m.Type })
	ip.Weights = distinct(s.Latest, func(m ModelInfo) string { return m.Weights })
	for i, cols := range [][]*column{s.GroupView, s.TaskCols} {
		d := avgDef{View: [2]string{"g", "t"}[i]}
		for j, c := range cols {
			if c.averaged() {
				d.Columns = append(d.Columns, avgCol{Name: c.Name, Th: d.View + strconv.Itoa(j)})
			}
		}
		ip.AvgDefs = append(ip.AvgDefs, d)
	}
	if ip.BarChart, err = b.indexBarChart(); err != nil {
		return err
	}
	if ip.EffChart, err = b.indexEffChart(); err != nil {
		return err
	}
	if err := render("index.html", "index.html", ip); err != nil {
		return err
	}

	for _, m := range s.Models {
		mp, err := b.modelPage(m)
		if err != nil {
			return err
		}
		if err := render("model.html", modelHref(m), mp); err != nil {
			return err
		}
	}
	for _, t := range s.Tasks {
		tp, err := b.taskPage(t)
		if err != nil {
			return err
		}
		if err := render("task.html", taskHref(t), tp); err != nil {
			return err
		}
	}
	sp := b.base("samples", "", "samples.js", false)
	sp.RunLinks = b.runLinks(s.Runs)
	if err := render("samples.html", "samples.html", sp); err != nil {
		return err
	}
	if err := b.writeCatalog(); err != nil {
		return err
	}
	rp := b.base("runs", "", "app.js", false)
	rp.RunLinks = b.runLinks(s.Runs)
	type runsPage struct {
		pageBase
		Runs []runView
	}
	var rv []runView
	for _, r := range s.Runs {
		rv = append(rv, b.runView(r, false))
	}
	return render("runs.html", "runs.html", runsPage{rp, rv})
}

func (b *builder) runLinks(runs []*run) []runLink {
	var out []runLink
	for _, r := range runs {
		out = append(out, runLink{ID: r.ID, Href: runHref(r), Model: r.ModelKey})
	}
	return out
}

func (b *builder) indexBarChart() (*chartView, error) {
	s := b.site
	options := map[string]map[string]any{}
	var choices [][2]string
	var avg []barEntry
	for _, rw := range s.Latest {
		if a := rw.Avg[0][1]; a != nil {
			avg = append(avg, barEntry{rw.Model.Info.Name, a.Value * 100})
		}
	}
	def := ""
	if len(avg) > 0 {
		options["avg"] = barOptions("chart-bench-bar", trAttr("average")+" (macro)", avg, true)
		choices = append(choices, [2]string{"avg", trAttr("average") + " (macro)"})
		def = "avg"
	}
	maxN := len(avg)
	for _, c := range s.GroupView {
		var es []barEntry
		for _, rw := range s.Latest {
			if sc := rw.Cells[c.ID]; sc != nil {
				v := sc.Value
				if c.Pct {
					v *= 100
				}
				es = append(es, barEntry{rw.Model.Info.Name, v})
			}
		}
		if len(es) == 0 {
			continue
		}
		if len(es) > maxN {
			maxN = len(es)
		}
		options[c.ID] = barOptions("chart-bench-bar", c.Name, es, c.Higher)
		choices = append(choices, [2]string{c.ID, c.Name})
		if def == "" {
			def = c.ID
		}
	}
	if def == "" {
		return nil, nil
	}
	return newChartView("chart-bench-bar", barHeight(maxN), def, options, choices)
}

func barHeight(n int) int { return 80 + 26*max(n, 4) }

// meanUsage averages a model's per-task tokens/s and p50 latency over the
// tasks of its latest runs that report them.
func meanUsage(s *site, m *modelData) (tokS, latP50 float64, hasTok, hasLat bool) {
	var ts, ls float64
	var tn, ln int
	for _, td := range s.Tasks {
		r := m.Latest[td.Key]
		if r == nil {
			continue
		}
		u := r.File.Tasks[td.Name].Usage
		if u.TokensPerSecond > 0 && finite(u.TokensPerSecond) {
			ts += u.TokensPerSecond
			tn++
		}
		if u.LatencyP50MS > 0 && finite(u.LatencyP50MS) {
			ls += u.LatencyP50MS
			ln++
		}
	}
	if tn > 0 {
		tokS, hasTok = ts/float64(tn), true
	}
	if ln > 0 {
		latP50, hasLat = ls/float64(ln), true
	}
	return
}

func (b *builder) indexEffChart() (*chartView, error) {
	s := b.site
	var tokPts, latPts []scatterPoint
	for _, rw := range s.Latest {
		a := rw.Avg[0][1]
		if a == nil {
			continue
		}
		tok, lat, hasTok, hasLat := meanUsage(s, rw.Model)
		if hasTok {
			tokPts = append(tokPts, scatterPoint{rw.Model.Info.Name, tok, a.Value * 100})
		}
		if hasLat {
			latPts = append(latPts, scatterPoint{rw.Model.Info.Name, lat, a.Value * 100})
		}
	}
	return effChart("chart-quality-efficiency", trAttr("average")+" (macro)", tokPts, latPts)
}

func effChart(id, yName string, tokPts, latPts []scatterPoint) (*chartView, error) {
	options := map[string]map[string]any{}
	var choices [][2]string
	def := ""
	if len(tokPts) > 0 {
		options["tok"] = scatterOptions(id, trAttr("chart_eff"), trAttr("tok_s")+" (mean over tasks)", yName, tokPts)
		choices = append(choices, [2]string{"tok", trAttr("tok_s")})
		def = "tok"
	}
	if len(latPts) > 0 {
		options["lat"] = scatterOptions(id, trAttr("chart_eff"), trAttr("lat_p50")+" (mean over tasks)", yName, latPts)
		choices = append(choices, [2]string{"lat", trAttr("lat_p50")})
		if def == "" {
			def = "lat"
		}
	}
	if def == "" {
		return nil, nil
	}
	return newChartView(id, 420, def, options, choices)
}

// --- model pages ---

type taskRowView struct {
	Name        string
	Href        string
	SamplesHref string
	Metric      string
	Cell        cellView
	CI          string
	N           int
	Scored      int
	Errors      int
	ErrorKinds  string
	Truncated   int
	NShot       int
	RunID       string
	RunHref     string
	Usage       results.Usage
	TokS        string
	Lat50       string
	Lat95       string
	TTFT        string
}

type groupRowView struct {
	Name  string
	Cell  cellView
	N     int
	Tasks string
}

type provView struct {
	Task       string
	Judge      *results.JudgeInfo
	Version    string
	Source     string
	ConfigHash string
	PromptHash string
	Dataset    results.Dataset
	Notes      []string
	NShot      int
	OutputType string
}

type runView struct {
	ID          string
	Href        string
	Model       string
	ModelHref   string
	Started     string
	Finished    string
	Harness     string
	RunnerKind  string
	Endpoint    string
	Replicas    int
	BaseURL     string
	Redacted    bool
	Config      results.RunConfig
	NumFewshot  string
	Interrupted bool
	Tasks       []provView
	TaskNames   string
}

type modelPage struct {
	pageBase
	Info   ModelInfo
	Key    string
	Params string
	Radar  *chartView
	Tasks  []taskRowView
	Groups []groupRowView
	Runs   []runView
	// MissingCats are the categories the radar leaves out.
	MissingCats []string
}

func fmtOpt(v float64) string {
	if v <= 0 || !finite(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func errorKinds(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+": "+strconv.Itoa(m[k]))
	}
	return strings.Join(parts, ", ")
}

func (b *builder) samplesHref(root string, m *modelData, t *taskData, r *run) string {
	if b.samples == nil || b.samples.has[r.ID][t.Name] == 0 {
		return ""
	}
	return root + "samples.html#m=" + url.QueryEscape(m.Slug) + "&t=" + url.QueryEscape(t.Slug) + "&r=" + url.QueryEscape(r.ID)
}

func (b *builder) modelPage(m *modelData) (*modelPage, error) {
	s := b.site
	p := &modelPage{pageBase: b.base(m.Info.Name, "../", "app.js", true), Info: m.Info, Key: m.Key,
		Params: paramsText(m.Info.Params)}
	if p.Info.Link != "" && checkHTTPURL(p.Info.Link) != nil {
		p.Info.Link = ""
	}
	p.RunLinks = b.runLinks(m.Runs)
	var latest *row
	for _, rw := range s.Latest {
		if rw.Model == m {
			latest = rw
		}
	}
	for _, td := range s.Tasks {
		r := m.Latest[td.Key]
		if r == nil {
			continue
		}
		tk := r.File.Tasks[td.Name]
		sc := latest.Cells["t:"+td.Key]
		tv := taskRowView{Name: td.Label(), Href: "../" + taskHref(td), Metric: td.Metric, Cell: taskCell(sc, td.Pct),
			N: tk.N, Scored: tk.Scored, Errors: tk.Errors, ErrorKinds: errorKinds(tk.ErrorsByKind), Truncated: tk.Truncated,
			NShot: tk.NumFewshot, RunID: r.ID, RunHref: "../" + runHref(r), Usage: tk.Usage,
			TokS: fmtOpt(tk.Usage.TokensPerSecond), Lat50: fmtOpt(tk.Usage.LatencyP50MS), Lat95: fmtOpt(tk.Usage.LatencyP95MS),
			TTFT: fmtOpt(tk.Usage.TTFTP50MS), SamplesHref: b.samplesHref("../", m, td, r)}
		if sc != nil {
			tv.CI = ciText(sc.Value, sc.Stderr, sc.HasStderr, td.Pct)
		}
		flagConfig(&tv.Cell, sc, td)
		p.Tasks = append(p.Tasks, tv)
	}
	for _, c := range s.Groups {
		r := m.LatestGroup[c.Name]
		if r == nil {
			continue
		}
		g := r.File.Groups[c.Name]
		p.Groups = append(p.Groups, groupRowView{Name: c.Name, Cell: makeCell(latest.Cells[c.ID], c.Pct), N: g.N,
			Tasks: strings.Join(g.Tasks, ", ")})
	}
	for _, r := range m.Runs {
		p.Runs = append(p.Runs, b.runView(r, true))
	}
	// Radar across the categories this model has a score in (the
	// benchmark view, else the tasks); a missing category is left off and
	// listed, never drawn as 0. Fewer than three categories: a bar chart.
	cols := s.GroupView
	if len(cols) < 3 {
		cols = s.TaskCols
	}
	var axes []radarAxis
	var vals []*float64
	var bars []barEntry
	for _, c := range cols {
		sc := latest.Cells[c.ID]
		if sc == nil {
			p.MissingCats = append(p.MissingCats, c.Name)
			continue
		}
		mx, v := 100.0, sc.Value
		if c.Pct {
			v *= 100
		} else {
			mx = 0
			for _, rw := range s.Latest {
				if o := rw.Cells[c.ID]; o != nil {
					mx = math.Max(mx, o.Value)
				}
			}
			if mx <= 0 {
				mx = 1
			}
		}
		axes = append(axes, radarAxis{Name: c.Name, Max: mx})
		vals = append(vals, &v)
		bars = append(bars, barEntry{c.Name, v})
	}
	var opt map[string]any
	switch {
	case len(axes) >= 3:
		opt = radarOptions("chart-radar", m.Info.Name, axes, vals)
	case len(axes) > 0:
		opt = barOptions("chart-radar", m.Info.Name, bars, true)
	}
	if opt != nil {
		cv, err := newChartView("chart-radar", 420, "radar", map[string]map[string]any{"radar": opt}, nil)
		if err != nil {
			return nil, err
		}
		p.Radar = cv
	}
	return p, nil
}

// cleanURL drops credentials, query and fragment from a server URL; an
// unparsable URL is dropped whole.
func cleanURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	u.User = nil
	u.RawQuery = ""
	u.ForceQuery = false
	u.Fragment = ""
	u.RawFragment = ""
	return u.String()
}

func (b *builder) runView(r *run, fromModel bool) runView {
	f := r.File
	root := ""
	if fromModel {
		root = "../"
	}
	v := runView{ID: r.ID, Href: root + runHref(r), Model: r.ModelKey, Harness: f.HarnessVersion,
		RunnerKind: f.Runner.Kind, Endpoint: f.Runner.Endpoint, Replicas: f.Runner.Replicas,
		Config: f.Config, Interrupted: f.Interrupted, Redacted: b.o.RedactEndpoints}
	for _, m := range b.site.Models {
		if m.Key == r.ModelKey {
			v.ModelHref = root + modelHref(m)
		}
	}
	if !f.StartedAt.IsZero() {
		v.Started = f.StartedAt.UTC().Format(time.RFC3339)
	}
	if !f.FinishedAt.IsZero() {
		v.Finished = f.FinishedAt.UTC().Format(time.RFC3339)
	}
	if !b.o.RedactEndpoints {
		v.BaseURL = cleanURL(f.BaseURL)
	}
	if f.Config.NumFewshot != nil {
		v.NumFewshot = strconv.Itoa(*f.Config.NumFewshot)
	}
	names := make([]string, 0, len(f.Tasks))
	for t := range f.Tasks {
		names = append(names, t)
	}
	sort.Strings(names)
	v.TaskNames = strings.Join(names, ", ")
	if fromModel {
		for _, t := range names {
			tk := f.Tasks[t]
			v.Tasks = append(v.Tasks, provView{Task: t, Judge: tk.Judge, Version: tk.Version, Source: tk.Source, ConfigHash: tk.ConfigHash,
				PromptHash: tk.PromptHash, Dataset: tk.Dataset, Notes: tk.Notes, NShot: tk.NumFewshot, OutputType: tk.OutputType})
		}
	}
	return v
}

// --- task pages ---

// otherJudge links a column of the same task graded by another judge.
type otherJudge struct {
	Label string
	Href  string
}

type rankRow struct {
	Rank        int
	Name        string
	Href        string
	SamplesHref string
	Cell        cellView
	CI          string
	N           int
	Errors      int
	Truncated   int
	TokS        string
	Lat50       string
	RunID       string
	RunHref     string
	// ConfigHash is the run's config hash for the task (shortened);
	// CfgDiff flags one that is not the newest run's.
	ConfigHash string
	CfgDiff    bool
}

type taskPage struct {
	pageBase
	Name string
	// Judge is the provenance of the judge behind every score on the
	// page (nil for tasks without a judge); JudgeLabel names it.
	Judge      *results.JudgeInfo
	JudgeLabel string
	// Others links the task's columns of other judges.
	Others []otherJudge
	// CfgDiffers is true when the runs ranked here differ in config hash;
	// CfgTitle says how.
	CfgDiffers bool
	CfgTitle   string
	Info       TaskInfo
	DescKO     string
	DescEN     string
	Metric     string
	Higher     bool
	Example    *results.Task
	Groups     []string
	Ranking    []rankRow
	Bar        *chartView
	Eff        *chartView
}

func (b *builder) taskPage(td *taskData) (*taskPage, error) {
	s := b.site
	title := td.Name
	if td.Info.Name != "" {
		title = td.Info.Name
	}
	if td.JudgeLabel != "" {
		title += " · " + td.JudgeLabel
	}
	p := &taskPage{pageBase: b.base(title, "../", "app.js", true), Name: td.Name, Info: td.Info, Metric: td.Metric,
		Higher: td.Higher, Example: td.Example, Groups: td.Groups, DescKO: td.Info.DescriptionKO, DescEN: td.Info.Description,
		Judge: td.Judge, JudgeLabel: td.JudgeLabel, CfgDiffers: td.ConfigDiffers(), CfgTitle: cfgTitle(td)}
	for _, o := range s.Tasks {
		if o != td && o.Name == td.Name {
			p.Others = append(p.Others, otherJudge{Label: o.Label(), Href: "../" + taskHref(o)})
		}
	}
	if p.DescKO == "" {
		p.DescKO = p.DescEN
	}
	if p.DescEN == "" {
		p.DescEN = p.DescKO
	}
	type ent struct {
		m  *modelData
		r  *run
		sc *score
	}
	var ents []ent
	var used []*run
	for _, rw := range s.Latest {
		sc := rw.Cells["t:"+td.Key]
		if sc == nil {
			continue
		}
		ents = append(ents, ent{rw.Model, sc.Run, sc})
		used = append(used, sc.Run)
	}
	sort.SliceStable(ents, func(i, j int) bool {
		a, c := ents[i].sc.Value, ents[j].sc.Value
		if a != c {
			if td.Higher {
				return a > c
			}
			return a < c
		}
		return ents[i].m.Info.Name < ents[j].m.Info.Name
	})
	p.RunLinks = b.runLinks(used)
	var bars []barEntry
	var tokPts, latPts []scatterPoint
	for i, e := range ents {
		tk := e.r.File.Tasks[td.Name]
		v := e.sc.Value
		if td.Pct {
			v *= 100
		}
		bars = append(bars, barEntry{e.m.Info.Name, v})
		if u := tk.Usage.TokensPerSecond; u > 0 && finite(u) {
			tokPts = append(tokPts, scatterPoint{e.m.Info.Name, u, v})
		}
		if u := tk.Usage.LatencyP50MS; u > 0 && finite(u) {
			latPts = append(latPts, scatterPoint{e.m.Info.Name, u, v})
		}
		rr := rankRow{Rank: i + 1, Name: e.m.Info.Name, Href: "../" + modelHref(e.m),
			SamplesHref: b.samplesHref("../", e.m, td, e.r), Cell: taskCell(e.sc, td.Pct),
			CI: ciText(e.sc.Value, e.sc.Stderr, e.sc.HasStderr, td.Pct), N: tk.N, Errors: tk.Errors,
			Truncated: tk.Truncated, TokS: fmtOpt(tk.Usage.TokensPerSecond), Lat50: fmtOpt(tk.Usage.LatencyP50MS),
			RunID: e.r.ID, RunHref: "../" + runHref(e.r), ConfigHash: shortHash(tk.ConfigHash)}
		flagConfig(&rr.Cell, e.sc, td)
		rr.CfgDiff = rr.Cell.CfgDiff
		p.Ranking = append(p.Ranking, rr)
	}
	var err error
	if len(bars) > 0 {
		opt := barOptions("chart-task-bar", td.Label(), bars, td.Higher)
		if p.Bar, err = newChartView("chart-task-bar", barHeight(len(bars)), "bar", map[string]map[string]any{"bar": opt}, nil); err != nil {
			return nil, err
		}
	}
	if p.Eff, err = effChart("chart-task-efficiency", td.Metric, tokPts, latPts); err != nil {
		return nil, err
	}
	return p, nil
}

// --- sample browser catalogue ---

type catalogModel struct {
	Slug string `json:"s"`
	Name string `json:"n"`
}

type catalogTask struct {
	Slug   string `json:"s"`
	Name   string `json:"n"`
	Metric string `json:"metric"`
}

// catalogRun is a run in the catalogue.
type catalogRun struct {
	Model   string `json:"model"`
	Results string `json:"results"`
	Started string `json:"started,omitempty"`
}

// writeCatalog writes data/catalog.js: which model has samples for which
// task in which runs (newest first), as [run id, samples] pairs.
func (b *builder) writeCatalog() error {
	s := b.site
	cat := struct {
		Models  []catalogModel                 `json:"models"`
		Tasks   []catalogTask                  `json:"tasks"`
		Samples map[string]map[string][][2]any `json:"samples"`
		Runs    map[string]catalogRun          `json:"runs"`
		Page    int                            `json:"page_docs"`
		Shard   int                            `json:"shard_docs"`
	}{Samples: map[string]map[string][][2]any{}, Runs: map[string]catalogRun{}, Page: PageDocs, Shard: ShardDocs}
	for _, t := range s.Tasks {
		cat.Tasks = append(cat.Tasks, catalogTask{t.Slug, t.Label(), t.Metric})
	}
	for _, m := range s.Models {
		per := map[string][][2]any{}
		for _, r := range m.Runs {
			for _, t := range s.Tasks {
				if n := b.samples.has[r.ID][t.Name]; n > 0 && s.taskOf(r, t.Name) == t {
					per[t.Slug] = append(per[t.Slug], [2]any{r.ID, n})
					cr := catalogRun{Model: m.Slug, Results: runHref(r)}
					if !r.File.StartedAt.IsZero() {
						cr.Started = r.File.StartedAt.UTC().Format(time.RFC3339)
					}
					cat.Runs[r.ID] = cr
				}
			}
		}
		if len(per) > 0 {
			cat.Models = append(cat.Models, catalogModel{m.Slug, m.Info.Name})
			cat.Samples[m.Slug] = per
		}
	}
	data, err := jsonp("data/catalog", cat)
	if err != nil {
		return err
	}
	return b.write("data/catalog.js", data)
}

func parseTemplates() (*template.Template, error) {
	funcs := template.FuncMap{
		"t":    tr,
		"ta":   trAttr,
		"add1": func(i int) int { return i + 1 },
		"join": strings.Join,
		"idx":  func(c [2]cellView, i int) cellView { return c[i] },
	}
	return template.New("").Funcs(funcs).ParseFS(embedded, "templates/*.html")
}
