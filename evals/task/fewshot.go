package task

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"

	"github.com/hanbench/hanbench/datasets"
)

// sampleFewshot picks n few-shot examples for a document and returns their
// indexes in the pool.
//
// first_n follows lm-eval exactly: take the first n (n+1 when the pool is
// the evaluation split), drop documents equal to the evaluated one, keep n.
//
// The default sampler deliberately differs from lm-eval, whose examples
// depend on how many documents were processed before (one random.Random
// stream per task): here the examples of a document are drawn by a ChaCha8
// generator seeded with SHA-256(seed, task name, doc id) alone, so --limit,
// processing order, concurrency and sharding never change them. Documents
// equal to the evaluated one are never drawn.
func (t *Task) sampleFewshot(pool []*datasets.Row, docID int, doc *datasets.Row, n int, seed int64) ([]int, error) {
	if t.Config.Fewshot.Sampler == SamplerFirstN {
		need := n
		if t.fewSameEval {
			need = n + 1
		}
		if need > len(pool) {
			return nil, fmt.Errorf("task %s: %d few-shot examples requested but only %d are available", t.Name, need, len(pool))
		}
		ids := make([]int, 0, n)
		for i := 0; i < need && len(ids) < n; i++ {
			if !sameDoc(pool[i], doc) {
				ids = append(ids, i)
			}
		}
		return ids, nil
	}
	return drawFewshot(t.Name, pool, docID, doc, n, seed)
}

// fewshotRand returns the generator for one document's examples.
func fewshotRand(task string, docID int, seed int64) *rand.Rand {
	h := sha256.New()
	var buf [8]byte
	h.Write([]byte("hanbench/fewshot/v1\x00"))
	binary.BigEndian.PutUint64(buf[:], uint64(seed))
	h.Write(buf[:])
	h.Write([]byte(task))
	h.Write([]byte{0})
	binary.BigEndian.PutUint64(buf[:], uint64(docID))
	h.Write(buf[:])
	var key [32]byte
	copy(key[:], h.Sum(nil))
	return rand.New(rand.NewChaCha8(key))
}

func drawFewshot(task string, pool []*datasets.Row, docID int, doc *datasets.Row, n int, seed int64) ([]int, error) {
	rng := fewshotRand(task, docID, seed)
	tooFew := func(avail int) error {
		return fmt.Errorf("task %s: %d few-shot examples requested but only %d are available", task, n, avail)
	}
	if n*4 <= len(pool) {
		// Sparse draw: rejection sampling touches only O(n) documents.
		ids := make([]int, 0, n)
		chosen := make(map[int]bool, n)
		for tries := 0; len(ids) < n && tries < 64*n+64; tries++ {
			i := rng.IntN(len(pool))
			if chosen[i] {
				continue
			}
			chosen[i] = true
			if sameDoc(pool[i], doc) {
				continue
			}
			ids = append(ids, i)
		}
		if len(ids) == n {
			return ids, nil
		}
		// Pathological pools (many copies of the document): fall through
		// to the exhaustive draw, seeded afresh.
		rng = fewshotRand(task, docID, seed)
	}
	eligible := make([]int, 0, len(pool))
	for i, d := range pool {
		if !sameDoc(d, doc) {
			eligible = append(eligible, i)
		}
	}
	if len(eligible) < n {
		return nil, tooFew(len(eligible))
	}
	for i := 0; i < n; i++ {
		j := i + rng.IntN(len(eligible)-i)
		eligible[i], eligible[j] = eligible[j], eligible[i]
	}
	return eligible[:n:n], nil
}

// sameDoc is lm-eval's `x != doc` test: equal content, not identity.
func sameDoc(a, b *datasets.Row) bool {
	return a.Equal(b)
}
