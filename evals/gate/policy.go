package gate

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Multiple-comparison corrections for the regression family.
const (
	CorrectionHolm       = "holm"
	CorrectionBonferroni = "bonferroni"
	CorrectionBH         = "bh"
	CorrectionNone       = "none"
)

// Policy defaults.
const (
	DefaultSignificance        = 0.05
	DefaultBootstrapIterations = 10000
	DefaultSeed                = 1234
)

// DefaultKey is the regressions entry that applies to every task present in
// both runs.
const DefaultKey = "default"

// Policy is a parsed gate.yaml.
type Policy struct {
	// Path is the file the policy was read from (for messages).
	Path string `yaml:"-" json:"path,omitempty"`
	// MaxErrorRate bounds failed samples / all samples over the candidate.
	MaxErrorRate *float64 `yaml:"max_error_rate" json:"max_error_rate,omitempty"`
	// Thresholds are absolute bounds keyed by task or group name.
	Thresholds map[string]Threshold `yaml:"thresholds" json:"thresholds,omitempty"`
	// Regressions are checks against the baseline keyed by task or group
	// name; DefaultKey applies to every task in both runs.
	Regressions map[string]Regression `yaml:"regressions" json:"regressions,omitempty"`
	// RequiredTasks must be present in the candidate.
	RequiredTasks []string `yaml:"required_tasks" json:"required_tasks,omitempty"`
	// Correction is the multiple-comparison correction: holm (default),
	// bonferroni, bh or none.
	Correction string `yaml:"correction" json:"correction"`
	// StrictProvenance makes a regression check unevaluable when the task's
	// data or config changed between the runs.
	StrictProvenance bool `yaml:"strict_provenance" json:"strict_provenance,omitempty"`
	// BootstrapIterations is the number of paired-bootstrap resamples.
	BootstrapIterations int `yaml:"bootstrap_iterations" json:"bootstrap_iterations"`
	// Seed seeds the bootstrap.
	Seed *int64 `yaml:"seed" json:"seed,omitempty"`
	// Pairwise are judge comparisons of the candidate's answers with the
	// baseline's, keyed by judge task name (komt_bench, logickor, ...).
	Pairwise map[string]Pairwise `yaml:"pairwise" json:"pairwise,omitempty"`
}

// Pairwise configures a pairwise judge comparison of one judge task: a
// judge says which run's answer to each question turn is better, in both
// orders. The check fails when the candidate loses significantly (the sign
// test's p-value, adjusted with the regressions' family, at most
// Significance) and the loss rate exceeds the win rate by more than
// MaxLossMargin.
type Pairwise struct {
	// MaxLossMargin is the largest tolerated loss rate − win rate, both
	// over the judged turns (0 when unset: any significant net loss fails).
	MaxLossMargin *float64 `yaml:"max_loss_margin" json:"max_loss_margin,omitempty"`
	// Significance is the level the adjusted p-value is compared with
	// (DefaultSignificance when unset).
	Significance *float64 `yaml:"significance" json:"significance,omitempty"`
}

// Threshold is an absolute bound on a task's or group's metric and error rate.
type Threshold struct {
	// Metric is the metric key; "" picks the default metric.
	Metric string `yaml:"metric" json:"metric,omitempty"`
	// Min and Max bound the metric's value (inclusive).
	Min *float64 `yaml:"min" json:"min,omitempty"`
	Max *float64 `yaml:"max" json:"max,omitempty"`
	// MaxErrorRate bounds this task's (or group's) failed samples / all.
	MaxErrorRate *float64 `yaml:"max_error_rate" json:"max_error_rate,omitempty"`
}

// Regression configures a comparison against the baseline.
type Regression struct {
	// Metric is the metric key; "" picks the default metric. Under
	// DefaultKey it is a preference used where the task has it.
	Metric string `yaml:"metric" json:"metric,omitempty"`
	// MaxDrop is the largest tolerated drop, in the metric's units
	// (0 when unset: any significant drop fails).
	MaxDrop *float64 `yaml:"max_drop" json:"max_drop,omitempty"`
	// Significance is the level the adjusted p-value is compared with.
	Significance *float64 `yaml:"significance" json:"significance,omitempty"`
	// Skip removes the task from the default regression check.
	Skip bool `yaml:"skip" json:"skip,omitempty"`
}

// LoadPolicy reads and validates a policy file.
func LoadPolicy(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return ParsePolicy(path, data)
}

