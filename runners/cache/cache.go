// Package cache stores model responses on disk so that a run can be resumed
// and repeated without paying for an answer twice. It is a runners.Runner
// decorator over a Store, an SQLite database (pure Go, modernc.org/sqlite)
// in WAL mode.
//
// # Keys
//
// A response is stored under the SHA-256 of a canonical JSON encoding of
// the Namespace (model, revision, backend kind, endpoint, runner-level body
// fields), the method, and the whole request: prompt and messages, stop
// sequences, max tokens, temperature, top_p, seed, extra body fields, or the
// (context, continuation) pairs of a log-likelihood request. The model name
// and revision are part of every key, so answers of one model are never
// served as another's. The base URL is not, so the replicas of one model
// share entries. Requests never hold the API key, and neither do keys or
// entries.
//
// # What is cached
//
// Only successful responses are stored; errors always go to the backend
// again. Sampling requests (temperature > 0) are cached too, which makes a
// re-run reproduce the first run's samples exactly; an evaluation that wants
// several independent samples of one prompt must make the requests differ,
// for example by Seed, or they will all get the first sample. Identical
// requests in flight at the same time are sent once; the others wait for
// that answer.
//
// # Durability
//
// Each response is committed on its own as soon as it arrives. With WAL and
// synchronous=NORMAL a committed response survives the process being killed
// (kill -9); a power loss may lose the last few commits, never corrupt the
// file. Several processes may share one cache directory: writers wait on a
// busy timeout instead of failing.
//
// # Placement
//
// Put the cache outermost, so that hits cost neither rate-limit budget nor
// retries:
//
//	cache.Wrap(retry.Wrap(ratelimit.Wrap(replicas.New(...), l), p), store, ns)
package cache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/hanbench/hanbench/runners"
)

// FileName is the database file inside a cache directory.
const FileName = "responses.sqlite"

// schemaVersion is stored in the database; a file from another version is
// refused rather than misread.
const schemaVersion = "1"

// keyVersion is hashed into every key; bump it when the key encoding
// changes meaning, which invalidates old entries instead of misusing them.
const keyVersion = "hanbench-cache-key/1"

// busyTimeout is how long a writer waits for another connection or process
// holding the write lock.
const busyTimeout = 30 * time.Second

// Method names used in keys and in the method column.
const (
	MethodGenerate      = "generate"
	MethodLogLikelihood = "loglikelihood"
)

// DefaultDir is the cache directory used when none is given:
// os.UserCacheDir()/hanbench (for example ~/.cache/hanbench on Linux).
func DefaultDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("cache: no user cache directory (set --cache-dir): %w", err)
	}
	return filepath.Join(d, "hanbench"), nil
}

// Namespace says whose answers an entry holds. Every field is part of the
// key. It must not hold credentials.
type Namespace struct {
	// Model is the model name sent to the server; required.
	Model string `json:"model"`
	// Revision identifies the weights when the name alone does not (a
	// commit hash, a quantisation, a date); "" is a revision of its own.
	Revision string `json:"revision"`
	// Kind is the backend kind, e.g. "openai".
	Kind string `json:"kind"`
	// Endpoint is the generation endpoint ("chat" or "completions").
	Endpoint string `json:"endpoint"`
	// Extra holds runner-level body fields sent with every request (the
	// runner Config's Extra, e.g. chat_template_kwargs), which change
	// answers as much as per-request fields do.
	Extra map[string]any `json:"extra,omitempty"`
}

// Stats counts a Store's activity since Open.
type Stats struct {
	// Hits are answers served from the database.
	Hits int64
	// Shared are answers taken from an identical request in flight.
	Shared int64
	// Misses are calls that went to the backend.
	Misses int64
	// Stored are responses committed.
	Stored int64
	// Uncacheable are requests that could not be encoded as a key (for
	// example an Extra value JSON cannot hold) and answers that could not
	// be encoded for storage (an infinite log-probability); they bypass
	// the cache.
	Uncacheable int64
	// Errors are failed database reads and writes. A failed write loses
	// nothing but resumability: the answer is still returned.
	Errors int64
}

