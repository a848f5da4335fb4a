// Package storage resolves the places hanbench reads and writes results
// directories, sites and response caches: local paths, file:// URLs and
// s3://bucket/prefix URLs on any S3-compatible object store (AWS S3, MinIO,
// Ceph, moto), through gocloud.dev/blob and its s3blob driver only.
//
// Commands work on local directories; a remote location is staged: inputs
// are downloaded to a temporary directory first (Fetch), outputs are
// written to a temporary directory and uploaded when complete (Stage,
// Staged.Commit). A results directory is small and written once at the end
// of a run (the response cache is what makes a run resumable), so staging
// costs one transfer and keeps every file atomic: a reader of the bucket
// never sees half a results.json.
//
// # URLs
//
//	results/m1                      a local directory
//	file:///srv/hanbench/results    the same, as a URL
//	s3://bucket/runs/m1             objects under the key prefix runs/m1/
//	s3://bucket/runs/m1?region=eu-west-1&endpoint=http://127.0.0.1:5000
//
// Credentials come from the standard AWS chain only (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE and the shared
// config files, instance and pod roles); a URL that carries credentials is
// refused. Region and endpoint come from the URL's query (region,
// endpoint, use_path_style, profile, ... as gocloud.dev/aws documents) or
// the environment (AWS_REGION, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL).
// With a custom endpoint and no use_path_style, path-style addressing is
// used, which every S3-compatible server understands.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/s3blob" // registers s3://
	"gocloud.dev/gcerrors"
)

// Location is a parsed place: a local directory or a key prefix in a
// bucket.
type Location struct {
	// Local is the directory of a local location ("" for a remote one).
	Local string
	// Scheme is "s3" for a remote location, "" for a local one.
	Scheme string
	// Bucket is the bucket name of a remote location.
	Bucket string
	// Prefix is the key prefix inside Bucket, "" or ending in "/".
	Prefix string
	// Query holds the driver options of a remote location (region,
	// endpoint, ...).
	Query url.Values
}

// IsRemote reports whether l is in object storage.
func (l Location) IsRemote() bool { return l.Scheme != "" }

// String returns the location as a user wrote it: the local path, or
// s3://bucket/prefix with its query.
func (l Location) String() string {
	if !l.IsRemote() {
		return l.Local
	}
	s := l.Scheme + "://" + l.Bucket + "/" + strings.TrimSuffix(l.Prefix, "/")
	if q := l.Query.Encode(); q != "" {
		s += "?" + q
	}
	return s
}

// Join returns the location of a sub-directory.
func (l Location) Join(elem ...string) Location {
	if !l.IsRemote() {
		l.Local = filepath.Join(append([]string{l.Local}, elem...)...)
		return l
	}
	p := path.Join(append([]string{l.Prefix}, elem...)...)
	if p != "" && p != "." {
		l.Prefix = strings.TrimPrefix(p, "/") + "/"
	}
	return l
}

// Overlap reports whether two remote locations share objects: the same
// bucket, and one prefix inside the other. Local locations never overlap
// here (compare their paths).
func Overlap(a, b Location) bool {
	if !a.IsRemote() || !b.IsRemote() || a.Scheme != b.Scheme || a.Bucket != b.Bucket {
		return false
	}
	return strings.HasPrefix(a.Prefix, b.Prefix) || strings.HasPrefix(b.Prefix, a.Prefix)
}

// IsURL reports whether s has a scheme this package handles (file:// or
// s3://) rather than being a plain path.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "file://") || strings.HasPrefix(s, "s3://")
}

