package adaptive_test

import (
	"testing"
	"time"

	"github.com/hanbench/hanbench/runners"
	"github.com/hanbench/hanbench/runners/openai"
	"github.com/hanbench/hanbench/runners/runnertest"
)

// newOpenAI builds the openai runner for the suite's server.
func newOpenAI(t *testing.T, baseURL string) runners.Runner {
	t.Helper()
	r, err := openai.New(runners.Config{Model: runnertest.Model, BaseURLs: []string{baseURL}, APIKey: runnertest.APIKey, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
