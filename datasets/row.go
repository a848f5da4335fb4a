package datasets

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
)

// Row is one dataset record: an ordered map whose keys keep the column order
// of the file. Values are string, int64, float64, bool, nil, []any or *Row
// (nested objects); see the package documentation for how each file format
// maps to these types. A Row is not safe for concurrent mutation; concurrent
// reads are fine.
type Row struct {
	keys   []string
	values map[string]any
	source string
}

// NewRow returns an empty row.
func NewRow() *Row {
	return &Row{values: map[string]any{}}
}

// Get returns the value stored under key and whether it exists.
func (r *Row) Get(key string) (any, bool) {
	if r == nil {
		return nil, false
	}
	v, ok := r.values[key]
	return v, ok
}

// Set stores v under key. A new key is appended to the key order; setting an
// existing key replaces its value and keeps its position (as a Python dict
// does for a JSON object with a repeated key).
func (r *Row) Set(key string, v any) {
	if r.values == nil {
		r.values = map[string]any{}
	}
	if _, ok := r.values[key]; !ok {
		r.keys = append(r.keys, key)
	}
	r.values[key] = v
}

// Keys returns the keys in order. The slice is a copy.
func (r *Row) Keys() []string {
	if r == nil {
		return nil
	}
	return append([]string(nil), r.keys...)
}

// Len returns the number of keys.
func (r *Row) Len() int {
	if r == nil {
		return 0
	}
	return len(r.keys)
}

// Map returns the row as a map[string]any for template rendering. Nested
// *Row values become map[string]any and slices are copied recursively, so the
// result shares no mutable state with the row and nested fields are reachable
// as {{outer.inner}}.
func (r *Row) Map() map[string]any {
	if r == nil {
		return nil
	}
	m := make(map[string]any, len(r.keys))
	for _, k := range r.keys {
		m[k] = plain(r.values[k])
	}
	return m
}

func plain(v any) any {
	switch x := v.(type) {
	case *Row:
		return x.Map()
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	default:
		return v
	}
}

// Equal reports whether r and o hold the same keys and values, key order
// aside, comparing nested rows and lists by content: Python's == on the
// dicts a dataset row becomes. It builds nothing, unlike comparing Maps.
func (r *Row) Equal(o *Row) bool {
	if r == o {
		return true
	}
	if r.Len() != o.Len() {
		return false
	}
	if r == nil || o == nil {
		return true // both empty
	}
	for _, k := range r.keys {
		ov, ok := o.values[k]
		if !ok || !equalValue(r.values[k], ov) {
			return false
		}
	}
	return true
}

func equalValue(a, b any) bool {
	switch x := a.(type) {
	case *Row:
		y, ok := b.(*Row)
		return ok && x.Equal(y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalValue(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// Source names where the row came from, as "path:line" for text formats
// (the line on which the record starts) and "path:row N" for Parquet (1-based
// record number). It is empty for rows built in code. Use it in error
// messages about the row.
func (r *Row) Source() string {
	if r == nil {
		return ""
	}
	return r.source
}

// SetSource sets the string returned by Source.
func (r *Row) SetSource(s string) { r.source = s }

// Clone returns a deep copy of the row (nested rows and slices included).
func (r *Row) Clone() *Row {
	if r == nil {
		return nil
	}
	c := &Row{keys: append([]string(nil), r.keys...), values: make(map[string]any, len(r.values)), source: r.source}
	for k, v := range r.values {
		c.values[k] = cloneValue(v)
	}
	return c
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case *Row:
		return x.Clone()
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneValue(e)
		}
		return out
	default:
		return v
	}
}

// MarshalJSON encodes the row as a JSON object with keys in row order.
// HTML characters are not escaped, so Korean and other text round-trips
// unchanged. int64 values are written as integers and float64 values always
// with a fraction or exponent (1.0, not 1), so reading the output back gives
// the same types. Non-finite floats (not representable in JSON) are an error.
func (r *Row) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	if err := r.appendJSON(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (r *Row) appendJSON(buf *bytes.Buffer) error {
	if r == nil {
		buf.WriteString("null")
		return nil
	}
	buf.WriteByte('{')
	for i, k := range r.keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := appendJSONValue(buf, k); err != nil {
			return err
		}
		buf.WriteByte(':')
		if err := appendJSONValue(buf, r.values[k]); err != nil {
			return fmt.Errorf("key %q: %w", k, err)
		}
	}
	buf.WriteByte('}')
	return nil
}

func appendJSONValue(buf *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case nil:
		buf.WriteString("null")
	case *Row:
		return x.appendJSON(buf)
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := appendJSONValue(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case string:
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(x); err != nil {
			return err
		}
		buf.Truncate(buf.Len() - 1) // Encode appends a newline
	case int64:
		buf.WriteString(strconv.FormatInt(x, 10))
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return fmt.Errorf("unsupported float value %v", x)
		}
		b, err := json.Marshal(x)
		if err != nil {
			return err
		}
		buf.Write(b)
		if !bytes.ContainsAny(b, ".eE") {
			buf.WriteString(".0") // keep integral floats floats, as Python's json does
		}
	case bool:
		buf.WriteString(strconv.FormatBool(x))
	default:
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(x); err != nil {
			return err
		}
		buf.Truncate(buf.Len() - 1)
	}
	return nil
}
