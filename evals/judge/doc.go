// Package judge holds hanbench's LLM-as-judge benchmarks, Go-coded
// evals.Evaluators registered by name on import:
//
//   - logickor, logickor_1shot, logickor_cot_1shot: LogicKor (instructkr,
//     42 two-turn questions in 6 categories) with the default, 1-shot and
//     cot-1-shot prompt strategies; each turn judged 1–10 with the official
//     judge templates; score = (mean single-turn + mean multi-turn) / 2.
//   - komt_bench: KoMT-Bench (LG AI Research, 80 two-turn MT-Bench
//     questions in Korean), judged 1–10 per turn with FastChat's Korean
//     single-grading prompts (math, reasoning and coding against GPT-4
//     reference answers), √score for non-Korean answers; score = mean of
//     all turn scores.
//   - k2_eval: K2-Eval (HAE-RAE), single-turn, judged 1–5 with HRET's
//     English rubric.
//
// Every task needs a judge (evals.Env.Judge, from --judge-model): without
// one Evaluate fails the run with "<task> needs a judge: pass
// --judge-model". The model is called on the chat endpoint; turn 2 of a
// two-turn question is asked with the model's own turn-1 answer in the
// history.
//
// Answers are the runner's Text with surrounding whitespace stripped (as
// LogicKor's and FastChat's generators strip); reasoning a server returns
// apart (reasoning_content or a <think> block) is kept in Sample.Reasoning
// and neither put back into the history nor shown to the judge.
//
// # Metrics
//
// Metric names start with "score" for the official number, so it sorts
// first: LogicKor "score" (overall), "score_stderr", "score_single",
// "score_multi" and per category "score,<c>", "score_single,<c>",
// "score_multi,<c>" (c = the category's English name, e.g. "reasoning");
// KoMT-Bench "score" (mean of all judged turns), "score_stderr" (clustered
// by question), "turn1", "turn2", per category "score,<c>", "turn1,<c>",
// "turn2,<c>", and "score_no_penalty"; K2-Eval "score", "score_stderr",
// "score,ability:<a>", "score,subject:<s>". All have "unjudged" (turns
// left without a score); KoMT-Bench also "turns_penalized".
//
// # Data
//
// Benchmark data is never embedded; it is read at first use from:
//
//   - LogicKor: $HANBENCH_LOGICKOR_DIR, else $HANBENCH_DATA_DIR/logickor:
//     questions.jsonl and templates.py (or templates.py.txt), as in
//     github.com/instructkr/LogicKor @ 11c3a84. The judge system prompts and
//     the strategies' messages are read from templates.py verbatim (a small
//     reader for Python literals, see parsePyAssignments); the judge user
//     message is evaluator.py's.
//   - KoMT-Bench: $HANBENCH_KOMT_DIR, else $HANBENCH_DATA_DIR/komt-bench: the
//     question file, the GPT-4 Korean reference answers and
//     judge_prompts_ko.jsonl (KoMTDirEnv lists the accepted file names).
//   - K2-Eval: $HANBENCH_K2EVAL_DATA (a CSV/JSONL/JSON/Parquet file with
//     instruction, subject, ability, or a folder of them), else
//     $HANBENCH_DATA_DIR/k2-eval. The data is on the Hugging Face Hub only.
//
// Missing data makes Len return an error saying what to set. When the files
// hash to the pinned upstream versions, results.json records the upstream
// commit as the dataset revision; otherwise a note says they differ.
//
// # Judging
//
// Judge requests are sent at temperature 0 with the official prompts. The
// score is extracted with the upstream regular expression, run with
// Python's semantics (evals/scoring/pyre): LogicKor strips '*' and takes the
// first `점수:\s*(\d+(\.\d+)?)`; KoMT-Bench the first `\[\[(\d+\.?\d*)\]\]`,
// else the first `\[(\d+\.?\d*)\]`; K2-Eval the first
// `Score:\s*(\d+(?:\.\d+)?)`. A score above the rubric's maximum counts as
// no score. When a reply has no score the judge is asked again, up to
// DefaultReasks (3) times, with Seed 1, 2, 3 so a response cache in front
// of the judge does not return the same reply; after that the turn is
// UNJUDGED: absent from every mean and counted in the "unjudged" metric,
// never scored 0. This deliberately differs from upstream: LogicKor's
// evaluator.py scores 0 after 4 retries; FastChat (KoMT-Bench) records −1
// without retrying and its show_result drops −1 rows (the same mean as
// hanbench, fewer judged turns); HRET raises. A failed judge request (after
// the runner's own retries) fails the sample like a failed model request; a
// fatal one (bad key, unknown judge model) stops the run.
//
// # Language rules
//
// KoMT-Bench's penalty (detector.py) turns a judged turn's score into
// √score when the answer is not Korean; questions 138 and 140 are exempt.
// Upstream detects the language with MediaPipe (max_results=2), and its loop
// keeps the LAST detection, i.e. the second most likely language whenever
// two are returned, so some Korean answers are penalized because of their
// runner-up language. MediaPipe is not available in Go; IsKorean instead
// measures the weighted Hangul share of the answer's prose (letters only;
// fenced code, inline code, math and URLs removed; Hangul, Han and kana
// weigh 1, letters of alphabetic scripts 1/3) and calls ≥ 0.5 Korean; an
// answer with no prose letters counts as Korean. It decides on the dominant
// script, like MediaPipe's top-1, and deliberately does not replicate the
// last-of-two quirk; DetectorVersion is part of the config hash.
//
// LogicKor's rule that a non-Korean answer scores 0 lives in its judge
// rubric (JUDGE_TEMPLATE): hanbench applies no penalty of its own and does
// not apply it twice. The measured Hangul share is still stored per turn.
//
// # Provenance
//
// Each task's config hash (results.json) covers the judge model, the sha256
// of the judge prompts, the strategy, generation and judge settings, the
// re-ask count, the penalty rule and detector, so scores from different
// judges or prompts never share a hash and are never averaged as one; the
// notes spell out the same in words, with every deliberate deviation.
// results.json also records it as a structured object, tasks.<task>.judge
// (results.JudgeInfo: judge model, judge prompt hash, strategy, penalty
// rule, detector, re-asks, judge max_tokens and temperature); the
// leaderboard keys judge-graded columns by model, prompt hash, penalty and
// strategy.
//
// New builds a judge task with run-wide Options (the command line's
// --judge-reasks and --no-language-penalty). With the language rule off,
// KoMT-Bench keeps the judge's score for non-Korean answers and LogicKor's
// judge templates lose their "# 언어 요구사항" section (a non-Korean answer
// scores 0) and the user message its reminder, so the judge prompt hash
// changes too.
//
// # Samples
//
// One sample per question. Sample.Prompt is the JSON array of chat
// messages of the last model request (for two-turn questions it contains
// the first request and the model's turn-1 answer); Sample.PromptHash
// covers only the model-independent part (the turn-1 messages, the
// follow-up question and, for KoMT-Bench, the temperature), so samples of
// different models pair up. Sample.Response is a JSON object
//
//	{"answers": ["turn-1 answer", "turn-2 answer"],
//	 "judgments": [{"turn": 1, "template": "single_turn", "prompt_sha256": "…",
//	                "score": 8, "raw_score": 8, "penalized": false,
//	                "language": {"hangul_share": 0.97, "letters": 412},
//	                "attempts": 1, "explanation": "…", "replies": ["…"],
//	                "judge_prompt_tokens": 900, "judge_completion_tokens": 120}, …]}
//
// (see Judgment); Sample.Extracted is the JSON array of final turn scores
// with null for unjudged turns; Sample.Target the JSON of the references
// (LogicKor) or GPT-4 reference answers (KoMT-Bench math, reasoning,
// coding); Sample.Reasoning the JSON array of the model's per-turn
// reasoning text when there is any. Usage counts the model's calls only;
// judge tokens are in each Judgment.
//
// ScoreLogicKorJudged re-scores upstream LogicKor judged files
// (ReadLogicKorJudged) with the same aggregation the evaluator uses.
// Agreement measures how two judges agree on the same turns.
//
// # Pairwise
//
// ComparePairwise (pairwise.go) judges two runs' answers to the same
// questions against each other with MT-Bench's pairwise prompts (read from
// the KoMT-Bench data), in both orders to cancel position bias, and
// reports wins, losses and ties with a sign test; `hanbench gate` uses it
// for judge-graded tasks listed under `pairwise:` in its policy.
package judge