// Store is an open cache database. It is safe for concurrent use, and
// several Stores (in one process or several) may use one directory.
type Store struct {
	path string
	be   backend

	hits, shared, misses, stored, uncacheable, errs atomic.Int64

	errMu   sync.Mutex
	lastErr error

	flightMu sync.Mutex
	flight   map[[32]byte]*call
}

// call is a request in flight that identical requests wait for.
type call struct {
	done chan struct{}
	body []byte // the JSON response on success, nil on failure
}

// Open opens (creating if needed) the cache in dir.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("cache: empty directory name")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	abs, err := filepath.Abs(filepath.Join(dir, FileName))
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	q := url.Values{}
	// busy_timeout first: setting WAL may need to wait for another process.
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	dsn := u.String() + "?" + q.Encode()

	db := &sqliteBackend{}
	if db.wdb, err = sql.Open("sqlite", dsn); err != nil {
		return nil, fmt.Errorf("cache %s: %w", abs, err)
	}
	db.wdb.SetMaxOpenConns(1)
	if db.rdb, err = sql.Open("sqlite", dsn); err != nil {
		db.wdb.Close()
		return nil, fmt.Errorf("cache %s: %w", abs, err)
	}
	db.rdb.SetMaxOpenConns(8)
	db.rdb.SetMaxIdleConns(8)
	if err := db.init(); err != nil {
		db.close()
		return nil, fmt.Errorf("cache %s: %w", abs, err)
	}
	return newStore(abs, db), nil
}

func newStore(path string, be backend) *Store {
	return &Store{path: path, be: be, flight: map[[32]byte]*call{}}
}

// backend is where a Store keeps entries.
type backend interface {
	// get returns the entry for key; nil, nil when there is none.
	get(ctx context.Context, key [32]byte) ([]byte, error)
	// put stores an entry, replacing any.
	put(ctx context.Context, key [32]byte, method string, ns Namespace, body []byte) error
	// count counts the entries.
	count(ctx context.Context) (int64, error)
	close() error
}

// sqliteBackend is a database in WAL mode: one writer connection, so
// in-process writers queue in Go, and a pool of readers.
type sqliteBackend struct {
	rdb, wdb *sql.DB
}

func (s *sqliteBackend) init() error {
	ctx := context.Background()
	var mode string
	if err := s.wdb.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if mode != "wal" {
		return fmt.Errorf("journal mode is %q, want wal (is the directory on a network file system?)", mode)
	}
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, stmt := range []string{
		`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
		`INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', '` + schemaVersion + `')`,
		`CREATE TABLE IF NOT EXISTS responses (
			key BLOB PRIMARY KEY,
			method TEXT NOT NULL,
			model TEXT NOT NULL,
			revision TEXT NOT NULL,
			response TEXT NOT NULL,
			created_unix INTEGER NOT NULL
		) WITHOUT ROWID`,
	} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	var v string
	if err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'schema'`).Scan(&v); err != nil {
		return err
	}
	if v != schemaVersion {
		return fmt.Errorf("schema version %q, this hanbench reads %q: use another cache directory", v, schemaVersion)
	}
	return tx.Commit()
}

func (s *sqliteBackend) close() error {
	var errs []error
	if s.rdb != nil {
		errs = append(errs, s.rdb.Close())
	}
	if s.wdb != nil {
		errs = append(errs, s.wdb.Close())
	}
	return errors.Join(errs...)
}

func (s *sqliteBackend) get(ctx context.Context, key [32]byte) ([]byte, error) {
	var body []byte
	err := s.rdb.QueryRowContext(ctx, `SELECT response FROM responses WHERE key = ?`, key[:]).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return body, err
}

func (s *sqliteBackend) put(ctx context.Context, key [32]byte, method string, ns Namespace, body []byte) error {
	_, err := s.wdb.ExecContext(ctx,
		`INSERT OR REPLACE INTO responses (key, method, model, revision, response, created_unix) VALUES (?, ?, ?, ?, ?, ?)`,
		key[:], method, ns.Model, ns.Revision, string(body), time.Now().Unix())
	return err
}

func (s *sqliteBackend) count(ctx context.Context) (int64, error) {
	var n int64
	err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM responses`).Scan(&n)
	return n, err
}

