package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hanbench/hanbench/evals/results"
)

// SamplesOptions are the flags of `hanbench samples`.
type SamplesOptions struct {
	Dir       string
	Task      string
	Format    string
	OnlyWrong bool
	Errors    bool
}

// NewCmdSamples builds `hanbench samples DIR`.
func NewCmdSamples(gs *GlobalState) *cobra.Command {
	o := &SamplesOptions{}
	cmd := &cobra.Command{
		Use:   "samples DIR",
		Short: "Print the per-sample records of a results directory",
		Example: `  hanbench samples results/exaone4 --task kmmlu_sample --format jsonl
  hanbench samples results/exaone4 --format table --wrong`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.Dir = args[0]
			return runSamples(gs, o)
		},
	}
	cmd.Flags().StringVar(&o.Task, "task", "", "only this task")
	cmd.Flags().StringVar(&o.Format, "format", "jsonl", "jsonl or table")
	cmd.Flags().BoolVar(&o.OnlyWrong, "wrong", false, "only samples scored 0 on their first metric")
	cmd.Flags().BoolVar(&o.Errors, "errors", false, "only samples that failed")
	return cmd
}

func runSamples(gs *GlobalState, o *SamplesOptions) error {
	if o.Format != "jsonl" && o.Format != "table" {
		return withCode(ExitUsage, fmt.Errorf("--format %q: want jsonl or table", o.Format))
	}
	keep := func(s results.Sample) bool {
		if o.Task != "" && s.Task != o.Task {
			return false
		}
		if o.Errors && s.Error == "" {
			return false
		}
		if o.OnlyWrong && (s.Error != "" || !isWrong(s)) {
			return false
		}
		return true
	}
	var emit func(results.Sample) error
	var flush func() error
	switch o.Format {
	case "jsonl":
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		emit = func(s results.Sample) error {
			buf.Reset()
			if err := enc.Encode(s); err != nil {
				return err
			}
			_, err := gs.Stdout.Write(escapeC1(buf.Bytes()))
			return err
		}
		flush = func() error { return nil }
	case "table":
		tw := tabwriter.NewWriter(gs.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TASK\tDOC\tEXTRACTED\tTARGET\tMETRICS\tERROR")
		emit = func(s results.Sample) error {
			_, err := fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", cell(s.Task, 30), s.DocID, cell(s.Extracted, 24),
				cell(s.Target, 24), formatMetrics(s.Metrics), cell(s.Error, 40))
			return err
		}
		flush = tw.Flush
	}
	// `hanbench samples s3://… | head` must not die of SIGPIPE before it
	// removes its download: a closed pipe ends the listing instead.
	signal.Ignore(syscall.SIGPIPE)
	n := 0
	err := readSamplesAt(gs.Ctx, o.Dir, func(s results.Sample) error {
		if !keep(s) {
			return nil
		}
		n++
		return emit(s)
	})
	if ferr := flush(); err == nil {
		err = ferr
	}
	if errors.Is(err, syscall.EPIPE) {
		return nil
	}
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if n == 0 && o.Task != "" {
		return withCode(ExitUsage, fmt.Errorf("no samples for task %q in %s", o.Task, o.Dir))
	}
	return nil
}

// isWrong reports whether the sample's first metric (by name) is zero.
func isWrong(s results.Sample) bool {
	best := ""
	for k := range s.Metrics {
		if best == "" || k < best {
			best = k
		}
	}
	return best != "" && s.Metrics[best] == 0
}

// cell makes a value safe and short for one table cell: control
// characters (terminal escapes included) are shown escaped.
func cell(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n >= max {
			b.WriteString("…")
			break
		}
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
		n++
	}
	return b.String()
}

var _ io.Writer

// escapeC1 rewrites C1 control characters (U+0080..U+009F, which some
// terminals obey, e.g. U+009B as CSI) inside JSON text as \u escapes.
// encoding/json leaves them raw; in JSON they can only occur in strings, so
// the result is the same JSON value.
func escapeC1(b []byte) []byte {
	if !bytes.Contains(b, []byte{0xc2}) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); i++ {
		if b[i] == 0xc2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9f {
			out = append(out, fmt.Sprintf(`\u%04x`, b[i+1])...)
			i++
			continue
		}
		out = append(out, b[i])
	}
	return out
}
