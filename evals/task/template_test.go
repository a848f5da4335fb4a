package task

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/hanbench/hanbench/datasets"
)

// templateCases are rendered by gonja (patched) and by Jinja2; outputs must
// be byte-identical, and a Jinja2 error must be an error here too.
var templateCases = []string{
	"{{question.strip()}}\nA. {{A}}\nB. {{B}}\nC. {{C}}\nD. {{D}}\n정답：",
	"{{answer-1}}",
	"{{['A', 'B', 'C', 'D'][answer-1]}}",
	"{{['A', 'B', 'C', 'D'][answer-1] if answer is defined else target}}",
	"{{query}}",
	"{{question}}",
	"{{question.lstrip()}}|{{question.rstrip()}}|{{question.strip(' ')}}",
	"{{ question.split() }}",
	"{{ question.split()|length }}",
	"{{ question.split(None, 1) }}",
	"{{ question.rsplit(None, 1) }}",
	"{{ 'a,b,,c'.split(',') }} {{ 'a,b,,c'.rsplit(',', 1) }}",
	"{{choices}}",
	"{{choices[0]}} / {{choices[-1]}}",
	"{{ choices|join(', ') }}",
	"{% for c in choices %}{{ loop.index }}. {{ c }}\n{% endfor %}",
	"{% for c in choices %}{{ 'ABCD'[loop.index0] }}. {{ c }}\n{% endfor %}정답:",
	"{% if paragraph %}맥락: {{paragraph}}\n{% endif %}질문: {{question}}",
	"{% if paragraph|length > 0 %}A{% else %}B{% endif %}\n",
	"{{ none_field }}",
	"{{ flt }} {{ flt * 2 }} {{ num / 2 }} {{ num // 2 }} {{ num % 3 }} {{ flt + num }}",
	"{{ flag }} {{ not flag }}",
	"{{ nested }}",
	"{{ nested.label }} {{ nested['label'] }}",
	"{{ mixed }}",
	"{{ quote }}",
	"{{ missing }}",
	"{{ nested.missing }}",
	"{{ question | regex_replace('\\\\s+', ' ') }}",
	"{{ 'abc-def' | regex_replace('(\\\\w+)-(\\\\w+)', '\\\\2_\\\\1') }}",
	"{{ 'aaa' | regex_replace('a', 'b', 2) }}",
	"{{ question | regex_replace('[\\s?]', '_') }}",
	"{{ question | regex_replace('\\S+', 'X') }}",
	"{{ '１2٣' | regex_replace('\\d', '#') }}",
	"{{ '가a_1 !' | regex_replace('\\w', '.') }}",
	"{{ 'a$b' | regex_replace('\\$', '\\g<0>\\g<0>') }}",
	"{{ question | trim }}|{{ A | upper }}|{{ A | lower }}|{{ num | string }}",
	"{{ question.replace('?', '？') }}",
	"{{ 'x' ~ num ~ 'y' }}",
	"trailing newline\n",
	"two\n\n",
	"  {%- if true %} x {% endif -%}  \n",
	"{{ question.startswith('  ') }} {{ A.endswith('다') }}",
	"{{ num if num > 1 else 'small' }}",
	"{{ choices|length }} {{ choices[1:] }}",
	"{{ 'ABCDE'[num] }}",
	"{{ question.upper() }}",
	"{% set x = A ~ '!' %}{{ x }}",
	"{# comment #}{{ A }}",
	"{{ range(3)|list }}",
	`{{ '\s' }}|{{ 'a\nb' }}|{{ '\\' }}|{{ 'x\\s' }}|{{ "\t" }}|{{ '\'' }}|{{ 'a\\\'b' }}`,
	`{{ 'a' | replace('\s', 'b') }}{% raw %}{{ '\s' }}{% endraw %}{# '\s' #}`,
	`{{ num // 2 }} {{ 7 % 3 }} {{ 'ABC'[answer] }}`,
	"crlf\r\nline{{ A }}\r\nend\r\n",
	"cr\rline {{ 'a\r\nb' }}\n\r",
	"{% if true %}\r\nx{% endif %}",
	"{% with y = A %}{{ none_field }} {{ y }}{% endwith %}",
	"{% filter upper %}{{ none_field }} {{ mixed }}{% endfilter %}",
	"{% set blk %}{{ none_field }}{% endset %}[{{ blk }}]",
	"{% macro m(x) %}<{{ x }}|{{ none_field }}>{% endmacro %}{{ m(flt) }}",
	"{% for c in mixed if c is not none %}{{ c }};{% else %}empty{% endfor %}",
	"{% for c in [] %}{{ c }}{% else %}{{ none_field }}{% endfor %}",
}

const templateDoc = `{"question": " \u3000 한국의 수도는?\u00a0\n", "A": "서울이다", "B": "부산", "C": "대구", "D": "인천",
"answer": 1, "query": "### 질문\n(A) x\n### 정답", "choices": ["가", "it's", "다\"라"], "paragraph": "",
"none_field": null, "flt": 1.0, "num": 3, "flag": true, "nested": {"label": 2, "text": "t"},
"mixed": [1, 2.5, null, true, "s", ["x"]], "quote": "a'b\"c"}`

