// Package leaderboard builds hanbench's public leaderboard: a static site
// (HTML pages, charts, sample browser, JSON and CSV exports) made from any
// number of results directories, that works from any static host or
// straight from disk (file://), with no server and no CDN. It reads
// results files through evals/results only.
//
// Every string that comes from a model, a dataset, a results file or
// models.yaml is untrusted: pages are rendered with html/template, data
// for scripts is marshalled with encoding/json (which escapes <, >, &,
// U+2028 and U+2029) into script files or JSON blocks, the page scripts
// insert text with textContent only, and only http(s) links are kept.
package leaderboard

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hanbench/hanbench/evals/results"
)

// EChartsVersion is the version of the echarts library shipped in
// assets/ (npm package echarts, Apache-2.0).
const EChartsVersion = "5.6.0"

// Schema identifies leaderboard.json.
const Schema = "hanbench.leaderboard/v1"

// DefaultAddr is where Serve listens when no address is given.
const DefaultAddr = "127.0.0.1:8080"

// MarkerFile marks a directory (or an object-storage prefix) as a built
// site, so a new build may replace it.
const MarkerFile = ".hanbench-leaderboard"

//go:embed assets templates
var embedded embed.FS

// BuildOptions configures Build.
type BuildOptions struct {
	// Results lists results directories (searched recursively for
	// results.json), results.json files, or glob patterns of either.
	Results []string
	// ModelsFile is an optional models.yaml with per-model metadata.
	ModelsFile string
	// Out is the site directory. It must not exist, be empty, or hold a
	// site built earlier (which is replaced whole).
	Out string
	// Title is the site title; "hanbench leaderboard" by default.
	Title string
	// BasePath is the URL path the site is published under (e.g.
	// "/leaderboard/"). Pages use relative links and work anywhere; the
	// base path is recorded in leaderboard.json for absolute links.
	BasePath string
	// RedactEndpoints hides server URLs in pages and in the copied
	// results files.
	RedactEndpoints bool
	// AllRuns makes the table show every run by default instead of the
	// latest run per model and task (the page can switch either way).
	AllRuns bool
	// TaskInfo describes benchmarks for their task pages, keyed by task name.
	TaskInfo map[string]TaskInfo
	// Now gives the build time shown on pages; time.Now when nil. Fix it
	// for byte-identical builds.
	Now func() time.Time
}

// Report summarises a build.
type Report struct {
	// Out is the site directory.
	Out string
	// Pages is the number of HTML pages written.
	Pages int
	// Files is the number of files written (pages, data, assets).
	Files int
	// Bytes is the total size of the files written.
	Bytes int64
	// Models, Tasks and Runs count what the site shows.
	Models int
	Tasks  int
	Runs   int
	// Samples is the number of samples in the sample browser.
	Samples int
	// Duration is how long the build took.
	Duration time.Duration
}

type builder struct {
	o       BuildOptions
	dir     string // the directory being written
	site    *site
	now     time.Time
	samples *sampleIndex

	dirs  sync.Map
	files atomic.Int64
	pages atomic.Int64
	bytes atomic.Int64
}

