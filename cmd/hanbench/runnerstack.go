package main

import (
	"context"
	"fmt"
	"time"

	"github.com/hanbench/hanbench/evals/storage"
	"github.com/hanbench/hanbench/runners"
	"github.com/hanbench/hanbench/runners/adaptive"
	"github.com/hanbench/hanbench/runners/cache"
	"github.com/hanbench/hanbench/runners/ratelimit"
	"github.com/hanbench/hanbench/runners/replicas"
	"github.com/hanbench/hanbench/runners/retry"
)

// StackOptions are the flags that shape the runner stack around a backend.
type StackOptions struct {
	// MaxAttempts bounds tries per request (1 = no retries).
	MaxAttempts int
	// MaxRetryTime bounds the time spent retrying one request.
	MaxRetryTime time.Duration
	// MaxRPS limits requests per second (0 = unlimited).
	MaxRPS float64
	// MaxTPM limits prompt+completion tokens per minute (0 = unlimited).
	MaxTPM int
	// CacheDir holds the response cache ("" = the user cache dir).
	CacheDir string
	// NoCache turns the response cache off.
	NoCache bool
	// ModelRevision is part of the cache key.
	ModelRevision string
	// Adaptive, when set, limits the calls in flight adaptively
	// (--concurrency auto); it sits inside retry, so every attempt waits
	// for a slot and for a Retry-After pause, and outside the rate limit.
	Adaptive *adaptive.Limiter
}

// buildRunner assembles cache(retry(adaptive(ratelimit(replicas(backend×N))))): one
// backend per base URL, the least-loaded healthy replica per request, a
// shared rate limit, retries that may land on another replica, and a
// content-addressed cache in front so a re-run only asks for what is
// missing. The returned close function releases the cache.
func buildRunner(newRunner func(string, runners.Config) (runners.Runner, error), kind string, cfg runners.Config, so StackOptions) (runners.Runner, func() error, error) {
	var backends []runners.Runner
	for _, u := range cfg.BaseURLs {
		c := cfg
		c.BaseURLs = []string{u}
		r, err := newRunner(kind, c)
		if err != nil {
			return nil, nil, err
		}
		backends = append(backends, r)
	}
	if len(backends) == 0 {
		return nil, nil, fmt.Errorf("no base URL")
	}
	r := backends[0]
	if len(backends) > 1 {
		names := make([]string, len(cfg.BaseURLs))
		for i, u := range cfg.BaseURLs {
			names[i] = redactURL(u)
		}
		r = replicas.New(backends, names, replicas.Options{})
	}
	if so.MaxRPS > 0 || so.MaxTPM > 0 {
		burst := int(so.MaxRPS)
		if burst < 1 {
			burst = 1
		}
		r = ratelimit.Wrap(r, ratelimit.Limits{RPS: so.MaxRPS, Burst: burst, TokensPerMinute: so.MaxTPM})
	}
	if so.Adaptive != nil {
		r = so.Adaptive.Wrap(r)
	}
	if so.MaxAttempts > 1 {
		r = retry.Wrap(r, retry.Policy{MaxAttempts: so.MaxAttempts, MaxElapsed: so.MaxRetryTime})
	}
	closeFn := func() error { return nil }
	if !so.NoCache {
		dir := so.CacheDir
		if dir == "" {
			d, err := cache.DefaultDir()
			if err != nil {
				return nil, nil, fmt.Errorf("response cache: %w (use --cache-dir or --no-cache)", err)
			}
			dir = d
		}
		store, err := openCache(dir)
		if err != nil {
			return nil, nil, fmt.Errorf("response cache: %w (use --no-cache to run without it)", err)
		}
		endpoint := cfg.Endpoint
		if endpoint == "" {
			endpoint = "chat"
		}
		r = cache.Wrap(r, store, cache.Namespace{Model: cfg.Model, Revision: so.ModelRevision, Kind: kind, Endpoint: endpoint, Extra: cfg.Extra})
		closeFn = store.Close
	}
	return r, closeFn, nil
}

// openCache opens the response cache at a directory, a file:// URL (both
// SQLite) or an s3:// prefix (one object per response, shareable by
// shards on many machines).
func openCache(where string) (*cache.Store, error) {
	loc, err := storage.Parse(where)
	if err != nil {
		return nil, err
	}
	if !loc.IsRemote() {
		return cache.Open(loc.Local)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Fail now, not as one error per request, when the bucket is wrong.
	if err := loc.Check(ctx); err != nil {
		return nil, err
	}
	b, err := loc.OpenBucket(ctx)
	if err != nil {
		return nil, err
	}
	return cache.OpenBucket(b, loc.String()), nil
}

// JudgeOptions are the flags that build a judge runner, shared by `run`
// and `gate`: --judge-model, --judge-base-url, --judge-api-key-env and
// --judge-concurrency, with the caller's defaults already applied.
type JudgeOptions struct {
	// Model is the judge model's name.
	Model string
	// BaseURLs are the judge's OpenAI-compatible endpoints.
	BaseURLs []string
	// APIKeyEnv names the environment variable holding the judge's API
	// key; "" means the caller's default key.
	APIKeyEnv string
	// Concurrency bounds judge requests in flight.
	Concurrency int
}

// buildJudgeRunner builds a judge's runner stack: buildRunner on the chat
// endpoint, without a model revision in the cache namespace. The API key
// comes from jo.APIKeyEnv, which must then be set, else it is defaultKey.
// Every error is a usage error (bad flags, an unusable cache).
func buildJudgeRunner(lookupEnv func(string) (string, bool), newRunner func(string, runners.Config) (runners.Runner, error), kind string, jo JudgeOptions, defaultKey string, timeout time.Duration, so StackOptions) (runners.Runner, func() error, error) {
	key := defaultKey
	if jo.APIKeyEnv != "" {
		v, ok := lookupEnv(jo.APIKeyEnv)
		if !ok {
			return nil, nil, fmt.Errorf("--judge-api-key-env %s: the environment variable is not set", jo.APIKeyEnv)
		}
		key = v
	}
	so.ModelRevision = ""
	r, closeFn, err := buildRunner(newRunner, kind, runners.Config{
		Model: jo.Model, BaseURLs: jo.BaseURLs, APIKey: key, Endpoint: "chat",
		Timeout: timeout, Concurrency: jo.Concurrency,
	}, so)
	if err != nil {
		return nil, nil, fmt.Errorf("judge: %w", err)
	}
	return r, closeFn, nil
}
