package cache

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// blobDir is the key prefix of entries inside a bucket; the version is
// the schema's, so another layout never misreads these.
const blobDir = "responses-v" + schemaVersion + "/"

// OpenBucket returns a Store that keeps each response as one object,
// blobDir/<hex key>.json, in b (a bucket already narrowed to the cache's
// prefix, for example by evals/storage). name says where, for messages.
// The Store owns b and closes it.
//
// Object stores make this the cache to share between machines: a PUT is
// atomic, so shards running at the same time on several nodes can use
// one prefix, each seeing every answer the others have stored; a process
// killed mid-run loses at most the answers in flight. Lookups cost one
// GET each, so the store suits remote runs, where that is small beside
// a model's latency; the SQLite store (Open) is the fast local one.
func OpenBucket(b *blob.Bucket, name string) *Store {
	return newStore(name, &blobBackend{b: b})
}

type blobBackend struct {
	b *blob.Bucket
}

func blobKey(key [32]byte) string {
	h := hex.EncodeToString(key[:])
	// Two hex digits of fan-out keep listings and per-prefix request
	// rates of stores such as S3 well spread.
	return blobDir + h[:2] + "/" + h + ".json"
}

func (s *blobBackend) get(ctx context.Context, key [32]byte) ([]byte, error) {
	body, err := s.b.ReadAll(ctx, blobKey(key))
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, nil
	}
	return body, err
}

func (s *blobBackend) put(ctx context.Context, key [32]byte, method string, ns Namespace, body []byte) error {
	return s.b.WriteAll(ctx, blobKey(key), body, &blob.WriterOptions{
		ContentType: "application/json",
		Metadata:    map[string]string{"method": method, "model": ns.Model, "revision": ns.Revision},
	})
}

func (s *blobBackend) count(ctx context.Context) (int64, error) {
	var n int64
	it := s.b.List(&blob.ListOptions{Prefix: blobDir})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("list: %w", err)
		}
		if !obj.IsDir && strings.HasSuffix(obj.Key, ".json") {
			n++
		}
	}
}

func (s *blobBackend) close() error { return s.b.Close() }
