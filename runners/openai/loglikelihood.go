package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"sort"
	"strings"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/hanbench/hanbench/runners"
)

// EchoIgnoredMessage is the message of the KindUnsupported error returned
// when the server does not echo the prompt's log-probabilities (llama.cpp
// and Ollama return only the generated token).
const EchoIgnoredMessage = "server ignores echo: cannot score log-likelihood; use --mc-mode first-token or --mc-mode generate"

// LogLikelihood implements runners.Runner through /v1/completions with
// prompt = context+continuation, echo true, logprobs 1, max_tokens 1 (0 is
// dropped by go-openai and rejected by some servers) and temperature 0. Up
// to the batch size of pairs go in one request as a prompt list; if the
// server rejects a list (HTTP 400/422) or answers it with the wrong number of
// choices, the batch is re-sent one prompt per request, and when all of those
// succeed lists are never tried again.
//
// The continuation's tokens are found by lining the echoed tokens up with
// the prompt text:
//
//  1. By token text (exact bytes): tokens[first:last] must spell the prompt,
//     where the last token is the generated one and up to 4 leading special
//     tokens (BOS) may be skipped. Tokens that decode to U+FFFD (pieces of a
//     multi-byte character) are matched as a run; a dropped leading space is
//     tolerated. The server's text_offset is not needed at all.
//  2. Otherwise by text_offset, trying code points (what Python servers such
//     as vLLM and SGLang report: str indices) and bytes; the reading where the
//     generated token starts exactly at the end of the prompt wins, and
//     readings that disagree are an error.
//
// Continuation tokens are the prompt tokens whose span ends after the
// context (a token straddling the boundary counts as continuation); their
// log-probs are summed in order. IsGreedy holds when each of them is at least
// the largest value in its top_logprobs. A continuation token without a
// log-prob (empty context) is an error, never a silent 0.
//
// A server that ignores echo is detected on the first response and answered,
// from then on without a request, with a KindUnsupported error wrapping
// runners.ErrUnsupported whose message is EchoIgnoredMessage.
func (r *Runner) LogLikelihood(ctx context.Context, req runners.LogLikelihoodRequest) (runners.LogLikelihoodResponse, error) {
	start := time.Now()
	var resp runners.LogLikelihoodResponse
	if r.noEcho.Load() {
		return resp, r.echoIgnored(r.pick())
	}
	for i, p := range req.Pairs {
		if p.Continuation == "" {
			return resp, &runners.Error{Kind: runners.KindBadRequest, Message: fmt.Sprintf("log-likelihood pair %d: empty continuation", i)}
		}
	}
	resp.Results = make([]runners.LogLikelihood, len(req.Pairs))
	for i := 0; i < len(req.Pairs); i += r.batch {
		j := min(i+r.batch, len(req.Pairs))
		u, err := r.scoreBatch(ctx, req.Pairs[i:j], resp.Results[i:j], i)
		resp.Usage.PromptTokens += u.PromptTokens
		resp.Usage.CompletionTokens += u.CompletionTokens
		if err != nil {
			return runners.LogLikelihoodResponse{}, err
		}
	}
	resp.Usage.Latency = time.Since(start)
	return resp, nil
}

// errListShape reports a prompt-list answer with the wrong number of choices.
type errListShape struct{ want, got int }

func (e *errListShape) Error() string {
	return fmt.Sprintf("%d prompts answered with %d choices", e.want, e.got)
}

func (r *Runner) scoreBatch(ctx context.Context, pairs []runners.Continuation, out []runners.LogLikelihood, base int) (runners.Usage, error) {
	if len(pairs) == 1 || r.lists.Load() == listsRejected {
		return r.scoreSingles(ctx, pairs, out, base)
	}
	u, err := r.scoreRequest(ctx, pairs, out, base)
	if err == nil {
		r.lists.CompareAndSwap(listsUnknown, listsAccepted)
		return u, nil
	}
	var re *runners.Error
	var shape *errListShape
	if !errors.As(err, &shape) && !(errors.As(err, &re) && re.Kind == runners.KindBadRequest) {
		return u, err
	}
	u2, err := r.scoreSingles(ctx, pairs, out, base)
	u.PromptTokens += u2.PromptTokens
	u.CompletionTokens += u2.CompletionTokens
	if err != nil {
		return u, err
	}
	// The list failed where each prompt alone works: the list is the problem.
	r.lists.CompareAndSwap(listsUnknown, listsRejected)
	if shape != nil {
		r.lists.Store(listsRejected)
	}
	return u, nil
}