// Path is where the entries live: the database file, or the object
// storage location.
func (s *Store) Path() string { return s.path }

// Close closes the store. Wrapped runners keep working after it, but
// without the cache (every lookup counts as an error and a miss).
func (s *Store) Close() error { return s.be.close() }

// Stats returns the counters.
func (s *Store) Stats() Stats {
	return Stats{Hits: s.hits.Load(), Shared: s.shared.Load(), Misses: s.misses.Load(),
		Stored: s.stored.Load(), Uncacheable: s.uncacheable.Load(), Errors: s.errs.Load()}
}

// Err returns the most recent database error, or nil.
func (s *Store) Err() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.lastErr
}

// Len counts the stored responses.
func (s *Store) Len(ctx context.Context) (int64, error) { return s.be.count(ctx) }

func (s *Store) fail(err error) {
	s.errs.Add(1)
	s.errMu.Lock()
	s.lastErr = err
	s.errMu.Unlock()
}

// get returns the stored response for key, or nil.
func (s *Store) get(ctx context.Context, key [32]byte) []byte {
	body, err := s.be.get(ctx, key)
	if err != nil {
		if ctx.Err() == nil {
			s.fail(fmt.Errorf("cache %s: read: %w", s.path, err))
		}
		return nil
	}
	return body
}

// put commits one response. It uses a background context: an answer that
// arrived is worth keeping even if the caller has given up meanwhile.
func (s *Store) put(key [32]byte, method string, ns Namespace, body []byte) {
	if err := s.be.put(context.Background(), key, method, ns, body); err != nil {
		s.fail(fmt.Errorf("cache %s: write: %w", s.path, err))
		return
	}
	s.stored.Add(1)
}

// Key returns the cache key of a request: the SHA-256 of the canonical JSON
// of keyVersion, ns, method and req. Empty and nil slices and maps encode
// alike. It fails on values JSON cannot encode (NaN, channels).
func Key(ns Namespace, method string, req any) ([32]byte, error) {
	switch r := req.(type) {
	case runners.GenerateRequest:
		if len(r.Messages) == 0 {
			r.Messages = nil
		}
		if len(r.Until) == 0 {
			r.Until = nil
		}
		if len(r.Extra) == 0 {
			r.Extra = nil
		}
		req = r
	case runners.LogLikelihoodRequest:
		if len(r.Pairs) == 0 {
			r.Pairs = nil
		}
		req = r
	}
	if len(ns.Extra) == 0 {
		ns.Extra = nil
	}
	doc := struct {
		Version   string    `json:"v"`
		Namespace Namespace `json:"ns"`
		Method    string    `json:"method"`
		Request   any       `json:"request"`
	}{keyVersion, ns, method, req}
	b, err := json.Marshal(doc)
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(b), nil
}

// Wrap returns a Runner that answers from s when it can and stores r's
// successful answers in s. Cached answers have Usage.Cached set, their
// original token counts, no retries and the lookup time as Latency. The
// result implements runners.Describer when r does.
//
// Wrap panics if ns.Model is empty: a cache must know whose answers it
// holds.
func Wrap(r runners.Runner, s *Store, ns Namespace) runners.Runner {
	if ns.Model == "" {
		panic("cache: Namespace.Model is empty")
	}
	w := &cached{next: r, s: s, ns: ns}
	if d, ok := r.(runners.Describer); ok {
		return &describedCache{cached: w, d: d}
	}
	return w
}

type cached struct {
	next runners.Runner
	s    *Store
	ns   Namespace
}

type describedCache struct {
	*cached
	d runners.Describer
}

// Describe implements runners.Describer by asking the wrapped runner.
func (d *describedCache) Describe() runners.Description { return d.d.Describe() }

