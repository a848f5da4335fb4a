package gate

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// ---------------------------------------------------------------------------
// Shared cell formatting

func fmtVal(x *float64) string {
	if x == nil {
		return "-"
	}
	return fmt.Sprintf("%.4f", *x)
}

func fmtDelta(x *float64) string {
	if x == nil {
		return "-"
	}
	return fmt.Sprintf("%+.4f", *x)
}

// fmtCI formats the check's interval, signed for a difference.
func fmtCI(c *Check) string {
	if c.CILow == nil || c.CIHigh == nil {
		return "-"
	}
	if c.Kind == KindRegression || c.Kind == KindPairwise {
		return fmt.Sprintf("[%+.4f, %+.4f]", *c.CILow, *c.CIHigh)
	}
	return fmt.Sprintf("[%.4f, %.4f]", *c.CILow, *c.CIHigh)
}

func fmtPp(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmtP(*p)
}

func verdictWord(v Verdict) string {
	switch v {
	case Pass:
		return "PASS"
	case Fail:
		return "FAIL"
	case NotTestable:
		return "NOT TESTABLE"
	}
	return "UNEVALUABLE"
}

func taskCell(c *Check) string {
	switch {
	case c.Task == "":
		return "(all tasks)"
	case c.Group:
		return c.Task + " (group)"
	}
	return c.Task
}

func metricCell(c *Check) string {
	switch {
	case c.Metric == "":
		return "-"
	case c.MetricChoice != "" && c.MetricChoice != "policy":
		return c.Metric + "*"
	}
	return c.Metric
}

func anyDefaultMetric(r *Report) bool {
	for i := range r.Checks {
		if c := r.Checks[i].MetricChoice; c != "" && c != "policy" {
			return true
		}
	}
	return false
}

// statLine describes a check's statistics in words, "" when there are none.
func statLine(c *Check) string {
	var parts []string
	switch c.Test {
	case TestMcNemarExact:
		s := "exact McNemar test"
		if c.McNemarB != nil && c.McNemarC != nil {
			s += fmt.Sprintf(" (b=%d baseline-only right, c=%d candidate-only right)", *c.McNemarB, *c.McNemarC)
		}
		parts = append(parts, s, "Newcombe 95% CI")
	case TestPairedBootstrap:
		parts = append(parts, "paired bootstrap of the mean difference")
	case TestCorpusBootstrap:
		parts = append(parts, fmt.Sprintf("paired bootstrap over documents recomputing %s", c.Aggregation))
	case TestSignExact:
		s := "exact sign test of wins against losses (ties dropped)"
		if pc := c.Pairwise; pc != nil {
			s += fmt.Sprintf(": %d wins, %d losses, %d ties (%d from orders that disagreed), %d unjudged", pc.Wins, pc.Losses, pc.Ties, pc.Inconsistent, pc.Unjudged)
		}
		parts = append(parts, s, "Tango 95% CI of win rate − loss rate")
		if pc := c.Pairwise; pc != nil {
			parts = append(parts, fmt.Sprintf("%d matched questions, %d judge requests", pc.Questions.Matched, pc.JudgeRequests))
		}
	}
	if c.Pairing != nil && c.Test != "" {
		parts = append(parts, fmt.Sprintf("%d matched samples", c.Pairing.Matched))
	}
	return strings.Join(parts, "; ")
}

// familyWords names the p-values the correction covered.
func familyWords(p PolicyInfo) string {
	if p.PairwiseInFamily == 0 {
		return "regression p-values"
	}
	return fmt.Sprintf("p-values (%d regression, %d pairwise)", p.FamilySize-p.PairwiseInFamily, p.PairwiseInFamily)
}

// ---------------------------------------------------------------------------
// Terminal

// TerminalSafe makes an untrusted string safe to print on a terminal and in
// a CI log: control characters (escape sequences included) are shown
// escaped, and GitHub's legacy "##[" command prefix, which the runner
// honours anywhere in a line, is broken up.
func TerminalSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			fmt.Fprintf(&b, `\x%02x`, r)
		case r == 0x2028 || r == 0x2029 || isBidi(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return strings.ReplaceAll(b.String(), "##[", `##\[`)
}

