package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hanbench/hanbench/runners"
)

// maxResponseBytes bounds one response body. Echoed log-probabilities of a
// batch of long prompts are the largest bodies; 256 MiB is far above them.
const maxResponseBytes = 256 << 20

// bodyPatch is carried in a request's context and tells the doer how to
// rewrite that one request's JSON body, because go-openai drops zero values
// (temperature 0, max_tokens 0) and cannot express fields such as echo or
// chat_template_kwargs. It also receives the raw response body.
type bodyPatch struct {
	// set is merged into the top level of the JSON body; nested objects
	// merge recursively and a nil value deletes the field.
	set map[string]any
	// body, when set, is sent instead of go-openai's encoding of the
	// request (set is then already merged into it): building the body once
	// from a map costs one encoding instead of go-openai's encoding plus a
	// decode and re-encode to patch it.
	body []byte
	// swallow replaces the successful response body seen by go-openai with
	// "{}" after capturing it: the caller decodes raw itself.
	swallow bool
	// raw is the successful response body, filled by the doer.
	raw []byte
}

type patchKey struct{}

func withPatch(ctx context.Context, p *bodyPatch) context.Context {
	return context.WithValue(ctx, patchKey{}, p)
}

func patchFrom(ctx context.Context) *bodyPatch {
	p, _ := ctx.Value(patchKey{}).(*bodyPatch)
	return p
}

// doer is the openai.HTTPDoer given to go-openai. It applies the body patch,
// sends the request through the pooled http.Client, reads the whole body and
// turns every failure into a *runners.Error (go-openai returns the doer's
// error unchanged).
type doer struct {
	client *http.Client
	model  string
	apiKey string // only to scrub it from server messages
}