// Parse parses a local path, a file:// URL or an s3://bucket/prefix URL.
// Other schemes, s3 URLs without a bucket and URLs holding credentials
// are errors.
func Parse(s string) (Location, error) {
	if s == "" {
		return Location{}, errors.New("storage: empty location")
	}
	if !strings.Contains(s, "://") {
		return Location{Local: s}, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return Location{}, fmt.Errorf("storage: %q: %w", s, err)
	}
	if u.User != nil {
		return Location{}, fmt.Errorf("storage: %s://%s...: credentials do not belong in a URL; use the AWS environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or AWS_PROFILE)", u.Scheme, u.Host)
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return Location{}, fmt.Errorf("storage: %q: a file URL names no host (file:///abs/path)", s)
		}
		if u.Path == "" {
			return Location{}, fmt.Errorf("storage: %q: no path", s)
		}
		return Location{Local: filepath.FromSlash(u.Path)}, nil
	case "s3":
		if u.Host == "" {
			return Location{}, fmt.Errorf("storage: %q: no bucket (s3://bucket/prefix)", s)
		}
		q := u.Query()
		if e := q.Get("endpoint"); e != "" {
			if eu, err := url.Parse(e); err != nil || eu.User != nil {
				return Location{}, fmt.Errorf("storage: s3://%s: the endpoint must be a plain URL without credentials; use the AWS environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or AWS_PROFILE)", u.Host)
			}
		}
		for _, k := range []string{"prefix", "key"} {
			if q.Has(k) {
				return Location{}, fmt.Errorf("storage: %q: put the key prefix in the path (s3://bucket/prefix), not in ?%s=", s, k)
			}
		}
		p := strings.Trim(u.Path, "/")
		if p != "" {
			p = path.Clean(p) + "/"
			if strings.HasPrefix(p, "../") {
				return Location{}, fmt.Errorf("storage: %q: prefix leaves the bucket", s)
			}
		}
		return Location{Scheme: "s3", Bucket: u.Host, Prefix: p, Query: q}, nil
	default:
		return Location{}, fmt.Errorf("storage: %q: unsupported scheme %q (use a path, file:// or s3://)", s, u.Scheme)
	}
}

// OpenBucket opens a remote location's bucket, restricted to its prefix.
// The caller closes it.
func (l Location) OpenBucket(ctx context.Context) (*blob.Bucket, error) {
	if !l.IsRemote() {
		return nil, fmt.Errorf("storage: %s is not in object storage", l.Local)
	}
	q := url.Values{}
	for k, v := range l.Query {
		q[k] = v
	}
	if !q.Has("endpoint") {
		if e := os.Getenv("AWS_ENDPOINT_URL_S3"); e != "" {
			q.Set("endpoint", e)
		} else if e := os.Getenv("AWS_ENDPOINT_URL"); e != "" {
			q.Set("endpoint", e)
		}
	}
	if q.Has("endpoint") && !q.Has("use_path_style") && !q.Has("s3ForcePathStyle") {
		q.Set("use_path_style", "true")
	}
	if l.Prefix != "" {
		q.Set("prefix", l.Prefix)
	}
	u := url.URL{Scheme: l.Scheme, Host: l.Bucket, RawQuery: q.Encode()}
	b, err := blob.OpenBucket(ctx, u.String())
	if err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", l, err)
	}
	return b, nil
}

