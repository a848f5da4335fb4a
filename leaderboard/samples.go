package leaderboard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"runtime"
	"sort"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/hanbench/hanbench/evals/results"
)

// PageDocs is the width of a sample-browser page in doc ids: page p of a
// task holds doc ids [p*PageDocs, (p+1)*PageDocs) in every run, so two
// models are compared by loading the same page of each.
const PageDocs = 100

// ShardDocs is the width of a shard file in doc ids; a shard holds
// ShardDocs/PageDocs pages. Shards are larger than pages so that a big
// leaderboard is not tens of thousands of tiny files.
const ShardDocs = 1000

// Sample status codes in shards.
const (
	statusUnknown = -2 // no score to judge by
	statusError   = -1
	statusWrong   = 0
	statusRight   = 1
	statusPartial = 2 // a score strictly between 0 and 1
	statusScored  = 3 // a score on a scale where right/wrong does not apply
)

// sampleRow is one sample as stored in a shard (short keys keep shards small).
type sampleRow struct {
	D  int64              `json:"d"`
	H  string             `json:"h,omitempty"` // key of the prompt in the prompt shard
	R  string             `json:"r"`
	G  string             `json:"g,omitempty"` // reasoning
	X  string             `json:"x"`
	T  string             `json:"t"`
	C  []string           `json:"c,omitempty"`
	S  *float64           `json:"s"`
	O  int                `json:"o"`
	E  string             `json:"e,omitempty"`
	K  string             `json:"k,omitempty"`
	TR bool               `json:"tr,omitempty"`
	F  string             `json:"f,omitempty"`
	M  map[string]float64 `json:"m,omitempty"`
	i  int                // position in the file, for a stable order
}

// taskMeta describes one task of a run in the run's meta.js.
type taskMeta struct {
	Task   string     `json:"task"`
	Metric string     `json:"metric"`
	N      int        `json:"n"`
	Wrong  int        `json:"wrong"`
	Pages  [][3]int64 `json:"pages"` // [page number, samples, not right]
}

// runMeta is samples/<run>/meta.js.
type runMeta struct {
	Run   string               `json:"run"`
	Model string               `json:"model"`
	Page  int                  `json:"page_docs"`
	Shard int                  `json:"shard_docs"`
	Tasks map[string]*taskMeta `json:"tasks"` // by task slug
}

// sampleIndex records which runs have samples for which task.
type sampleIndex struct {
	mu sync.Mutex
	// has[runID][taskName] = number of samples.
	has map[string]map[string]int
	// prompts[taskSlug][shard][key] = prompt text, shared by all runs.
	prompts map[string]map[int64]map[string]string
	// pmu guards prompts and pcache; pcache remembers the key of a prompt
	// already stored, so identical prompts of other runs are hashed once.
	pmu     sync.RWMutex
	pcache  map[promptLoc]string
	samples int
}

// jsonp renders a shard script: HB.load(key, data). json.Marshal escapes
// <, >, &, U+2028 and U+2029, so the data cannot end the script or break
// out of the string literal it is in.
func jsonp(key string, v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	k, _ := json.Marshal(key)
	out := make([]byte, 0, len(data)+len(k)+16)
	out = append(out, "HB.load("...)
	out = append(out, k...)
	out = append(out, ',')
	out = append(out, data...)
	out = append(out, ");\n"...)
	return out, nil
}

func shardName(k int64) string { return fmt.Sprintf("shard_%04d", k) }

// floorDiv divides rounding towards minus infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func shardOf(doc int64) int64 { return floorDiv(doc, ShardDocs) }
func pageOf(doc int64) int64  { return floorDiv(doc, PageDocs) }

// promptLoc is where a prompt is stored: its task, its shard and its text.
type promptLoc struct {
	task   string
	shard  int64
	prompt string
}

// promptKeyFor returns the key of prompt p in the prompt shard of task
// and doc, storing p there the first time it is seen.
func (idx *sampleIndex) promptKeyFor(task string, doc int64, p string) string {
	loc := promptLoc{task, shardOf(doc), p}
	idx.pmu.RLock()
	h, ok := idx.pcache[loc]
	idx.pmu.RUnlock()
	if ok {
		return h
	}
	h = promptKey(p)
	idx.pmu.Lock()
	defer idx.pmu.Unlock()
	idx.pcache[loc] = h
	pt := idx.prompts[task]
	if pt == nil {
		pt = map[int64]map[string]string{}
		idx.prompts[task] = pt
	}
	if pt[loc.shard] == nil {
		pt[loc.shard] = map[string]string{}
	}
	pt[loc.shard][h] = p
	return h
}

// promptKey is a content key: the first 64 bits of the prompt's sha256.
func promptKey(p string) string {
	sum := sha256.Sum256([]byte(p))
	return hex.EncodeToString(sum[:8])
}