// ParsePolicy parses and validates policy YAML; name is used in messages,
// which have the form "name:line: message".
func ParsePolicy(name string, data []byte) (*Policy, error) {
	var p Policy
	if err := yaml.UnmarshalWithOptions(data, &p, yaml.Strict()); err != nil {
		return nil, yamlError(name, err)
	}
	p.Path = name
	v := &validator{name: name, data: data}
	if err := v.validate(&p); err != nil {
		return nil, err
	}
	return &p, nil
}

// yamlError formats a go-yaml error as "file:line:col: message".
func yamlError(name string, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			return fmt.Errorf("%s:%d:%d: %s", name, tk.Position.Line, tk.Position.Column, ye.GetMessage())
		}
		return fmt.Errorf("%s: %s", name, ye.GetMessage())
	}
	return fmt.Errorf("%s: %v", name, err)
}

type validator struct {
	name string
	data []byte
	file *ast.File
	done bool
}

// at returns "file:line" for the node at the given key path, or "file".
func (v *validator) at(path ...string) string {
	if !v.done {
		v.done = true
		v.file, _ = parser.ParseBytes(v.data, 0)
	}
	if v.file == nil || len(v.file.Docs) == 0 {
		return v.name
	}
	var n ast.Node = v.file.Docs[0].Body
	line := 0
	for _, key := range path {
		mv := findKey(n, key)
		if mv == nil {
			break
		}
		if tk := mv.Key.GetToken(); tk != nil && tk.Position != nil {
			line = tk.Position.Line
		}
		n = mv.Value
	}
	if line == 0 {
		return v.name
	}
	return fmt.Sprintf("%s:%d", v.name, line)
}

func findKey(n ast.Node, key string) *ast.MappingValueNode {
	switch m := n.(type) {
	case *ast.MappingNode:
		for _, mv := range m.Values {
			if tk := mv.Key.GetToken(); tk != nil && tk.Value == key {
				return mv
			}
		}
	case *ast.MappingValueNode:
		if tk := m.Key.GetToken(); tk != nil && tk.Value == key {
			return m
		}
	}
	return nil
}

func (v *validator) errorf(path []string, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %s", v.at(path...), strings.Join(path, "."), fmt.Sprintf(format, args...))
}

func rate(x *float64) bool { return x == nil || (*x >= 0 && *x <= 1) }

func finite(x *float64) bool { return x == nil || (!math.IsNaN(*x) && !math.IsInf(*x, 0)) }

