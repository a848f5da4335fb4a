package leaderboard

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"sort"
	"strings"

	"github.com/hanbench/hanbench/evals/results"
)

// TaskInfo describes a benchmark for its task page. Every field is
// optional; what is missing falls back to what results.json says.
type TaskInfo struct {
	// Name is a display name.
	Name string `json:"name,omitempty"`
	// Description says what the benchmark measures (English).
	Description string `json:"description,omitempty"`
	// DescriptionKO is the Korean description; Description is shown when empty.
	DescriptionKO string `json:"description_ko,omitempty"`
	// License is the dataset's licence.
	License string `json:"license,omitempty"`
	// Protocol summarises prompts and scoring.
	Protocol string `json:"protocol,omitempty"`
	// Link is an http(s) URL about the benchmark; other schemes are dropped.
	Link string `json:"link,omitempty"`
	// Metric is the metric ranked on; by default the first of acc,
	// exact_match, f1, acc_norm present, else the first metric by name.
	Metric string `json:"metric,omitempty"`
}

// column is one score column of the table: a benchmark group or a task.
// A judge-graded task has one column per judge provenance (see taskKey).
type column struct {
	ID string // "g:<name>" or "t:<task key>"
	// Name is the display name: the group, the task, or for a judged task
	// "<task> · judge <model>" (see taskData.Label).
	Name string
	// Key is the group name or the task key (taskKey).
	Key   string
	Kind  string // "group" or "task"
	Tasks []string
	// Metric is the metric shown; Higher its direction; Pct true when
	// shown ×100.
	Metric string
	Higher bool
	Pct    bool
	// Task is the task column's taskData; nil for groups.
	Task *taskData
}

// averaged tells whether the column enters the averages: higher-is-better
// proportions graded without a judge. A judge's scores depend on the judge
// (and are on the rubric's scale), so they are never averaged.
func (c *column) averaged() bool {
	return c.Higher && c.Pct && (c.Task == nil || c.Task.Judge == nil)
}

// score is one model's (or run's) value in one column.
type score struct {
	Value     float64
	Stderr    float64
	HasStderr bool
	// Macro values exist for groups only.
	Macro          float64
	MacroStderr    float64
	HasMacro       bool
	HasMacroStderr bool
	N              int
	Metric         string
	Run            *run
	// ConfigHash is the task's config hash in Run (task cells only).
	ConfigHash string
}

// modelData is one model with the runs that mention it.
type modelData struct {
	Key  string
	Slug string
	Info ModelInfo
	Runs []*run // newest first
	// Latest maps a task key (taskKey) to the newest run that has it;
	// LatestGroup maps a group name the same way.
	Latest      map[string]*run
	LatestGroup map[string]*run
}

// row is one table row: a model (latest runs) or a single run.
type row struct {
	ID    string
	Model *modelData
	Run   *run // nil for a model row
	Cells map[string]*score
	// Avg is indexed by [view][mode]: view 0 groups, 1 tasks; mode 0 micro, 1 macro.
	Avg [2][2]*score
}

// taskData is one task across all runs; a judge-graded task is one
// taskData per judge provenance (Key).
type taskData struct {
	// Name is the task's name in results.json.
	Name string
	// Key tells apart judge provenances of one task (taskKey); it is Name
	// for tasks without a judge.
	Key string
	// Judge is the judge provenance shared by the runs of this Key.
	Judge *results.JudgeInfo
	// JudgeLabel names the judge for display ("judge gpt-4o", with the
	// prompt hash, penalty or strategy added when the judge model alone
	// does not tell two columns of the task apart); empty without a judge.
	JudgeLabel string
	Slug       string
	Info       TaskInfo
	Metric     string
	Higher     bool
	Pct        bool
	// Example is the task entry of the newest run, for protocol fallbacks.
	Example *results.Task
	Groups  []string
	// ConfigHashes are the distinct config hashes of the runs' entries,
	// sorted; more than one means the runs were not configured alike.
	ConfigHashes []string
}

// Label is the display name: Name, and the judge for judged tasks.
func (td *taskData) Label() string {
	if td.JudgeLabel == "" {
		return td.Name
	}
	return td.Name + " · " + td.JudgeLabel
}

