package cache

import (
	"context"
	"strings"
	"sync"
	"testing"

	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"
)

// forEachBackend runs a behavioural test on every store kind: the
// SQLite database and the object-storage layout (fileblob, which keeps
// objects as files, standing in for S3; the cmd tests use a real
// S3-compatible server).
func forEachBackend(t *testing.T, test func(*testing.T, *Store)) {
	t.Run("sqlite", func(t *testing.T) {
		s, _ := openTemp(t)
		test(t, s)
	})
	t.Run("blob", func(t *testing.T) {
		test(t, openFileBlob(t, t.TempDir()))
	})
}

func openFileBlob(t testing.TB, dir string) *Store {
	t.Helper()
	b, err := fileblob.OpenBucket(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := OpenBucket(b, "file://"+dir)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestBlobLayout(t *testing.T) {
	b := memblob.OpenBucket(nil)
	s := OpenBucket(b, "mem://")
	defer s.Close()
	ctx := context.Background()
	if _, err := Wrap(&fake{model: "A"}, s, ns).Generate(ctx, gen("질문")); err != nil {
		t.Fatal(err)
	}
	key, err := Key(ns, MethodGenerate, gen("질문"))
	if err != nil {
		t.Fatal(err)
	}
	k := blobKey(key)
	if !strings.HasPrefix(k, "responses-v1/") || !strings.HasSuffix(k, ".json") {
		t.Fatalf("key %q", k)
	}
	attrs, err := b.Attributes(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if attrs.ContentType != "application/json" || attrs.Metadata["model"] != "model-a" || attrs.Metadata["method"] != MethodGenerate {
		t.Fatalf("attributes %+v", attrs)
	}
	if n, err := s.Len(ctx); n != 1 || err != nil {
		t.Fatalf("Len = %d, %v", n, err)
	}
	// A corrupt object is replaced, not served.
	if err := b.WriteAll(ctx, k, []byte("{not json"), nil); err != nil {
		t.Fatal(err)
	}
	inner := &fake{model: "A"}
	resp, err := Wrap(inner, s, ns).Generate(ctx, gen("질문"))
	if err != nil || resp.Usage.Cached || inner.calls.Load() != 1 || s.Stats().Errors == 0 {
		t.Fatalf("corrupt entry: %+v %v calls=%d stats=%+v", resp, err, inner.calls.Load(), s.Stats())
	}
}

// TestBlobSharedByStores: stores on one prefix (as shards on several
// machines) see each other's answers, and concurrent writers of the same
// entry do not corrupt it.
func TestBlobSharedByStores(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var wg sync.WaitGroup
	fakes := make([]*fake, 4)
	for i := range fakes {
		fakes[i] = &fake{model: "A"}
		s := openFileBlob(t, dir)
		wg.Add(1)
		go func(f *fake) {
			defer wg.Done()
			r := Wrap(f, s, ns)
			for j := 0; j < 20; j++ {
				if _, err := r.Generate(ctx, gen(strings.Repeat("q", j+1))); err != nil {
					t.Error(err)
				}
			}
		}(fakes[i])
	}
	wg.Wait()
	late := &fake{model: "A"}
	s := openFileBlob(t, dir)
	r := Wrap(late, s, ns)
	for j := 0; j < 20; j++ {
		resp, err := r.Generate(ctx, gen(strings.Repeat("q", j+1)))
		if err != nil || !resp.Usage.Cached || resp.Text != "A says "+strings.Repeat("q", j+1) {
			t.Fatalf("entry %d: %+v %v", j, resp, err)
		}
	}
	if late.calls.Load() != 0 {
		t.Fatalf("a later store paid %d times", late.calls.Load())
	}
	if n, _ := s.Len(ctx); n != 20 {
		t.Fatalf("Len = %d, want 20", n)
	}
}

func TestBlobClosedStoreFallsThrough(t *testing.T) {
	s := OpenBucket(memblob.OpenBucket(nil), "mem://")
	s.Close()
	inner := &fake{model: "A"}
	if _, err := Wrap(inner, s, ns).Generate(context.Background(), gen("q")); err != nil {
		t.Fatal(err)
	}
	if inner.calls.Load() != 1 || s.Stats().Errors == 0 || s.Err() == nil {
		t.Fatalf("calls %d stats %+v", inner.calls.Load(), s.Stats())
	}
}