// Do implements openai.HTTPDoer.
func (d *doer) Do(req *http.Request) (*http.Response, error) {
	p := patchFrom(req.Context())
	if p != nil && (p.body != nil || len(p.set) > 0) && req.Body != nil {
		var body []byte
		var err error
		if p.body != nil {
			req.Body.Close()
			body = p.body
		} else {
			body, err = io.ReadAll(req.Body)
			req.Body.Close()
			if err != nil {
				return nil, fmt.Errorf("openai: reading request body: %w", err)
			}
			body, err = patchJSON(body, p.set)
			if err != nil {
				return nil, &runners.Error{Kind: runners.KindBadRequest, Message: "encoding request body: " + err.Error(), Err: err}
			}
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, d.transportError(req, err)
	}
	defer resp.Body.Close()
	body, err := readBody(resp)
	if err != nil {
		return nil, d.transportError(req, err)
	}
	where := redactedURL(req.URL)
	if len(body) > maxResponseBytes {
		return nil, &runners.Error{Kind: runners.KindMalformed, Status: resp.StatusCode,
			Message: fmt.Sprintf("response from %s exceeds %d bytes", where, maxResponseBytes)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, d.statusError(req, resp, body)
	}
	// A swallowed body is parsed by the caller, which reports bad JSON.
	if (p == nil || !p.swallow) && !json.Valid(body) {
		return nil, &runners.Error{Kind: runners.KindMalformed, Status: resp.StatusCode,
			Message: fmt.Sprintf("response from %s is not valid JSON: %s", where, d.snippet(body))}
	}
	if p != nil {
		p.raw = body
		if p.swallow {
			body = []byte("{}")
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// readBody reads a response body of at most maxResponseBytes+1 bytes, in
// one allocation when the server sent a Content-Length (echoed prompts
// make log-likelihood replies large; io.ReadAll would copy them while
// doubling its buffer).
func readBody(resp *http.Response) ([]byte, error) {
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n <= maxResponseBytes {
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, maxResponseBytes+1))
	return buf.Bytes(), err
}

// transportError classifies an error from sending a request or reading its
// response. A cancelled or expired caller context is returned as is (wrapped),
// not as a *runners.Error: nothing should retry it.
func (d *doer) transportError(req *http.Request, err error) error {
	where := req.Method + " " + redactedURL(req.URL)
	if ctxErr := req.Context().Err(); ctxErr != nil {
		return fmt.Errorf("%s: %w", where, ctxErr)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &runners.Error{Kind: runners.KindTimeout, Message: fmt.Sprintf("%s: no complete answer within %v", where, d.client.Timeout), Err: err}
	}
	return &runners.Error{Kind: runners.KindNetwork, Message: where + ": " + d.scrub(rootCause(err)), Err: err}
}

// rootCause strips *url.Error's "Op URL:" prefix, which is already in the
// message as the redacted URL.
func rootCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// notFoundModel matches server messages that say the model does not exist
// (vLLM "The model `x` does not exist.", Ollama "model 'x' not found",
// LiteLLM "Invalid model name").
var notFoundModel = regexp.MustCompile(`(?i)(model\b.*\b(not found|does not exist|doesn't exist|not exist|is not available|unknown)|(unknown|invalid|no such) model)`)

// statusError turns a non-2xx response into a *runners.Error.
func (d *doer) statusError(req *http.Request, resp *http.Response, body []byte) error {
	where := redactedURL(req.URL)
	msg := d.scrub(serverMessage(body))
	if msg == "" {
		msg = resp.Status
	}
	e := &runners.Error{Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header, time.Now())}
	code := resp.StatusCode
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		e.Kind = runners.KindAuth
		e.Message = fmt.Sprintf("%s rejected the credentials (check the API key environment variable): %s", where, msg)
	case code == http.StatusNotFound || (code >= 400 && code < 500 && code != http.StatusTooManyRequests && notFoundModel.MatchString(msg)):
		e.Kind = runners.KindNotFound
		e.Message = fmt.Sprintf("model %q or route %s not found: %s", d.model, where, msg)
	case code == http.StatusRequestTimeout:
		e.Kind = runners.KindTimeout
		e.Message = where + ": " + msg
	case code == http.StatusTooManyRequests:
		e.Kind = runners.KindRateLimit
		e.Message = where + ": " + msg
	case code == http.StatusConflict || code >= 500:
		e.Kind = runners.KindServer
		e.Message = where + ": " + msg
	default:
		e.Kind = runners.KindBadRequest
		e.Message = where + ": " + msg
	}
	return e
}

// serverMessage extracts the human message from an error body in any of the
// dialects seen in practice:
//
//	{"error":{"message":"..."}}                OpenAI, llama.cpp, Ollama, newer vLLM
//	{"object":"error","message":"..."}         vLLM, SGLang
//	{"error":"..."}                            TGI
//	{"detail":"..."} / {"detail":[{"msg":..}]} FastAPI validation errors
//
// Anything else is returned as trimmed text.
func serverMessage(body []byte) string {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &v) == nil {
		if len(v.Error) > 0 {
			var nested struct {
				Message string `json:"message"`
			}
			var s string
			if json.Unmarshal(v.Error, &nested) == nil && nested.Message != "" {
				return clip(nested.Message)
			}
			if json.Unmarshal(v.Error, &s) == nil && s != "" {
				return clip(s)
			}
		}
		if v.Message != "" {
			return clip(v.Message)
		}
		if len(v.Detail) > 0 {
			var s string
			if json.Unmarshal(v.Detail, &s) == nil {
				return clip(s)
			}
			var list []struct {
				Msg string `json:"msg"`
				Loc []any  `json:"loc"`
			}
			if json.Unmarshal(v.Detail, &list) == nil && len(list) > 0 {
				parts := make([]string, 0, len(list))
				for _, it := range list {
					loc := make([]string, 0, len(it.Loc))
					for _, l := range it.Loc {
						loc = append(loc, fmt.Sprint(l))
					}
					parts = append(parts, strings.Join(loc, ".")+": "+it.Msg)
				}
				return clip(strings.Join(parts, "; "))
			}
		}
	}
	return clip(strings.TrimSpace(string(body)))
}

// clip bounds a server message and removes control characters so it is safe
// in a one-line error.
func clip(s string) string {
	const max = 500
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func (d *doer) snippet(body []byte) string {
	return d.scrub(clip(string(body)))
}

// scrub removes the API key from a message in case a server echoes it.
func (d *doer) scrub(s string) string {
	if d.apiKey == "" {
		return s
	}
	return strings.ReplaceAll(s, d.apiKey, "[redacted]")
}

// retryAfter reads OpenAI's retry-after-ms or the standard Retry-After header
// (delay in seconds or an HTTP date). It returns 0 when absent or invalid.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// redactedURL is u without a password in its user info.
func redactedURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Redacted()
}

// patchJSON merges set into a JSON object body (see mergeInto) and encodes
// it again with sorted keys and no HTML escaping. Only the top level is
// decoded: the values set does not touch (the prompt, the messages) are kept
// as their exact text, so numbers keep their digits and large bodies cost
// one scan; an object that set merges into is decoded with its numbers kept
// as written.
func patchJSON(body []byte, set map[string]any) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	for k, v := range set {
		if v == nil {
			delete(m, k)
			continue
		}
		if sv, ok := v.(map[string]any); ok {
			dv := map[string]any{}
			if old := bytes.TrimSpace(m[k]); len(old) > 0 && old[0] == '{' {
				dec := json.NewDecoder(bytes.NewReader(old))
				dec.UseNumber()
				if err := dec.Decode(&dv); err != nil {
					return nil, err
				}
			}
			mergeInto(dv, sv)
			v = dv
		}
		b, err := encodeJSONv1(v)
		if err != nil {
			return nil, err
		}
		m[k] = b
	}
	return encodeJSONv1(m)
}

// encodeJSONv1 is encoding/json's Marshal without HTML escaping, for
// values holding json.Number (which json v2 would write as a string).
func encodeJSONv1(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// encodeJSON is json.Marshal without HTML escaping, with map keys sorted
// (v1's order), in json v2's single pass: request bodies carry whole
// prompts, several per log-likelihood request.
func encodeJSON(v any) ([]byte, error) {
	return jsonv2.Marshal(v, jsonv2.Deterministic(true), jsontext.AllowInvalidUTF8(true))
}

// mergeInto merges src into dst: nested objects merge recursively, a nil
// value deletes the key, anything else replaces. src is never modified and
// no map of src ends up shared with dst (src maps come from Config.Extra,
// shared by all goroutines).
func mergeInto(dst, src map[string]any) {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		sv, isMap := v.(map[string]any)
		if !isMap {
			dst[k] = v
			continue
		}
		dv, ok := dst[k].(map[string]any)
		if !ok {
			dv = map[string]any{}
		} else {
			dv = copyMap(dv)
		}
		mergeInto(dv, sv)
		dst[k] = dv
	}
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			v = copyMap(sub)
		}
		out[k] = v
	}
	return out
}