// RefHash is the config hash of the newest run's entry, which cells with
// another config hash are flagged against.
func (td *taskData) RefHash() string { return td.Example.ConfigHash }

// ConfigDiffers is true when the runs' entries have different config hashes.
func (td *taskData) ConfigDiffers() bool { return len(td.ConfigHashes) > 1 }

// taskKey identifies what a task entry measures: its name, plus for a
// judge-graded task the judge model, judge prompt hash, penalty rule and
// strategy, so scores of different judges never share a column, an
// average or a ranking.
func taskKey(name string, tk *results.Task) string {
	if tk == nil || tk.Judge == nil {
		return name
	}
	return name + "@judge:" + judgeID(tk.Judge)
}

// judgeID is a short hash of the judge provenance that keys columns.
func judgeID(j *results.JudgeInfo) string {
	b, _ := json.Marshal([]string{j.Model, j.PromptHash, j.Penalty, j.Strategy})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:12]
}

// shortHash shortens a hash for display.
func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// judgeLabels names the judges of the judged tasks: "judge <model>", plus
// the penalty or strategy where columns of one task share the model and
// differ in them, plus the judge prompt hash where that is still not
// enough.
func judgeLabels(tasks []*taskData) {
	byModel := map[[2]string][]*taskData{}
	for _, td := range tasks {
		if td.Judge != nil {
			k := [2]string{td.Name, td.Judge.Model}
			byModel[k] = append(byModel[k], td)
		}
	}
	for _, tds := range byModel {
		differ := func(f func(*results.JudgeInfo) string) bool {
			for _, td := range tds[1:] {
				if f(td.Judge) != f(tds[0].Judge) {
					return true
				}
			}
			return false
		}
		penalty := differ(func(j *results.JudgeInfo) string { return j.Penalty })
		strategy := differ(func(j *results.JudgeInfo) string { return j.Strategy })
		labels := map[string]int{}
		for _, td := range tds {
			j := td.Judge
			model := j.Model
			if model == "" {
				model = "?"
			}
			parts := []string{"judge " + model}
			if penalty {
				parts = append(parts, "penalty "+j.Penalty)
			}
			if strategy {
				parts = append(parts, "strategy "+j.Strategy)
			}
			td.JudgeLabel = strings.Join(parts, " · ")
			labels[td.JudgeLabel]++
		}
		// The prompt hash, where the rest does not tell columns apart.
		var same []*taskData
		for _, td := range tds {
			if labels[td.JudgeLabel] > 1 {
				same = append(same, td)
			}
		}
		for _, td := range same {
			td.JudgeLabel += " · prompt " + shortHash(td.Judge.PromptHash)
		}
	}
}

// taskOf is the taskData of run r's entry for task name; nil when r has
// no such task.
func (s *site) taskOf(r *run, name string) *taskData {
	tk := r.File.Tasks[name]
	if tk == nil {
		return nil
	}
	return s.TaskByKey[taskKey(name, tk)]
}

// site is everything the pages are built from.
type site struct {
	Runs   []*run
	Models []*modelData
	Tasks  []*taskData
	// TaskByKey maps a task key (taskKey) to its taskData.
	TaskByKey map[string]*taskData
	Groups    []*column // group columns
	TaskCols  []*column // one per task
	// GroupView is the column list of the "benchmarks" view: groups plus
	// tasks in no group.
	GroupView []*column
	Latest    []*row
	AllRuns   []*row
	ColByID   map[string]*column
}

var proportionMetrics = map[string]bool{
	"acc": true, "acc_norm": true, "exact_match": true, "em": true, "f1": true,
	"mc1": true, "mc2": true, "accuracy": true, "pass@1": true, "char_f1": true,
	"macro_f1": true, "micro_f1": true, "bleu_acc": true, "rouge1_acc": true,
}

func metricBase(m string) string {
	if i := strings.Index(m, ","); i >= 0 {
		return m[:i]
	}
	return m
}

