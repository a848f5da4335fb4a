package main

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hanbench/hanbench/evals/judge"
	"github.com/hanbench/hanbench/evals/results"
)

// AgreementOptions are the flags of `hanbench agreement`.
type AgreementOptions struct {
	A, B string
	JSON bool
}

func init() {
	extraCommandsList = append(extraCommandsList, NewCmdAgreement)
}

// NewCmdAgreement builds `hanbench agreement RUN_A RUN_B`: how far two
// judges agree on the same answers of judge-graded tasks.
func NewCmdAgreement(gs *GlobalState) *cobra.Command {
	o := &AgreementOptions{}
	cmd := &cobra.Command{
		Use:   "agreement RUN_A RUN_B",
		Short: "Agreement of two judges (Cohen's quadratic κ, Krippendorff's α) on judge-graded tasks",
		Long: `agreement compares the turn scores of two runs of the same judge-graded tasks
(logickor, komt_bench, k2_eval) that used different judges on the same model answers —
for example the same model re-judged with --judge-model A and --judge-model B (the
response cache makes the model's answers identical). Turns are matched by task, document
and turn; unjudged turns are left out.`,
		Example: `  hanbench run --model m --base-url URL --tasks logickor --judge-model gpt-4o --out runs/judge-a
  hanbench run --model m --base-url URL --tasks logickor --judge-model claude --out runs/judge-b
  hanbench agreement runs/judge-a runs/judge-b`,
		Args: cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			o.A, o.B = args[0], args[1]
			return runAgreement(gs, o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON")
	return cmd
}

func runAgreement(gs *GlobalState, o *AgreementOptions) error {
	read := func(dir string) ([]results.Sample, error) {
		var ss []results.Sample
		err := readSamplesAt(gs.Ctx, dir, func(s results.Sample) error { ss = append(ss, s); return nil })
		return ss, err
	}
	a, err := read(o.A)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	b, err := read(o.B)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	stats, err := judge.AgreementFromSamples(a, b)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if len(stats) == 0 {
		return withCode(ExitUsage, fmt.Errorf("no judge-graded turns shared by %s and %s", o.A, o.B))
	}
	if o.JSON {
		clean := map[string]map[string]any{}
		for task, st := range stats {
			clean[task] = map[string]any{
				"n": st.N, "exact": finite(st.Exact), "mean_abs_diff": finite(st.MeanAbsDiff), "mean_diff": finite(st.MeanDiff),
				"quadratic_kappa": finite(st.QuadraticKappa), "krippendorff_alpha": finite(st.KrippendorffAlpha),
			}
		}
		enc := json.NewEncoder(gs.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(clean)
	}
	tasks := make([]string, 0, len(stats))
	for t := range stats {
		tasks = append(tasks, t)
	}
	sort.Strings(tasks)
	tw := tabwriter.NewWriter(gs.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tTURNS\tEXACT\tMEAN|A-B|\tMEAN(A-B)\tκ (quadratic)\tα (interval)")
	for _, t := range tasks {
		st := stats[t]
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%+.3f\t%.3f\t%.3f\n", cell(t, 40), st.N, st.Exact, st.MeanAbsDiff, st.MeanDiff, st.QuadraticKappa, st.KrippendorffAlpha)
	}
	return tw.Flush()
}

// finite maps NaN (undefined, e.g. no shared turns) to nil for JSON.
func finite(x float64) any {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return x
}