// Build makes the static site described by o. Same inputs and o.Now give
// byte-identical output.
func Build(ctx context.Context, o BuildOptions) (*Report, error) {
	start := time.Now()
	if o.Out == "" {
		return nil, errors.New("leaderboard: no output directory")
	}
	if len(o.Results) == 0 {
		return nil, errors.New("leaderboard: no results given")
	}
	if o.Title == "" {
		o.Title = "hanbench leaderboard"
	}
	bp, err := normaliseBasePath(o.BasePath)
	if err != nil {
		return nil, err
	}
	o.BasePath = bp
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	paths, err := findResults(o.Results)
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("leaderboard: no %s found in %s", results.ResultsFile, strings.Join(o.Results, ", "))
	}
	runs, err := loadRuns(paths)
	if err != nil {
		return nil, err
	}
	var infos map[string]ModelInfo
	if o.ModelsFile != "" {
		if infos, err = LoadModels(o.ModelsFile); err != nil {
			return nil, err
		}
	}
	if err := checkOut(o.Out); err != nil {
		return nil, err
	}
	parent := filepath.Dir(filepath.Clean(o.Out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(filepath.Clean(o.Out))+".tmp-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, err
	}

	b := &builder{o: o, dir: tmp, now: now().UTC(), site: buildSite(runs, infos, o.TaskInfo)}
	if err := b.writeAssets(); err != nil {
		return nil, err
	}
	if err := b.writeRuns(); err != nil {
		return nil, err
	}
	if b.samples, err = b.writeSamples(ctx); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := b.writePages(); err != nil {
		return nil, err
	}
	if err := b.writeExports(); err != nil {
		return nil, err
	}
	if err := b.write(MarkerFile, []byte("built by hanbench leaderboard\n")); err != nil {
		return nil, err
	}
	if err := replaceDir(tmp, o.Out); err != nil {
		return nil, err
	}
	return &Report{
		Out: o.Out, Pages: int(b.pages.Load()), Files: int(b.files.Load()), Bytes: b.bytes.Load(),
		Models: len(b.site.Models), Tasks: len(b.site.Tasks), Runs: len(b.site.Runs),
		Samples: b.samples.samples, Duration: time.Since(start),
	}, nil
}

func normaliseBasePath(p string) (string, error) {
	if p == "" {
		return "/", nil
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/-_.~", r)) {
			return "", fmt.Errorf("leaderboard: base path %q may hold only letters, digits and / - _ . ~", p)
		}
	}
	p = path.Clean("/" + p)
	if p != "/" {
		p += "/"
	}
	return p, nil
}

// checkOut refuses to overwrite a directory that is neither empty nor an
// earlier build.
func checkOut(out string) error {
	st, err := os.Stat(out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("leaderboard: %s exists and is not a directory", out)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(out, MarkerFile)); err != nil {
		return fmt.Errorf("leaderboard: %s is not empty and holds no earlier leaderboard build; refusing to replace it", out)
	}
	return nil
}

// replaceDir moves the finished build into place.
func replaceDir(tmp, out string) error {
	if _, err := os.Stat(out); err == nil {
		old := tmp + ".old"
		if err := os.Rename(out, old); err != nil {
			return err
		}
		defer os.RemoveAll(old)
	}
	return os.Rename(tmp, out)
}

// write stores data at rel (a slash path) inside the site.
func (b *builder) write(rel string, data []byte) error {
	full := filepath.Join(b.dir, filepath.FromSlash(rel))
	d := filepath.Dir(full)
	if _, ok := b.dirs.Load(d); !ok {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		b.dirs.Store(d, true)
	}
	if err := os.WriteFile(full, data, 0o644); err != nil {
		return err
	}
	b.files.Add(1)
	b.bytes.Add(int64(len(data)))
	if strings.HasSuffix(rel, ".html") {
		b.pages.Add(1)
	}
	return nil
}

func (b *builder) writeAssets() error {
	err := fs.WalkDir(embedded, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := embedded.ReadFile(p)
		if err != nil {
			return err
		}
		return b.write(p, data)
	})
	if err != nil {
		return err
	}
	js, err := safeJSON(i18nDict())
	if err != nil {
		return err
	}
	return b.write("assets/i18n.js", []byte("window.HB_I18N="+string(js)+";\n"))
}

// writeRuns copies each results.json into runs/<id>/results.json. Server
// URLs are removed when redacting, and credentials or query strings in
// them are always removed.
func (b *builder) writeRuns() error {
	for _, r := range b.site.Runs {
		data := r.Raw
		clean := cleanURL(r.File.BaseURL)
		if b.o.RedactEndpoints || clean != r.File.BaseURL {
			f := *r.File
			f.BaseURL = clean
			if b.o.RedactEndpoints {
				f.BaseURL = ""
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetIndent("", "  ")
			if err := enc.Encode(&f); err != nil {
				return fmt.Errorf("%s: %w", r.Path, err)
			}
			data = buf.Bytes()
		}
		if err := b.write(runHref(r), data); err != nil {
			return err
		}
	}
	return nil
}

func runHref(r *run) string { return "runs/" + r.ID + "/" + results.ResultsFile }