func isAux(m string) bool {
	return strings.HasSuffix(m, "_stderr") || strings.Contains(m, "_stderr,") || strings.HasSuffix(m, "_macro")
}

// pickMetric chooses the ranked metric among keys.
func pickMetric(metrics map[string]float64, want string) string {
	if want != "" {
		if _, ok := metrics[want]; ok {
			return want
		}
	}
	var keys []string
	for k := range metrics {
		if !isAux(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, pref := range []string{"acc", "exact_match", "f1", "acc_norm", "score"} {
		for _, k := range keys {
			if metricBase(k) == pref {
				return k
			}
		}
	}
	if len(keys) > 0 {
		return keys[0]
	}
	return ""
}

// stderrOf finds "<metric>_stderr" or lm-eval's "<base>_stderr,<filter>".
func stderrOf(metrics map[string]float64, metric string) (float64, bool) {
	if v, ok := metrics[metric+"_stderr"]; ok && finite(v) {
		return v, true
	}
	if i := strings.Index(metric, ","); i >= 0 {
		if v, ok := metrics[metric[:i]+"_stderr"+metric[i:]]; ok && finite(v) {
			return v, true
		}
	}
	return 0, false
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// buildSite turns runs into models, columns and rows.
func buildSite(runs []*run, infos map[string]ModelInfo, taskInfo map[string]TaskInfo) *site {
	s := &site{Runs: runs, TaskByKey: map[string]*taskData{}, ColByID: map[string]*column{}}

	// Models.
	byKey := map[string]*modelData{}
	for _, r := range runs {
		m := byKey[r.ModelKey]
		if m == nil {
			info, ok := infos[r.ModelKey]
			if !ok {
				info = infos[r.File.Model]
			}
			info.Model = r.ModelKey
			if info.Name == "" {
				info.Name = r.ModelKey
			}
			m = &modelData{Key: r.ModelKey, Slug: hashSlug(r.ModelKey, 40), Info: info,
				Latest: map[string]*run{}, LatestGroup: map[string]*run{}}
			byKey[r.ModelKey] = m
			s.Models = append(s.Models, m)
		}
		m.Runs = append(m.Runs, r) // runs are newest first
		for t, tk := range r.File.Tasks {
			if k := taskKey(t, tk); m.Latest[k] == nil && len(tk.Metrics) > 0 {
				m.Latest[k] = r
			}
		}
		for g, gr := range r.File.Groups {
			if _, ok := m.LatestGroup[g]; !ok && len(gr.Metrics) > 0 {
				m.LatestGroup[g] = r
			}
		}
	}
	sort.Slice(s.Models, func(i, j int) bool { return s.Models[i].Key < s.Models[j].Key })

	// Tasks (the newest run's entry describes the task).
	groupTasks := map[string]map[string]bool{}
	hashes := map[*taskData]map[string]bool{}
	for _, r := range runs {
		for name, tk := range r.File.Tasks {
			key := taskKey(name, tk)
			td := s.TaskByKey[key]
			if td == nil {
				info := taskInfo[name]
				if info.Link != "" && checkHTTPURL(info.Link) != nil {
					info.Link = ""
				}
				td = &taskData{Name: name, Key: key, Slug: taskSlug(name), Info: info, Example: tk}
				if tk.Judge != nil {
					j := *tk.Judge
					td.Judge = &j
					td.Slug += "--judge-" + judgeID(tk.Judge)
				}
				s.TaskByKey[key] = td
				s.Tasks = append(s.Tasks, td)
				hashes[td] = map[string]bool{}
			}
			hashes[td][tk.ConfigHash] = true
			for _, g := range tk.Groups {
				if !contains(td.Groups, g) {
					td.Groups = append(td.Groups, g)
				}
			}
		}
		for g, gr := range r.File.Groups {
			set := groupTasks[g]
			if set == nil {
				set = map[string]bool{}
				groupTasks[g] = set
			}
			for _, t := range gr.Tasks {
				set[t] = true
			}
		}
	}
	judgeLabels(s.Tasks)
	sort.Slice(s.Tasks, func(i, j int) bool {
		a, b := s.Tasks[i], s.Tasks[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.JudgeLabel != b.JudgeLabel {
			return a.JudgeLabel < b.JudgeLabel
		}
		return a.Key < b.Key
	})
	for _, td := range s.Tasks {
		for h := range hashes[td] {
			td.ConfigHashes = append(td.ConfigHashes, h)
		}
		sort.Strings(td.ConfigHashes)
		sort.Strings(td.Groups)
		td.Metric = pickMetric(td.Example.Metrics, td.Info.Metric)
		td.Higher = true
		if hb, ok := td.Example.HigherIsBetter[td.Metric]; ok {
			td.Higher = hb
		} else if hb, ok := td.Example.HigherIsBetter[metricBase(td.Metric)]; ok {
			td.Higher = hb
		}
		td.Pct = proportionMetrics[metricBase(td.Metric)]
	}

	// Scores per (model or run, column).
	taskScore := func(r *run, td *taskData) *score {
		tk := r.File.Tasks[td.Name]
		if tk == nil || taskKey(td.Name, tk) != td.Key {
			return nil // another judge's score is never this column's
		}
		v, ok := tk.Metrics[td.Metric]
		if !ok || !finite(v) {
			return nil
		}
		sc := &score{Value: v, N: tk.N, Metric: td.Metric, Run: r, ConfigHash: tk.ConfigHash}
		sc.Stderr, sc.HasStderr = stderrOf(tk.Metrics, td.Metric)
		return sc
	}

	// Task columns.
	for _, td := range s.Tasks {
		c := &column{ID: "t:" + td.Key, Name: td.Label(), Key: td.Key, Kind: "task", Tasks: []string{td.Name},
			Metric: td.Metric, Higher: td.Higher, Pct: td.Pct, Task: td}
		s.TaskCols = append(s.TaskCols, c)
		s.ColByID[c.ID] = c
	}

	// Group columns: groups not strictly contained in another group.
	var groupNames []string
	for g := range groupTasks {
		groupNames = append(groupNames, g)
	}
	sort.Strings(groupNames)
	inColumn := map[string]bool{}
	for _, g := range groupNames {
		nested := false
		for _, h := range groupNames {
			if h != g && strictSubset(groupTasks[g], groupTasks[h]) {
				nested = true
				break
			}
		}
		if nested {
			continue
		}
		var tasks []string
		for t := range groupTasks[g] {
			tasks = append(tasks, t)
			inColumn[t] = true
		}
		sort.Strings(tasks)
		c := &column{ID: "g:" + g, Name: g, Key: g, Kind: "group", Tasks: tasks, Higher: true, Pct: true}
		// The group's metric: the one its member tasks rank on when they
		// agree, else the group's own first metric.
		metrics := map[string]bool{}
		for _, td := range s.Tasks {
			if groupTasks[g][td.Name] {
				metrics[td.Metric] = true
				c.Higher = c.Higher && td.Higher
				c.Pct = c.Pct && td.Pct
			}
		}
		if len(metrics) == 1 {
			for m := range metrics {
				c.Metric = m
			}
		}
		s.Groups = append(s.Groups, c)
		s.ColByID[c.ID] = c
	}
	groupScore := func(r *run, c *column) *score {
		g := r.File.Groups[c.Name]
		if g == nil {
			return nil
		}
		metric := c.Metric
		if _, ok := g.Metrics[metric]; !ok || metric == "" {
			metric = pickMetric(g.Metrics, "")
		}
		v, ok := g.Metrics[metric]
		if !ok || !finite(v) {
			return nil
		}
		sc := &score{Value: v, N: g.N, Metric: metric, Run: r}
		sc.Stderr, sc.HasStderr = stderrOf(g.Metrics, metric)
		if mv, ok := g.Metrics[metric+"_macro"]; ok && finite(mv) {
			sc.Macro, sc.HasMacro = mv, true
			sc.MacroStderr, sc.HasMacroStderr = stderrOf(g.Metrics, metric+"_macro")
		}
		return sc
	}
	for _, c := range s.Groups {
		if c.Metric == "" {
			for _, r := range runs {
				if g := r.File.Groups[c.Name]; g != nil {
					c.Metric = pickMetric(g.Metrics, "")
					c.Pct = c.Pct && proportionMetrics[metricBase(c.Metric)]
					break
				}
			}
		}
	}
	s.GroupView = append(s.GroupView, s.Groups...)
	for _, c := range s.TaskCols {
		if !inColumn[c.Task.Name] {
			s.GroupView = append(s.GroupView, c)
		}
	}

	views := [2][]*column{s.GroupView, s.TaskCols}
	fill := func(rw *row, pick func(c *column) *run) {
		rw.Cells = map[string]*score{}
		for _, c := range s.ColByID {
			r := pick(c)
			if r == nil {
				continue
			}
			var sc *score
			if c.Kind == "group" {
				sc = groupScore(r, c)
			} else {
				sc = taskScore(r, c.Task)
			}
			if sc != nil {
				rw.Cells[c.ID] = sc
			}
		}
		for v := 0; v < 2; v++ {
			for mode := 0; mode < 2; mode++ {
				rw.Avg[v][mode] = average(rw, views[v], mode == 1)
			}
		}
	}
	for _, m := range s.Models {
		m := m
		rw := &row{ID: m.Slug, Model: m}
		fill(rw, func(c *column) *run {
			if c.Kind == "group" {
				return m.LatestGroup[c.Name]
			}
			return m.Latest[c.Key]
		})
		s.Latest = append(s.Latest, rw)
		for _, r := range m.Runs {
			r := r
			rr := &row{ID: r.ID, Model: m, Run: r}
			fill(rr, func(*column) *run { return r })
			s.AllRuns = append(s.AllRuns, rr)
		}
	}
	sortRows(s.Latest)
	sortRows(s.AllRuns)
	return s
}

// sortRows orders rows best average first (benchmarks view, macro);
// rows without an average last, then by name.
func sortRows(rows []*row) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i].Avg[0][1], rows[j].Avg[0][1]
		if (a == nil) != (b == nil) {
			return a != nil
		}
		if a != nil && a.Value != b.Value {
			return a.Value > b.Value
		}
		if rows[i].Model.Info.Name != rows[j].Model.Info.Name {
			return rows[i].Model.Info.Name < rows[j].Model.Info.Name
		}
		return rows[i].ID < rows[j].ID
	})
}

