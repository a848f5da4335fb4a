// Package gate decides whether a release candidate may ship: it reads the
// candidate's results directory (results.json and samples.parquet), an
// optional baseline's, and a policy file (gate.yaml), runs the checks the
// policy asks for and returns a Report with one verdict per check and one
// overall verdict. It renders the report as a terminal table, JUnit XML,
// GitHub Actions step-summary Markdown, GitHub workflow-command annotations
// and JSON.
//
// # Checks
//
//   - required_tasks: each listed task (or group) must be in the candidate
//     with at least one scored sample.
//   - max_error_rate: failed samples / all samples of the candidate, over
//     the whole run and, when a threshold entry sets max_error_rate, per
//     task or group. Shown with a 95% Wilson interval.
//   - thresholds: absolute floors (min) and ceilings (max) on a task's or a
//     group's metric as recorded in results.json.
//   - regressions: the candidate against the baseline on the samples both
//     runs share. Samples are paired by task, doc id and prompt hash; a
//     sample whose prompt hash or target differs, that failed in either run,
//     or that is in only one run is excluded and counted. Changes of the
//     dataset (path, name, split, revision, fingerprint), the task config
//     hash, the task version or the number of few-shot examples are
//     reported (and, with strict_provenance, make the check unevaluable).
//     Per-sample 0/1 metrics are compared with the exact McNemar test and a
//     Newcombe (1998, method 10) interval for the paired difference; other
//     per-sample (mean-aggregated) metrics with a paired bootstrap; corpus
//     metrics (f1, macro f1, mcc) with a paired bootstrap over documents that
//     recomputes the corpus metric from the per-sample gold and predicted
//     choices, or, when samples do not allow that, are reported as not
//     testable. The p-values of all regression and pairwise checks form
//     one family and are adjusted (Holm by default; bonferroni, bh or none
//     on request). A regression fails only when the drop exceeds max_drop
//     AND the adjusted p-value is at most the check's significance level;
//     both are shown.
//   - pairwise: for a judge task (komt_bench, logickor, logickor_1shot,
//     logickor_cot_1shot, k2_eval), a judge model compares the candidate's
//     answer with the baseline's on every question turn both runs answered
//     (evals/judge.ComparePairwise): MT-Bench's pairwise prompts as
//     KoMT-Bench ships them (judge_prompts_ko.jsonl, read from the data
//     folder), each turn judged twice with the answers' positions swapped,
//     the two verdicts combined with FastChat's rule (a tie in the first
//     order or orders that disagree make a tie), replies without [[A]],
//     [[B]] or [[C]] asked again and then left unjudged (never a tie).
//     Questions are matched by doc id; a question whose text, preceding
//     messages or references differ, that failed or that is in one run only
//     is excluded and counted. The check reports each run's win rate (ties
//     as half), the candidate's win rate − loss rate with Tango's 95% score
//     interval, and the two-sided exact sign test of wins against losses
//     (ties dropped), whose p-value joins the regressions' family (turns
//     count as MT-Bench counts them, one comparison each, though the two
//     turns of a question are correlated; the test is two-sided, like
//     McNemar's for regressions, so for "is the candidate worse" it is
//     conservative: one-sided at significance/2). It fails
//     when the adjusted p-value is at most significance AND loss rate − win
//     rate exceeds max_loss_margin. It is unevaluable without a judge
//     (Options.Judge; `hanbench gate --judge-model`), when the judge fails
//     (after the runner's retries: the comparison is not reported with
//     holes), when no question matched or no turn got a verdict. Changed
//     data or config are noted but, unlike regressions, never make the
//     check unevaluable: the questions themselves are compared.
//
// # Verdicts and exit codes
//
// The overall verdict is fail when any check failed, else unevaluable when
// any check could not be evaluated (or was not testable), else pass.
// `hanbench gate` maps it to the process exit status:
//
//	0   pass: every check passed
//	99  fail: the gate ran and the candidate failed at least one check
//	98  unevaluable: a check could not be evaluated (missing required task,
//	    no matched samples, unreadable results, a metric not testable, no
//	    judge or a failing one for pairwise checks)
//	2   usage: bad flags or a bad policy file; nothing was evaluated
//
// A failing check wins over an unevaluable one: exit 99 tells CI the
// candidate is known to be worse.
//
// # Policy file
//
//	max_error_rate: 0.01            # failed samples / all
//	correction: holm                # holm | bonferroni | bh | none
//	thresholds:                     # absolute floors, per task or group
//	  kmmlu: {metric: acc, min: 0.55, max_error_rate: 0.02}
//	regressions:                    # against the baseline
//	  default: {max_drop: 0.01, significance: 0.05}
//	  korquad_v1: {metric: f1, max_drop: 0.5}
//	  flaky_task: {skip: true}
//	required_tasks: [kmmlu, kobest_boolq]
//	pairwise:                       # judge tasks, against the baseline
//	  komt_bench: {max_loss_margin: 0.05, significance: 0.05}
//	  logickor: {}                  # max_loss_margin 0, significance 0.05
//	strict_provenance: false        # true: changed data makes a check unevaluable
//	bootstrap_iterations: 10000
//	seed: 1234
//
// Parsing is strict: unknown keys, duplicate keys and values of the wrong
// type are errors naming the file and line. "default" under regressions
// applies to every task present in both runs; a task entry inherits the
// default's fields it does not set. Pairwise entries name tasks one by one
// (there is no default: each costs judge calls); max_loss_margin is a rate
// in [0, 1] (default 0), significance a level in (0, 1) (default 0.05).
// Regressions and pairwise checks need a baseline; only pairwise checks
// need a judge. Without a metric the first of acc,
// exact_match, f1, acc_norm, mcc present in both runs is used (then the
// alphabetically first metric), and the report says so.
package gate