func (v *validator) validate(p *Policy) error {
	if !rate(p.MaxErrorRate) {
		return v.errorf([]string{"max_error_rate"}, "%v is not a rate between 0 and 1", *p.MaxErrorRate)
	}
	switch p.Correction {
	case "":
		p.Correction = CorrectionHolm
	case CorrectionHolm, CorrectionBonferroni, CorrectionBH, CorrectionNone:
	default:
		return v.errorf([]string{"correction"}, "%q is not holm, bonferroni, bh or none", p.Correction)
	}
	switch {
	case p.BootstrapIterations == 0:
		p.BootstrapIterations = DefaultBootstrapIterations
	case p.BootstrapIterations < 100 || p.BootstrapIterations > 1_000_000:
		return v.errorf([]string{"bootstrap_iterations"}, "%d is outside 100..1000000", p.BootstrapIterations)
	}
	if p.Seed == nil {
		s := int64(DefaultSeed)
		p.Seed = &s
	}
	for _, key := range sortedKeys(p.Thresholds) {
		th := p.Thresholds[key]
		path := []string{"thresholds", key}
		if strings.TrimSpace(key) == "" {
			return v.errorf(path, "empty task name")
		}
		if th.Min == nil && th.Max == nil && th.MaxErrorRate == nil {
			return v.errorf(path, "set at least one of min, max, max_error_rate")
		}
		if !finite(th.Min) || !finite(th.Max) {
			return v.errorf(path, "min and max must be finite numbers")
		}
		if th.Min != nil && th.Max != nil && *th.Min > *th.Max {
			return v.errorf(path, "min %v is above max %v", *th.Min, *th.Max)
		}
		if !rate(th.MaxErrorRate) {
			return v.errorf(append(path, "max_error_rate"), "%v is not a rate between 0 and 1", *th.MaxErrorRate)
		}
	}
	def, hasDef := p.Regressions[DefaultKey]
	if hasDef && def.Skip {
		return v.errorf([]string{"regressions", DefaultKey, "skip"}, "skip is for task entries; remove the default entry instead")
	}
	for _, key := range sortedKeys(p.Regressions) {
		r := p.Regressions[key]
		path := []string{"regressions", key}
		if strings.TrimSpace(key) == "" {
			return v.errorf(path, "empty task name")
		}
		if r.MaxDrop != nil && (!finite(r.MaxDrop) || *r.MaxDrop < 0) {
			return v.errorf(append(path, "max_drop"), "%v must be a finite number ≥ 0", *r.MaxDrop)
		}
		if r.Significance != nil && !(*r.Significance > 0 && *r.Significance < 1) {
			return v.errorf(append(path, "significance"), "%v is not a level strictly between 0 and 1", *r.Significance)
		}
		if r.Skip && (r.Metric != "" || r.MaxDrop != nil || r.Significance != nil) {
			return v.errorf(path, "an entry with skip: true takes no other field")
		}
		if r.Skip && !hasDef {
			return v.errorf(path, "skip: true only makes sense with a default entry")
		}
	}
	for _, key := range sortedKeys(p.Pairwise) {
		pw := p.Pairwise[key]
		path := []string{"pairwise", key}
		switch {
		case strings.TrimSpace(key) == "":
			return v.errorf(path, "empty task name")
		case key == DefaultKey:
			return v.errorf(path, "pairwise entries name judge tasks; there is no default entry (pairwise judging costs judge calls, so each task is listed)")
		}
		if pw.MaxLossMargin != nil && !(finite(pw.MaxLossMargin) && *pw.MaxLossMargin >= 0 && *pw.MaxLossMargin <= 1) {
			return v.errorf(append(path, "max_loss_margin"), "%v is not a rate between 0 and 1", *pw.MaxLossMargin)
		}
		if pw.Significance != nil && !(*pw.Significance > 0 && *pw.Significance < 1) {
			return v.errorf(append(path, "significance"), "%v is not a level strictly between 0 and 1", *pw.Significance)
		}
	}
	seen := map[string]bool{}
	for i, name := range p.RequiredTasks {
		path := []string{"required_tasks"}
		if strings.TrimSpace(name) == "" {
			return v.errorf(path, "entry %d is empty", i)
		}
		if seen[name] {
			return v.errorf(path, "%q is listed twice", name)
		}
		seen[name] = true
	}
	if p.MaxErrorRate == nil && len(p.Thresholds) == 0 && len(p.Regressions) == 0 && len(p.RequiredTasks) == 0 && len(p.Pairwise) == 0 {
		return fmt.Errorf("%s: the policy defines no checks (max_error_rate, thresholds, regressions, required_tasks, pairwise)", v.name)
	}
	return nil
}

// NeedsBaseline reports whether the policy has regression or pairwise
// checks.
func (p *Policy) NeedsBaseline() bool { return len(p.Regressions) > 0 || len(p.Pairwise) > 0 }

// NeedsJudge reports whether the policy has pairwise checks, which ask a
// judge model.
func (p *Policy) NeedsJudge() bool { return len(p.Pairwise) > 0 }

// pairwiseFor returns the effective settings of task name's pairwise
// entry, defaults filled in.
func (p *Policy) pairwiseFor(name string) Pairwise {
	pw := p.Pairwise[name]
	if pw.MaxLossMargin == nil {
		z := 0.0
		pw.MaxLossMargin = &z
	}
	if pw.Significance == nil {
		s := DefaultSignificance
		pw.Significance = &s
	}
	return pw
}

// regressionFor returns the effective regression settings for task name
// and whether the task is checked at all; explicit is true when the policy
// names the task itself. r.Metric is the task's own metric when it sets
// one (then metricRequired is true), else the default's preference.
func (p *Policy) regressionFor(name string) (r Regression, checked, explicit, metricRequired bool) {
	def, hasDef := p.Regressions[DefaultKey]
	own, hasOwn := p.Regressions[name]
	if name == DefaultKey {
		hasOwn = false
	}
	switch {
	case hasOwn && own.Skip:
		return Regression{}, false, true, false
	case hasOwn:
		r = own
		metricRequired = r.Metric != ""
		if r.Metric == "" {
			r.Metric = def.Metric
		}
		if r.MaxDrop == nil {
			r.MaxDrop = def.MaxDrop
		}
		if r.Significance == nil {
			r.Significance = def.Significance
		}
		explicit = true
	case hasDef:
		r = def
	default:
		return Regression{}, false, false, false
	}
	if r.MaxDrop == nil {
		z := 0.0
		r.MaxDrop = &z
	}
	if r.Significance == nil {
		s := DefaultSignificance
		r.Significance = &s
	}
	return r, true, explicit, metricRequired
}
