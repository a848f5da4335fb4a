package task

import (
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/nikolalohinski/gonja/v2"
	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
	"github.com/nikolalohinski/gonja/v2/nodes"

	"github.com/hanbench/hanbench/datasets"
)

// This file renders Jinja templates the way lm-evaluation-harness does:
//
//	Environment(loader=BaseLoader(), undefined=StrictUndefined,
//	            keep_trailing_newline=True) + a regex_replace filter
//
// with gonja, patched where gonja and Jinja2 differ:
//   - every {{ }} output is printed with Python's str(): None prints "None"
//     (gonja: ""), lists and dicts print as Python reprs with correct quoting;
//   - str.strip/lstrip/rstrip/split/rsplit/isspace use Python's Unicode
//     whitespace (gonja: ASCII only, and lstrip() strips only spaces), so
//     {{question.strip()}} removes U+3000 and U+00A0 as Python does;
//   - str.index/rindex exist (gonja has only find/rfind);
//   - regex_replace is re.sub with Python replacement syntax (\1, \g<name>).

// undefinedError reports a template that used a name the document lacks.
type undefinedError struct {
	Field string
	Err   error
}

// Error implements error.
func (e *undefinedError) Error() string {
	return fmt.Sprintf("field %q is undefined", e.Field)
}

// Unwrap returns gonja's error.
func (e *undefinedError) Unwrap() error { return e.Err }

var (
	envOnce sync.Once
	env     *exec.Environment
	tplCfg  *config.Config

	tplCache sync.Map // source string -> *compiled
)

type compiled struct {
	tpl  *exec.Template
	lits map[string]any // string literals moved out of the source
	err  error
	// simple, when not nil, renders the template without gonja: it is
	// literal text and {{ field }} / {{ field.strip() }} outputs only (most
	// lm-eval doc_to_text templates, KMMLU's among them).
	simple []simplePart
}

// simplePart is literal text, or a document field output as Python's str()
// (optionally .strip()ped).
type simplePart struct {
	text  string
	field string
	strip bool
	// add is k in {{ field + k }} or -k in {{ field - k }} (an integer
	// field only, as KMMLU's {{answer-1}}).
	add    int64
	hasAdd bool
}

// reSimpleOutput matches one {{ field }}, {{ field.strip() }} or
// {{ field ± integer }} output.
var reSimpleOutput = regexp.MustCompile(`\{\{ *([A-Za-z_][A-Za-z0-9_]*)(?:(\.strip\(\))|(?: *([+-]) *([0-9]{1,9})))? *\}\}`)

// parseSimple splits a template made only of literal text and simple
// outputs; nil when it holds anything else (statements, comments,
// expressions, filters, whitespace control).
func parseSimple(src string) []simplePart {
	var parts []simplePart
	last := 0
	for _, m := range reSimpleOutput.FindAllStringSubmatchIndex(src, -1) {
		out := simplePart{field: src[m[2]:m[3]], strip: m[4] >= 0}
		if m[6] >= 0 {
			k, _ := strconv.ParseInt(src[m[8]:m[9]], 10, 64)
			if src[m[6]:m[7]] == "-" {
				k = -k
			}
			out.add, out.hasAdd = k, true
		}
		parts = append(parts, simplePart{text: src[last:m[0]]}, out)
		last = m[1]
	}
	parts = append(parts, simplePart{text: src[last:]})
	// Jinja writes every newline of the template's text as "\n".
	nl := strings.NewReplacer("\r\n", "\n", "\r", "\n")
	for i := range parts {
		parts[i].text = nl.Replace(parts[i].text)
	}
	for _, p := range parts {
		if p.field == "" && (strings.Contains(p.text, "{{") || strings.Contains(p.text, "{%") || strings.Contains(p.text, "{#") ||
			strings.Contains(p.text, "}}") || strings.Contains(p.text, "%}") || strings.Contains(p.text, "#}")) {
			return nil
		}
	}
	return parts
}