func (r *Runner) scoreSingles(ctx context.Context, pairs []runners.Continuation, out []runners.LogLikelihood, base int) (runners.Usage, error) {
	var u runners.Usage
	for i := range pairs {
		ui, err := r.scoreRequest(ctx, pairs[i:i+1], out[i:i+1], base+i)
		u.PromptTokens += ui.PromptTokens
		u.CompletionTokens += ui.CompletionTokens
		if err != nil {
			return u, err
		}
	}
	return u, nil
}

// scoreRequest sends pairs in one request and fills out.
// echoJSONOptions decode echo replies as encoding/json would: invalid
// UTF-8 and duplicate names are let through.
var echoJSONOptions = []jsonv2.Options{jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true)}

func (r *Runner) scoreRequest(ctx context.Context, pairs []runners.Continuation, out []runners.LogLikelihood, base int) (runners.Usage, error) {
	var u runners.Usage
	rp := r.pick()
	prompts := make([]string, len(pairs))
	for i, p := range pairs {
		prompts[i] = p.Context + p.Continuation
	}
	var prompt any = prompts[0]
	if len(prompts) > 1 {
		prompt = prompts
	}
	patch, err := r.bodyFor(map[string]any{"model": r.model, "prompt": prompt}, nil, nil,
		map[string]any{"temperature": 0, "max_tokens": 1, "echo": true, "logprobs": 1})
	if err != nil {
		return u, err
	}
	patch.swallow = true
	// The body is patch.body; go-openai checks only the model name.
	oreq := goopenai.CompletionRequest{Model: r.model, Prompt: ""}
	if _, err := rp.client.CreateCompletion(withPatch(ctx, patch), oreq); err != nil {
		return u, r.classify(err, rp)
	}
	var body struct {
		Choices []struct {
			Index *int `json:"index"`
			// Text (the echoed prompt) is not decoded here: it is read
			// again from the reply (textOf) only if the tokens cannot be
			// lined up with the prompt.
			Logprobs *logprobsJSON `json:"logprobs"`
			pos      int           // position in the reply
		} `json:"choices"`
		Usage *struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
		} `json:"usage"`
	}
	// json v2 decodes in one pass (v1 validates, then decodes): the echoed
	// prompts make these replies the largest hanbench reads. Invalid UTF-8
	// and duplicate names are let through as v1 does.
	if err := jsonv2.Unmarshal(patch.raw, &body, echoJSONOptions...); err != nil {
		return u, &runners.Error{Kind: runners.KindMalformed, Message: fmt.Sprintf("response from %s: %v", rp.shown, err), Err: err}
	}
	if body.Usage != nil {
		u.PromptTokens, u.CompletionTokens = body.Usage.PromptTokens, body.Usage.CompletionTokens
	}
	if len(body.Choices) == 0 {
		return u, r.noChoices(rp, patch.raw)
	}
	if len(body.Choices) != len(prompts) {
		if len(prompts) > 1 {
			return u, &errListShape{want: len(prompts), got: len(body.Choices)}
		}
		return u, &runners.Error{Kind: runners.KindMalformed, Message: fmt.Sprintf("response from %s: 1 prompt answered with %d choices", rp.shown, len(body.Choices))}
	}
	choices := body.Choices
	for k := range choices {
		choices[k].pos = k
	}
	textOf := func(pos int) string {
		var again struct {
			Choices []struct {
				Text string `json:"text"`
			} `json:"choices"`
		}
		if jsonv2.Unmarshal(patch.raw, &again, echoJSONOptions...) != nil || pos >= len(again.Choices) {
			return ""
		}
		return again.Choices[pos].Text
	}
	indexed := true
	for _, c := range choices {
		indexed = indexed && c.Index != nil
	}
	if indexed {
		sort.SliceStable(choices, func(a, b int) bool { return *choices[a].Index < *choices[b].Index })
		for i, c := range choices {
			if *c.Index != i {
				return u, &runners.Error{Kind: runners.KindMalformed, Message: fmt.Sprintf("response from %s: choice indexes are not 0..%d", rp.shown, len(choices)-1)}
			}
		}
	}
	for i, c := range choices {
		e, err := c.Logprobs.normalize()
		pos := c.pos
		res, err := scoreEchoed(pairs[i], func() string { return textOf(pos) }, e, err)
		if err != nil {
			var re *runners.Error
			if errors.As(err, &re) && re.Kind == runners.KindUnsupported {
				r.noEcho.Store(true)
				return u, r.echoIgnored(rp)
			}
			if errors.As(err, &re) {
				re.Message = fmt.Sprintf("log-likelihood pair %d (%s): %s", base+i, rp.shown, re.Message)
			}
			return u, err
		}
		out[i] = res
	}
	return u, nil
}