// averagedColumns are the columns an average covers (column.averaged).
func averagedColumns(cols []*column) []*column {
	var out []*column
	for _, c := range cols {
		if c.averaged() {
			out = append(out, c)
		}
	}
	return out
}

// average is the macro (unweighted) or micro (sample-weighted) mean of a
// row's averaged columns; nil when any of them is missing. Group cells
// contribute their macro value in macro mode. The stderr assumes
// independent columns.
func average(rw *row, cols []*column, macro bool) *score {
	cols = averagedColumns(cols)
	if len(cols) == 0 {
		return nil
	}
	var sum, wsum, se2 float64
	n := 0
	hasSE := true
	for _, c := range cols {
		sc := rw.Cells[c.ID]
		if sc == nil {
			return nil
		}
		v, se, has := sc.Value, sc.Stderr, sc.HasStderr
		if macro && c.Kind == "group" {
			if !sc.HasMacro {
				return nil
			}
			v, se, has = sc.Macro, sc.MacroStderr, sc.HasMacroStderr
		}
		w := 1.0
		if !macro {
			w = float64(sc.N)
		}
		sum += w * v
		wsum += w
		se2 += w * w * se * se
		hasSE = hasSE && has
		n += sc.N
	}
	if wsum == 0 {
		return nil
	}
	out := &score{Value: sum / wsum, N: n}
	if hasSE {
		out.Stderr, out.HasStderr = math.Sqrt(se2)/wsum, true
	}
	return out
}

func strictSubset(a, b map[string]bool) bool {
	if len(a) >= len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// taskSlug keeps simple task names as they are and hashes the rest.
func taskSlug(name string) string {
	ok := name != "" && len(name) <= 80
	for _, r := range name {
		if !((r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' || r == '-') {
			ok = false
			break
		}
	}
	if ok {
		return name
	}
	return hashSlug(name, 40)
}
