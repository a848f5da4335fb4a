package judge

// Pairwise (A vs B) judging of two runs of the same judge task.
//
// Given the samples of one judge task from a baseline run and a candidate
// run, ComparePairwise asks a judge which of the two answers to each
// question turn is better, with MT-Bench's pairwise prompts as KoMT-Bench
// ships them in Korean (judge_prompts_ko.jsonl: pair-v2,
// pair-v2-multi-turn, pair-math-v1, pair-math-v1-multi-turn), read from the
// data folder verbatim, never embedded.
//
// Every turn is judged twice, once with the candidate as assistant A and
// once as assistant B, and the two verdicts are combined with FastChat's
// rule (show_result.py, display_result_pairwise): a tie in the first game,
// or verdicts that disagree once mapped back to the models, count as a tie,
// so a judge that always prefers one position produces ties, not wins. A
// verdict is read as FastChat reads it: "[[A]]" anywhere in the reply, else
// "[[B]]", else "[[C]]" (tie). A reply without any is asked again (up to
// DefaultReasks times, with Seed 1, 2, 3 so a response cache does not return
// the same reply); after that the game has no verdict and the turn is
// UNJUDGED: counted apart, never as a tie (FastChat drops such rows).
//
// Prompt choice, as FastChat's make_judge_pairwise: turn 1 uses pair-v2, or
// pair-math-v1 when the sample carries a reference answer for turn 1; turn
// 2 uses pair-v2-multi-turn, or pair-math-v1-multi-turn when it carries
// references for both turns. KoMT-Bench samples carry the GPT-4 references
// exactly for FastChat's NEED_REF_CATS (math, reasoning, coding), so
// KoMT-Bench is judged as FastChat judges MT-Bench pairwise. LogicKor and
// K2-Eval have no pairwise protocol upstream: hanbench's choice is to use
// the same MT-Bench prompts for them, with LogicKor's references where the
// question has them (the turn-2 reference prompt needs both references, so
// a LogicKor question with a reference for turn 1 only is judged on turn 2
// with pair-v2-multi-turn). The judge sees the stripped answers stored in
// the samples, never the reasoning; KoMT-Bench's language penalty belongs to
// single grading and does not apply.
//
// Statistics (SummarizePairs): wins, losses and ties per judged turn, the
// win rate with ties as half, the exact two-sided sign test of wins against
// losses (ties dropped) and Tango's score interval for win rate − loss
// rate. Turns are counted as MT-Bench counts them, each turn one
// comparison; the two turns of a question are not independent, so with
// two-turn benchmarks the p-value and interval are somewhat optimistic.
//
// Samples are matched by task and doc id; the question turns, the messages
// before them (system prompt, few-shot turns) and the references must be
// identical in both runs, else the question is excluded and counted, as are
// questions that failed or are missing in either run.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/hanbench/hanbench/evals/results"
	"github.com/hanbench/hanbench/evals/stats"
	"github.com/hanbench/hanbench/runners"
)

// Pairwise judge prompt names (FastChat's, as in judge_prompts_ko.jsonl).
const (
	PairPrompt              = "pair-v2"
	PairPromptMultiTurn     = "pair-v2-multi-turn"
	PairMathPrompt          = "pair-math-v1"
	PairMathPromptMultiTurn = "pair-math-v1-multi-turn"
)

// pairPromptNames lists the pairwise prompts in a fixed order (for the
// prompt hash).
var pairPromptNames = []string{PairPrompt, PairPromptMultiTurn, PairMathPrompt, PairMathPromptMultiTurn}

// PairwiseDefaultJudgeMaxTokens is FastChat's max_tokens for pairwise
// judgments (2048, as for single grading).
const PairwiseDefaultJudgeMaxTokens = 2048

// PairwiseDefaultConcurrency bounds judge requests in flight when
// PairwiseConfig.Concurrency is 0.
const PairwiseDefaultConcurrency = 4

// PairVerdict is one game's verdict: which position the judge preferred.
type PairVerdict string

// Verdicts of one game. VerdictNone means the reply held no verdict.
const (
	VerdictA    PairVerdict = "A"
	VerdictB    PairVerdict = "B"
	VerdictTie  PairVerdict = "tie"
	VerdictNone PairVerdict = ""
)

// PairOutcome is the candidate's result on one question turn, both orders
// combined.
type PairOutcome string