// renderSimple renders a simple template; ok is false when a field is
// missing or is not text or an integer, which the full renderer handles
// (its errors and Python's str() of other types).
func renderSimple(parts []simplePart, doc *datasets.Row) (string, bool) {
	var b strings.Builder
	for _, p := range parts {
		if p.field == "" {
			b.WriteString(p.text)
			continue
		}
		v, ok := doc.Get(p.field)
		if !ok {
			return "", false
		}
		switch x := v.(type) {
		case string:
			if p.hasAdd { // str ± int: the full renderer's error
				return "", false
			}
			if p.strip {
				x = strings.TrimFunc(x, pyIsSpace)
			}
			b.WriteString(x)
		case int64:
			if p.strip { // int has no strip(): the full renderer's error
				return "", false
			}
			if p.hasAdd {
				if (p.add > 0 && x > math.MaxInt64-p.add) || (p.add < 0 && x < math.MinInt64-p.add) {
					return "", false // Python ints do not overflow: leave it to the full renderer
				}
				x += p.add
			}
			b.WriteString(strconv.FormatInt(x, 10))
		default:
			return "", false
		}
	}
	return b.String(), true
}

func environment() (*exec.Environment, *config.Config) {
	envOnce.Do(func() {
		tplCfg = config.New()
		tplCfg.StrictUndefined = true
		tplCfg.KeepTrailingNewline = true
		filters := exec.NewFilterSet(map[string]exec.FilterFunction{}).Update(builtins.Filters)
		_ = filters.Register("regex_replace", filterRegexReplace)
		_ = filters.Register(pyStrFilter, filterPyStr)
		env = &exec.Environment{
			Context:           gonja.DefaultContext,
			Filters:           filters,
			Tests:             builtins.Tests,
			ControlStructures: builtins.ControlStructures,
			Methods: exec.Methods{
				Bool:  builtins.Methods.Bool,
				Int:   builtins.Methods.Int,
				Float: builtins.Methods.Float,
				Str:   strMethods(),
				Dict:  builtins.Methods.Dict,
				List:  builtins.Methods.List,
			},
		}
	})
	return env, tplCfg
}

// compile parses a template once; compiled templates are shared and safe for
// concurrent rendering.
func compile(src string) (*compiled, error) {
	if c, ok := tplCache.Load(src); ok {
		c := c.(*compiled)
		return c, c.err
	}
	e, cfg := environment()
	c := &compiled{}
	source, lits := extractEscapedLiterals(src)
	tpl, err := exec.NewTemplate(rootTemplate, cfg, sourceLoader(source), e)
	c.tpl, c.lits = tpl, lits
	if err == nil {
		c.simple = parseSimple(src)
	}
	if err != nil {
		c.err = fmt.Errorf("invalid Jinja template %q: %v", abbreviate(src), cleanGonjaError(err))
	} else {
		rewriteOutputs(c.tpl.Root())
	}
	actual, _ := tplCache.LoadOrStore(src, c)
	c = actual.(*compiled)
	return c, c.err
}

const rootTemplate = "template"

// sourceLoader serves one template source and nothing else: task files
// cannot {% include %} or {% import %} files from disk.
type sourceLoader string

// Read implements loaders.Loader.
func (l sourceLoader) Read(path string) (io.Reader, error) {
	if path != rootTemplate {
		return nil, fmt.Errorf("templates cannot load other files (%q)", path)
	}
	return strings.NewReader(string(l)), nil
}

// Resolve implements loaders.Loader.
func (l sourceLoader) Resolve(path string) (string, error) { return path, nil }

// Inherit implements loaders.Loader.
func (l sourceLoader) Inherit(string) (loaders.Loader, error) { return l, nil }

// render renders src against a document. Undefined names are returned as
// *undefinedError.
func render(src string, doc *datasets.Row) (string, error) {
	c, err := compile(src)
	if err != nil {
		return "", err
	}
	return execute(c, doc)
}

// execute runs a compiled template; a panic inside gonja (e.g. an integer
// modulo by zero from Python-style "%s" % x formatting) becomes an error.
func execute(c *compiled, doc *datasets.Row) (out string, err error) {
	if c.simple != nil {
		if out, ok := renderSimple(c.simple, doc); ok {
			return out, nil
		}
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = "", fmt.Errorf("template evaluation failed: %v", r)
		}
	}()
	data := doc.Map()
	if data == nil {
		data = map[string]any{}
	}
	for k, v := range c.lits {
		data[k] = v
	}
	out, err = c.tpl.ExecuteToString(exec.NewContext(data))
	if err != nil {
		return "", classifyRenderError(err)
	}
	return out, nil
}

// isTemplate reports whether s contains Jinja syntax, as lm-eval tests it.
func isTemplate(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "{%")
}

var (
	reUndefinedName = regexp.MustCompile(`Unable to evaluate name "([^"]+)"`)
	reUndefinedAttr = regexp.MustCompile(`attribute '([^']+)' not found`)
	reUndefinedItem = regexp.MustCompile(`item '([^']+)' not found`)
)

