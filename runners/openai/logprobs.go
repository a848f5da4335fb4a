package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/go-json-experiment/json/jsontext"
	"math"
	"strings"
	"unicode/utf8"
)

// echoToken is one token of an echoed /v1/completions choice.
type echoToken struct {
	text   string
	lp     float64
	hasLP  bool    // false for JSON null (the first prompt token)
	top    float64 // the largest value in top_logprobs
	hasTop bool
	// topRaw is the legacy top_logprobs entry not read yet (see topLP).
	topRaw   json.RawMessage
	topIndex int
	offset   int // server text_offset; meaningful only when echoed.offsets
}

// topLP returns the largest alternative log-prob at t, reading a legacy
// top_logprobs entry on first use.
func (t *echoToken) topLP() (float64, bool, error) {
	if t.topRaw != nil {
		top, ok, err := maxTop(t.topRaw)
		if err != nil {
			return 0, false, fmt.Errorf("logprobs: top_logprobs[%d]: %w", t.topIndex, err)
		}
		t.top, t.hasTop, t.topRaw = top, ok, nil
	}
	return t.top, t.hasTop, nil
}

// echoed is the normalized logprobs object of one choice.
type echoed struct {
	tokens  []echoToken
	offsets bool // every token has a server text_offset >= 0
}

// parseLogprobs normalizes a choice's "logprobs" value. Two shapes exist:
//
//   - legacy completions: {"tokens":[..], "token_logprobs":[..],
//     "top_logprobs":[{tok:lp,..}|null,..], "text_offset":[..]} (OpenAI, vLLM,
//     SGLang, whose text_offset is -1);
//   - chat: {"content":[{"token":..,"bytes":[..],"logprob":..,
//     "top_logprobs":[{"token":..,"logprob":..}]}]} (llama.cpp returns it even
//     from /v1/completions). A token's text is taken from "bytes" when
//     present, so partial UTF-8 tokens keep their exact bytes.
func parseLogprobs(raw json.RawMessage) (echoed, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return echoed{}, nil
	}
	var v logprobsJSON
	if err := json.Unmarshal(raw, &v); err != nil {
		return echoed{}, fmt.Errorf("logprobs: %w", err)
	}
	return v.normalize()
}

// logprobsJSON is a choice's "logprobs" object in either shape, decoded
// together with the response (one pass over the body).
type logprobsJSON struct {
	Tokens        []string          `json:"tokens"`
	TokenLogprobs []*float64        `json:"token_logprobs"`
	TopLogprobs   []json.RawMessage `json:"top_logprobs"`
	TextOffset    []*int            `json:"text_offset"`
	Content       []struct {
		Token       string   `json:"token"`
		Bytes       []int    `json:"bytes"`
		Logprob     *float64 `json:"logprob"`
		TopLogprobs []struct {
			Logprob *float64 `json:"logprob"`
		} `json:"top_logprobs"`
	} `json:"content"`
}

