package leaderboard

import (
	"html"
	"html/template"
	"sort"
)

// uiText holds every UI string: Korean first (the default), then English.
var uiText = map[string][2]string{
	"leaderboard":       {"리더보드", "Leaderboard"},
	"samples":           {"샘플", "Samples"},
	"data":              {"데이터", "Data"},
	"lang_toggle":       {"English", "한국어"},
	"model":             {"모델", "Model"},
	"models":            {"모델", "Models"},
	"organisation":      {"기관", "Organisation"},
	"params":            {"파라미터", "Params"},
	"license":           {"라이선스", "Licence"},
	"weights":           {"가중치", "Weights"},
	"type":              {"유형", "Type"},
	"average":           {"평균", "Average"},
	"all":               {"전체", "All"},
	"search":            {"검색", "Search"},
	"search_ph":         {"모델·기관 검색", "Search models, organisations"},
	"size_b":            {"크기 (B)", "Size (B)"},
	"min":               {"최소", "min"},
	"max":               {"최대", "max"},
	"all_runs":          {"모든 실행 보기", "Show all runs"},
	"columns":           {"열", "Columns"},
	"benchmarks":        {"벤치마크", "Benchmarks"},
	"tasks":             {"태스크", "Tasks"},
	"task":              {"태스크", "Task"},
	"avg_mode":          {"평균 방식", "Averaging"},
	"macro":             {"매크로 (단순 평균)", "Macro (unweighted)"},
	"micro":             {"마이크로 (샘플 가중)", "Micro (sample-weighted)"},
	"avg_def":           {"평균의 정의", "How the average is defined"},
	"avg_def_macro":     {"열 점수의 단순 평균(벤치마크 그룹은 소속 태스크의 매크로 평균)", "unweighted mean of the column scores (a benchmark group counts as the macro mean of its tasks)"},
	"avg_def_micro":     {"샘플 수로 가중한 평균(벤치마크 그룹은 실행이 보고한 마이크로 평균)", "mean weighted by sample count (a benchmark group counts as its micro mean as reported by the run)"},
	"avg_def_cols":      {"대상 열 (선택을 바꾸면 평균이 다시 계산됩니다)", "Columns averaged (change the selection to recompute)"},
	"avg_def_missing":   {"하나라도 없으면 평균은 표시하지 않습니다(0으로 채우지 않음). 구간은 열이 서로 독립이라고 가정한 95% 구간입니다. 낮을수록 좋은 지표나 비율이 아닌 지표는 평균에서 제외합니다.", "If any of them is missing, no average is shown (never filled with 0). Its interval is a 95% interval assuming independent columns. Lower-is-better and non-proportion metrics are left out of the average."},
	"missing":           {"없음", "missing"},
	"no_avg_cols":       {"평균할 열이 없습니다.", "No column can be averaged."},
	"rank":              {"순위", "Rank"},
	"score":             {"점수", "Score"},
	"ci95":              {"95% 구간", "95% interval"},
	"n":                 {"n", "n"},
	"errors":            {"오류", "Errors"},
	"truncated":         {"잘림", "Truncated"},
	"metric":            {"지표", "Metric"},
	"nshot":             {"n-shot", "n-shot"},
	"run":               {"실행", "Run"},
	"runs":              {"실행", "Runs"},
	"results_file":      {"결과 파일", "Results file"},
	"results_files":     {"이 사이트를 만든 결과 파일", "Results files this site was built from"},
	"efficiency":        {"효율", "Efficiency"},
	"tok_s":             {"토큰/초", "tokens/s"},
	"lat_p50":           {"지연 p50 (ms)", "latency p50 (ms)"},
	"lat_p95":           {"지연 p95 (ms)", "latency p95 (ms)"},
	"ttft_p50":          {"TTFT p50 (ms)", "TTFT p50 (ms)"},
	"prompt_tokens":     {"프롬프트 토큰", "prompt tokens"},
	"completion_tok":    {"생성 토큰", "completion tokens"},
	"requests":          {"요청", "requests"},
	"retries":           {"재시도", "retries"},
	"cached":            {"캐시", "cached"},
	"wall_s":            {"소요 (초)", "wall (s)"},
	"provenance":        {"출처 정보", "Provenance"},
	"harness":           {"하네스 버전", "Harness version"},
	"started":           {"시작", "Started"},
	"finished":          {"종료", "Finished"},
	"runner":            {"러너", "Runner"},
	"endpoint":          {"엔드포인트", "Endpoint"},
	"base_url":          {"서버 주소", "Server URL"},
	"redacted":          {"(숨김)", "(redacted)"},
	"config":            {"설정", "Config"},
	"seed":              {"시드", "seed"},
	"limit":             {"제한", "limit"},
	"mc_mode":           {"객관식 채점", "MC mode"},
	"concurrency":       {"동시성", "concurrency"},
	"compose_hangul":    {"한글 조합", "compose Hangul"},
	"interrupted":       {"중단된 실행", "interrupted run"},
	"dataset":           {"데이터셋", "Dataset"},
	"revision":          {"리비전", "revision"},
	"fingerprint":       {"지문", "fingerprint"},
	"config_hash":       {"설정 해시", "config hash"},
	"prompt_hash":       {"프롬프트 해시", "prompt hash"},
	"version":           {"버전", "version"},
	"source":            {"출처", "source"},
	"notes":             {"참고", "notes"},
	"groups":            {"그룹", "Groups"},
	"group":             {"그룹", "Group"},
	"categories":        {"범주별 점수", "Scores by category"},
	"task_scores":       {"태스크별 점수", "Scores per task"},
	"what_measures":     {"측정 내용", "What it measures"},
	"protocol":          {"프로토콜", "Protocol"},
	"output_type":       {"출력 유형", "output type"},
	"ranking":           {"순위", "Ranking"},
	"higher_better":     {"높을수록 좋음", "higher is better"},
	"lower_better":      {"낮을수록 좋음", "lower is better"},
	"link":              {"링크", "Link"},
	"unknown":           {"알 수 없음", "unknown"},
	"open":              {"공개", "open"},
	"closed":            {"비공개", "closed"},
	"base":              {"기본", "base"},
	"instruct":          {"인스트럭트", "instruct"},
	"reasoning":         {"추론", "reasoning"},
	"chart_bench":       {"벤치마크별 점수", "Scores per benchmark"},
	"chart_eff":         {"품질 대 효율", "Quality vs efficiency"},
	"chart_radar":       {"범주별 레이더", "Radar across categories"},
	"no_eff":            {"실행에 속도 정보가 없습니다.", "The runs have no speed figures."},
	"generated":         {"생성 시각", "Generated"},
	"downloads":         {"내려받기", "Downloads"},
	"view_samples":      {"샘플 보기", "samples"},
	"wrong_only":        {"틀린 답만", "Wrong answers only"},
	"compare_with":      {"비교 모델", "Compare with"},
	"none":              {"(없음)", "(none)"},
	"differ_only":       {"답이 다른 것만", "Only where they differ"},
	"prev":              {"이전", "Previous"},
	"next":              {"다음", "Next"},
	"page":              {"페이지", "Page"},
	"prompt":            {"프롬프트", "Prompt"},
	"response":          {"응답", "Response"},
	"extracted":         {"추출된 답", "Extracted"},
	"target":            {"정답", "Target"},
	"right":             {"정답", "right"},
	"wrong":             {"오답", "wrong"},
	"partial":           {"부분 점수", "partial"},
	"error":             {"오류", "error"},
	"no_samples":        {"표시할 샘플이 없습니다.", "No samples to show."},
	"loading":           {"불러오는 중…", "Loading…"},
	"load_failed":       {"불러오기 실패", "Failed to load"},
	"sample_help":       {"모델과 태스크를 고르세요. 샘플은 페이지 단위로 필요할 때 불러옵니다.", "Pick a model and a task. Samples load page by page on demand."},
	"doc":               {"문서", "doc"},
	"choices":           {"선택지", "choices"},
	"reasoning_text":    {"추론 과정", "Reasoning"},
	"finish":            {"종료 사유", "finish reason"},
	"scored":            {"채점됨", "scored"},
	"no_results":        {"결과가 없습니다.", "No results."},
	"rows_shown":        {"표시된 행", "rows shown"},
	"js_needed":         {"정렬·필터·차트에는 자바스크립트가 필요합니다.", "Sorting, filtering and charts need JavaScript."},
	"echarts_licence":   {"차트: Apache ECharts (Apache-2.0)", "Charts: Apache ECharts (Apache-2.0)"},
	"task_page_note":    {"결과 파일에서 가져온 정보", "From the results files"},
	"nested_groups":     {"하위 그룹", "Sub-groups"},
	"model_key":         {"결과 파일의 모델 이름", "Model name in results"},
	"pick_model":        {"모델", "Model"},
	"pick_task":         {"태스크", "Task"},
	"pick_run":          {"실행", "Run"},
	"status":            {"판정", "Status"},
	"benchmark_column":  {"벤치마크", "Benchmark"},
	"judge":             {"심판 모델", "Judge"},
	"judge_prompt_hash": {"심판 프롬프트 해시", "judge prompt hash"},
	"penalty":           {"언어 벌점", "language penalty"},
	"strategy":          {"프롬프트 전략", "prompt strategy"},
	"detector":          {"언어 판별기", "language detector"},
	"reasks":            {"재질문 횟수", "re-asks"},
	"judge_max_tokens":  {"심판 max_tokens", "judge max_tokens"},
	"temperature":       {"온도", "temperature"},
	"other_judges":      {"다른 심판의 채점", "Graded by other judges"},
	"judge_note":        {"이 페이지의 점수는 모두 같은 심판 모델·심판 프롬프트·벌점 규칙·전략으로 채점되었습니다. 다른 심판의 점수는 별도의 열과 페이지에 있으며 함께 순위를 매기거나 평균하지 않습니다.", "Every score on this page was graded by the same judge model, judge prompt, penalty rule and strategy. Scores from other judges have their own column and page and are never ranked or averaged with these."},
	"avg_def_judge":     {"심판 채점 태스크는 심판 모델·심판 프롬프트·벌점 규칙·전략마다 별도의 열이며 평균에 넣지 않습니다.", "Judge-graded tasks get one column per judge model, judge prompt, penalty rule and strategy, and are never averaged."},
	"config_differs":    {"설정 해시가 최신 실행과 다름", "config hash differs from the newest run"},
}

// tr renders a UI string in both languages; CSS shows the current one.
func tr(key string) template.HTML {
	t, ok := uiText[key]
	if !ok {
		t = [2]string{key, key}
	}
	return template.HTML(`<span class="l-ko">` + html.EscapeString(t[0]) + `</span><span class="l-en">` + html.EscapeString(t[1]) + `</span>`)
}

// trAttr renders a UI string for an attribute: "한국어 / English".
func trAttr(key string) string {
	t, ok := uiText[key]
	if !ok {
		return key
	}
	if t[0] == t[1] {
		return t[0]
	}
	return t[0] + " / " + t[1]
}

// i18nDict is the table for the browser scripts: {key: [ko, en]}.
func i18nDict() map[string][2]string {
	keys := make([]string, 0, len(uiText))
	for k := range uiText {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string][2]string, len(keys))
	for _, k := range keys {
		out[k] = uiText[k]
	}
	return out
}