func classifyRenderError(err error) error {
	msg := err.Error()
	for _, re := range []*regexp.Regexp{reUndefinedName, reUndefinedAttr, reUndefinedItem} {
		if m := re.FindStringSubmatch(msg); m != nil {
			return &undefinedError{Field: m[1], Err: err}
		}
	}
	return errors.New(cleanGonjaError(err))
}

// cleanGonjaError drops gonja's wrapper prefixes.
func cleanGonjaError(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "unable to execute template: ")
	return msg
}

func abbreviate(s string) string {
	if utf8.RuneCountInString(s) <= 80 {
		return s
	}
	r := []rune(s)
	return string(r[:77]) + "..."
}

// ---- string literals with backslashes -------------------------------------

const litPrefix = "__hanbench_lit"

// extractEscapedLiterals replaces every string literal inside {{ }} and
// {% %} that contains a backslash with a variable holding the value Jinja2
// would give it. gonja's lexer rejects unknown escapes such as '\s+' (which
// Jinja2 keeps as backslash-s, so regex_replace('\s+', ' ') works in
// lm-eval) and mis-lexes a literal ending in an escaped backslash.
func extractEscapedLiterals(src string) (string, map[string]any) {
	if !strings.Contains(src, "\\") {
		return src, nil
	}
	var (
		b    strings.Builder
		lits map[string]any
	)
	i := 0
	for i < len(src) {
		open := strings.Index(src[i:], "{")
		if open < 0 || open+1 >= len(src[i:]) {
			b.WriteString(src[i:])
			break
		}
		open += i
		next := src[open+1]
		if next != '{' && next != '%' && next != '#' {
			b.WriteString(src[i : open+1])
			i = open + 1
			continue
		}
		b.WriteString(src[i:open])
		if next == '#' {
			end := strings.Index(src[open+2:], "#}")
			if end < 0 {
				b.WriteString(src[open:])
				break
			}
			end += open + 4
			b.WriteString(src[open:end])
			i = end
			continue
		}
		closer := "}}"
		if next == '%' {
			closer = "%}"
		}
		j := open + 2
		tagStart := j
		b.WriteString(src[open : open+2])
		for j < len(src) && !strings.HasPrefix(src[j:], closer) {
			if q := src[j]; q == '\'' || q == '"' {
				k := j + 1
				for k < len(src) && src[k] != q {
					if src[k] == '\\' {
						k++
					}
					k++
				}
				if k >= len(src) {
					j = len(src)
					break
				}
				lit := src[j : k+1]
				if strings.Contains(lit, "\\") {
					if lits == nil {
						lits = map[string]any{}
					}
					name := fmt.Sprintf("%s%d", litPrefix, len(lits))
					lits[name] = jinjaUnescape(lit[1 : len(lit)-1])
					b.WriteString(src[tagStart:j])
					b.WriteString(" " + name + " ")
					tagStart = k + 1
				}
				j = k + 1
				continue
			}
			j++
		}
		end := j + len(closer)
		if end > len(src) {
			end = len(src)
		}
		b.WriteString(src[tagStart:end])
		i = end
		if next == '%' && isRawTag(src[open+2:j]) {
			// {% raw %}...{% endraw %}: copy the body unchanged.
			k := rawEnd.FindStringIndex(src[i:])
			if k == nil {
				b.WriteString(src[i:])
				break
			}
			b.WriteString(src[i : i+k[1]])
			i += k[1]
		}
	}
	return b.String(), lits
}

var rawEnd = regexp.MustCompile(`\{%[-+]?\s*endraw\s*[-+]?%\}`)

func isRawTag(inner string) bool {
	return strings.Trim(inner, "-+ \t\r\n") == "raw"
}