// normalize checks v and turns it into an echoed; a nil v (JSON null) is
// no tokens.
func (v *logprobsJSON) normalize() (echoed, error) {
	if v == nil {
		return echoed{}, nil
	}
	var e echoed
	switch {
	case len(v.Tokens) > 0:
		n := len(v.Tokens)
		if len(v.TokenLogprobs) != n {
			return echoed{}, fmt.Errorf("logprobs: %d tokens but %d token_logprobs", n, len(v.TokenLogprobs))
		}
		if len(v.TopLogprobs) != 0 && len(v.TopLogprobs) != n {
			return echoed{}, fmt.Errorf("logprobs: %d tokens but %d top_logprobs", n, len(v.TopLogprobs))
		}
		if len(v.TextOffset) != 0 && len(v.TextOffset) != n {
			return echoed{}, fmt.Errorf("logprobs: %d tokens but %d text_offset", n, len(v.TextOffset))
		}
		e.offsets = len(v.TextOffset) == n
		e.tokens = make([]echoToken, n)
		for i, tok := range v.Tokens {
			t := echoToken{text: tok, offset: -1}
			if p := v.TokenLogprobs[i]; p != nil {
				t.lp, t.hasLP = *p, true
			}
			if len(v.TopLogprobs) == n {
				// Read on first use: only continuation tokens need it, and
				// a prompt has hundreds of tokens.
				t.topRaw, t.topIndex = v.TopLogprobs[i], i
			}
			if e.offsets {
				if p := v.TextOffset[i]; p != nil && *p >= 0 {
					t.offset = *p
				} else {
					e.offsets = false
				}
			}
			e.tokens[i] = t
		}
	case len(v.Content) > 0:
		e.tokens = make([]echoToken, len(v.Content))
		for i, c := range v.Content {
			t := echoToken{text: c.Token, offset: -1}
			if len(c.Bytes) > 0 {
				b := make([]byte, len(c.Bytes))
				for j, x := range c.Bytes {
					if x < 0 || x > 255 {
						return echoed{}, fmt.Errorf("logprobs: content[%d].bytes[%d] = %d", i, j, x)
					}
					b[j] = byte(x)
				}
				t.text = string(b)
			}
			if c.Logprob != nil {
				t.lp, t.hasLP = *c.Logprob, true
			}
			for _, tl := range c.TopLogprobs {
				if tl.Logprob != nil && (!t.hasTop || *tl.Logprob > t.top) {
					t.top, t.hasTop = *tl.Logprob, true
				}
			}
			e.tokens[i] = t
		}
	}
	return e, nil
}

// maxTop returns the largest log-prob in one top_logprobs entry: an object
// {token: logprob} (read as a stream, so duplicate keys, which vLLM emits when
// two tokens decode to the same text, all count), a list of such objects or a
// list of {"logprob": x}; null means none.
func maxTop(raw json.RawMessage) (float64, bool, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, false, nil
	}
	best, ok := math.Inf(-1), false
	consider := func(f *float64) {
		if f != nil && (!ok || *f > best) {
			best, ok = *f, true
		}
	}
	switch raw[0] {
	case '{':
		// A token-level scan: this runs for every continuation token.
		dec := jsontext.NewDecoder(bytes.NewReader(raw), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
		if _, err := dec.ReadToken(); err != nil {
			return 0, false, err
		}
		for dec.PeekKind() == '"' {
			if _, err := dec.ReadToken(); err != nil {
				return 0, false, err
			}
			tok, err := dec.ReadToken()
			if err != nil {
				return 0, false, err
			}
			switch tok.Kind() {
			case '0':
				f := tok.Float()
				consider(&f)
			case 'n':
			default:
				return 0, false, fmt.Errorf("top_logprobs: a %v where a log-probability belongs", tok.Kind())
			}
		}
		if _, err := dec.ReadToken(); err != nil {
			return 0, false, err
		}
	case '[':
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return 0, false, err
		}
		for _, it := range list {
			var obj struct {
				Logprob *float64 `json:"logprob"`
			}
			if json.Unmarshal(it, &obj) == nil && obj.Logprob != nil {
				consider(obj.Logprob)
				continue
			}
			f, has, err := maxTop(it)
			if err != nil {
				return 0, false, err
			}
			if has {
				consider(&f)
			}
		}
	default:
		return 0, false, errors.New("want an object, a list or null")
	}
	return best, ok, nil
}

// span is the part of the prompt one token covers, in the alignment's unit.
// group >= 0 marks tokens whose individual boundaries are unknown (a run of
// tokens that decode to U+FFFD): they share the span of the whole run.
type span struct {
	start, end int
	group      int
}

// alignment says which echoed tokens are prompt tokens and where they sit.
type alignment struct {
	first, gen  int // tokens[first:gen] cover the prompt exactly
	spans       []span
	ctx, prompt int // context and prompt lengths in the spans' unit
	how         string
}