func (r *Runner) echoIgnored(rp *replica) error {
	return &runners.Error{Kind: runners.KindUnsupported, Message: EchoIgnoredMessage + " (" + rp.shown + ")", Err: runners.ErrUnsupported}
}

// scoreChoice scores one pair from its echoed choice.
func scoreChoice(pair runners.Continuation, text string, raw json.RawMessage) (runners.LogLikelihood, error) {
	e, err := parseLogprobs(raw)
	return scoreEchoed(pair, func() string { return text }, e, err)
}

// scoreEchoed is scoreChoice on logprobs already parsed (err is the parse
// error, if any); text returns the choice's text.
func scoreEchoed(pair runners.Continuation, text func() string, e echoed, err error) (runners.LogLikelihood, error) {
	var res runners.LogLikelihood
	if err != nil {
		return res, &runners.Error{Kind: runners.KindMalformed, Message: err.Error(), Err: err}
	}
	prompt := pair.Context + pair.Continuation
	a, ok := alignByText(e.tokens, prompt, pair.Context)
	if !ok && e.offsets {
		a, ok, err = alignByOffsets(e.tokens, prompt, pair.Context)
		if err != nil {
			return res, &runners.Error{Kind: runners.KindBadRequest, Message: "cannot line up echoed tokens with the prompt: " + err.Error()}
		}
	}
	if !ok {
		covered := 0
		for _, t := range e.tokens {
			covered += len(t.text)
		}
		if !strings.HasPrefix(text(), prompt) || covered < len(prompt)/2 {
			return res, &runners.Error{Kind: runners.KindUnsupported, Message: EchoIgnoredMessage, Err: runners.ErrUnsupported}
		}
		return res, &runners.Error{Kind: runners.KindBadRequest,
			Message: fmt.Sprintf("cannot line up %d echoed tokens with the %d-byte prompt by token text or text_offset", len(e.tokens), len(prompt))}
	}
	idx, err := continuationTokens(a)
	if err != nil {
		return res, &runners.Error{Kind: runners.KindBadRequest, Message: "cannot score: " + err.Error()}
	}
	if len(idx) == 0 {
		return res, &runners.Error{Kind: runners.KindBadRequest, Message: "no echoed token covers the continuation"}
	}
	res.IsGreedy = true
	for _, i := range idx {
		t := e.tokens[i]
		if !t.hasLP {
			return res, &runners.Error{Kind: runners.KindBadRequest,
				Message: fmt.Sprintf("continuation token %d has no log-probability (is the context empty?)", i-a.first)}
		}
		res.LogProb += t.lp
		top, hasTop, err := e.tokens[i].topLP()
		if err != nil {
			return res, &runners.Error{Kind: runners.KindMalformed, Message: err.Error(), Err: err}
		}
		if !hasTop || t.lp < top {
			res.IsGreedy = false
		}
	}
	res.Tokens = len(idx)
	return res, nil
}
