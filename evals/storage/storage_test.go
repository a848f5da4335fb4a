package storage_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hanbench/hanbench/evals/storage"
	"github.com/hanbench/hanbench/evals/storage/storagetest"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in      string
		local   string
		bucket  string
		prefix  string
		str     string
		wantErr string
	}{
		{in: "results/m1", local: "results/m1", str: "results/m1"},
		{in: "/abs/x", local: "/abs/x", str: "/abs/x"},
		{in: "file:///srv/r", local: "/srv/r", str: "/srv/r"},
		{in: "file://localhost/srv/r", local: "/srv/r", str: "/srv/r"},
		{in: "s3://bkt", bucket: "bkt", prefix: "", str: "s3://bkt/"},
		{in: "s3://bkt/", bucket: "bkt", prefix: "", str: "s3://bkt/"},
		{in: "s3://bkt/runs/m1", bucket: "bkt", prefix: "runs/m1/", str: "s3://bkt/runs/m1"},
		{in: "s3://bkt//runs//m1/", bucket: "bkt", prefix: "runs/m1/", str: "s3://bkt/runs/m1"},
		{in: "s3://bkt/r?region=eu-west-1", bucket: "bkt", prefix: "r/", str: "s3://bkt/r?region=eu-west-1"},
		{in: "", wantErr: "empty"},
		{in: "s3:///x", wantErr: "no bucket"},
		{in: "s3://AKIA:secret@bkt/x", wantErr: "credentials do not belong"},
		{in: "gs://bkt/x", wantErr: "unsupported scheme"},
		{in: "file://host/x", wantErr: "names no host"},
		{in: "s3://bkt?prefix=a/", wantErr: "in the path"},
		{in: "s3://bkt/../x", wantErr: "leaves the bucket"},
		{in: "s3://bkt/x?endpoint=http://AKIA:secret@127.0.0.1:9000", wantErr: "without credentials"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			l, err := storage.Parse(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if strings.Contains(tc.in, "secret") && strings.Contains(err.Error(), "secret") {
					t.Fatalf("error leaks the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if l.Local != tc.local || l.Bucket != tc.bucket || l.Prefix != tc.prefix || l.String() != tc.str {
				t.Fatalf("got %+v (%s)", l, l)
			}
			if l.IsRemote() != (tc.bucket != "") {
				t.Fatalf("IsRemote = %v", l.IsRemote())
			}
		})
	}
}

func TestJoin(t *testing.T) {
	l, _ := storage.Parse("s3://b/runs")
	if got := l.Join("m1", "shard-0").String(); got != "s3://b/runs/m1/shard-0" {
		t.Fatal(got)
	}
	l, _ = storage.Parse("s3://b")
	if got := l.Join("x").Prefix; got != "x/" {
		t.Fatal(got)
	}
	l, _ = storage.Parse("out")
	if got := l.Join("a").String(); got != filepath.Join("out", "a") {
		t.Fatal(got)
	}
}

