package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hanbench/hanbench/evals"
	"github.com/hanbench/hanbench/evals/results"
	"github.com/hanbench/hanbench/evals/storage"
)

// JobCompletionIndexEnv is set by Kubernetes in each pod of an Indexed Job
// to the pod's completion index; `run --shards N` evaluates that shard.
const JobCompletionIndexEnv = "JOB_COMPLETION_INDEX"

// shardPlaceholder in --out is replaced by the shard index.
const shardPlaceholder = "{shard}"

// MergeOptions are the flags and arguments of `hanbench merge`.
type MergeOptions struct {
	// Out receives the merged results directory.
	Out string
	// Dirs are the shards' results directories or glob patterns.
	Dirs []string
}

func init() {
	extraCommandsList = append(extraCommandsList, NewCmdMerge)
}

// NewCmdMerge builds `hanbench merge`.
func NewCmdMerge(gs *GlobalState) *cobra.Command {
	o := &MergeOptions{}
	cmd := &cobra.Command{
		Use:   "merge --out DIR SHARD_DIR...",
		Short: "Combine the results of a sharded run into one results directory",
		Long: `Combine the results directories written by the shards of one run
(hanbench run --shard i/n, or --shards n in a Kubernetes Indexed Job) into one,
identical to what the run unsharded would have written: samples in the same
order, metrics, standard errors, groups and prompt hashes recomputed from the
samples. Shards of different runs (model, seed, limit, mc mode, few-shot,
tasks, task configs or datasets differ), missing, duplicate or unfinished
shards are refused. SHARD_DIR may be a glob pattern such as 'runs/x/shard-*',
and any directory (and --out) may be an s3://bucket/prefix location.`,
		Example: `  hanbench run --shard 0/4 --out runs/exaone/shard-0 ...   # one per shard, anywhere
  hanbench merge --out runs/exaone runs/exaone/shard-0 runs/exaone/shard-1 runs/exaone/shard-2 runs/exaone/shard-3
  hanbench merge --out /results/exaone '/results/exaone-shards/shard-*'
  hanbench merge --out s3://evals/runs/exaone 's3://evals/runs/exaone-shards/shard-*'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.Dirs = args
			return runMerge(gs, o)
		},
	}
	cmd.Flags().StringVar(&o.Out, "out", "", "merged results directory (required)")
	return cmd
}

func runMerge(gs *GlobalState, o *MergeOptions) error {
	if o.Out == "" {
		return withCode(ExitUsage, fmt.Errorf("missing required flag(s): --out"))
	}
	stage, err := storage.Stage(o.Out)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("--out: %w", err))
	}
	in, err := fetchInputs(gs.Ctx, o.Dirs)
	if err != nil {
		stage.Close()
		return withCode(ExitUsage, err)
	}
	defer in.Close()
	// Merge refuses an output among the shards for local directories; an
	// s3:// output is staged, so check the locations themselves.
	for _, l := range in.Locs {
		if loc, err := storage.Parse(l); err == nil && storage.Overlap(loc, stage.Location()) {
			stage.Close()
			return withCode(ExitUsage, fmt.Errorf("--out %s overlaps shard %s: write the merged run elsewhere", stage.Location(), l))
		}
	}
	if err := evals.Merge(stage.Dir, in.Dirs); err != nil {
		stage.Close()
		return withCode(ExitUsage, in.rename(err))
	}
	f, err := results.Read(stage.Dir)
	if err != nil {
		stage.Close()
		return err
	}
	printSummary(gs.Stdout, f)
	if err := commitStage(gs, stage); err != nil {
		return err
	}
	n := 0
	for _, t := range f.Tasks {
		n += t.N
	}
	out := stage.Location()
	fmt.Fprintf(gs.Stderr, "merged %d shard(s) into %s and %s (%d samples)\n", len(in.Dirs),
		out.Join(results.ResultsFile), out.Join(results.SamplesFile), n)
	return nil
}

// resolveShard turns --shard INDEX/COUNT or --shards COUNT (index from
// JOB_COMPLETION_INDEX) into evals.Options' Shard and Shards, and replaces
// {shard} in --out by the index. No flag: shard 0 of 0 (unsharded).
func resolveShard(o *RunOptions, getenv func(string) string) (shard, shards int, err error) {
	switch {
	case o.Shard != "" && o.Shards != 0:
		return 0, 0, fmt.Errorf("--shard and --shards are mutually exclusive: use --shard INDEX/COUNT, or --shards COUNT with $%s", JobCompletionIndexEnv)
	case o.Shard != "":
		i, n, ok := strings.Cut(o.Shard, "/")
		shard, err1 := strconv.Atoi(strings.TrimSpace(i))
		shards, err2 := strconv.Atoi(strings.TrimSpace(n))
		if !ok || err1 != nil || err2 != nil {
			return 0, 0, fmt.Errorf("--shard %q: want INDEX/COUNT, e.g. 0/4", o.Shard)
		}
		if shards < 1 || shard < 0 || shard >= shards {
			return 0, 0, fmt.Errorf("--shard %q: want 0 ≤ INDEX < COUNT", o.Shard)
		}
		return shard, shards, o.fillShardOut(shard)
	case o.Shards != 0:
		if o.Shards < 1 {
			return 0, 0, fmt.Errorf("--shards must be at least 1, got %d", o.Shards)
		}
		v := strings.TrimSpace(getenv(JobCompletionIndexEnv))
		if v == "" {
			return 0, 0, fmt.Errorf("--shards %d: $%s is not set (Kubernetes sets it in Indexed Jobs); elsewhere use --shard INDEX/%d", o.Shards, JobCompletionIndexEnv, o.Shards)
		}
		shard, err := strconv.Atoi(v)
		if err != nil || shard < 0 || shard >= o.Shards {
			return 0, 0, fmt.Errorf("--shards %d: $%s is %q, want an integer from 0 to %d", o.Shards, JobCompletionIndexEnv, v, o.Shards-1)
		}
		return shard, o.Shards, o.fillShardOut(shard)
	}
	if strings.Contains(o.Out, shardPlaceholder) {
		return 0, 0, fmt.Errorf("--out %q contains %s but no --shard or --shards was given", o.Out, shardPlaceholder)
	}
	return 0, 0, nil
}

func (o *RunOptions) fillShardOut(shard int) error {
	o.Out = strings.ReplaceAll(o.Out, shardPlaceholder, strconv.Itoa(shard))
	return nil
}
