package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hanbench/hanbench/evals/results"
)

// normalizedResults drops what legitimately differs between an unsharded
// run and a merge of its shards: timestamps, timing figures and how many
// answers came from the response cache (a resumed shard has some).
func normalizedResults(f *results.File) *results.File {
	c := *f
	c.StartedAt, c.FinishedAt = time.Time{}, time.Time{}
	c.Tasks = map[string]*results.Task{}
	for name, tr := range f.Tasks {
		u := tr.Usage
		t := *tr
		t.Usage = results.Usage{Requests: u.Requests, Retries: u.Retries,
			PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens}
		c.Tasks[name] = &t
	}
	return &c
}

// sameResultsDirs fails the test unless got holds the same run as want:
// results.json equal after normalizedResults, samples.parquet equal row by
// row but for latency and the cache flag.
func sameResultsDirs(t *testing.T, want, got string) {
	t.Helper()
	wf, ws := readRunDir(t, want)
	gf, gs := readRunDir(t, got)
	if a, b := normalizedResults(wf), normalizedResults(gf); !reflect.DeepEqual(a, b) {
		ja, _ := json.MarshalIndent(a, "", " ")
		jb, _ := json.MarshalIndent(b, "", " ")
		t.Errorf("results.json of %s differs from %s's:\n%s", got, want, diffLines(string(ja), string(jb)))
	}
	if len(ws) != len(gs) {
		t.Fatalf("%s has %d samples, %s %d", got, len(gs), want, len(ws))
	}
	for i := range ws {
		a, b := ws[i], gs[i]
		a.LatencyMS, b.LatencyMS, a.Cached, b.Cached = 0, 0, false, false
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("sample %d differs:\n%s: %+v\n%s: %+v", i, want, a, got, b)
		}
	}
}

// diffLines lists the lines of a and b that differ.
func diffLines(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, x, y))
		}
	}
	return strings.Join(out, "\n")
}

// TestMergeCommand runs two shards and the whole run in-process, merges
// the shards through `hanbench merge` with a glob argument and compares.
func TestMergeCommand(t *testing.T) {
	t.Parallel()
	_, url, model := startTestDemo(t, 0)
	root := t.TempDir()
	run := func(out string, extra ...string) {
		t.Helper()
		c := newTestProc(t, nil)
		args := append([]string{"run", "--model", model, "--base-url", url, "--tasks", "kmmlu_sample,kobest_boolq_sample",
			"--limit", "7", "--concurrency", "3", "--no-cache", "--no-progress", "--out", out}, extra...)
		if code := c.run(args...); code != ExitOK {
			t.Fatalf("%v: exit %d; stderr:\n%s", args, code, c.errOut)
		}
	}
	whole := filepath.Join(root, "whole")
	run(whole)
	run(filepath.Join(root, "shards", "shard-{shard}"), "--shard", "0/2")
	run(filepath.Join(root, "shards", "shard-1"), "--shard", "1/2")

	merged := filepath.Join(root, "merged")
	c := newTestProc(t, nil)
	if code := c.run("merge", "--out", merged, filepath.Join(root, "shards", "shard-*")); code != ExitOK {
		t.Fatalf("merge: exit %d; stderr:\n%s", code, c.errOut)
	}
	sameResultsDirs(t, whole, merged)
	if !strings.Contains(c.out.String(), "kmmlu_sample") || !strings.Contains(c.out.String(), "acc=") {
		t.Errorf("merge printed no summary:\n%s", c.out)
	}
	if !strings.Contains(c.errOut.String(), "merged 2 shard(s) into "+filepath.Join(merged, results.ResultsFile)) {
		t.Errorf("merge did not say what it wrote:\n%s", c.errOut)
	}
	for i := 0; i < 2; i++ {
		f, _ := readRunDir(t, filepath.Join(root, "shards", fmt.Sprintf("shard-%d", i)))
		if f.Shard == nil || f.Shard.Index != i || f.Shard.Count != 2 {
			t.Errorf("shard-%d/results.json: shard %+v", i, f.Shard)
		}
	}

	// Usage errors: exit 2, naming what is wrong, nothing written.
	shard0, shard1 := filepath.Join(root, "shards", "shard-0"), filepath.Join(root, "shards", "shard-1")
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"no out", []string{"merge", shard0, shard1}, []string{"--out"}},
		{"no shards", []string{"merge", "--out", filepath.Join(root, "x")}, []string{"requires at least 1 arg"}},
		{"glob matches nothing", []string{"merge", "--out", filepath.Join(root, "x"), filepath.Join(root, "nothing-*")}, []string{"nothing-*", "matches no results directory"}},
		{"missing shard", []string{"merge", "--out", filepath.Join(root, "x"), shard1}, []string{"missing shard(s) 0 of 2"}},
		{"duplicate shard", []string{"merge", "--out", filepath.Join(root, "x"), shard0, shard1, shard1 + "/"}, []string{"given twice", shard1}},
		{"mixed with a whole run", []string{"merge", "--out", filepath.Join(root, "x"), shard0, whole}, []string{"shard dir " + whole, "unsharded"}},
		{"out is a shard", []string{"merge", "--out", shard0, shard0, shard1}, []string{"output directory", shard0}},
		{"not a results dir", []string{"merge", "--out", filepath.Join(root, "x"), shard0, root}, []string{"shard dir " + root}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestProc(t, nil)
			if code := c.run(tc.args...); code != ExitUsage {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitUsage, c.errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(c.errOut.String(), w) {
					t.Errorf("stderr does not mention %q:\n%s", w, c.errOut)
				}
			}
			if _, err := os.Stat(filepath.Join(root, "x")); err == nil {
				t.Error("a refused merge created its output directory")
			}
		})
	}
}
