package openai

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hanbench/hanbench/runners"
)

// tok is a test token: text, log-prob (nil = JSON null) and whether it is
// the top choice.
type tok struct {
	text   string
	lp     *float64
	greedy bool
}

func lp(v float64) *float64 { return &v }

// legacy builds a legacy-shape logprobs object; unit is "runes", "bytes",
// "none" (-1 like SGLang) or "omit". GeneratedToken "!" is appended.
func legacy(toks []tok, unit string) json.RawMessage {
	toks = append(toks, tok{"!", lp(-0.5), true})
	var (
		texts   []string
		lps     []*float64
		tops    []any
		offsets []int
		pos     int
	)
	for _, t := range toks {
		texts = append(texts, t.text)
		lps = append(lps, t.lp)
		if t.lp == nil {
			tops = append(tops, nil)
		} else {
			alt := *t.lp - 1
			if !t.greedy {
				alt = *t.lp + 0.1
			}
			tops = append(tops, map[string]float64{t.text: *t.lp, "<alt>": alt})
		}
		switch unit {
		case "runes":
			offsets = append(offsets, pos)
			pos += utf8.RuneCountInString(t.text)
		case "bytes":
			offsets = append(offsets, pos)
			pos += len(t.text)
		case "none":
			offsets = append(offsets, -1)
		}
	}
	m := map[string]any{"tokens": texts, "token_logprobs": lps, "top_logprobs": tops}
	if unit != "omit" {
		m["text_offset"] = offsets
	}
	b, _ := json.Marshal(m)
	return b
}

// withOffsets rewrites the tokens of a legacy object (keeping offsets), to
// simulate token texts that cannot be matched.
func withTokens(raw json.RawMessage, f func(i int, s string) string) json.RawMessage {
	var m map[string]any
	json.Unmarshal(raw, &m)
	ts := m["tokens"].([]any)
	for i, s := range ts {
		ts[i] = f(i, s.(string))
	}
	b, _ := json.Marshal(m)
	return b
}