// jinjaUnescape decodes a Jinja2 string literal body the way Jinja2 does
// (Python's "unicode-escape" codec): known escapes are decoded, unknown
// ones such as \s are kept with their backslash.
func jinjaUnescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		d := s[i+1]
		switch d {
		case '\n':
			i++
		case '\\', '\'', '"':
			b.WriteByte(d)
			i++
		case 'a':
			b.WriteByte('\a')
			i++
		case 'b':
			b.WriteByte('\b')
			i++
		case 'f':
			b.WriteByte('\f')
			i++
		case 'n':
			b.WriteByte('\n')
			i++
		case 'r':
			b.WriteByte('\r')
			i++
		case 't':
			b.WriteByte('\t')
			i++
		case 'v':
			b.WriteByte('\v')
			i++
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[d]
			if i+2+n <= len(s) {
				if v, err := strconv.ParseUint(s[i+2:i+2+n], 16, 32); err == nil {
					b.WriteRune(rune(v))
					i += 1 + n
					continue
				}
			}
			b.WriteByte(c)
		case '0', '1', '2', '3', '4', '5', '6', '7':
			k := i + 1
			for k < len(s) && k < i+4 && s[k] >= '0' && s[k] <= '7' {
				k++
			}
			v, _ := strconv.ParseUint(s[i+1:k], 8, 32)
			b.WriteRune(rune(v))
			i = k - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// ---- output rewriting ----------------------------------------------------

const pyStrFilter = "__hanbench_py_str"

// rewriteOutputs wraps every {{ }} expression of a parsed template in the
// Python-str filter, descending into control structure bodies (if, for,
// macro, call, with, set, filter, ...).
func rewriteOutputs(t *nodes.Template) {
	seen := map[*nodes.Wrapper]bool{}
	for _, n := range t.Nodes {
		rewriteNode(n, seen)
	}
	for _, m := range t.Macros {
		if m != nil {
			rewriteWrapper(m.Wrapper, seen)
		}
	}
}

func rewriteWrapper(w *nodes.Wrapper, seen map[*nodes.Wrapper]bool) {
	if w == nil || seen[w] {
		return
	}
	seen[w] = true
	for _, n := range w.Nodes {
		rewriteNode(n, seen)
	}
}

func rewriteNode(n nodes.Node, seen map[*nodes.Wrapper]bool) {
	switch v := n.(type) {
	case *nodes.Output:
		v.Expression = wrapPyStr(v.Expression)
		if v.Alternative != nil {
			v.Alternative = wrapPyStr(v.Alternative)
		}
	case *nodes.Wrapper:
		rewriteWrapper(v, seen)
	case *nodes.ControlStructureBlock:
		rewriteStructure(reflect.ValueOf(v.ControlStructure), seen, 0)
	case nodes.ControlStructureBlock:
		rewriteStructure(reflect.ValueOf(v.ControlStructure), seen, 0)
	}
}

var (
	wrapperType  = reflect.TypeOf((*nodes.Wrapper)(nil))
	wrappersType = reflect.TypeOf([]*nodes.Wrapper(nil))
)

// rewriteStructure finds the bodies of a control structure by reflection:
// gonja keeps some of them in unexported fields.
func rewriteStructure(v reflect.Value, seen map[*nodes.Wrapper]bool, depth int) {
	if depth > 3 || !v.IsValid() {
		return
	}
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		if v.Type() == wrapperType {
			rewriteWrapper((*nodes.Wrapper)(v.UnsafePointer()), seen)
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch {
		case f.Type() == wrapperType:
			if !f.IsNil() {
				rewriteWrapper((*nodes.Wrapper)(f.UnsafePointer()), seen)
			}
		case f.Type() == wrappersType:
			for j := 0; j < f.Len(); j++ {
				if e := f.Index(j); !e.IsNil() {
					rewriteWrapper((*nodes.Wrapper)(e.UnsafePointer()), seen)
				}
			}
		}
	}
}

func wrapPyStr(e nodes.Expression) nodes.Expression {
	return &nodes.FilteredExpression{
		Expression: e,
		Filters:    []*nodes.FilterCall{{Token: e.Position(), Name: pyStrFilter}},
	}
}

// filterPyStr is str(value) in Python.
func filterPyStr(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if in.IsString() {
		return exec.AsSafeValue(in.String())
	}
	if in.IsNil() {
		return exec.AsSafeValue("None")
	}
	return exec.AsSafeValue(pyStr(in.Interface()))
}

// ---- regex_replace ------------------------------------------------------------

// filterRegexReplace implements lm-eval's regex_replace filter:
// re.sub(pattern, repl, string, count=count). Patterns run on Go's RE2, which
// lacks lookaround and backreferences and treats \d \w \s \b as ASCII.
func filterRegexReplace(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	args := params.Args
	get := func(i int, name string) (*exec.Value, bool) {
		if i < len(args) {
			return args[i], true
		}
		v, ok := params.KwArgs[name]
		return v, ok
	}
	pat, ok1 := get(0, "pattern")
	repl, ok2 := get(1, "repl")
	if !ok1 || !ok2 {
		return exec.AsValue(errors.New("regex_replace needs pattern and repl"))
	}
	count := 0
	if c, ok := get(2, "count"); ok {
		count = c.Integer()
	}
	re, err := regexp.Compile(pyRegexToGo(pat.String()))
	if err != nil {
		return exec.AsValue(fmt.Errorf("regex_replace: pattern %q is not supported by Go's regexp: %v", pat.String(), err))
	}
	tmpl, err := pyReplToGo(repl.String())
	if err != nil {
		return exec.AsValue(err)
	}
	s := in.String()
	matches := re.FindAllStringSubmatchIndex(s, -1)
	if count > 0 && len(matches) > count {
		matches = matches[:count]
	}
	var b []byte
	last := 0
	for _, m := range matches {
		b = append(b, s[last:m[0]]...)
		b = re.ExpandString(b, tmpl, s, m)
		last = m[1]
	}
	b = append(b, s[last:]...)
	return exec.AsValue(string(b))
}

// Python's \s, \d and \w match Unicode; RE2's are ASCII. These classes
// give Python's meaning.
const (
	pySpaceClass = `\t\n\v\f\r \x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`
	pyDigitClass = `\p{Nd}`
	pyWordClass  = `\p{L}\p{N}_`
)

// pyRegexToGo rewrites a Python regular expression for Go's RE2 so that
// \s \d \w (and \S \D \W outside brackets) match what they match in Python.
// \b stays ASCII-only, and lookaround or backreferences fail to compile.
func pyRegexToGo(p string) string {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			d := p[i+1]
			i++
			switch {
			case d == 's' && inClass:
				b.WriteString(pySpaceClass)
			case d == 's':
				b.WriteString("[" + pySpaceClass + "]")
			case d == 'S' && !inClass:
				b.WriteString("[^" + pySpaceClass + "]")
			case d == 'd' && inClass:
				b.WriteString(pyDigitClass)
			case d == 'd':
				b.WriteString(pyDigitClass)
			case d == 'D' && !inClass:
				b.WriteString(`\P{Nd}`)
			case d == 'w' && inClass:
				b.WriteString(pyWordClass)
			case d == 'w':
				b.WriteString("[" + pyWordClass + "]")
			case d == 'W' && !inClass:
				b.WriteString("[^" + pyWordClass + "]")
			default:
				b.WriteByte('\\')
				b.WriteByte(d)
			}
		case c == '[' && !inClass:
			inClass = true
			b.WriteByte(c)
			// A ']' right after '[' or '[^' is a literal.
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				b.WriteString(`\]`)
				i++
			}
		case c == ']' && inClass:
			inClass = false
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// pyReplToGo converts a Python re.sub replacement ("\1", "\g<name>", "\n")
// into a Go regexp template.
func pyReplToGo(repl string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		switch {
		case c == '$':
			b.WriteString("$$")
		case c == '\\' && i+1 < len(repl):
			i++
			d := repl[i]
			switch {
			case d >= '0' && d <= '9':
				j := i
				for j < len(repl) && j < i+2 && repl[j] >= '0' && repl[j] <= '9' {
					j++
				}
				b.WriteString("${" + repl[i:j] + "}")
				i = j - 1
			case d == 'g' && i+1 < len(repl) && repl[i+1] == '<':
				end := strings.IndexByte(repl[i:], '>')
				if end < 0 {
					return "", fmt.Errorf("regex_replace: bad group reference in %q", repl)
				}
				b.WriteString("${" + repl[i+2:i+end] + "}")
				i += end
			case d == 'n':
				b.WriteByte('\n')
			case d == 't':
				b.WriteByte('\t')
			case d == 'r':
				b.WriteByte('\r')
			case d == 'f':
				b.WriteByte('\f')
			case d == 'v':
				b.WriteByte('\v')
			case d == 'a':
				b.WriteByte('\a')
			case d == 'b':
				b.WriteByte('\b')
			case d == '\\':
				b.WriteByte('\\')
			default:
				// Python keeps unknown ASCII-letter escapes as an error and
				// other escapes literally.
				if (d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') {
					return "", fmt.Errorf("regex_replace: bad escape \\%c in %q", d, repl)
				}
				b.WriteByte('\\')
				b.WriteByte(d)
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// ---- Python string methods ------------------------------------------------

// pyIsSpace is Python's str.isspace for one character.
func pyIsSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, 0x85, 0xa0,
		0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// pyStrMethodNames are Python str methods gonja may implement.
var pyStrMethodNames = []string{
	"capitalize", "capwords", "casefold", "center", "count", "encode", "endswith", "expandtabs",
	"find", "format", "format_map", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit",
	"isidentifier", "islower", "isnumeric", "isprintable", "istitle", "isupper", "join", "ljust",
	"lower", "partition", "removeprefix", "removesuffix", "rfind", "rjust",
	"rpartition", "splitlines", "startswith", "swapcase", "title", "upper", "zfill",
}

func strMethods() *exec.MethodSet[string] {
	m := map[string]exec.Method[string]{}
	for _, name := range pyStrMethodNames {
		if fn, ok := builtins.Methods.Str.Get(name); ok {
			m[name] = fn
		}
	}
	m["strip"] = stripMethod(true, true)
	m["lstrip"] = stripMethod(true, false)
	m["rstrip"] = stripMethod(false, true)
	m["split"] = splitMethod(false)
	m["rsplit"] = splitMethod(true)
	m["isspace"] = func(self string, _ *exec.Value, args *exec.VarArgs) (any, error) {
		if len(args.Args)+len(args.KwArgs) > 0 {
			return nil, errors.New("isspace() takes no arguments")
		}
		if self == "" {
			return false, nil
		}
		for _, r := range self {
			if !pyIsSpace(r) {
				return false, nil
			}
		}
		return true, nil
	}
	m["replace"] = func(self string, _ *exec.Value, args *exec.VarArgs) (any, error) {
		old, ok1, err1 := optStringArg(args, 0, "old")
		repl, ok2, err2 := optStringArg(args, 1, "new")
		if err1 != nil || err2 != nil || !ok1 || !ok2 {
			return nil, errors.New("replace() needs two strings")
		}
		count := -1
		if len(args.Args) > 2 {
			count = args.Args[2].Integer()
		} else if v, ok := args.KwArgs["count"]; ok {
			count = v.Integer()
		}
		return strings.Replace(self, old, repl, count), nil
	}
	m["index"] = indexMethod(false)
	m["rindex"] = indexMethod(true)
	return exec.NewMethodSet(m)
}

// optStringArg returns argument i (or keyword name) as a string; ok is false
// when absent or None.
func optStringArg(args *exec.VarArgs, i int, name string) (string, bool, error) {
	var v *exec.Value
	if i < len(args.Args) {
		v = args.Args[i]
	} else if kv, ok := args.KwArgs[name]; ok {
		v = kv
	}
	if v == nil || v.IsNil() {
		return "", false, nil
	}
	if !v.IsString() {
		return "", false, fmt.Errorf("%s must be str or None, not %s", name, v.String())
	}
	return v.String(), true, nil
}

func stripMethod(left, right bool) exec.Method[string] {
	return func(self string, _ *exec.Value, args *exec.VarArgs) (any, error) {
		if len(args.Args) > 1 {
			return nil, errors.New("strip() takes at most 1 argument")
		}
		chars, has, err := optStringArg(args, 0, "chars")
		if err != nil {
			return nil, err
		}
		cut := pyIsSpace
		if has {
			cut = func(r rune) bool { return strings.ContainsRune(chars, r) }
		}
		if left {
			self = strings.TrimLeftFunc(self, cut)
		}
		if right {
			self = strings.TrimRightFunc(self, cut)
		}
		return self, nil
	}
}

func splitMethod(fromRight bool) exec.Method[string] {
	return func(self string, _ *exec.Value, args *exec.VarArgs) (any, error) {
		sep, has, err := optStringArg(args, 0, "sep")
		if err != nil {
			return nil, err
		}
		maxsplit := -1
		if len(args.Args) > 1 {
			maxsplit = args.Args[1].Integer()
		} else if v, ok := args.KwArgs["maxsplit"]; ok {
			maxsplit = v.Integer()
		}
		var parts []string
		switch {
		case has && sep == "":
			return nil, errors.New("empty separator")
		case has && !fromRight:
			parts = strings.SplitN(self, sep, splitN(maxsplit))
		case has && fromRight:
			parts = rsplitSep(self, sep, maxsplit)
		case !fromRight:
			parts = splitSpace(self, maxsplit)
		default:
			parts = rsplitSpace(self, maxsplit)
		}
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out, nil
	}
}

func splitN(maxsplit int) int {
	if maxsplit < 0 {
		return -1
	}
	return maxsplit + 1
}

func rsplitSep(s, sep string, maxsplit int) []string {
	if maxsplit < 0 {
		return strings.Split(s, sep)
	}
	var rev []string
	for maxsplit > 0 {
		i := strings.LastIndex(s, sep)
		if i < 0 {
			break
		}
		rev = append(rev, s[i+len(sep):])
		s = s[:i]
		maxsplit--
	}
	out := []string{s}
	for i := len(rev) - 1; i >= 0; i-- {
		out = append(out, rev[i])
	}
	return out
}

// splitSpace is Python's str.split() with no separator.
func splitSpace(s string, maxsplit int) []string {
	var out []string
	for {
		s = strings.TrimLeftFunc(s, pyIsSpace)
		if s == "" {
			return out
		}
		if maxsplit >= 0 && len(out) == maxsplit {
			return append(out, s)
		}
		i := strings.IndexFunc(s, pyIsSpace)
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s = s[i:]
	}
}

// rsplitSpace is Python's str.rsplit() with no separator.
func rsplitSpace(s string, maxsplit int) []string {
	var rev []string
	for {
		s = strings.TrimRightFunc(s, pyIsSpace)
		if s == "" {
			break
		}
		if maxsplit >= 0 && len(rev) == maxsplit {
			rev = append(rev, s)
			break
		}
		i := strings.LastIndexFunc(s, pyIsSpace)
		if i < 0 {
			rev = append(rev, s)
			break
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		rev = append(rev, s[i+size:])
		s = s[:i+size]
	}
	out := make([]string, len(rev))
	for i := range rev {
		out[i] = rev[len(rev)-1-i]
	}
	return out
}

func indexMethod(fromRight bool) exec.Method[string] {
	return func(self string, _ *exec.Value, args *exec.VarArgs) (any, error) {
		sub, has, err := optStringArg(args, 0, "sub")
		if err != nil || !has {
			return nil, errors.New("index() needs a substring")
		}
		var i int
		if fromRight {
			i = strings.LastIndex(self, sub)
		} else {
			i = strings.Index(self, sub)
		}
		if i < 0 {
			return nil, errors.New("substring not found")
		}
		return utf8.RuneCountInString(self[:i]), nil
	}
}

// ---- Python literals ---------------------------------------------------------

// literalEval parses a Python literal (what ast.literal_eval accepts for
// the values lm-eval templates produce): str, int, float, bool, None, and
// lists, tuples and dicts of them. Tuples become []any.
func literalEval(s string) (any, error) {
	p := &litParser{s: s}
	p.space()
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected %q at offset %d", abbreviate(p.s[p.i:]), p.i)
	}
	return v, nil
}

type litParser struct {
	s string
	i int
}

func (p *litParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			p.i++
		case '\\':
			if strings.HasPrefix(p.s[p.i:], "\\\n") {
				p.i += 2
				continue
			}
			return
		default:
			return
		}
	}
}

func (p *litParser) errf(format string, args ...any) error {
	return fmt.Errorf("invalid Python literal at offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *litParser) value() (any, error) {
	if p.i >= len(p.s) {
		return nil, p.errf("unexpected end")
	}
	c := p.s[p.i]
	switch {
	case c == '[':
		p.i++
		items, err := p.items(']')
		return items, err
	case c == '(':
		p.i++
		items, err := p.items(')')
		return items, err
	case c == '{':
		return p.dict()
	case c == '\'' || c == '"':
		return p.strings()
	case (c == 'r' || c == 'R' || c == 'u' || c == 'U') && p.i+1 < len(p.s) && (p.s[p.i+1] == '\'' || p.s[p.i+1] == '"'):
		return p.strings()
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		return p.number()
	}
	for _, kw := range []struct {
		word string
		v    any
	}{{"True", true}, {"False", false}, {"None", nil}} {
		if strings.HasPrefix(p.s[p.i:], kw.word) {
			end := p.i + len(kw.word)
			if end == len(p.s) || !isIdentByte(p.s[end]) {
				p.i = end
				return kw.v, nil
			}
		}
	}
	return nil, p.errf("unexpected %q", abbreviate(p.s[p.i:]))
}

func isIdentByte(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80
}

func (p *litParser) items(end byte) ([]any, error) {
	out := []any{}
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == end {
			p.i++
			return out, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.space()
		if p.i >= len(p.s) {
			return nil, p.errf("missing %q", end)
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case end:
		default:
			return nil, p.errf("expected ',' or %q", end)
		}
	}
}

func (p *litParser) dict() (any, error) {
	p.i++ // {
	row := datasets.NewRow()
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return row, nil
		}
		k, err := p.value()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, p.errf("expected ':' in dict")
		}
		p.i++
		p.space()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		row.Set(pyStr(k), v)
		p.space()
		if p.i >= len(p.s) {
			return nil, p.errf("missing '}'")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case '}':
		default:
			return nil, p.errf("expected ',' or '}'")
		}
	}
}