// Outcomes for the candidate.
const (
	PairWin      PairOutcome = "win"
	PairLoss     PairOutcome = "loss"
	PairTie      PairOutcome = "tie"
	PairUnjudged PairOutcome = "unjudged"
)

// ParsePairVerdict reads a pairwise judge reply as FastChat's
// run_judge_pair does: "[[A]]" anywhere in the reply wins, else "[[B]]",
// else "[[C]]" (a tie); VerdictNone when there is none of them.
func ParsePairVerdict(reply string) PairVerdict {
	switch {
	case strings.Contains(reply, "[[A]]"):
		return VerdictA
	case strings.Contains(reply, "[[B]]"):
		return VerdictB
	case strings.Contains(reply, "[[C]]"):
		return VerdictTie
	}
	return VerdictNone
}

// CombinePairVerdicts combines the two games of one turn with FastChat's
// rule: candAsA is the verdict with the candidate's answer as assistant A,
// candAsB with it as assistant B. A game without a verdict makes the turn
// unjudged; a tie in the first game or verdicts that name different models
// make it a tie; otherwise the model both games preferred wins.
func CombinePairVerdicts(candAsA, candAsB PairVerdict) PairOutcome {
	g1, ok1 := pairWinner(candAsA, true)
	g2, ok2 := pairWinner(candAsB, false)
	switch {
	case !ok1 || !ok2:
		return PairUnjudged
	case g1 == PairTie || g1 != g2:
		return PairTie
	}
	return g1
}

// pairWinner maps a game's verdict to the candidate's outcome; candIsA tells
// which position the candidate held.
func pairWinner(v PairVerdict, candIsA bool) (PairOutcome, bool) {
	switch v {
	case VerdictTie:
		return PairTie, true
	case VerdictA:
		if candIsA {
			return PairWin, true
		}
		return PairLoss, true
	case VerdictB:
		if candIsA {
			return PairLoss, true
		}
		return PairWin, true
	}
	return PairUnjudged, false
}

// SignTest is the two-sided exact sign test of wins against losses (ties
// dropped): under the null the wins+losses decisive turns split
// Binomial(n, ½); p = min(1, 2·P(X ≤ min(wins, losses))), 1 when there is
// no decisive turn.
func SignTest(wins, losses int) float64 {
	return stats.McNemarExact(wins, losses)
}

// NetWinInterval is Tango's (1998) asymptotic score interval at normal
// quantile z for the net win rate (wins − losses) / n, n = wins + losses +
// ties: the difference of two paired proportions, with wins and losses the
// discordant cells of the paired table and ties the concordant ones (the
// interval depends only on these counts). Fagerland, Lydersen & Laake
// (2013) recommend it for paired differences. It returns NaN, NaN when n is
// 0 or a count is negative.
func NetWinInterval(wins, losses, ties int, z float64) (lo, hi float64) {
	if wins < 0 || losses < 0 || ties < 0 || wins+losses+ties == 0 {
		return math.NaN(), math.NaN()
	}
	n := float64(wins + losses + ties)
	b, c := float64(wins), float64(losses)
	est := (b - c) / n
	// t is Tango's score statistic for the null difference d; it decreases
	// in d and is 0 at est.
	t := func(d float64) float64 {
		A := 2 * n
		B := -b - c + (2*n-b+c)*d
		C := -c * d * (1 - d)
		p21 := (math.Sqrt(B*B-4*A*C) - B) / (2 * A)
		return (b - c - n*d) / math.Sqrt(n*(2*p21+d*(1-d)))
	}
	// solve finds d in (from, to) with t(d) = target by bisection; an
	// undefined statistic counts as beyond the target on the far side.
	solve := func(from, to, target float64) float64 {
		for i := 0; i < 200; i++ {
			mid := (from + to) / 2
			v := t(mid)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				if mid < est {
					v = math.Inf(1)
				} else {
					v = math.Inf(-1)
				}
			}
			if v > target {
				from = mid
			} else {
				to = mid
			}
		}
		return (from + to) / 2
	}
	lo, hi = -1, 1
	if est > -1 {
		lo = solve(-1, est, z)
	}
	if est < 1 {
		hi = solve(est, 1, -z)
	}
	return math.Max(-1, lo), math.Min(1, hi)
}

