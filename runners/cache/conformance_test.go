package cache_test

import (
	"testing"
	"time"

	"gocloud.dev/blob/fileblob"

	"github.com/hanbench/hanbench/runners"
	"github.com/hanbench/hanbench/runners/cache"
	"github.com/hanbench/hanbench/runners/openai"
	"github.com/hanbench/hanbench/runners/runnertest"
)

// TestConformance runs the runner suite through the cache, with a fresh
// cache directory per subtest (as the suite starts a fresh server), on
// both store kinds.
func TestConformance(t *testing.T) {
	for _, tc := range []struct{ backend, endpoint string }{
		{"sqlite", openai.EndpointChat}, {"sqlite", openai.EndpointCompletions},
		{"blob", openai.EndpointChat}, {"blob", openai.EndpointCompletions},
	} {
		backend, endpoint := tc.backend, tc.endpoint
		t.Run(backend+"/"+endpoint, func(t *testing.T) {
			runnertest.Run(t, func(t *testing.T, baseURL string) runners.Runner {
				r, err := openai.New(runners.Config{Model: runnertest.Model, BaseURLs: []string{baseURL}, APIKey: runnertest.APIKey,
					Endpoint: endpoint, Timeout: 20 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				var s *cache.Store
				if backend == "blob" {
					b, err := fileblob.OpenBucket(t.TempDir(), nil)
					if err != nil {
						t.Fatal(err)
					}
					s = cache.OpenBucket(b, "fileblob")
				} else {
					var err error
					if s, err = cache.Open(t.TempDir()); err != nil {
						t.Fatal(err)
					}
				}
				t.Cleanup(func() { s.Close() })
				return cache.Wrap(r, s, cache.Namespace{Model: runnertest.Model, Kind: openai.Name, Endpoint: endpoint})
			})
		})
	}
}