// strings parses one or more adjacent string literals ('a' "b" → "ab").
func (p *litParser) strings() (any, error) {
	var b strings.Builder
	n := 0
	for p.i < len(p.s) {
		raw := false
		j := p.i
		if c := p.s[j]; c == 'r' || c == 'R' || c == 'u' || c == 'U' {
			raw = c == 'r' || c == 'R'
			j++
		}
		if j >= len(p.s) || (p.s[j] != '\'' && p.s[j] != '"') {
			break
		}
		p.i = j
		s, err := p.str(raw)
		if err != nil {
			return nil, err
		}
		b.WriteString(s)
		n++
		save := p.i
		p.space()
		if p.i >= len(p.s) || !(p.s[p.i] == '\'' || p.s[p.i] == '"' || ((p.s[p.i] == 'r' || p.s[p.i] == 'R' || p.s[p.i] == 'u' || p.s[p.i] == 'U') && p.i+1 < len(p.s) && (p.s[p.i+1] == '\'' || p.s[p.i+1] == '"'))) {
			p.i = save
			break
		}
	}
	if n == 0 {
		return nil, p.errf("expected a string")
	}
	return b.String(), nil
}

func (p *litParser) str(raw bool) (string, error) {
	q := p.s[p.i]
	triple := strings.HasPrefix(p.s[p.i:], strings.Repeat(string(q), 3))
	delim := string(q)
	if triple {
		delim = strings.Repeat(string(q), 3)
	}
	p.i += len(delim)
	var b strings.Builder
	for {
		if p.i >= len(p.s) {
			return "", p.errf("unterminated string")
		}
		if strings.HasPrefix(p.s[p.i:], delim) {
			p.i += len(delim)
			return b.String(), nil
		}
		c := p.s[p.i]
		if c == '\n' && !triple {
			return "", p.errf("newline in string")
		}
		if c != '\\' {
			r, size := utf8.DecodeRuneInString(p.s[p.i:])
			b.WriteRune(r)
			p.i += size
			continue
		}
		if p.i+1 >= len(p.s) {
			return "", p.errf("unterminated string")
		}
		d := p.s[p.i+1]
		if raw {
			b.WriteByte('\\')
			b.WriteByte(d)
			p.i += 2
			continue
		}
		p.i += 2
		switch d {
		case '\n':
		case '\\', '\'', '"':
			b.WriteByte(d)
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[d]
			if p.i+n > len(p.s) {
				return "", p.errf("truncated \\%c escape", d)
			}
			v, err := strconv.ParseUint(p.s[p.i:p.i+n], 16, 32)
			if err != nil {
				return "", p.errf("bad \\%c escape", d)
			}
			b.WriteRune(rune(v))
			p.i += n
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := p.i - 1
			k := j
			for k < len(p.s) && k < j+3 && p.s[k] >= '0' && p.s[k] <= '7' {
				k++
			}
			v, _ := strconv.ParseUint(p.s[j:k], 8, 32)
			b.WriteRune(rune(v))
			p.i = k
		default:
			b.WriteByte('\\')
			b.WriteByte(d)
		}
	}
}