// maxSkipped is how many leading tokens (BOS and other special tokens whose
// text is not in the prompt) an alignment may skip.
const maxSkipped = 4

// alignByText lines tokens up with the prompt from their texts alone, in
// bytes, ignoring the server's text_offset. The last token is the generated
// one (max_tokens is 1); a response without it is also accepted. Tokens that
// decode to U+FFFD (vLLM decodes each token alone, so pieces of a multi-byte
// character come out as U+FFFD) are matched as a run; a token that lost the
// leading space a SentencePiece decode strips is matched too.
func alignByText(toks []echoToken, prompt, context string) (alignment, bool) {
	n := len(toks)
	for _, m := range []int{n - 1, n} {
		if m < 0 {
			continue
		}
		for k := 0; k <= maxSkipped && k <= m; k++ {
			if spans, ok := alignRange(toks, k, m, prompt); ok {
				return alignment{first: k, gen: m, spans: spans, ctx: len(context), prompt: len(prompt), how: "token text"}, true
			}
		}
	}
	return alignment{}, false
}

const replacement = "\uFFFD"

// alignRange matches toks[k:m] against the whole prompt.
func alignRange(toks []echoToken, k, m int, prompt string) ([]span, bool) {
	spans := make([]span, len(toks))
	p, group := 0, 0
	for i := k; i < m; {
		x := toks[i].text
		if !strings.Contains(x, replacement) {
			q, ok := matchLiteral(prompt, p, x)
			if !ok {
				return nil, false
			}
			spans[i] = span{p, q, -1}
			p, i = q, i+1
			continue
		}
		j := i
		var pattern strings.Builder
		for j < m && strings.Contains(toks[j].text, replacement) {
			pattern.WriteString(toks[j].text)
			j++
		}
		next := ""
		for t := j; t < m && next == ""; t++ {
			next = toks[t].text
		}
		accept := func(q int) bool {
			if next == "" {
				return q == len(prompt)
			}
			_, ok := matchLiteral(prompt, q, next)
			return ok
		}
		budget := 10000
		q, ok := matchWild(parseWild(pattern.String()), prompt, p, accept, &budget)
		if !ok {
			return nil, false
		}
		for t := i; t < j; t++ {
			spans[t] = span{p, q, group}
		}
		group++
		p, i = q, j
	}
	return spans, p == len(prompt)
}

// matchLiteral matches token text x at text[p:], allowing one space the
// token's decoding dropped. It returns the end of the match.
func matchLiteral(text string, p int, x string) (int, bool) {
	if strings.HasPrefix(text[p:], x) {
		return p + len(x), true
	}
	if x != "" && x[0] != ' ' && p < len(text) && text[p] == ' ' && strings.HasPrefix(text[p+1:], x) {
		return p + 1 + len(x), true
	}
	return 0, false
}

// wildSeg is a literal piece of a U+FFFD run, or (wild > 0) that many
// consecutive U+FFFD, each standing for 1 to 3 bytes of broken UTF-8.
type wildSeg struct {
	lit  string
	wild int
}

func parseWild(s string) []wildSeg {
	var segs []wildSeg
	for s != "" {
		if rest, ok := strings.CutPrefix(s, replacement); ok {
			if len(segs) > 0 && segs[len(segs)-1].wild > 0 {
				segs[len(segs)-1].wild++
			} else {
				segs = append(segs, wildSeg{wild: 1})
			}
			s = rest
			continue
		}
		i := strings.Index(s, replacement)
		if i < 0 {
			i = len(s)
		}
		segs = append(segs, wildSeg{lit: s[:i]})
		s = s[i:]
	}
	return segs
}

