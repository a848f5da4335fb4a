package datasets

import (
	"math"
	"reflect"
	"testing"
)

func TestRowOrderAndValues(t *testing.T) {
	r := NewRow()
	r.Set("질문", "무엇인가?")
	r.Set("b", int64(2))
	r.Set("a", 1.5)
	r.Set("b", int64(3)) // replaces, keeps position
	if got, want := r.Keys(), []string{"질문", "b", "a"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Keys = %v, want %v", got, want)
	}
	if v, ok := r.Get("b"); !ok || v != int64(3) {
		t.Errorf("Get(b) = %v, %v", v, ok)
	}
	if _, ok := r.Get("missing"); ok {
		t.Error("Get(missing) reported ok")
	}
	keys := r.Keys()
	keys[0] = "changed"
	if r.Keys()[0] != "질문" {
		t.Error("Keys returned the row's own slice")
	}
	if r.Len() != 3 {
		t.Errorf("Len = %d", r.Len())
	}
}

func TestRowMarshalJSON(t *testing.T) {
	inner := NewRow()
	inner.Set("z", "<&>")
	inner.Set("a", nil)
	r := NewRow()
	r.Set("text", "한국어 \"따옴표\"\n")
	r.Set("n", int64(-7))
	r.Set("f", 0.25)
	r.Set("ok", true)
	r.Set("list", []any{"가", int64(1), inner})
	r.Set("nested", inner)
	want := `{"text":"한국어 \"따옴표\"\n","n":-7,"f":0.25,"ok":true,"list":["가",1,{"z":"<&>","a":null}],"nested":{"z":"<&>","a":null}}`
	if got := rowJSON(t, r); got != want {
		t.Errorf("MarshalJSON =\n%s\nwant\n%s", got, want)
	}
	bad := NewRow()
	bad.Set("x", math.NaN())
	if _, err := bad.MarshalJSON(); err == nil {
		t.Error("MarshalJSON accepted NaN")
	}
}

func TestRowMapIsDeepAndDetached(t *testing.T) {
	inner := NewRow()
	inner.Set("label", int64(4))
	r := NewRow()
	r.Set("labels", inner)
	r.Set("choices", []any{"A", inner})
	m := r.Map()
	want := map[string]any{
		"labels":  map[string]any{"label": int64(4)},
		"choices": []any{"A", map[string]any{"label": int64(4)}},
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("Map = %#v, want %#v", m, want)
	}
	m["choices"].([]any)[0] = "changed"
	if v, _ := r.Get("choices"); v.([]any)[0] != "A" {
		t.Error("Map shares slices with the row")
	}
}

func TestRowClone(t *testing.T) {
	inner := NewRow()
	inner.Set("k", "v")
	r := NewRow()
	r.Set("in", inner)
	r.Set("l", []any{"x"})
	r.SetSource("f.jsonl:3")
	c := r.Clone()
	inner.Set("k", "changed")
	l, _ := r.Get("l")
	l.([]any)[0] = "changed"
	if got := rowJSON(t, c); got != `{"in":{"k":"v"},"l":["x"]}` {
		t.Errorf("clone changed with original: %s", got)
	}
	if c.Source() != "f.jsonl:3" {
		t.Errorf("clone Source = %q", c.Source())
	}
}

func TestRowEqual(t *testing.T) {
	mk := func(kv ...any) *Row {
		r := &Row{}
		for i := 0; i < len(kv); i += 2 {
			r.Set(kv[i].(string), kv[i+1])
		}
		return r
	}
	nested := func(v any) *Row { return mk("x", v) }
	for _, tc := range []struct {
		name string
		a, b *Row
		want bool
	}{
		{"same", mk("q", "가", "n", int64(1)), mk("q", "가", "n", int64(1)), true},
		{"key order aside", mk("q", "가", "n", int64(1)), mk("n", int64(1), "q", "가"), true},
		{"value differs", mk("q", "가"), mk("q", "나"), false},
		{"key differs", mk("q", "가"), mk("p", "가"), false},
		{"length differs", mk("q", "가"), mk("q", "가", "n", 1), false},
		{"type differs", mk("n", int64(1)), mk("n", 1.0), false},
		{"nested rows", mk("r", nested([]any{"a", nested(int64(2))})), mk("r", nested([]any{"a", nested(int64(2))})), true},
		{"nested differ", mk("r", nested([]any{"a"})), mk("r", nested([]any{"b"})), false},
		{"list length", mk("l", []any{"a"}), mk("l", []any{"a", "b"}), false},
		{"nil rows", nil, nil, true},
		{"nil and empty", nil, &Row{}, true},
		{"nil and full", nil, mk("q", 1), false},
	} {
		if got := tc.a.Equal(tc.b); got != tc.want {
			t.Errorf("%s: Equal = %v", tc.name, got)
		}
		if got := tc.b.Equal(tc.a); got != tc.want {
			t.Errorf("%s (swapped): Equal = %v", tc.name, got)
		}
		if tc.a != nil && tc.b != nil {
			if old := reflect.DeepEqual(tc.a.Map(), tc.b.Map()); old != tc.want {
				t.Errorf("%s: Map comparison says %v: Equal must agree with it", tc.name, old)
			}
		}
	}
}