// pairPrompt is one pairwise judge prompt of judge_prompts_ko.jsonl.
type pairPrompt = koMTPrompt

// PairwisePrompts are the four MT-Bench pairwise judge prompts, as read
// from KoMT-Bench's judge_prompts_ko.jsonl.
type PairwisePrompts struct {
	path    string
	prompts map[string]pairPrompt
	pinned  bool
}

// LoadPairwisePrompts reads the pairwise prompts from a KoMT-Bench folder
// (data__judge_prompts_ko.jsonl or judge_prompts_ko.jsonl); an empty dir
// means $HANBENCH_KOMT_DIR, else $HANBENCH_DATA_DIR/komt-bench.
func LoadPairwisePrompts(dir string) (*PairwisePrompts, error) {
	dir, err := resolveDir(dir, KoMTDirEnv, "komt-bench")
	if err != nil {
		return nil, fmt.Errorf("pairwise judge prompts: %w (they ship with KoMT-Bench: github.com/LG-AI-EXAONE/KoMT-Bench @ %s, FastChat/fastchat/llm_judge/data/judge_prompts_ko.jsonl): %w", err, koMTCommit[:7], errNoData)
	}
	path, err := findFile(dir, "data__judge_prompts_ko.jsonl", "judge_prompts_ko.jsonl")
	if err != nil {
		return nil, fmt.Errorf("pairwise judge prompts: %w: %w", err, errNoData)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pairwise judge prompts: %w", err)
	}
	return parsePairwisePrompts(path, data)
}