func TestScoreChoice(t *testing.T) {
	// "서" is EC 84 9C; split into two byte tokens, vLLM decodes each alone
	// to U+FFFD.
	cases := []struct {
		name      string
		ctx, cont string
		raw       json.RawMessage
		text      string // choice text; "" means prompt+"!"
		want      runners.LogLikelihood
		kind      runners.ErrorKind // expected error kind
	}{
		{
			name: "ascii", ctx: "The capital is", cont: " Paris",
			raw:  legacy([]tok{{"The", nil, false}, {" capital", lp(-1), true}, {" is", lp(-2), true}, {" Par", lp(-0.25), true}, {"is", lp(-0.5), false}}, "runes"),
			want: runners.LogLikelihood{LogProb: -0.75, IsGreedy: false, Tokens: 2},
		},
		{
			name: "korean by text", ctx: "수도는", cont: " 서울",
			raw:  legacy([]tok{{"수도", nil, false}, {"는", lp(-1), true}, {" 서", lp(-0.5), true}, {"울", lp(-0.125), true}}, "runes"),
			want: runners.LogLikelihood{LogProb: -0.625, IsGreedy: true, Tokens: 2},
		},
		{
			name: "BOS skipped", ctx: "수도는", cont: " 서울",
			raw:  legacy([]tok{{"<s>", nil, false}, {"수도", lp(-3), true}, {"는", lp(-1), true}, {" 서", lp(-0.5), true}, {"울", lp(-0.125), true}}, "runes"),
			want: runners.LogLikelihood{LogProb: -0.625, IsGreedy: true, Tokens: 2},
		},
		{
			name: "BOS skipped without offsets", ctx: "수도는", cont: " 서울",
			raw:  legacy([]tok{{"<|begin_of_text|>", nil, false}, {"수도", lp(-3), true}, {"는", lp(-1), true}, {" 서", lp(-0.5), true}, {"울", lp(-0.125), true}}, "omit"),
			want: runners.LogLikelihood{LogProb: -0.625, IsGreedy: true, Tokens: 2},
		},
		{
			name: "straddling token counts as continuation", ctx: "답: ", cont: "서울",
			raw:  legacy([]tok{{"답", nil, false}, {":", lp(-1), true}, {" 서", lp(-0.5), true}, {"울", lp(-0.125), true}}, "runes"),
			want: runners.LogLikelihood{LogProb: -0.625, IsGreedy: true, Tokens: 2},
		},
		{
			name: "U+FFFD run in the continuation", ctx: "수도는", cont: " 서울",
			raw:  legacy([]tok{{"수도", nil, false}, {"는", lp(-1), true}, {" ", lp(-0.5), true}, {"\uFFFD", lp(-0.25), true}, {"\uFFFD", lp(-0.125), true}, {"울", lp(-2), true}}, "runes"),
			want: runners.LogLikelihood{LogProb: -2.875, IsGreedy: true, Tokens: 4},
		},
		{
			name: "U+FFFD run in the context", ctx: "서울은", cont: " 수도",
			raw:  legacy([]tok{{"\uFFFD", nil, false}, {"\uFFFD", lp(-4), true}, {"울은", lp(-1), true}, {" 수도", lp(-0.5), true}}, "runes"),
			want: runners.LogLikelihood{LogProb: -0.5, IsGreedy: true, Tokens: 1},
		},
		{
			name: "U+FFFD run with a literal", ctx: "가", cont: " 서a",
			raw:  legacy([]tok{{"가", nil, false}, {" \uFFFD", lp(-1), true}, {"\uFFFDa", lp(-2), true}}, "runes"),
			want: runners.LogLikelihood{LogProb: -3, IsGreedy: true, Tokens: 2},
		},
		{
			name: "U+FFFD run straddles the boundary", ctx: "서", cont: "울",
			raw:  legacy([]tok{{"\uFFFD", nil, false}, {"\uFFFD", lp(-1), true}, {"\uFFFD", lp(-1), true}}, "runes"),
			kind: runners.KindBadRequest,
		},
		{
			name: "empty partial tokens (incremental detokenizer)", ctx: "수도는", cont: " 서울",
			raw:  legacy([]tok{{"수도", nil, false}, {"는", lp(-1), true}, {"", lp(-0.5), true}, {" 서", lp(-0.25), true}, {"울", lp(-0.125), true}}, "runes"),
			want: runners.LogLikelihood{LogProb: -0.875, IsGreedy: true, Tokens: 3},
		},
		{
			name: "sentencepiece lost spaces", ctx: "The capital", cont: " is Paris",
			raw:  legacy([]tok{{"The", nil, false}, {"capital", lp(-1), true}, {"is", lp(-2), true}, {"Paris", lp(-3), true}}, "runes"),
			want: runners.LogLikelihood{LogProb: -5, IsGreedy: true, Tokens: 2},
		},
		{
			name: "no top_logprobs means not greedy", ctx: "a", cont: " b",
			raw:  json.RawMessage(`{"tokens":["a"," b","!"],"token_logprobs":[null,-1,-2],"text_offset":[0,1,3]}`),
			want: runners.LogLikelihood{LogProb: -1, IsGreedy: false, Tokens: 1},
		},
		{
			name: "duplicate top_logprobs keys all count", ctx: "a", cont: " b",
			raw:  json.RawMessage(`{"tokens":["a"," b","!"],"token_logprobs":[null,-1,-2],"top_logprobs":[null,{"\uFFFD":-0.5," b":-1,"\uFFFD":-3},{"!":-2}],"text_offset":[0,1,3]}`),
			want: runners.LogLikelihood{LogProb: -1, IsGreedy: false, Tokens: 1},
		},
		{
			name: "token ids, code point offsets", ctx: "수도는", cont: " 서울",
			raw: withTokens(legacy([]tok{{"수도", nil, false}, {"는", lp(-1), true}, {" 서", lp(-0.5), true}, {"울", lp(-0.125), true}}, "runes"),
				func(i int, _ string) string { return fmt.Sprintf("token_id:%d", i) }),
			want: runners.LogLikelihood{LogProb: -0.625, IsGreedy: true, Tokens: 2}, // greedy compares values, not keys
		},
		{
			name: "token ids, byte offsets", ctx: "수도는", cont: " 서울",
			raw: withTokens(legacy([]tok{{"수도", nil, false}, {"는", lp(-1), true}, {" 서", lp(-0.5), true}, {"울", lp(-0.125), true}}, "bytes"),
				func(i int, _ string) string { return fmt.Sprintf("token_id:%d", i) }),
			want: runners.LogLikelihood{LogProb: -0.625, IsGreedy: true, Tokens: 2},
		},
		{
			name: "token ids with BOS, code point offsets", ctx: "수도는", cont: " 서울",
			raw: withTokens(legacy([]tok{{"<s>", nil, false}, {"수도", lp(-3), true}, {"는", lp(-1), true}, {" 서", lp(-0.5), true}, {"울", lp(-0.125), true}}, "runes"),
				func(i int, _ string) string { return fmt.Sprintf("token_id:%d", i) }),
			want: runners.LogLikelihood{LogProb: -0.625, IsGreedy: true, Tokens: 2},
		},
		{
			name: "token ids without offsets cannot be placed", ctx: "수도는", cont: " 서울",
			raw: withTokens(legacy([]tok{{"수도", nil, false}, {"는", lp(-1), true}, {" 서", lp(-0.5), true}, {"울", lp(-0.125), true}}, "none"),
				func(i int, _ string) string { return fmt.Sprintf("token_id:%d", i) }),
			kind: runners.KindBadRequest,
		},
		{
			name: "offsets that fit nothing", ctx: "수도는", cont: " 서울",
			raw:  json.RawMessage(`{"tokens":["token_id:1","token_id:2","token_id:3"],"token_logprobs":[null,-1,-2],"text_offset":[0,2,99]}`),
			kind: runners.KindBadRequest,
		},
		{
			name: "empty context: continuation token without log-prob", ctx: "", cont: "서울",
			raw:  legacy([]tok{{"서울", nil, false}}, "runes"),
			kind: runners.KindBadRequest,
		},
		{
			name: "echo ignored (llama.cpp)", ctx: "Once upon", cont: " a time",
			raw:  json.RawMessage(`{"content":[{"id":432,"token":",","bytes":[44],"logprob":-0.03,"top_logprobs":[{"id":432,"token":",","bytes":[44],"logprob":-0.03}]}]}`),
			text: ",", kind: runners.KindUnsupported,
		},
		{
			name: "echo ignored (no logprobs)", ctx: "Once upon", cont: " a time",
			raw: json.RawMessage(`null`), text: ", there", kind: runners.KindUnsupported,
		},
		{
			name: "text echoed but no prompt log-probs", ctx: "Once upon", cont: " a time",
			raw:  json.RawMessage(`{"tokens":["!"],"token_logprobs":[-1],"top_logprobs":[{"!":-1}],"text_offset":[14]}`),
			kind: runners.KindUnsupported,
		},
		{
			name: "chat shape with partial UTF-8 bytes that echoes", ctx: "가", cont: " 서",
			// "가" = EA B0 80, " 서" = 20 EC 84 9C split as [20 EC] [84 9C]
			raw:  json.RawMessage(`{"content":[{"token":"가","bytes":[234,176,128],"logprob":-9},{"token":" \ufffd","bytes":[32,236],"logprob":-1,"top_logprobs":[{"logprob":-1}]},{"token":"\ufffd","bytes":[132,156],"logprob":-2,"top_logprobs":[{"logprob":-1.5}]},{"token":"!","bytes":[33],"logprob":-0.5}]}`),
			want: runners.LogLikelihood{LogProb: -3, IsGreedy: false, Tokens: 2},
		},
		{
			name: "length mismatch is malformed", ctx: "a", cont: " b",
			raw:  json.RawMessage(`{"tokens":["a"," b","!"],"token_logprobs":[null,-1]}`),
			kind: runners.KindMalformed,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := c.text
			if text == "" {
				text = c.ctx + c.cont + "!"
			}
			got, err := scoreChoice(runners.Continuation{Context: c.ctx, Continuation: c.cont}, text, c.raw)
			if c.kind != "" {
				var e *runners.Error
				if !errors.As(err, &e) || e.Kind != c.kind {
					t.Fatalf("err = %v, want kind %s (got result %+v)", err, c.kind, got)
				}
				if c.kind == runners.KindUnsupported && !strings.Contains(e.Message, "--mc-mode first-token") {
					t.Errorf("message %q does not name the alternatives", e.Message)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestOffsetsAmbiguous checks that two text_offset readings that disagree
// are reported, not resolved by a guess.
func TestOffsetsAmbiguous(t *testing.T) {
	// Prompt "a 가b": 4 code points, 6 bytes; context "a". Offsets
	// [0,1,2,3,6] read as bytes (k=0) put tokens 1..3 in the continuation;
	// read as code points after skipping two tokens (shift 2) they put only
	// token 3 there.
	var toks []echoToken
	for i, off := range []int{0, 1, 2, 3, 6} {
		toks = append(toks, echoToken{text: fmt.Sprintf("token_id:%d", i), offset: off, lp: -1, hasLP: i > 0})
	}
	_, ok, err := alignByOffsets(toks, "a 가b", "a")
	if err == nil || !strings.Contains(err.Error(), "code points") || !strings.Contains(err.Error(), "bytes") {
		t.Fatalf("ok=%v err=%v, want an ambiguity error naming both readings", ok, err)
	}
	// The same offsets agree when every non-ASCII character is in the
	// context: then both readings put the boundary at the same place.
	if _, ok, err := alignByOffsets(toks, "가b c", "가b"); err != nil || !ok {
		t.Errorf("consistent readings: ok=%v err=%v", ok, err)
	}
}

func TestMaxTop(t *testing.T) {
	cases := []struct {
		raw  string
		want float64
		ok   bool
		err  bool
	}{
		{`null`, 0, false, false},
		{`{"a":-1,"b":-0.5}`, -0.5, true, false},
		{`{"a":-1,"a":-0.25}`, -0.25, true, false},
		{`[{"token":"a","logprob":-2},{"token":"b","logprob":-3}]`, -2, true, false},
		{`[{"a":-2},{"b":-1}]`, -1, true, false},
		{`{}`, 0, false, false},
		{`"x"`, 0, false, true},
		{`{"a":"x"}`, 0, false, true},
		{`{"a":null,"b":-3}`, -3, true, false},
		{`{"a":{"b":-1}}`, 0, false, true},
		{`{"a":-1`, 0, false, true},
		{`{"a":-1e400,"b":-2}`, -2, true, false}, // out of range: clamped, below every real value
	}
	for _, c := range cases {
		got, ok, err := maxTop(json.RawMessage(c.raw))
		if (err != nil) != c.err || ok != c.ok || (ok && got != c.want) {
			t.Errorf("maxTop(%s) = %v, %v, %v; want %v, %v, err %v", c.raw, got, ok, err, c.want, c.ok, c.err)
		}
	}
}

// TestTopLogprobsReadLazily: a legacy top_logprobs entry is read only for
// continuation tokens, so a bad entry on a context token is harmless and a
// bad entry on a continuation token is a malformed reply.
func TestTopLogprobsReadLazily(t *testing.T) {
	pair := runners.Continuation{Context: "가나", Continuation: " 다"}
	body := func(ctxTop, contTop string) json.RawMessage {
		return json.RawMessage(`{"tokens":["가","나"," 다","!"],"token_logprobs":[null,-1,-0.5,-2],"top_logprobs":[null,` + ctxTop + `,` + contTop + `,{"!":-2}],"text_offset":[0,1,2,4]}`)
	}
	got, err := scoreChoice(pair, "가나 다!", body(`"bad"`, `{" 다":-0.5,"x":-3}`))
	if err != nil || got.LogProb != -0.5 || !got.IsGreedy || got.Tokens != 1 {
		t.Errorf("bad context entry: %+v, %v", got, err)
	}
	_, err = scoreChoice(pair, "가나 다!", body(`{"나":-1}`, `"bad"`))
	var re *runners.Error
	if !errors.As(err, &re) || re.Kind != runners.KindMalformed || !strings.Contains(err.Error(), "top_logprobs[2]") {
		t.Errorf("bad continuation entry: %v", err)
	}
}