// Check opens a remote location's bucket and checks that it exists and
// the credentials reach it, so a command fails before its work rather
// than at the upload. A local location always passes.
func (l Location) Check(ctx context.Context) error {
	if !l.IsRemote() {
		return nil
	}
	b, err := l.OpenBucket(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	ok, err := b.IsAccessible(ctx)
	if err != nil {
		hint := ""
		if strings.Contains(err.Error(), "region") {
			hint = " (set AWS_REGION, or add ?region=... to the URL)"
		}
		return fmt.Errorf("storage: %s: %w%s", l, err, hint)
	}
	if !ok {
		return fmt.Errorf("storage: %s: bucket %q does not exist (or these credentials cannot see it)", l, l.Bucket)
	}
	return nil
}

// IsNotFound reports whether err says an object does not exist.
func IsNotFound(err error) bool {
	return gcerrors.Code(err) == gcerrors.NotFound || errors.Is(err, fs.ErrNotExist)
}

// Fetch makes a location readable as a local directory. A local location
// is returned as is (dir is its path, cleanup does nothing). A remote one
// is downloaded into a new temporary directory, keeping the key layout
// below the prefix; keep, when not nil, selects the objects to download
// by their key relative to the prefix (slash-separated). The caller
// calls cleanup when done with dir.
func Fetch(ctx context.Context, loc string, keep func(rel string) bool) (dir string, cleanup func(), err error) {
	l, err := Parse(loc)
	if err != nil {
		return "", nil, err
	}
	if !l.IsRemote() {
		return l.Local, func() {}, nil
	}
	tmp, err := os.MkdirTemp("", "hanbench-fetch-")
	if err != nil {
		return "", nil, fmt.Errorf("storage: %w", err)
	}
	cleanup = func() { os.RemoveAll(tmp) }
	n, err := Download(ctx, l, tmp, keep)
	if err != nil {
		cleanup()
		return "", nil, err
	}
	if n == 0 {
		cleanup()
		return "", nil, fmt.Errorf("storage: %s: no objects under this prefix", l)
	}
	return tmp, cleanup, nil
}

// Download copies the objects under a remote location into dir (created
// if needed) and returns how many it copied. keep, when not nil, selects
// objects by key relative to the prefix. Keys that would leave dir are
// refused.
func Download(ctx context.Context, l Location, dir string, keep func(rel string) bool) (int, error) {
	b, err := l.OpenBucket(ctx)
	if err != nil {
		return 0, err
	}
	defer b.Close()
	var keys []string
	it := b.List(nil)
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("storage: list %s: %w", l, err)
		}
		if obj.IsDir || strings.HasSuffix(obj.Key, "/") {
			continue
		}
		if keep != nil && !keep(obj.Key) {
			continue
		}
		keys = append(keys, obj.Key)
	}
	sort.Strings(keys)
	for _, k := range keys {
		rel := path.Clean(k)
		if !fs.ValidPath(rel) {
			return 0, fmt.Errorf("storage: %s: object key %q leaves the prefix", l, k)
		}
		dst := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return 0, fmt.Errorf("storage: %w", err)
		}
		if err := downloadOne(ctx, b, k, dst); err != nil {
			return 0, fmt.Errorf("storage: get %s: %w", l.Join(k), err)
		}
	}
	return len(keys), nil
}

func downloadOne(ctx context.Context, b *blob.Bucket, key, dst string) error {
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	if err := b.Download(ctx, key, f, nil); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Upload copies every regular file below dir to the remote location,
// keeping relative paths as keys under its prefix, in sorted order.
// Objects are written whole (an S3 PUT is atomic), so a reader sees each
// file either old or new, never partial. It returns how many files it
// copied.
func Upload(ctx context.Context, dir string, l Location) (int, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("storage: %w", err)
	}
	sort.Strings(files)
	b, err := l.OpenBucket(ctx)
	if err != nil {
		return 0, err
	}
	defer b.Close()
	for _, rel := range files {
		if err := uploadOne(ctx, b, filepath.Join(dir, filepath.FromSlash(rel)), rel); err != nil {
			return 0, fmt.Errorf("storage: put %s: %w", l.Join(rel).String(), err)
		}
	}
	return len(files), nil
}

func uploadOne(ctx context.Context, b *blob.Bucket, src, key string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	return b.Upload(ctx, key, f, &blob.WriterOptions{ContentType: contentType(key)})
}

// contentType names the types a static site and a results directory
// hold, so a bucket served as a website sends them right.
func contentType(key string) string {
	switch strings.ToLower(path.Ext(key)) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".json":
		return "application/json"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".csv":
		return "text/csv; charset=utf-8"
	case ".txt", ".md":
		return "text/plain; charset=utf-8"
	case ".xml":
		return "application/xml"
	}
	return "application/octet-stream"
}

// Keys lists the keys under a remote location, relative to its prefix,
// sorted.
func Keys(ctx context.Context, l Location) ([]string, error) {
	b, err := l.OpenBucket(ctx)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	var keys []string
	it := b.List(nil)
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("storage: list %s: %w", l, err)
		}
		if !obj.IsDir {
			keys = append(keys, obj.Key)
		}
	}
	sort.Strings(keys)
	return keys, nil
}

// deleteExcept deletes the objects under l whose keys are not in keep.
func deleteExcept(ctx context.Context, l Location, keep map[string]bool) (int, error) {
	keys, err := Keys(ctx, l)
	if err != nil {
		return 0, err
	}
	b, err := l.OpenBucket(ctx)
	if err != nil {
		return 0, err
	}
	defer b.Close()
	n := 0
	for _, k := range keys {
		if keep[k] {
			continue
		}
		if err := b.Delete(ctx, k); err != nil && !IsNotFound(err) {
			return n, fmt.Errorf("storage: delete %s: %w", l.Join(k), err)
		}
		n++
	}
	return n, nil
}