func judge(td *taskData, s *results.Sample) (*float64, int) {
	if s.Error != "" {
		return nil, statusError
	}
	v, ok := s.Metrics[td.Metric]
	if !ok || !finite(v) {
		return nil, statusUnknown
	}
	if !td.Pct || !td.Higher {
		return &v, statusScored
	}
	switch {
	case v >= 1:
		return &v, statusRight
	case v <= 0:
		return &v, statusWrong
	}
	return &v, statusPartial
}

// writeSamples shards the samples of every run that has samples.parquet.
func (b *builder) writeSamples(ctx context.Context) (*sampleIndex, error) {
	idx := &sampleIndex{has: map[string]map[string]int{}, prompts: map[string]map[int64]map[string]string{},
		pcache: map[promptLoc]string{}}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, r := range b.site.Runs {
		if !r.HasSamples {
			continue
		}
		r := r
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return b.writeRunSamples(r, idx)
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// Prompt shards, shared by all runs of a task.
	var tasks []string
	for t := range idx.prompts {
		tasks = append(tasks, t)
	}
	sort.Strings(tasks)
	for _, t := range tasks {
		for k, m := range idx.prompts[t] {
			key := path.Join("samples", "_prompts", t, shardName(k))
			data, err := jsonp(key, m)
			if err != nil {
				return nil, err
			}
			if err := b.write(key+".js", data); err != nil {
				return nil, err
			}
		}
	}
	return idx, nil
}

func (b *builder) writeRunSamples(r *run, idx *sampleIndex) error {
	byTask := map[string][]sampleRow{}
	i := 0
	err := results.ReadSamples(r.Dir, func(s results.Sample) error {
		td := b.site.taskOf(r, s.Task)
		if td == nil {
			return nil
		}
		sc, st := judge(td, &s)
		row := sampleRow{D: s.DocID, R: s.Response, G: s.Reasoning, X: s.Extracted, T: s.Target,
			C: s.Choices, S: sc, O: st, E: s.Error, K: s.ErrorKind, TR: s.Truncated, F: s.FinishReason, i: i}
		i++
		// Per-sample metrics, unless they only repeat the score.
		if len(s.Metrics) > 1 || (len(s.Metrics) == 1 && sc == nil) {
			row.M = s.Metrics
			for _, v := range s.Metrics {
				if !finite(v) {
					row.M = make(map[string]float64, len(s.Metrics))
					for k2, v2 := range s.Metrics {
						if finite(v2) {
							row.M[k2] = v2
						}
					}
					break
				}
			}
		}
		if s.Prompt != "" {
			row.H = idx.promptKeyFor(td.Slug, s.DocID, s.Prompt)
		}
		byTask[s.Task] = append(byTask[s.Task], row)
		return nil
	})
	if err != nil {
		return fmt.Errorf("samples of %s: %w", r.Path, err)
	}
	counts := map[string]int{}
	meta := runMeta{Run: r.ID, Model: r.ModelKey, Page: PageDocs, Shard: ShardDocs, Tasks: map[string]*taskMeta{}}
	var buf []byte
	for task, rows := range byTask {
		td := b.site.taskOf(r, task)
		sort.Slice(rows, func(a, c int) bool {
			if rows[a].D != rows[c].D {
				return rows[a].D < rows[c].D
			}
			return rows[a].i < rows[c].i
		})
		dir := path.Join("samples", r.ID, td.Slug)
		tm := &taskMeta{Task: task, Metric: td.Metric, N: len(rows)}
		for start := 0; start < len(rows); {
			k := shardOf(rows[start].D)
			end := start
			for end < len(rows) && shardOf(rows[end].D) == k {
				end++
			}
			for p := start; p < end; {
				pg := pageOf(rows[p].D)
				q, wrong := p, 0
				for q < end && pageOf(rows[q].D) == pg {
					if rows[q].O != statusRight && rows[q].O != statusScored {
						wrong++
					}
					q++
				}
				tm.Pages = append(tm.Pages, [3]int64{pg, int64(q - p), int64(wrong)})
				tm.Wrong += wrong
				p = q
			}
			key := path.Join(dir, shardName(k))
			buf = appendShard(buf[:0], key, rows[start:end])
			if err := b.write(key+".js", buf); err != nil {
				return err
			}
			start = end
		}
		meta.Tasks[td.Slug] = tm
		counts[task] = len(rows)
	}
	if len(meta.Tasks) > 0 {
		key := path.Join("samples", r.ID, "meta")
		data, err := jsonp(key, meta)
		if err != nil {
			return err
		}
		if err := b.write(key+".js", data); err != nil {
			return err
		}
	}
	idx.mu.Lock()
	defer idx.mu.Unlock()
	idx.has[r.ID] = counts
	idx.samples += i
	return nil
}