func TestTemplatesMatchJinja2(t *testing.T) {
	rows, err := datasets.ReadBytes("doc.jsonl", []byte(strings.ReplaceAll(templateDoc, "\n", " ")), datasets.Options{})
	if err != nil || len(rows) != 1 {
		t.Fatalf("doc: %v", err)
	}
	doc := rows[0]
	var in strings.Builder
	for _, tpl := range templateCases {
		b, _ := json.Marshal(tpl)
		in.WriteString(`{"template": ` + string(b) + `, "doc": ` + strings.ReplaceAll(templateDoc, "\n", " ") + `}`)
		in.WriteByte('\n')
	}
	out := runPython(t, "render.py", []byte(in.String()))
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) != len(templateCases) {
		t.Fatalf("python returned %d lines for %d templates", len(lines), len(templateCases))
	}
	for i, tpl := range templateCases {
		var want struct {
			Out   *string `json:"out"`
			Error string  `json:"error"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &want); err != nil {
			t.Fatal(err)
		}
		got, err := render(tpl, doc)
		switch {
		case want.Out == nil && err == nil:
			t.Errorf("template %q: Jinja2 fails (%s) but we rendered %q", tpl, want.Error, got)
		case want.Out != nil && err != nil:
			t.Errorf("template %q: Jinja2 renders %q but we fail: %v", tpl, *want.Out, err)
		case want.Out != nil && got != *want.Out:
			t.Errorf("template %q:\n got %q\nwant %q", tpl, got, *want.Out)
		}
	}
}

func TestRenderUndefinedField(t *testing.T) {
	doc := datasets.NewRow()
	doc.Set("question", "q")
	for _, tc := range []struct{ tpl, field string }{
		{"{{question}} {{choices}}", "choices"},
		{"{{ doc.x }}", "doc"},
	} {
		_, err := render(tc.tpl, doc)
		var ue *undefinedError
		if !errors.As(err, &ue) || ue.Field != tc.field {
			t.Errorf("render(%q) error = %v, want undefined field %q", tc.tpl, err, tc.field)
		}
	}
	if _, err := render("{{ question", doc); err == nil || !strings.Contains(err.Error(), "invalid Jinja template") {
		t.Errorf("syntax error = %v", err)
	}
	if _, err := render("{% include 'x.txt' %}", doc); err == nil {
		t.Error("include must not read files")
	}
}

func TestLiteralEval(t *testing.T) {
	tests := []struct {
		in   string
		want string // canonical JSON
	}{
		{"['가', \"it's\", '다\"라']", `["가","it's","다\"라"]`},
		{"[1, -2, 3.5, True, None, (1, 2)]", `[1,-2,3.5,true,null,[1,2]]`},
		{"'a' 'b'", `"ab"`},
		{`'\n\t\\\x41\u00e9'`, `"\n\t\\Aé"`},
		{"[]", `[]`},
		{"  [ 'x' , ]  ", `["x"]`},
		{"3", `3`},
		{"0", `0`},
		{"1e3", `1000.0`},
	}
	for _, tt := range tests {
		v, err := literalEval(tt.in)
		if err != nil {
			t.Errorf("literalEval(%q): %v", tt.in, err)
			continue
		}
		if got := canonicalJSON(v); got != tt.want {
			t.Errorf("literalEval(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	d, err := literalEval("{'b': 1, 'a': [2]}")
	if err != nil || pyRepr(d) != "{'b': 1, 'a': [2]}" {
		t.Errorf("dict literal = %v, %v", pyRepr(d), err)
	}
	for _, bad := range []string{"[1, 2", "'abc", "07", "foo", "[1] 2", ""} {
		if _, err := literalEval(bad); err == nil {
			t.Errorf("literalEval(%q) succeeded", bad)
		}
	}
}

// TestSimpleTemplatesMatchGonja: templates of literal text and {{ field }}
// outputs skip gonja; what they render must be what gonja renders.
func TestSimpleTemplatesMatchGonja(t *testing.T) {
	doc := &datasets.Row{}
	doc.Set("question", "\u3000 서울은 어디에 있나요?\u00a0\n")
	doc.Set("A", "한국")
	doc.Set("B", "  일본 ")
	doc.Set("n", int64(42))
	doc.Set("f", 2.50)
	doc.Set("b", true)
	doc.Set("none", nil)
	doc.Set("list", []any{"x", int64(1)})
	for _, tc := range []struct {
		src    string
		simple bool
	}{
		{"{{question.strip()}}\nA. {{A}}\nB. {{B}}\n정답：", true},
		{"{{ question }}|{{B.strip()}}|{{n}}", true},
		{"crlf\r\nline{{A}}\rend\r\n", true},
		{"no outputs at all\n", true},
		{"{{f}} {{b}} {{none}} {{list}}", true}, // simple form, other types: gonja renders
		{"{{n.strip()}}", true},                 // an error, from gonja
		{"{{missing}}", true},                   // an error, from gonja
		{"{{n-1}}", true},
		{"{{ n + 10 }}|{{n - 100}}", true},
		{"{{A-1}}", true}, // str - int: an error, from gonja
		{"{{f-1}}", true}, // float: gonja renders
		{"{{n*2}}", false},
		{"{{n-1.5}}", false},
		{"{{n-x}}", false},
		{"{{A|upper}}", false},
		{"{% if n %}{{A}}{% endif %}", false},
		{"{{- A }}", false},
		{"{# c #}{{A}}", false},
		{"{{A}} }} {{B}}", false},
	} {
		c, err := compile(tc.src)
		if err != nil {
			t.Fatalf("%q: %v", tc.src, err)
		}
		if (c.simple != nil) != tc.simple {
			t.Errorf("%q: simple = %v, want %v", tc.src, c.simple != nil, tc.simple)
		}
		got, gotErr := execute(c, doc)
		full := *c
		full.simple = nil
		want, wantErr := execute(&full, doc)
		if got != want || (gotErr == nil) != (wantErr == nil) {
			t.Errorf("%q: fast path %q (%v), gonja %q (%v)", tc.src, got, gotErr, want, wantErr)
		}
	}
}