// Generate implements runners.Runner.
func (c *cached) Generate(ctx context.Context, req runners.GenerateRequest) (runners.GenerateResponse, error) {
	start := time.Now()
	var out runners.GenerateResponse
	decode := func(b []byte) error {
		out = runners.GenerateResponse{}
		return decodeStrict(b, &out)
	}
	hit, err := c.lookup(ctx, MethodGenerate, req, decode, func() (any, error) {
		var err error
		out, err = c.next.Generate(ctx, req)
		return out, err
	})
	if err != nil {
		return runners.GenerateResponse{}, err
	}
	if hit {
		out.Usage = hitUsage(out.Usage, start)
	}
	return out, nil
}

// LogLikelihood implements runners.Runner.
func (c *cached) LogLikelihood(ctx context.Context, req runners.LogLikelihoodRequest) (runners.LogLikelihoodResponse, error) {
	start := time.Now()
	var out runners.LogLikelihoodResponse
	decode := func(b []byte) error {
		out = runners.LogLikelihoodResponse{}
		if err := decodeStrict(b, &out); err != nil {
			return err
		}
		if len(out.Results) != len(req.Pairs) {
			return fmt.Errorf("%d results for %d pairs", len(out.Results), len(req.Pairs))
		}
		return nil
	}
	hit, err := c.lookup(ctx, MethodLogLikelihood, req, decode, func() (any, error) {
		var err error
		out, err = c.next.LogLikelihood(ctx, req)
		return out, err
	})
	if err != nil {
		return runners.LogLikelihoodResponse{}, err
	}
	if hit {
		out.Usage = hitUsage(out.Usage, start)
	}
	return out, nil
}

// decodeStrict decodes one JSON value with no unknown fields, so an entry
// of another shape is rejected rather than read as an empty answer.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}

func hitUsage(u runners.Usage, start time.Time) runners.Usage {
	return runners.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens,
		Latency: time.Since(start), Cached: true}
}

// lookup answers a request from the database or from an identical call in
// flight (hit true: decode has filled the caller's response), or else
// calls fetch (hit false: fetch has filled it) and stores its answer. A
// stored entry that decode rejects is counted as an error and replaced.
func (c *cached) lookup(ctx context.Context, method string, req any, decode func([]byte) error, fetch func() (any, error)) (hit bool, err error) {
	s := c.s
	key, kerr := Key(c.ns, method, req)
	if kerr != nil {
		s.uncacheable.Add(1)
		_, err := fetch()
		return false, err
	}
	stored := func() []byte {
		body := s.get(ctx, key)
		if body == nil {
			return nil
		}
		if err := decode(body); err != nil {
			s.fail(fmt.Errorf("cache %s: unreadable %s entry %x (replacing it): %w", s.path, method, key[:8], err))
			return nil
		}
		return body
	}
	for {
		if stored() != nil {
			s.hits.Add(1)
			return true, nil
		}
		s.flightMu.Lock()
		if cl, ok := s.flight[key]; ok {
			s.flightMu.Unlock()
			select {
			case <-cl.done:
			case <-ctx.Done():
				return false, ctx.Err()
			}
			if cl.body != nil && decode(cl.body) == nil {
				s.shared.Add(1)
				return true, nil
			}
			continue // the other call failed: try ourselves
		}
		cl := &call{done: make(chan struct{})}
		s.flight[key] = cl
		s.flightMu.Unlock()

		// An identical call may have stored its answer between our read
		// and taking the lead: look once more before paying.
		if body := stored(); body != nil {
			s.hits.Add(1)
			s.land(key, cl, body)
			return true, nil
		}
		s.misses.Add(1)
		resp, err := fetch()
		var body []byte
		if err == nil {
			var encErr error
			if body, encErr = json.Marshal(resp); encErr != nil {
				// For example an infinite log-probability: return the
				// answer, just do not store it.
				s.uncacheable.Add(1)
				body = nil
			} else {
				s.put(key, method, c.ns, body)
			}
		}
		s.land(key, cl, body)
		return false, err
	}
}

// land ends the call in flight for key, handing body (nil on failure) to
// the callers waiting for it.
func (s *Store) land(key [32]byte, cl *call, body []byte) {
	cl.body = body
	s.flightMu.Lock()
	delete(s.flight, key)
	s.flightMu.Unlock()
	close(cl.done)
}