// matchWild matches segs at text[p:] (smallest match first) such that
// accept holds at the end. Wild pieces end on rune boundaries: the token
// after a run decoded cleanly, so it starts a character.
func matchWild(segs []wildSeg, text string, p int, accept func(int) bool, budget *int) (int, bool) {
	*budget--
	if *budget < 0 {
		return 0, false
	}
	if len(segs) == 0 {
		return p, accept(p)
	}
	s := segs[0]
	if s.wild == 0 {
		if !strings.HasPrefix(text[p:], s.lit) {
			return 0, false
		}
		return matchWild(segs[1:], text, p+len(s.lit), accept, budget)
	}
	for q := p + s.wild; q <= p+3*s.wild && q <= len(text); q++ {
		if q < len(text) && !utf8.RuneStart(text[q]) {
			continue
		}
		if end, ok := matchWild(segs[1:], text, q, accept, budget); ok {
			return end, true
		}
	}
	return 0, false
}

// alignByOffsets lines tokens up with the prompt from the server's
// text_offset, for when token texts cannot be matched (for example vLLM's
// return_tokens_as_token_ids). The unit of text_offset is not specified:
// Python servers (vLLM, SGLang) count code points (str indices), a C++ or Go
// server would count bytes. Both are tried. A reading is valid when the last
// token (the generated one) starts exactly at the end of the prompt, after
// subtracting the offset of the first kept token (a BOS token such as "<s>"
// is counted in vLLM's offsets). When several readings are valid and they
// disagree on which tokens form the continuation, the result is ambiguous.
func alignByOffsets(toks []echoToken, prompt, context string) (alignment, bool, error) {
	n := len(toks)
	if n < 2 {
		return alignment{}, false, nil
	}
	for i := 1; i < n; i++ {
		if toks[i].offset < toks[i-1].offset {
			return alignment{}, false, nil
		}
	}
	type unit struct {
		name string
		size func(string) int
	}
	units := []unit{{"code points", utf8.RuneCountInString}}
	if utf8.RuneCountInString(prompt) != len(prompt) {
		units = append(units, unit{"bytes", func(s string) int { return len(s) }})
	}
	var found []alignment
	for k := 0; k <= maxSkipped && k < n-1; k++ {
		for _, u := range units {
			shift, end := toks[k].offset, u.size(prompt)
			if toks[n-1].offset-shift != end {
				continue
			}
			spans := make([]span, n)
			for i := k; i < n-1; i++ {
				spans[i] = span{toks[i].offset - shift, toks[i+1].offset - shift, -1}
			}
			found = append(found, alignment{first: k, gen: n - 1, spans: spans, ctx: u.size(context), prompt: end,
				how: "text_offset in " + u.name})
		}
	}
	if len(found) == 0 {
		return alignment{}, false, nil
	}
	want := continuationSet(found[0])
	for _, a := range found[1:] {
		if continuationSet(a) != want {
			return alignment{}, false, fmt.Errorf("text_offset fits both %s and %s with different continuation tokens", found[0].how, a.how)
		}
	}
	return found[0], true, nil
}

// continuationSet is a comparable summary of which tokens an alignment puts
// in the continuation.
func continuationSet(a alignment) string {
	idx, err := continuationTokens(a)
	return fmt.Sprint(idx, err)
}

// continuationTokens lists the prompt tokens that belong to the
// continuation: those that end after the context, plus empty tokens at or
// after its end. A token that straddles the boundary (the context's last
// characters merged with the continuation's first) counts as continuation;
// a U+FFFD run that straddles it cannot be split and is an error.
func continuationTokens(a alignment) ([]int, error) {
	var idx []int
	for i := a.first; i < a.gen; i++ {
		s := a.spans[i]
		switch {
		case s.start >= a.ctx:
			idx = append(idx, i)
		case s.end > a.ctx:
			if s.group >= 0 {
				return nil, errors.New("a run of tokens that decode to U+FFFD straddles the context/continuation boundary")
			}
			idx = append(idx, i)
		}
	}
	return idx, nil
}