func (p *litParser) number() (any, error) {
	start := p.i
	if p.s[p.i] == '-' || p.s[p.i] == '+' {
		p.i++
		p.space()
	}
	numStart := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if (c >= '0' && c <= '9') || c == '.' || c == '_' || c == 'e' || c == 'E' || c == 'x' || c == 'X' ||
			c == 'o' || c == 'O' || c == 'b' || c == 'B' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
			((c == '-' || c == '+') && (p.s[p.i-1] == 'e' || p.s[p.i-1] == 'E')) {
			p.i++
			continue
		}
		break
	}
	text := strings.ReplaceAll(p.s[numStart:p.i], "_", "")
	neg := p.s[start] == '-'
	if text == "" {
		return nil, p.errf("expected a number")
	}
	if !strings.ContainsAny(text, ".eEjJ") || strings.HasPrefix(strings.ToLower(text), "0x") {
		if len(text) > 1 && text[0] == '0' && text[1] >= '0' && text[1] <= '9' && strings.Trim(text, "0") != "" {
			return nil, p.errf("leading zeros in decimal integer literals are not permitted")
		}
		v, err := strconv.ParseInt(text, 0, 64)
		if err != nil {
			return nil, p.errf("bad integer %q", text)
		}
		if neg {
			v = -v
		}
		return v, nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return nil, p.errf("bad number %q", text)
	}
	if neg {
		f = -f
	}
	return f, nil
}
