package main

// Issue 8's object-storage acceptance test, against a real S3-compatible
// server (moto_server) on loopback: shards write results and share a
// response cache on s3://, a shard killed with -9 resumes from the shared
// cache, the shards are merged from s3:// to s3://, and the leaderboard
// built from s3:// (and published to s3://) is byte-identical to the one
// built from local files.

import (
	"bytes"
	"context"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hanbench/hanbench/evals/demo"
	"github.com/hanbench/hanbench/evals/results"
	"github.com/hanbench/hanbench/evals/storage"
	"github.com/hanbench/hanbench/evals/storage/storagetest"
)

func TestObjectStorageEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs several processes against moto; skipped with -short")
	}
	m := storagetest.StartMoto(t) // sets the AWS environment: not parallel
	const bucket = "hanbench-e2e"
	m.CreateBucket(t, bucket)
	const secret = "hb-aws-secret-7c1e9a"
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	bin := hanbenchBinary(t)

	items, err := demo.CatalogItems()
	if err != nil {
		t.Fatal(err)
	}
	model := demo.Model{Name: uniqueModel(t), Skill: 0.6, Latency: 60 * time.Millisecond}
	srv := demo.NewServer([]demo.Model{model}, items)
	var hits atomic.Int64
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			hits.Add(1)
		}
		srv.Handler().ServeHTTP(w, r)
	}))
	defer hs.Close()

	tmp := t.TempDir()
	procTmp := t.TempDir()
	s3 := "s3://" + bucket
	logs := &lockedBuffer{} // shared by processes running at once
	args := func(out string, extra ...string) []string {
		return append([]string{"run", "--model", model.Name, "--base-url", hs.URL + "/v1",
			"--tasks", "kmmlu_sample,kobest_boolq_sample,ko_math_sample",
			"--out", out, "--concurrency", "4", "--seed", "1234", "--no-progress"}, extra...)
	}
	command := func(a ...string) *exec.Cmd {
		cmd := exec.Command(bin, a...)
		// TMPDIR: the stage of the shard killed with -9 is never removed.
		cmd.Stdout, cmd.Stderr, cmd.Env = logs, logs, procEnv("TMPDIR="+procTmp)
		return cmd
	}
	run := func(name string, a ...string) {
		t.Helper()
		before := len(logs.String())
		if err := command(a...).Run(); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, logs.String()[before:])
		}
	}

	// The reference: one unsharded run to a local directory, no cache.
	whole := filepath.Join(tmp, "whole")
	run("unsharded", args(whole, "--no-cache")...)

	shardArgs := func(i string) []string {
		return args(s3+"/runs/m/shard-{shard}", "--shard", i+"/4", "--cache-dir", s3+"/cache")
	}
	// Shard 0 is killed with -9 after a few answers have been cached.
	base := hits.Load()
	victim := command(shardArgs("0")...)
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for hits.Load()-base < 8 {
		if time.Now().After(deadline) {
			victim.Process.Kill()
			t.Fatalf("shard 0 made only %d requests in 60s\n%s", hits.Load(), logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	victim.Process.Kill()
	victim.Wait()
	killedHits := hits.Load() - base
	if _, err := storage.Download(context.Background(), mustParse(t, s3+"/runs/m/shard-0"), filepath.Join(tmp, "none"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(tmp, "none")); err == nil {
		t.Fatal("the killed shard uploaded results")
	}

	// Resumed: only what is missing is asked for.
	run("shard 0 resumed", shardArgs("0")...)
	resumedHits := hits.Load() - base - killedHits
	shard0 := fetchDir(t, s3+"/runs/m/shard-0")
	f0, _ := readRunDir(t, shard0)
	var requests, cached int
	for _, tr := range f0.Tasks {
		requests += tr.Usage.Requests
		cached += tr.Usage.CachedResponses
	}
	if cached == 0 || int(resumedHits) != requests-cached || int(killedHits+resumedHits) > requests+4 {
		t.Errorf("resume: killed run sent %d, resumed run %d; shard 0 needs %d requests, %d came from the s3 cache (want > 0, and at most --concurrency 4 repeated)",
			killedHits, resumedHits, requests, cached)
	}

	// The other shards at the same time, sharing the cache.
	var procs []*exec.Cmd
	for _, i := range []string{"1", "2", "3"} {
		c := command(shardArgs(i)...)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, c)
	}
	for _, c := range procs {
		if err := c.Wait(); err != nil {
			t.Fatalf("%v: %v\n%s", c.Args, err, logs.String())
		}
	}

	// Merge from s3:// (a pattern) to s3://, and compare with the reference.
	run("merge", "merge", "--out", s3+"/runs/m/merged", s3+"/runs/m/shard-*")
	merged := fetchDir(t, s3+"/runs/m/merged")
	sameResultsDirs(t, whole, merged)

	// A merge whose output overlaps a shard is refused.
	before := len(logs.String())
	if err := command("merge", "--out", s3+"/runs/m/shard-0", s3+"/runs/m/shard-*").Run(); err == nil || !strings.Contains(logs.String()[before:], "overlaps shard") {
		t.Errorf("merging into a shard: %v\n%s", err, logs.String()[before:])
	}

	// A gate whose s3 candidate cannot be fetched still writes its
	// reports, with the input check unevaluable (exit 98).
	missingReport := filepath.Join(tmp, "gate-missing.json")
	gateMissing := command("gate", "--candidate", s3+"/runs/nothing", "--baseline", whole, "--policy", writePolicy(t, tmp), "--json", missingReport)
	if err := gateMissing.Run(); gateMissing.ProcessState.ExitCode() != int(ExitGateUnevaluable) {
		t.Errorf("gate on a missing s3 run: %v", err)
	}
	if b, err := os.ReadFile(missingReport); err != nil || !strings.Contains(string(b), "input candidate results") || !strings.Contains(string(b), "s3://hanbench-e2e/runs/nothing") {
		t.Errorf("gate report for a missing s3 run: %v\n%s", err, b)
	}

	// The gate reads s3:// runs and names them as given.
	policy := writePolicy(t, tmp)
	report := filepath.Join(tmp, "gate.json")
	run("gate", "gate", "--candidate", s3+"/runs/m/merged", "--baseline", whole, "--policy", policy, "--json", report)
	if b, err := os.ReadFile(report); err != nil || !strings.Contains(string(b), `"dir": "s3://hanbench-e2e/runs/m/merged"`) || strings.Contains(string(b), "hanbench-fetch-") {
		t.Errorf("gate report does not name the s3 candidate (or names a temp dir): %v\n%s", err, b)
	}

	// A local directory whose name looks like a pattern is read as it is.
	literal := filepath.Join(tmp, "lit[1]")
	if err := os.Rename(fetchDir(t, s3+"/runs/m/shard-1"), literal); err != nil {
		t.Fatal(err)
	}
	run("samples of lit[1]", "samples", literal, "--format", "table")

	// A shard run again with the same cache pays for nothing.
	hitsBefore := hits.Load()
	run("shard 2 again", args(filepath.Join(tmp, "shard-2-again"), "--shard", "2/4", "--cache-dir", s3+"/cache")...)
	if n := hits.Load() - hitsBefore; n != 0 {
		t.Errorf("a repeated shard sent %d requests; the shared cache should answer all", n)
	}

	// The leaderboard from s3:// equals the one from local files, and a
	// site published to s3:// is the same bytes.
	t.Setenv("SOURCE_DATE_EPOCH", "1790000000")
	siteS3 := filepath.Join(tmp, "site-from-s3")
	siteLocal := filepath.Join(tmp, "site-from-local")
	run("leaderboard from s3", "leaderboard", "build", "--results", s3+"/runs/m/merged", "--out", siteS3)
	run("leaderboard from local", "leaderboard", "build", "--results", merged, "--out", siteLocal)
	run("leaderboard to s3", "leaderboard", "build", "--results", s3+"/runs/m/merged", "--out", s3+"/site")
	published := fetchDir(t, s3+"/site")
	a, b, c := readTree(t, siteS3), readTree(t, siteLocal), readTree(t, published)
	if len(a) < 5 {
		t.Fatalf("site has %d files", len(a))
	}
	sameTree(t, "site from s3", a, "site from local files", b)
	sameTree(t, "site from s3", a, "site published to s3", c)

	// Republishing from other runs replaces the site: nothing of the first
	// build's runs is left behind.
	run("leaderboard from the reference to s3", "leaderboard", "build", "--results", whole, "--out", s3+"/site")
	siteWhole := filepath.Join(tmp, "site-whole")
	run("leaderboard from the reference", "leaderboard", "build", "--results", whole, "--out", siteWhole)
	sameTree(t, "site republished to s3", readTree(t, fetchDir(t, s3+"/site")), "site from the reference", readTree(t, siteWhole))
	// A prefix that holds something else is never overwritten.
	before = len(logs.String())
	if err := command("leaderboard", "build", "--results", whole, "--out", s3+"/runs/m").Run(); err == nil || !strings.Contains(logs.String()[before:], "not a hanbench site") {
		t.Errorf("publishing over results: %v\n%s", err, logs.String()[before:])
	}

	// Credentials never reach outputs, logs or the bucket.
	everything := fetchDir(t, s3)
	for name, tree := range map[string]map[string][]byte{"bucket": readTree(t, everything), "site": a} {
		for p, body := range tree {
			if bytes.Contains(body, []byte(secret)) {
				t.Errorf("%s: %s holds the AWS secret", name, p)
			}
		}
	}
	if strings.Contains(logs.String(), secret) {
		t.Error("the logs hold the AWS secret")
	}
	var entries int
	for p := range readTree(t, everything) {
		if strings.HasPrefix(p, "cache/responses-v1/") {
			entries++
		}
	}
	if entries == 0 || entries > requests*4+8 {
		t.Errorf("%d cache objects on s3", entries)
	}
}

func writePolicy(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "gate.yaml")
	if err := os.WriteFile(p, []byte("required_tasks: [kmmlu_sample]\nregressions:\n  default: {max_drop: 0.01}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustParse(t *testing.T, s string) storage.Location {
	t.Helper()
	l, err := storage.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// fetchDir downloads a location into a temporary directory.
func fetchDir(t *testing.T, loc string) string {
	t.Helper()
	dir, cleanup, err := storage.Fetch(context.Background(), loc, nil)
	if err != nil {
		t.Fatalf("fetch %s: %v", loc, err)
	}
	t.Cleanup(cleanup)
	if _, err := os.Stat(filepath.Join(dir, results.ResultsFile)); err != nil && strings.Contains(loc, "/runs/") {
		t.Fatalf("%s: no results.json", loc)
	}
	return dir
}

// readTree reads every file below dir, by slash-separated relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameTree(t *testing.T, an string, a map[string][]byte, bn string, b map[string][]byte) {
	t.Helper()
	var names []string
	for p := range a {
		names = append(names, p)
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			names = append(names, p)
		}
	}
	sort.Strings(names)
	bad := 0
	for _, p := range names {
		x, okA := a[p]
		y, okB := b[p]
		switch {
		case !okA:
			t.Errorf("%s has %s, %s does not", bn, p, an)
		case !okB:
			t.Errorf("%s has %s, %s does not", an, p, bn)
		case !bytes.Equal(x, y):
			t.Errorf("%s differs between %s and %s", p, an, bn)
		default:
			continue
		}
		if bad++; bad > 10 {
			t.Fatal("too many differences")
		}
	}
}
