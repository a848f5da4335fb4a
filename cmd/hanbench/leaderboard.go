package main

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/hanbench/hanbench/evals/catalog"
	"github.com/hanbench/hanbench/evals/storage"
	"github.com/hanbench/hanbench/leaderboard"
)

// LeaderboardBuildOptions are the flags of `hanbench leaderboard build`.
type LeaderboardBuildOptions struct {
	Results         []string
	Models          string
	Out             string
	Title           string
	BasePath        string
	RedactEndpoints bool
	AllRuns         bool
}

// LeaderboardServeOptions are the flags of `hanbench leaderboard serve`.
type LeaderboardServeOptions struct {
	Dir      string
	Addr     string
	BasePath string
}

func init() {
	extraCommandsList = append(extraCommandsList, NewCmdLeaderboard)
}

// NewCmdLeaderboard builds `hanbench leaderboard` and its subcommands.
func NewCmdLeaderboard(gs *GlobalState) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "leaderboard",
		Short: "Build or preview the static leaderboard site",
	}
	cmd.AddCommand(newCmdLeaderboardBuild(gs), newCmdLeaderboardServe(gs))
	return cmd
}

func newCmdLeaderboardBuild(gs *GlobalState) *cobra.Command {
	o := &LeaderboardBuildOptions{}
	cmd := &cobra.Command{
		Use:   "build --results DIR|GLOB... --out SITE",
		Short: "Build a static leaderboard site from results directories",
		Example: `  hanbench leaderboard build --results results/ --models models.yaml --out site/
  hanbench leaderboard build --results 'runs/*/results.json' --out site/ --title "사내 리더보드" --redact-endpoints
  hanbench leaderboard build --results s3://evals/runs --out s3://evals-site/leaderboard   # AWS credentials from the environment`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runLeaderboardBuild(gs, o) },
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.Results, "results", nil, "results directories or s3://bucket/prefix locations (searched recursively for results.json), or glob patterns (required)")
	f.StringVar(&o.Models, "models", "", "models.yaml with per-model metadata (optional)")
	f.StringVar(&o.Out, "out", "", "site directory or s3://bucket/prefix (required)")
	f.StringVar(&o.Title, "title", "", "site title")
	f.StringVar(&o.BasePath, "base-path", "/", "URL path the site is hosted under, e.g. /leaderboard/")
	f.BoolVar(&o.RedactEndpoints, "redact-endpoints", false, "hide endpoint URLs from pages and copied results")
	f.BoolVar(&o.AllRuns, "all-runs", false, "show every run, not only the latest per model and task, by default")
	return cmd
}

func runLeaderboardBuild(gs *GlobalState, o *LeaderboardBuildOptions) error {
	if len(o.Results) == 0 || o.Out == "" {
		return withCode(ExitUsage, fmt.Errorf("--results and --out are required"))
	}
	// Object-storage inputs are fetched (results.json and samples.parquet
	// only); local paths and patterns go to the builder as they are.
	var resultsDirs []string
	var remote []string
	for _, r := range o.Results {
		if storage.IsURL(r) {
			remote = append(remote, r)
		} else {
			resultsDirs = append(resultsDirs, r)
		}
	}
	in, err := fetchInputs(gs.Ctx, remote)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer in.Close()
	resultsDirs = append(resultsDirs, in.Dirs...)
	stage, err := storage.Stage(o.Out)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("--out: %w", err))
	}
	if stage.Remote() {
		// As for a directory: replace a previous build (pages of models
		// no longer there are deleted), never objects of anything else.
		if err := checkSitePrefix(gs.Ctx, stage.Location()); err != nil {
			stage.Close()
			return withCode(ExitUsage, fmt.Errorf("--out: %w", err))
		}
		stage.Mirror = true
	}
	// SOURCE_DATE_EPOCH (reproducible-builds.org) fixes the build time
	// shown on pages, so the same results give a byte-identical site.
	var now func() time.Time
	if v := gs.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			stage.Close()
			return withCode(ExitUsage, fmt.Errorf("SOURCE_DATE_EPOCH %q: want seconds since 1970", v))
		}
		t := time.Unix(sec, 0).UTC()
		now = func() time.Time { return t }
	}
	rep, err := leaderboard.Build(gs.Ctx, leaderboard.BuildOptions{
		Results: resultsDirs, ModelsFile: o.Models, Out: stage.Dir, Title: o.Title, BasePath: o.BasePath,
		RedactEndpoints: o.RedactEndpoints, AllRuns: o.AllRuns, TaskInfo: builtinTaskInfo(), Now: now,
	})
	if err != nil {
		stage.Close()
		return withCode(ExitUsage, in.rename(err))
	}
	if err := commitStage(gs, stage); err != nil {
		return err
	}
	out := stage.Location()
	fmt.Fprintf(gs.Stdout, "built %s: %d models, %d tasks, %d runs, %d samples, %d pages, %.1f MB in %s\n",
		out, rep.Models, rep.Tasks, rep.Runs, rep.Samples, rep.Pages, float64(rep.Bytes)/1e6, rep.Duration.Round(time.Millisecond))
	if !stage.Remote() {
		fmt.Fprintf(gs.Stdout, "open %s\n", filepath.Join(rep.Out, "index.html"))
	}
	return nil
}

// checkSitePrefix refuses an object-storage prefix that holds objects but
// no leaderboard.MarkerFile: it is not a site a build may replace.
func checkSitePrefix(ctx context.Context, loc storage.Location) error {
	if err := loc.Check(ctx); err != nil {
		return err
	}
	keys, err := storage.Keys(ctx, loc)
	if err != nil {
		return err
	}
	if len(keys) > 0 && !slices.Contains(keys, leaderboard.MarkerFile) {
		return fmt.Errorf("%s holds %d object(s) but no %s: it is not a hanbench site, refusing to replace it", loc, len(keys), leaderboard.MarkerFile)
	}
	return nil
}

// builtinTaskInfo describes the built-in tasks for the site's task pages.
func builtinTaskInfo() map[string]leaderboard.TaskInfo {
	m := map[string]leaderboard.TaskInfo{}
	for _, t := range catalog.Info() {
		metric := ""
		if len(t.Metrics) > 0 {
			metric = t.Metrics[0]
		}
		m[t.Name] = leaderboard.TaskInfo{Name: t.Name, Description: t.Description, License: t.License, Protocol: t.Source, Metric: metric}
	}
	return m
}

func newCmdLeaderboardServe(gs *GlobalState) *cobra.Command {
	o := &LeaderboardServeOptions{}
	cmd := &cobra.Command{
		Use:   "serve SITE",
		Short: "Preview a built site on 127.0.0.1",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.Dir = args[0]
			return runLeaderboardServe(gs, o)
		},
	}
	cmd.Flags().StringVar(&o.Addr, "addr", leaderboard.DefaultAddr, "listen address")
	return cmd
}

func runLeaderboardServe(gs *GlobalState, o *LeaderboardServeOptions) error {
	err := leaderboard.Serve(gs.Ctx, o.Dir, o.Addr, func(a net.Addr) {
		fmt.Fprintf(gs.Stdout, "serving %s at http://%s/ (Ctrl-C to stop)\n", o.Dir, a)
	})
	if err != nil && gs.Ctx.Err() == nil {
		return withCode(ExitUsage, err)
	}
	return nil
}