func TestLocalStageAndFetch(t *testing.T) {
	dir := t.TempDir()
	st, err := storage.Stage(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Dir != dir || st.Remote() {
		t.Fatalf("local stage %+v", st)
	}
	if n, err := st.Commit(context.Background()); n != 0 || err != nil {
		t.Fatal(n, err)
	}
	got, cleanup, err := storage.Fetch(context.Background(), "file://"+dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	cleanup()
	if got != dir {
		t.Fatal(got)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal("cleanup of a local location removed it")
	}
}

// TestS3RoundTrip uploads a tree to moto and downloads it back.
func TestS3RoundTrip(t *testing.T) {
	m := storagetest.StartMoto(t)
	m.CreateBucket(t, "hanbench-test")
	ctx := context.Background()

	st, err := storage.Stage("s3://hanbench-test/runs/m1")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	files := map[string]string{
		"results.json":          `{"model":"m1"}`,
		"samples.parquet":       "PAR1...",
		"sub/한국어 이름.txt":        "안녕",
		"sub/deeper/other.json": "{}",
	}
	for rel, body := range files {
		p := filepath.Join(st.Dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n, err := st.Commit(ctx)
	if err != nil || n != len(files) {
		t.Fatalf("commit: %d, %v", n, err)
	}

	dir, cleanup, err := storage.Fetch(ctx, "s3://hanbench-test/runs", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	for rel, body := range files {
		b, err := os.ReadFile(filepath.Join(dir, "m1", filepath.FromSlash(rel)))
		if err != nil || string(b) != body {
			t.Fatalf("%s: %q, %v", rel, b, err)
		}
	}

	// keep filters by key relative to the prefix.
	dir2, cleanup2, err := storage.Fetch(ctx, "s3://hanbench-test/runs/m1", func(rel string) bool { return filepath.Base(rel) == "results.json" })
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup2()
	var got []string
	filepath.WalkDir(dir2, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			r, _ := filepath.Rel(dir2, p)
			got = append(got, filepath.ToSlash(r))
		}
		return nil
	})
	if strings.Join(got, ",") != "results.json" {
		t.Fatalf("filtered fetch got %v", got)
	}

	// Check: a present bucket passes, a missing one is named.
	if err := mustLoc(t, "s3://hanbench-test/x").Check(ctx); err != nil {
		t.Fatal(err)
	}
	if err := mustLoc(t, "s3://no-such-bucket/x").Check(ctx); err == nil || !strings.Contains(err.Error(), `bucket "no-such-bucket" does not exist`) {
		t.Fatalf("Check on a missing bucket: %v", err)
	}

	// An empty prefix is an error naming it, not an empty directory.
	if _, _, err := storage.Fetch(ctx, "s3://hanbench-test/nothing-here", nil); err == nil || !strings.Contains(err.Error(), "s3://hanbench-test/nothing-here") {
		t.Fatalf("empty prefix: %v", err)
	}
	// A missing bucket is an error naming the location.
	if _, _, err := storage.Fetch(ctx, "s3://no-such-bucket/x", nil); err == nil || !strings.Contains(err.Error(), "no-such-bucket") {
		t.Fatalf("missing bucket: %v", err)
	}
}

func TestS3Glob(t *testing.T) {
	m := storagetest.StartMoto(t)
	m.CreateBucket(t, "hanbench-glob")
	ctx := context.Background()
	dir := t.TempDir()
	for _, rel := range []string{"shard-0/results.json", "shard-1/results.json", "shard-10/results.json", "other/results.json", "shard-x.txt"} {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("{}"), 0o644)
	}
	l, _ := storage.Parse("s3://hanbench-glob/runs?region=us-east-1")
	if _, err := storage.Upload(ctx, dir, l); err != nil {
		t.Fatal(err)
	}
	got, err := storage.Glob(ctx, "s3://hanbench-glob/runs/shard-*?region=us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	want := "s3://hanbench-glob/runs/shard-0?region=us-east-1 s3://hanbench-glob/runs/shard-1?region=us-east-1 s3://hanbench-glob/runs/shard-10?region=us-east-1 s3://hanbench-glob/runs/shard-x.txt?region=us-east-1"
	if strings.Join(got, " ") != want {
		t.Fatalf("glob = %v", got)
	}
	if _, err := storage.Glob(ctx, "s3://hanbench-glob/r*/shard-0"); err == nil {
		t.Fatal("a glob in a parent element must be refused")
	}
}

func mustLoc(t *testing.T, s string) storage.Location {
	t.Helper()
	l, err := storage.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestOverlap(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"s3://b/runs/m", "s3://b/runs/m", true},
		{"s3://b/runs/m/shard-0", "s3://b/runs/m", true},
		{"s3://b/runs/m", "s3://b/runs/m/shard-0", true},
		{"s3://b", "s3://b/x", true},
		{"s3://b/runs/m1", "s3://b/runs/m10", false},
		{"s3://b/x", "s3://c/x", false},
		{"s3://b/x", "x", false},
	} {
		if got := storage.Overlap(mustLoc(t, tc.a), mustLoc(t, tc.b)); got != tc.want {
			t.Errorf("Overlap(%s, %s) = %v", tc.a, tc.b, got)
		}
	}
}
