package judge

import (
	"sort"

	"github.com/hanbench/hanbench/evals"
)

// Task names registered with evals.RegisterEvaluator.
const (
	TaskLogicKor         = "logickor"
	TaskLogicKor1Shot    = "logickor_1shot"
	TaskLogicKorCoT1Shot = "logickor_cot_1shot"
	TaskKoMTBench        = "komt_bench"
	TaskK2Eval           = "k2_eval"
)

// Options are the run-wide judge settings every judge task takes (the
// command line's --judge-reasks and --no-language-penalty). The zero value
// is each benchmark's default.
type Options struct {
	// Reasks is how many times a judge reply without a score is asked
	// again: 0 means DefaultReasks, a negative value none.
	Reasks int
	// NoLanguagePenalty turns the benchmark's language rule off:
	// KoMT-Bench's √score for a non-Korean answer and LogicKor's judge
	// rubric rule that scores it 0 (see LogicKorConfig.NoPenalty). K2-Eval
	// has no such rule. Scores are then not comparable with the
	// benchmark's published ones; results.json records the rule
	// (results.JudgeInfo.Penalty) and the config hash changes.
	NoLanguagePenalty bool
}

// builders makes each judge task from Options.
var builders = map[string]func(Options) (evals.Evaluator, error){
	TaskLogicKor:         logicKorBuilder(TaskLogicKor, StrategyDefault),
	TaskLogicKor1Shot:    logicKorBuilder(TaskLogicKor1Shot, Strategy1Shot),
	TaskLogicKorCoT1Shot: logicKorBuilder(TaskLogicKorCoT1Shot, StrategyCoT1Shot),
	TaskKoMTBench: func(o Options) (evals.Evaluator, error) {
		ev, err := NewKoMT(KoMTConfig{Name: TaskKoMTBench, Reasks: o.Reasks, NoPenalty: o.NoLanguagePenalty})
		if err != nil {
			return nil, err
		}
		return ev, nil
	},
	TaskK2Eval: func(o Options) (evals.Evaluator, error) {
		ev, err := NewK2Eval(K2EvalConfig{Name: TaskK2Eval, Reasks: o.Reasks})
		if err != nil {
			return nil, err
		}
		return ev, nil
	},
}

func logicKorBuilder(name, strategy string) func(Options) (evals.Evaluator, error) {
	return func(o Options) (evals.Evaluator, error) {
		ev, err := NewLogicKor(LogicKorConfig{Name: name, Strategy: strategy, Reasks: o.Reasks, NoPenalty: o.NoLanguagePenalty})
		if err != nil {
			return nil, err
		}
		return ev, nil
	}
}

// New builds the judge task registered under name (one of the Task*
// constants) with o; ok is false when name is not a judge task.
func New(name string, o Options) (ev evals.Evaluator, ok bool, err error) {
	b, ok := builders[name]
	if !ok {
		return nil, false, nil
	}
	ev, err = b(o)
	return ev, true, err
}

// TaskNames lists the judge tasks, sorted.
func TaskNames() []string {
	names := make([]string, 0, len(builders))
	for n := range builders {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func init() {
	for _, name := range TaskNames() {
		name := name
		evals.RegisterEvaluator(name, func() (evals.Evaluator, error) {
			ev, _, err := New(name, Options{})
			return ev, err
		})
	}
}