// parsePairwisePrompts reads judge_prompts_ko.jsonl content; name is used
// in errors.
func parsePairwisePrompts(name string, data []byte) (*PairwisePrompts, error) {
	pp := &PairwisePrompts{path: name, prompts: map[string]pairPrompt{}, pinned: hashBytes(data) == koMTPromptsSHA}
	err := eachJSONLine(name, data, func(line int, raw []byte) error {
		var p koMTPrompt
		if err := strictJSON(raw, &p); err != nil {
			return err
		}
		pp.prompts[p.Name] = p // a later line replaces an earlier one, as FastChat's dict does
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, n := range pairPromptNames {
		p, ok := pp.prompts[n]
		if !ok {
			return nil, fmt.Errorf("%s: pairwise judge prompt %q missing", name, n)
		}
		if p.Type != "pairwise" || p.OutputFormat != "[[A]]" {
			return nil, fmt.Errorf("%s: judge prompt %q: want type pairwise and output_format [[A]], got %q and %q", name, n, p.Type, p.OutputFormat)
		}
		allowed := map[string]bool{"question": true, "answer_a": true, "answer_b": true, "ref_answer_1": true}
		if strings.HasSuffix(n, "-multi-turn") {
			allowed = map[string]bool{"question_1": true, "question_2": true, "answer_a_1": true, "answer_a_2": true,
				"answer_b_1": true, "answer_b_2": true, "ref_answer_1": true, "ref_answer_2": true}
		}
		for _, f := range templateFields(p.Template) {
			if !allowed[f] {
				return nil, fmt.Errorf("%s: judge prompt %q: unknown field {%s}", name, n, f)
			}
		}
	}
	return pp, nil
}

// Path is the file the prompts were read from.
func (pp *PairwisePrompts) Path() string { return pp.path }

// SHA256 is the hash of the four pairwise prompts (names, system prompts,
// templates), for provenance.
func (pp *PairwisePrompts) SHA256() string {
	ps := make([]pairPrompt, 0, len(pairPromptNames))
	for _, n := range pairPromptNames {
		ps = append(ps, pp.prompts[n])
	}
	return hashJSON(ps)
}

// Pinned reports whether the file read is KoMT-Bench's pinned
// judge_prompts_ko.jsonl.
func (pp *PairwisePrompts) Pinned() bool { return pp.pinned }

// PairwiseConfig configures ComparePairwise.
type PairwiseConfig struct {
	// Task is the task compared; samples of other tasks are ignored.
	Task string
	// Judge answers the comparisons. Callers wrap it with retries and a
	// response cache; requests are sent at temperature 0.
	Judge runners.Runner
	// JudgeModel names the judge, for the result.
	JudgeModel string
	// Prompts are the pairwise prompts (LoadPairwisePrompts).
	Prompts *PairwisePrompts
	// Concurrency bounds judge requests in flight; 0 means
	// PairwiseDefaultConcurrency.
	Concurrency int
	// Reasks is how many times a reply without a verdict is asked again;
	// 0 means DefaultReasks, a negative value none (FastChat never re-asks).
	Reasks int
	// JudgeMaxTokens bounds each judge reply: 0 means
	// PairwiseDefaultJudgeMaxTokens, a negative value sends none.
	JudgeMaxTokens int
}

// PairwiseMatching accounts for the questions of a comparison.
type PairwiseMatching struct {
	// Matched questions were compared (each gives one judged pair per turn).
	Matched int `json:"matched"`
	// QuestionChanged questions had different question turns, preceding
	// messages or references in the two runs.
	QuestionChanged int `json:"question_changed"`
	// Failed questions had an error in either run.
	Failed int `json:"failed"`
	// Unreadable questions had a sample that is not a judge task's (no
	// answers record, or a prompt that does not end with the questions).
	Unreadable int `json:"unreadable"`
	// OnlyBaseline and OnlyCandidate questions were in one run only.
	OnlyBaseline  int `json:"only_baseline"`
	OnlyCandidate int `json:"only_candidate"`
	// Duplicates are repeated (task, doc id) rows, ignored after the first.
	Duplicates int `json:"duplicates"`
}

// Excluded is the number of questions left out of the comparison.
func (m PairwiseMatching) Excluded() int {
	return m.QuestionChanged + m.Failed + m.Unreadable + m.OnlyBaseline + m.OnlyCandidate
}

// Describe lists the exclusions in words, "" when there are none.
func (m PairwiseMatching) Describe() string {
	var parts []string
	add := func(n int, what string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(m.QuestionChanged, "question changed")
	add(m.Failed, "failed in a run")
	add(m.Unreadable, "unreadable")
	add(m.OnlyBaseline, "only in baseline")
	add(m.OnlyCandidate, "only in candidate")
	if len(parts) == 0 && m.Duplicates == 0 {
		return ""
	}
	s := fmt.Sprintf("%d questions matched, %d excluded", m.Matched, m.Excluded())
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	if m.Duplicates > 0 {
		s += fmt.Sprintf("; %d duplicate rows ignored", m.Duplicates)
	}
	return s
}

// PairGame is one judge game: both answers shown in one order.
type PairGame struct {
	// CandidatePosition is "A" or "B": where the candidate's answer was.
	CandidatePosition string `json:"candidate_position"`
	// Verdict is the judge's verdict (VerdictNone when no reply had one).
	Verdict PairVerdict `json:"verdict"`
	// PromptSHA256 is the sha256 of the JSON of the judge messages sent.
	PromptSHA256 string `json:"prompt_sha256"`
	// Attempts is the number of judge requests made (1 + re-asks).
	Attempts int `json:"attempts"`
	// Replies holds every judge reply, in order.
	Replies []string `json:"replies"`
	// JudgePromptTokens and JudgeCompletionTokens sum the judge's usage.
	JudgePromptTokens     int `json:"judge_prompt_tokens"`
	JudgeCompletionTokens int `json:"judge_completion_tokens"`
}

// PairJudgment is the comparison of one question turn.
type PairJudgment struct {
	DocID int64 `json:"doc_id"`
	// Turn is 1 or 2.
	Turn int `json:"turn"`
	// Template names the judge prompt (e.g. "pair-v2").
	Template string `json:"template"`
	// Games are the two orders: [0] the candidate as A, [1] as B.
	Games [2]PairGame `json:"games"`
	// Outcome is the candidate's result, both orders combined.
	Outcome PairOutcome `json:"outcome"`
}

// PairwiseSummary totals the judged turns.
type PairwiseSummary struct {
	// Wins, Losses and Ties count the judged turns by the candidate's
	// outcome; Judged is their sum.
	Wins   int `json:"wins"`
	Losses int `json:"losses"`
	Ties   int `json:"ties"`
	Judged int `json:"judged"`
	// Inconsistent counts the ties that came from the two orders
	// disagreeing (a sign of position bias).
	Inconsistent int `json:"inconsistent"`
	// Unjudged counts turns where a game had no verdict; they are in no
	// rate.
	Unjudged int `json:"unjudged"`
	// WinRate is (wins + ties/2) / judged, the candidate's win rate with
	// ties as half; the baseline's is 1 − WinRate. NaN when nothing was
	// judged.
	WinRate float64 `json:"win_rate"`
	// WinShare and LossShare are wins / judged and losses / judged.
	WinShare  float64 `json:"win_share"`
	LossShare float64 `json:"loss_share"`
	// Net is WinShare − LossShare = 2·WinRate − 1; NetLow and NetHigh are
	// its 95% interval (NetWinInterval), WinRateLow and WinRateHigh the
	// same interval on the win-rate scale.
	Net         float64 `json:"net"`
	NetLow      float64 `json:"net_low"`
	NetHigh     float64 `json:"net_high"`
	WinRateLow  float64 `json:"win_rate_low"`
	WinRateHigh float64 `json:"win_rate_high"`
	// P is the two-sided exact sign test of wins against losses
	// (SignTest).
	P float64 `json:"p"`
	// JudgeRequests counts the judge calls; the token counts sum the
	// judge's usage.
	JudgeRequests         int `json:"judge_requests"`
	JudgePromptTokens     int `json:"judge_prompt_tokens"`
	JudgeCompletionTokens int `json:"judge_completion_tokens"`
}

// SummarizePairs totals judged turns and computes the rates, the interval and
// the sign test.
func SummarizePairs(pairs []PairJudgment) PairwiseSummary {
	var s PairwiseSummary
	for _, p := range pairs {
		switch p.Outcome {
		case PairWin:
			s.Wins++
		case PairLoss:
			s.Losses++
		case PairTie:
			s.Ties++
			g1, _ := pairWinner(p.Games[0].Verdict, true)
			g2, _ := pairWinner(p.Games[1].Verdict, false)
			if g1 != g2 {
				s.Inconsistent++
			}
		default:
			s.Unjudged++
		}
		for _, g := range p.Games {
			s.JudgeRequests += g.Attempts
			s.JudgePromptTokens += g.JudgePromptTokens
			s.JudgeCompletionTokens += g.JudgeCompletionTokens
		}
	}
	s.Judged = s.Wins + s.Losses + s.Ties
	s.P = SignTest(s.Wins, s.Losses)
	if s.Judged == 0 {
		nan := math.NaN()
		s.WinRate, s.WinShare, s.LossShare, s.Net = nan, nan, nan, nan
		s.NetLow, s.NetHigh, s.WinRateLow, s.WinRateHigh = nan, nan, nan, nan
		return s
	}
	n := float64(s.Judged)
	s.WinShare, s.LossShare = float64(s.Wins)/n, float64(s.Losses)/n
	s.WinRate = (float64(s.Wins) + float64(s.Ties)/2) / n
	s.Net = float64(s.Wins-s.Losses) / n
	s.NetLow, s.NetHigh = NetWinInterval(s.Wins, s.Losses, s.Ties, stats.Z95)
	s.WinRateLow, s.WinRateHigh = (1+s.NetLow)/2, (1+s.NetHigh)/2
	return s
}

// PairwiseResult is the outcome of ComparePairwise.
type PairwiseResult struct {
	Task string `json:"task"`
	// JudgeModel names the judge.
	JudgeModel string `json:"judge_model"`
	// PromptsSHA256 is PairwisePrompts.SHA256; PromptsPinned whether the
	// prompt file is KoMT-Bench's pinned one.
	PromptsSHA256 string `json:"prompts_sha256"`
	PromptsPinned bool   `json:"prompts_pinned"`
	// Matching accounts for the questions.
	Matching PairwiseMatching `json:"matching"`
	// Pairs are the judged turns, by doc id then turn.
	Pairs []PairJudgment `json:"pairs"`
	// Summary totals Pairs.
	Summary PairwiseSummary `json:"summary"`
}

// pairSide is one run's answer to a question, as the judge needs it.
type pairSide struct {
	key       string // model-independent part: preceding messages, questions, references
	questions []string
	answers   []string
	refs      []*string
}

// readPairSide extracts the questions, answers and references of a judge
// task's sample (see the package documentation, # Samples).
func readPairSide(s results.Sample) (pairSide, error) {
	var rec record
	if err := json.Unmarshal([]byte(s.Response), &rec); err != nil {
		return pairSide{}, fmt.Errorf("response is not a judge record: %v", err)
	}
	n := len(rec.Answers)
	if n != 1 && n != 2 {
		return pairSide{}, fmt.Errorf("want 1 or 2 answers, got %d", n)
	}
	var msgs []runners.Message
	if err := json.Unmarshal([]byte(s.Prompt), &msgs); err != nil {
		return pairSide{}, fmt.Errorf("prompt is not a JSON array of messages: %v", err)
	}
	// One turn: [..., user q]; two turns: [..., user q1, assistant a1, user q2].
	need := 2*n - 1
	if len(msgs) < need {
		return pairSide{}, fmt.Errorf("prompt has %d messages, fewer than %d answers need", len(msgs), n)
	}
	tail := msgs[len(msgs)-need:]
	p := pairSide{answers: rec.Answers}
	for i, m := range tail {
		switch {
		case i%2 == 0 && m.Role != "user":
			return pairSide{}, fmt.Errorf("prompt message %d: want a user question, got role %q", len(msgs)-need+i, m.Role)
		case i%2 == 0:
			p.questions = append(p.questions, m.Content)
		case m.Role != "assistant" || m.Content != rec.Answers[i/2]:
			return pairSide{}, fmt.Errorf("prompt message %d is not the model's turn-%d answer", len(msgs)-need+i, i/2+1)
		}
	}
	if strings.TrimSpace(s.Target) != "" {
		if err := json.Unmarshal([]byte(s.Target), &p.refs); err != nil {
			return pairSide{}, fmt.Errorf("target is not a JSON array of references: %v", err)
		}
	}
	p.key = mustJSON(map[string]any{"context": msgs[:len(msgs)-need], "questions": p.questions, "target": s.Target})
	return p, nil
}

// ref returns reference i (0-based), "" when absent.
func (p pairSide) ref(i int) string {
	if i < len(p.refs) && p.refs[i] != nil {
		return *p.refs[i]
	}
	return ""
}

// pairTask is one question turn to judge.
type pairTask struct {
	docID    int64
	turn     int
	template string
	// messages[0] has the candidate as A, messages[1] as B.
	messages [2][]runners.Message
}

// pairsByDoc indexes samples of task by doc id, first row wins.
func pairsByDoc(task string, ss []results.Sample) (map[int64]results.Sample, int) {
	out := map[int64]results.Sample{}
	dups := 0
	for _, s := range ss {
		if task != "" && s.Task != task {
			continue
		}
		if _, dup := out[s.DocID]; dup {
			dups++
			continue
		}
		out[s.DocID] = s
	}
	return out, dups
}

// ComparePairwise judges the candidate's answers against the baseline's on
// every question both runs answered (see the comment at the top of
// pairwise.go for the protocol). Results are in doc id and turn order
// whatever the concurrency. A judge request that fails (after the
// runner's own retries) stops the comparison and is returned as an error:
// a comparison with holes is not reported.
func ComparePairwise(ctx context.Context, cfg PairwiseConfig, baseline, candidate []results.Sample) (*PairwiseResult, error) {
	if cfg.Judge == nil {
		return nil, errors.New("pairwise: no judge runner")
	}
	if cfg.Prompts == nil {
		return nil, errors.New("pairwise: no judge prompts")
	}
	reasks := orDefault(cfg.Reasks, DefaultReasks)
	maxTokens := orDefault(cfg.JudgeMaxTokens, PairwiseDefaultJudgeMaxTokens)
	conc := cfg.Concurrency
	if conc <= 0 {
		conc = PairwiseDefaultConcurrency
	}
	res := &PairwiseResult{Task: cfg.Task, JudgeModel: cfg.JudgeModel, PromptsSHA256: cfg.Prompts.SHA256(), PromptsPinned: cfg.Prompts.Pinned(), Pairs: []PairJudgment{}}
	base, dupB := pairsByDoc(cfg.Task, baseline)
	cand, dupC := pairsByDoc(cfg.Task, candidate)
	res.Matching.Duplicates = dupB + dupC
	ids := make([]int64, 0, len(cand))
	for id := range cand {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for id := range base {
		if _, ok := cand[id]; !ok {
			res.Matching.OnlyBaseline++
		}
	}
	var tasks []pairTask
	for _, id := range ids {
		cs := cand[id]
		bs, ok := base[id]
		if !ok {
			res.Matching.OnlyCandidate++
			continue
		}
		if bs.Error != "" || cs.Error != "" {
			res.Matching.Failed++
			continue
		}
		bp, errB := readPairSide(bs)
		cp, errC := readPairSide(cs)
		if errB != nil || errC != nil || len(bp.answers) != len(cp.answers) {
			res.Matching.Unreadable++
			continue
		}
		if bp.key != cp.key {
			res.Matching.QuestionChanged++
			continue
		}
		res.Matching.Matched++
		for turn := 1; turn <= len(cp.answers); turn++ {
			pt, err := buildPairTask(cfg.Prompts, id, turn, cp, bp)
			if err != nil {
				return nil, fmt.Errorf("pairwise %s: doc %d: %w", cfg.Task, id, err)
			}
			tasks = append(tasks, pt)
		}
	}

	res.Pairs = make([]PairJudgment, len(tasks))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	for i, pt := range tasks {
		res.Pairs[i] = PairJudgment{DocID: pt.docID, Turn: pt.turn, Template: pt.template}
		for order := 0; order < 2; order++ {
			game := &res.Pairs[i].Games[order]
			game.CandidatePosition = string("AB"[order])
			msgs := pt.messages[order]
			g.Go(func() error {
				if err := askPair(gctx, cfg.Judge, msgs, maxTokens, reasks, game); err != nil {
					return fmt.Errorf("pairwise %s: doc %d turn %d: %w", cfg.Task, pt.docID, pt.turn, err)
				}
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for i := range res.Pairs {
		p := &res.Pairs[i]
		p.Outcome = CombinePairVerdicts(p.Games[0].Verdict, p.Games[1].Verdict)
	}
	res.Summary = SummarizePairs(res.Pairs)
	return res, nil
}

// buildPairTask renders both orders' judge messages for one turn with
// FastChat's run_judge_pair arguments.
func buildPairTask(pp *PairwisePrompts, id int64, turn int, cand, base pairSide) (pairTask, error) {
	pt := pairTask{docID: id, turn: turn}
	ref1, ref2 := cand.ref(0), cand.ref(1)
	for order, ab := range [2][2]pairSide{{cand, base}, {base, cand}} {
		a, b := ab[0], ab[1]
		vals := map[string]string{}
		var name string
		if turn == 1 {
			name = PairPrompt
			vals["question"], vals["answer_a"], vals["answer_b"] = a.questions[0], a.answers[0], b.answers[0]
			if ref1 != "" {
				name = PairMathPrompt
				vals["ref_answer_1"] = ref1
			}
		} else {
			name = PairPromptMultiTurn
			vals["question_1"], vals["question_2"] = a.questions[0], a.questions[1]
			vals["answer_a_1"], vals["answer_a_2"] = a.answers[0], a.answers[1]
			vals["answer_b_1"], vals["answer_b_2"] = b.answers[0], b.answers[1]
			if ref1 != "" && ref2 != "" {
				name = PairMathPromptMultiTurn
				vals["ref_answer_1"], vals["ref_answer_2"] = ref1, ref2
			}
		}
		p := pp.prompts[name]
		user, err := pyFormat(p.Template, vals)
		if err != nil {
			return pt, fmt.Errorf("judge prompt %q: %w", name, err)
		}
		pt.template = name
		pt.messages[order] = []runners.Message{{Role: "system", Content: p.System}, {Role: "user", Content: user}}
	}
	return pt, nil
}

// askPair sends one game's judge request, asking again (up to reasks
// times, with Seed 1, 2, ...) while the reply holds no verdict.
func askPair(ctx context.Context, judge runners.Runner, msgs []runners.Message, maxTokens, reasks int, g *PairGame) error {
	g.PromptSHA256 = hashJSON(msgs)
	for attempt := 0; attempt <= reasks; attempt++ {
		req := runners.GenerateRequest{Messages: msgs, Temperature: 0, MaxTokens: maxTokens}
		if attempt > 0 {
			seed := attempt
			req.Seed = &seed
		}
		resp, err := judge.Generate(ctx, req)
		g.Attempts++
		if err != nil {
			return fmt.Errorf("judge: %w", err)
		}
		g.JudgePromptTokens += resp.Usage.PromptTokens
		g.JudgeCompletionTokens += resp.Usage.CompletionTokens
		g.Replies = append(g.Replies, resp.Text)
		if v := ParsePairVerdict(resp.Text); v != VerdictNone {
			g.Verdict = v
			return nil
		}
	}
	return nil
}