// isBidi reports whether r is a bidirectional formatting character, which
// can make displayed text differ from its logical order.
func isBidi(r rune) bool {
	return r == 0x200e || r == 0x200f || r == 0x061c || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// dispWidth is the number of terminal columns s takes.
func dispWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || (r >= 0x1160 && r <= 0x11ff):
			// Combining marks and Hangul medial/final jamo join the
			// previous character.
		default:
			switch width.LookupRune(r).Kind() {
			case width.EastAsianWide, width.EastAsianFullwidth:
				n += 2
			default:
				n++
			}
		}
	}
	return n
}

// truncate shortens s to at most max columns, ending with "…".
func truncate(s string, max int) string {
	if dispWidth(s) <= max {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		w := dispWidth(string(r))
		if n+w > max-1 {
			break
		}
		b.WriteRune(r)
		n += w
	}
	return b.String() + "…"
}

func pad(s string, w int, right bool) string {
	gap := w - dispWidth(s)
	if gap <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", gap) + s
	}
	return s + strings.Repeat(" ", gap)
}

// WriteText writes the report as a terminal table followed by the reason
// for each check, the notices and the overall verdict. Untrusted strings
// pass through TerminalSafe; every line starts with fixed text, so no
// result file can start a CI workflow command.
func WriteText(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	ew.printf("hanbench gate: candidate %s", TerminalSafe(r.Candidate.Dir))
	if r.Candidate.Model != "" {
		ew.printf(" (%s)", TerminalSafe(r.Candidate.Model))
	}
	if r.Baseline != nil {
		ew.printf(" vs baseline %s", TerminalSafe(r.Baseline.Dir))
		if r.Baseline.Model != "" {
			ew.printf(" (%s)", TerminalSafe(r.Baseline.Model))
		}
	}
	ew.printf("\n")
	if r.Policy.Path != "" {
		ew.printf("policy %s; correction %s over %d %s\n", TerminalSafe(r.Policy.Path), r.Policy.Correction, r.Policy.FamilySize, familyWords(r.Policy))
	}
	ew.printf("\n")
	header := []string{"KIND", "TASK", "METRIC", "BASELINE", "CANDIDATE", "Δ", "95% CI", "P", "P ADJ", "VERDICT"}
	right := []bool{false, false, false, true, true, true, false, true, true, false}
	rows := [][]string{header}
	for i := range r.Checks {
		c := &r.Checks[i]
		rows = append(rows, []string{
			string(c.Kind),
			truncate(TerminalSafe(taskCell(c)), 40),
			truncate(TerminalSafe(metricCell(c)), 24),
			fmtVal(c.Baseline), fmtVal(c.Candidate), fmtDelta(c.Delta),
			fmtCI(c), fmtPp(c.P), fmtPp(c.PAdjusted), verdictWord(c.Verdict),
		})
	}
	widths := make([]int, len(header))
	for _, row := range rows {
		for j, cell := range row {
			widths[j] = max(widths[j], dispWidth(cell))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for j, cell := range row {
			if j > 0 {
				b.WriteString("  ")
			}
			if j == len(row)-1 {
				b.WriteString(cell)
			} else {
				b.WriteString(pad(cell, widths[j], right[j]))
			}
		}
		ew.printf("%s\n", b.String())
	}
	if anyDefaultMetric(r) {
		ew.printf("* %s\n", defaultChoice)
	}
	if len(r.Checks) > 0 {
		ew.printf("\nChecks:\n")
	}
	for i := range r.Checks {
		c := &r.Checks[i]
		ew.printf("  %-12s %s: %s\n", verdictWord(c.Verdict), TerminalSafe(c.Name), TerminalSafe(c.Reason))
		if s := statLine(c); s != "" {
			ew.printf("  %-12s   %s\n", "", TerminalSafe(s))
		}
		for _, n := range c.Notes {
			ew.printf("  %-12s   - %s\n", "", TerminalSafe(n))
		}
	}
	if len(r.Notices) > 0 {
		ew.printf("\nNotices:\n")
		for _, n := range r.Notices {
			if n.Task != "" {
				ew.printf("  %-8s %s: %s\n", n.Level, TerminalSafe(n.Task), TerminalSafe(n.Message))
			} else {
				ew.printf("  %-8s %s\n", n.Level, TerminalSafe(n.Message))
			}
		}
	}
	ew.printf("\n%s\n", r.Summary)
	return ew.err
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// ---------------------------------------------------------------------------
// JSON

// WriteJSON writes the report as indented JSON (schema hanbench.gate/v1).
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ---------------------------------------------------------------------------
// JUnit XML

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

// checkDetails is the plain-text account of a check for JUnit bodies.
func checkDetails(c *Check) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", c.Reason)
	if c.Metric != "" {
		fmt.Fprintf(&b, "metric: %s\n", c.Metric)
	}
	if c.Baseline != nil || c.Candidate != nil {
		fmt.Fprintf(&b, "baseline: %s  candidate: %s  delta: %s  95%% CI: %s\n",
			fmtVal(c.Baseline), fmtVal(c.Candidate), fmtDelta(c.Delta), fmtCI(c))
	}
	if c.P != nil {
		fmt.Fprintf(&b, "p: %s  p adjusted: %s\n", fmtPp(c.P), fmtPp(c.PAdjusted))
	}
	if s := statLine(c); s != "" {
		fmt.Fprintf(&b, "%s\n", s)
	}
	for _, n := range c.Notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	return b.String()
}

// WriteJUnit writes the report as JUnit XML: one testcase per check, a
// failure for a failed check, an error for an unevaluable or not testable
// one. encoding/xml escapes every string.
func WriteJUnit(w io.Writer, r *Report) error {
	s := junitSuite{Name: "hanbench gate", Tests: len(r.Checks)}
	s.Properties = append(s.Properties, junitProperty{"verdict", string(r.Verdict)}, junitProperty{"candidate", r.Candidate.Dir})
	if r.Baseline != nil {
		s.Properties = append(s.Properties, junitProperty{"baseline", r.Baseline.Dir})
	}
	s.Properties = append(s.Properties, junitProperty{"correction", r.Policy.Correction})
	for _, n := range r.Notices {
		msg := n.Message
		if n.Task != "" {
			msg = n.Task + ": " + msg
		}
		s.Properties = append(s.Properties, junitProperty{"notice." + n.Level, msg})
	}
	for i := range r.Checks {
		c := &r.Checks[i]
		jc := junitCase{Name: c.Name, Classname: "hanbench.gate." + string(c.Kind), Time: "0"}
		switch c.Verdict {
		case Fail:
			s.Failures++
			jc.Failure = &junitProblem{Message: c.Reason, Type: string(c.Kind), Body: checkDetails(c)}
		case Unevaluable, NotTestable:
			s.Errors++
			jc.Error = &junitProblem{Message: c.Reason, Type: string(c.Verdict), Body: checkDetails(c)}
		default:
			jc.SystemOut = checkDetails(c)
		}
		s.Cases = append(s.Cases, jc)
	}
	doc := junitSuites{Name: "hanbench gate", Tests: s.Tests, Failures: s.Failures, Errors: s.Errors, Suites: []junitSuite{s}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// ---------------------------------------------------------------------------
// Markdown

// MarkdownEscape makes an untrusted string inert in GitHub-flavoured
// Markdown, including inside a table cell: every ASCII punctuation
// character is backslash-escaped (so no emphasis, link, HTML tag, table
// pipe, mention or emoji shortcode can form), line breaks become spaces and
// other control and bidirectional formatting characters are dropped.
func MarkdownEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t' || r == 0x2028 || r == 0x2029:
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || isBidi(r):
		case r < 0x80 && unicode.IsPunct(r) || r < 0x80 && unicode.IsSymbol(r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func verdictIcon(v Verdict) string {
	switch v {
	case Pass:
		return "✅ pass"
	case Fail:
		return "❌ fail"
	case NotTestable:
		return "⚠️ not testable"
	}
	return "⚠️ could not evaluate"
}

// WriteMarkdown writes the report as GitHub-flavoured Markdown for a
// GitHub Actions step summary. Untrusted strings pass through
// MarkdownEscape.
func WriteMarkdown(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	icon := map[Verdict]string{Pass: "✅", Fail: "❌", Unevaluable: "⚠️"}[r.Verdict]
	ew.printf("## %s hanbench gate: %s\n\n", icon, MarkdownEscape(r.Summary))
	ew.printf("Candidate: %s", MarkdownEscape(r.Candidate.Dir))
	if r.Candidate.Model != "" {
		ew.printf(" (model %s)", MarkdownEscape(r.Candidate.Model))
	}
	if r.Baseline != nil {
		ew.printf("  \nBaseline: %s", MarkdownEscape(r.Baseline.Dir))
		if r.Baseline.Model != "" {
			ew.printf(" (model %s)", MarkdownEscape(r.Baseline.Model))
		}
	}
	ew.printf("  \nPolicy: %s; %s correction over %d %s\n\n",
		MarkdownEscape(r.Policy.Path), MarkdownEscape(r.Policy.Correction), r.Policy.FamilySize, MarkdownEscape(familyWords(r.Policy)))
	if len(r.Checks) > 0 {
		ew.printf("| Verdict | Check | Task | Metric | Baseline | Candidate | Δ | 95%% CI | p | p (adj) | Reason |\n")
		ew.printf("|---|---|---|---|---:|---:|---:|---|---:|---:|---|\n")
		for i := range r.Checks {
			c := &r.Checks[i]
			ew.printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
				verdictIcon(c.Verdict), MarkdownEscape(string(c.Kind)), MarkdownEscape(taskCell(c)),
				MarkdownEscape(metricCell(c)), fmtVal(c.Baseline), fmtVal(c.Candidate),
				fmtDelta(c.Delta), MarkdownEscape(fmtCI(c)), fmtPp(c.P), fmtPp(c.PAdjusted), MarkdownEscape(c.Reason))
		}
		if anyDefaultMetric(r) {
			ew.printf("\n\\* %s\n", MarkdownEscape(defaultChoice))
		}
	}
	var details []string
	for i := range r.Checks {
		c := &r.Checks[i]
		var lines []string
		if s := statLine(c); s != "" {
			lines = append(lines, s)
		}
		lines = append(lines, c.Notes...)
		if len(lines) == 0 {
			continue
		}
		item := "- **" + MarkdownEscape(c.Name) + "**"
		for _, l := range lines {
			item += "\n  - " + MarkdownEscape(l)
		}
		details = append(details, item)
	}
	if len(details) > 0 {
		ew.printf("\n### Details\n\n%s\n", strings.Join(details, "\n"))
	}
	if len(r.Notices) > 0 {
		ew.printf("\n### Notices\n\n")
		for _, n := range r.Notices {
			if n.Task != "" {
				ew.printf("- %s **%s**: %s\n", n.Level, MarkdownEscape(n.Task), MarkdownEscape(n.Message))
			} else {
				ew.printf("- %s: %s\n", n.Level, MarkdownEscape(n.Message))
			}
		}
	}
	ew.printf("\n")
	return ew.err
}

// ---------------------------------------------------------------------------
// GitHub workflow-command annotations

// escapeData escapes a workflow command's message as the runner unescapes
// it: % first, then CR and LF.
func escapeData(s string) string {
	s = strings.ReplaceAll(s, "%", "%25")
	s = strings.ReplaceAll(s, "\r", "%0D")
	return strings.ReplaceAll(s, "\n", "%0A")
}

// escapeProperty escapes a workflow command property value: as escapeData,
// plus ':' and ','.
func escapeProperty(s string) string {
	s = escapeData(s)
	s = strings.ReplaceAll(s, ":", "%3A")
	return strings.ReplaceAll(s, ",", "%2C")
}

// WriteAnnotations writes GitHub Actions workflow commands, one per line:
// ::error for each failed, unevaluable or not testable check and
// ::warning for each warning notice. Titles and messages are escaped as
// the runner requires, so untrusted names cannot end the command or start
// another.
func WriteAnnotations(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	for i := range r.Checks {
		c := &r.Checks[i]
		if c.Verdict == Pass {
			continue
		}
		title := "hanbench gate: " + c.Name
		msg := verdictWord(c.Verdict) + ": " + c.Reason
		ew.printf("::error title=%s::%s\n", escapeProperty(title), escapeData(msg))
	}
	for _, n := range r.Notices {
		if n.Level != LevelWarning {
			continue
		}
		title := "hanbench gate"
		if n.Task != "" {
			title += ": " + n.Task
		}
		ew.printf("::warning title=%s::%s\n", escapeProperty(title), escapeData(n.Message))
	}
	return ew.err
}
