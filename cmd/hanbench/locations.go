package main

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/hanbench/hanbench/evals/results"
	"github.com/hanbench/hanbench/evals/storage"
)

// inputs are results locations made readable as local directories: local
// paths stay as they are, s3:// ones are downloaded to temporary
// directories. Errors that name a temporary directory are rewritten to
// name the location the user gave.
type inputs struct {
	// Dirs are the local directories, in argument order (globs expanded
	// and sorted).
	Dirs []string
	// Locs are the locations Dirs were read from, one for each.
	Locs     []string
	cleanups []func()
	names    map[string]string // temp dir -> location
}

// onlyResultsFiles keeps what commands read from a results tree.
func onlyResultsFiles(rel string) bool {
	b := path.Base(rel)
	return b == results.ResultsFile || b == results.SamplesFile
}

// fetchInputs expands glob patterns (local and s3) and fetches each
// location. A pattern matching nothing is an error.
func fetchInputs(ctx context.Context, args []string) (*inputs, error) {
	in := &inputs{names: map[string]string{}}
	for _, a := range args {
		locs := []string{a}
		if storage.HasGlob(strings.SplitN(a, "?", 2)[0]) || (!storage.IsURL(a) && storage.HasGlob(a)) {
			m, err := storage.Glob(ctx, a)
			if err != nil {
				in.Close()
				return nil, err
			}
			if len(m) == 0 {
				in.Close()
				return nil, fmt.Errorf("%q matches no results directory", a)
			}
			sort.Strings(m)
			locs = m
		}
		for _, l := range locs {
			if err := in.add(ctx, l, onlyResultsFiles); err != nil {
				in.Close()
				return nil, err
			}
		}
	}
	return in, nil
}

// fetchRun fetches one results directory: the location as given, never
// expanded as a pattern, and of a remote one only the results files at
// its top (not those of runs nested below it).
func fetchRun(ctx context.Context, loc string) (*inputs, error) {
	in := &inputs{names: map[string]string{}}
	top := func(rel string) bool { return !strings.Contains(rel, "/") && onlyResultsFiles(rel) }
	if err := in.add(ctx, loc, top); err != nil {
		return nil, err
	}
	return in, nil
}

func (in *inputs) add(ctx context.Context, loc string, keep func(string) bool) error {
	dir, cleanup, err := storage.Fetch(ctx, loc, keep)
	if err != nil {
		return err
	}
	in.Dirs = append(in.Dirs, dir)
	in.Locs = append(in.Locs, loc)
	in.cleanups = append(in.cleanups, cleanup)
	if dir != loc {
		in.names[dir] = loc
	}
	return nil
}

// rename rewrites temporary directories in err's message to the
// locations they were fetched from.
func (in *inputs) rename(err error) error {
	if err == nil || len(in.names) == 0 {
		return err
	}
	msg := err.Error()
	tmps := make([]string, 0, len(in.names))
	for t := range in.names {
		tmps = append(tmps, t)
	}
	sort.Slice(tmps, func(i, j int) bool { return len(tmps[i]) > len(tmps[j]) })
	for _, t := range tmps {
		msg = strings.ReplaceAll(msg, t, in.names[t])
	}
	if msg == err.Error() {
		return err
	}
	return &renamedError{msg: msg, err: err}
}

// renamedError keeps the original error for errors.Is/As.
type renamedError struct {
	msg string
	err error
}

func (e *renamedError) Error() string { return e.msg }
func (e *renamedError) Unwrap() error { return e.err }

// Close removes the temporary directories.
func (in *inputs) Close() {
	for _, c := range in.cleanups {
		c()
	}
	in.cleanups = nil
}

// readSamplesAt reads the samples of a results directory or s3:// location.
func readSamplesAt(ctx context.Context, loc string, fn func(results.Sample) error) error {
	in, err := fetchRun(ctx, loc)
	if err != nil {
		return err
	}
	defer in.Close()
	return in.rename(results.ReadSamples(in.Dirs[0], fn))
}