// Staged is an output location written locally first. For a local
// location Dir is the location itself and Commit does nothing.
type Staged struct {
	// Dir is the local directory to write into.
	Dir string
	// Mirror makes Commit delete, after uploading, the objects under the
	// location that the stage does not hold: the output replaces what was
	// there (a site rebuilt without a model must not keep its pages).
	Mirror bool
	loc    Location
	tmp    string
}

// Stage prepares an output location. For a remote location, Dir is a new
// temporary directory named after it; Commit uploads its contents and
// Close removes it.
func Stage(loc string) (*Staged, error) {
	l, err := Parse(loc)
	if err != nil {
		return nil, err
	}
	if !l.IsRemote() {
		return &Staged{Dir: l.Local, loc: l}, nil
	}
	tmp, err := os.MkdirTemp("", "hanbench-stage-")
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	// A sub-directory, so commands that insist on creating their output
	// directory themselves (the site builder) can.
	return &Staged{Dir: filepath.Join(tmp, "out"), loc: l, tmp: tmp}, nil
}

// Location is where the output goes.
func (s *Staged) Location() Location { return s.loc }

// Remote reports whether Commit uploads.
func (s *Staged) Remote() bool { return s.loc.IsRemote() }

// Commit uploads a remote stage's files (nothing to do for a local one)
// and returns how many it uploaded.
func (s *Staged) Commit(ctx context.Context) (int, error) {
	if !s.loc.IsRemote() {
		return 0, nil
	}
	if _, err := os.Stat(s.Dir); err != nil {
		return 0, fmt.Errorf("storage: nothing to upload to %s: %w", s.loc, err)
	}
	n, err := Upload(ctx, s.Dir, s.loc)
	if err != nil || !s.Mirror {
		return n, err
	}
	keep := map[string]bool{}
	err = filepath.WalkDir(s.Dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, rerr := filepath.Rel(s.Dir, p)
			if rerr != nil {
				return rerr
			}
			keep[filepath.ToSlash(rel)] = true
		}
		return err
	})
	if err != nil {
		return n, fmt.Errorf("storage: %w", err)
	}
	_, err = deleteExcept(ctx, s.loc, keep)
	return n, err
}

// Close removes a remote stage's temporary directory. Call it only after a
// successful Commit, or when the output is not wanted: keeping the stage
// after a failed upload is how work is not lost.
func (s *Staged) Close() error {
	if s.tmp == "" {
		return nil
	}
	return os.RemoveAll(s.tmp)
}

// HasGlob reports whether s holds glob metacharacters (*?[).
func HasGlob(s string) bool { return strings.ContainsAny(s, "*?[") }

// Glob expands a pattern. A local pattern is filepath.Glob's. In an s3
// pattern only the last path element may hold metacharacters; it is
// matched (path.Match) against the names directly below the parent
// prefix, objects and "directories" alike. In a URL "?" starts the query,
// so s3 patterns use * and [...] only. Matches are sorted.
func Glob(ctx context.Context, pattern string) ([]string, error) {
	l, err := Parse(pattern)
	if err != nil {
		return nil, err
	}
	if !l.IsRemote() {
		m, err := filepath.Glob(l.Local)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", pattern, err)
		}
		return m, nil
	}
	p := strings.TrimSuffix(l.Prefix, "/")
	parent, elem := path.Split(p)
	if HasGlob(parent) {
		return nil, fmt.Errorf("storage: %q: only the last path element of an s3 pattern may hold * ? [", pattern)
	}
	if _, err := path.Match(elem, ""); err != nil {
		return nil, fmt.Errorf("storage: %q: %w", pattern, err)
	}
	base := l
	base.Prefix = parent
	b, err := base.OpenBucket(ctx)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	var names []string
	it := b.List(&blob.ListOptions{Delimiter: "/"})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("storage: list %s: %w", base, err)
		}
		name := strings.TrimSuffix(obj.Key, "/")
		if ok, _ := path.Match(elem, name); ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = base.Join(n).String()
	}
	return out, nil
}
