package leaderboard

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// needChromium skips when Debian's chromium is missing, except under CI
// (CI=true), where a missing browser is a failure.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing; CI must install it (apt-get install -y chromium): %v", chromiumPath, err)
		}
		t.Skipf("%s is missing (apt-get install -y chromium); skipping the browser test", chromiumPath)
	}
}

// browser is one headless Chromium tab that records console errors.
type browser struct {
	t    *testing.T
	ctx  context.Context
	mu   sync.Mutex
	errs []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1600),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx}
	err := chromedp.Listen(ctx, func(ev any) {
		var msg string
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				msg = "console." + string(ev.Type) + ": " + strings.Join(parts, " ")
			}
		case *runtime.EventExceptionThrown:
			msg = "exception: " + ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				msg += " " + ev.ExceptionDetails.Exception.Description
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				msg = "log: " + ev.Entry.Text + " " + ev.Entry.URL
			}
		}
		if msg != "" {
			b.mu.Lock()
			b.errs = append(b.errs, msg)
			b.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return b
}

func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

func evalIn[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// wait polls a JavaScript condition until it is truthy.
// A poll that meets a navigation (the page's execution context replaced
// under it, as just after Navigate) is started again.
func (b *browser) wait(what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithDeadline(b.ctx, deadline)
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(time.Until(deadline))))
		cancel()
		if err == nil {
			return
		}
		msg := err.Error()
		navigating := strings.Contains(msg, "Cannot find context with specified id") || strings.Contains(msg, "Execution context was destroyed")
		if !navigating || time.Now().After(deadline) {
			b.t.Fatalf("waiting for %s (%s): %v", what, cond, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *browser) open(url string) {
	b.t.Helper()
	b.do(chromedp.Navigate("about:blank"), chromedp.Navigate(url))
	b.wait("page load", `document.readyState === "complete"`)
}

// clean fails the test on console errors or a fired XSS payload.
func (b *browser) clean(where string) {
	b.t.Helper()
	if xss := evalIn[string](b, `typeof window.__xss === "undefined" ? "" : String(window.__xss)`); xss != "" {
		b.t.Errorf("%s: XSS payload %s ran", where, xss)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errs {
		b.t.Errorf("%s: %s", where, e)
	}
	b.errs = nil
}

const visibleNames = `Array.from(document.querySelectorAll("#lb tbody tr")).filter(function (tr) { return tr.offsetParent !== null; }).map(function (tr) { return tr.getAttribute("data-name"); })`

const canvasInk = `(function (id) { var c = document.querySelector("#" + id + " canvas"); if (!c || !c.width) { return 0; }
  var d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data, n = 0;
  for (var i = 3; i < d.length; i += 4) { if (d[i]) { n++; } } return n; })`

func setSelect(id, value string) string {
	return fmt.Sprintf(`(function () { var s = document.getElementById(%q); s.value = %q; s.dispatchEvent(new Event("change")); return s.value; })()`, id, value)
}

// TestBrowser loads the built site in headless Chromium, from disk
// (file://) and over Serve on 127.0.0.1, and checks that it works and that
// no hostile string runs.
func TestBrowser(t *testing.T) {
	needChromium(t)
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	out, _ := buildFixture(t, nil)

	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, out, "127.0.0.1:0", func(a net.Addr) { addrc <- a }) }()
	var addr net.Addr
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})

	for _, mode := range []struct{ name, base string }{
		{"file", "file://" + out + "/"},
		{"serve", "http://" + addr.String() + "/"},
	} {
		t.Run(mode.name, func(t *testing.T) { browserChecks(t, mode.base) })
	}
}

func browserChecks(t *testing.T, base string) {
	b := newBrowser(t)
	alpha, hostile, gamma := hashSlug("org/alpha-7b", 40), hashSlug(xssModel, 40), hashSlug(xssModel2, 40)

	// Index: rows, sorting, filtering, charts, tooltips, language.
	b.open(base + "index.html")
	b.wait("rows", `document.querySelectorAll("#lb tbody tr.r-latest").length === 3`)
	initial := evalIn[[]string](b, visibleNames)
	if len(initial) != 3 {
		t.Fatalf("visible rows %v", initial)
	}
	b.do(chromedp.Click(chromedp.CSS(`th[data-sort="name"]`)))
	byName := evalIn[[]string](b, visibleNames)
	want := []string{`"><img src=x onerror="window.__xss=2">`, xssModel, "Alpha 7B"}
	if strings.Join(byName, "|") != strings.Join(want, "|") {
		t.Errorf("sorted by name: %q, want %q", byName, want)
	}
	b.do(chromedp.Click(chromedp.CSS(`th[data-sort="name"]`)))
	if rev := evalIn[[]string](b, visibleNames); rev[0] != "Alpha 7B" {
		t.Errorf("second click did not reverse: %q", rev)
	}
	// kobest: alpha 78.3 > gamma 56.7, hostile missing and last.
	b.do(chromedp.Click(chromedp.CSS(`th[data-sort="g0"]`)))
	byKobest := evalIn[[]string](b, visibleNames)
	if strings.Join(byKobest, "|") != strings.Join([]string{"Alpha 7B", want[0], xssModel}, "|") {
		t.Errorf("sorted by kobest: %q", byKobest)
	}
	if rank := evalIn[string](b, `document.querySelector("#lb tbody tr:not(.r-run) td.rank").textContent`); rank != "1" {
		t.Errorf("rank cell = %q", rank)
	}
	evalIn[string](b, setSelect("f-org", "Acme"))
	if got := evalIn[[]string](b, visibleNames); len(got) != 1 || got[0] != "Alpha 7B" {
		t.Errorf("organisation filter: %q", got)
	}
	evalIn[string](b, setSelect("f-org", ""))
	evalIn[string](b, `(function () { var e = document.getElementById("f-pmin"); e.value = "10"; e.dispatchEvent(new Event("input")); return e.value; })()`)
	if got := evalIn[[]string](b, visibleNames); len(got) != 1 || got[0] != xssModel {
		t.Errorf("size filter ≥10B: %q", got)
	}
	evalIn[string](b, `(function () { var e = document.getElementById("f-pmin"); e.value = ""; e.dispatchEvent(new Event("input")); return e.value; })()`)
	b.do(chromedp.SendKeys(chromedp.CSS("#f-search"), "alpha"))
	if got := evalIn[[]string](b, visibleNames); len(got) != 1 || got[0] != "Alpha 7B" {
		t.Errorf("search: %q", got)
	}
	evalIn[string](b, `(function () { var e = document.getElementById("f-search"); e.value = ""; e.dispatchEvent(new Event("input")); return ""; })()`)
	b.do(chromedp.Click(chromedp.CSS("#f-allruns")))
	if got := evalIn[[]string](b, visibleNames); len(got) != 4 {
		t.Errorf("all runs view shows %d rows: %q", len(got), got)
	}
	b.do(chromedp.Click(chromedp.CSS("#f-allruns")))
	// Dropping the column only one model has makes alpha's average appear.
	avgText := `document.querySelector('#lb tbody tr.r-latest[data-name="Alpha 7B"] td.avg.col-g').innerText.trim()`
	if got := evalIn[string](b, avgText); got != "—" {
		t.Errorf("alpha average before = %q, want a dash", got)
	}
	b.do(chromedp.Click(chromedp.CSS(`input.avg-col[data-th="g1"]`)))
	// Macro: kobest's macro (0.8+0.7)/2 = 0.75 and kmmlu 0.5 give 0.625.
	if got := evalIn[string](b, avgText); got != "62.50" {
		t.Errorf("alpha average after dropping a column = %q, want 62.50", got)
	}
	b.wait("bar chart drawn", canvasInk+`("chart-bench-bar") > 500`)
	n := evalIn[int](b, `(function () { var c = echarts.getInstanceByDom(document.getElementById("chart-bench-bar"));
		c.dispatchAction({type: "showTip", seriesIndex: 0, dataIndex: 0}); return c.getOption().series[0].data.length; })()`)
	if n != 2 {
		t.Errorf("kobest bar chart has %d bars, want 2", n)
	}
	b.wait("tooltip with the hostile name as text", `document.getElementById("chart-bench-bar").innerText.indexOf("onerror") >= 0`)
	b.do(chromedp.Click(chromedp.CSS("#lang-toggle")))
	if lang := evalIn[string](b, `document.documentElement.lang + ":" + document.querySelector("header nav a").innerText`); lang != "en:Leaderboard" {
		t.Errorf("after the toggle: %q", lang)
	}
	b.do(chromedp.Click(chromedp.CSS("#lang-toggle")))
	if lang := evalIn[string](b, `document.documentElement.lang`); lang != "ko" {
		t.Errorf("toggle back: %q", lang)
	}
	b.clean("index")

	// Model pages (the radar) and a task page.
	b.open(base + "models/" + alpha + ".html")
	b.wait("radar drawn", canvasInk+`("chart-radar") > 500`)
	b.clean("model page")
	b.open(base + "models/" + hostile + ".html")
	b.wait("hostile model page", `document.querySelector("h1").textContent.indexOf("</script>") === 0`)
	b.clean("hostile model page")
	b.open(base + "tasks/" + taskSlug(xssTask) + ".html")
	b.wait("hostile task page", `document.querySelector("h1").textContent === `+fmt.Sprintf("%q", xssTask))
	b.open(base + "tasks/kobest_boolq.html")
	b.wait("task bar chart drawn", canvasInk+`("chart-task-bar") > 500`)
	b.wait("task efficiency chart drawn", canvasInk+`("chart-task-efficiency") > 100`)
	b.clean("task pages")
	b.open(base + "runs.html")
	b.clean("runs page")

	// Sample browser: paging, wrong answers, comparison, hostile output.
	articles := `document.querySelectorAll("#sb-list article").length`
	firstDoc := `(document.querySelector("#sb-list article strong") || {}).textContent`
	b.open(base + "samples.html#m=" + alpha + "&t=kobest_boolq")
	b.wait("first page", articles+` === 100`)
	if p := evalIn[string](b, `document.getElementById("sb-page").textContent`); !strings.HasSuffix(p, "1 / 3") {
		t.Errorf("pager says %q", p)
	}
	b.do(chromedp.Click(chromedp.CSS("#sb-next")))
	b.wait("second page", firstDoc+` === "문서 100"`)
	b.do(chromedp.Click(chromedp.CSS("#sb-next")))
	b.wait("last page", articles+` === 50 && `+firstDoc+` === "문서 200"`)
	if dis := evalIn[bool](b, `document.getElementById("sb-next").disabled`); !dis {
		t.Error("next is enabled on the last page")
	}
	b.do(chromedp.Click(chromedp.CSS("#sb-wrong")))
	// Shard 0 of alpha boolq: docs divisible by 5 are wrong, doc 3 is an error.
	b.wait("wrong answers only", articles+` === 21 && `+firstDoc+` === "문서 0"`)
	if good := evalIn[int](b, `document.querySelectorAll("#sb-list .badge.good").length`); good != 0 {
		t.Errorf("%d right answers shown with the wrong-only filter", good)
	}
	if h := evalIn[string](b, `location.hash`); !strings.Contains(h, "w=1") || !strings.Contains(h, "p=0") {
		t.Errorf("hash does not keep the state: %q", h)
	}
	evalIn[string](b, setSelect("sb-vs", gamma))
	b.wait("comparison", `document.querySelectorAll("#sb-list .sides.two").length > 0`)
	b.do(chromedp.Click(chromedp.CSS("#sb-differ")))
	b.wait("differences only", `document.querySelectorAll("#sb-list .sides.two").length > 0`)
	same := evalIn[int](b, `Array.from(document.querySelectorAll("#sb-list article")).filter(function (a) {
		var s = a.querySelectorAll(".side-head .badge"); return s.length === 2 && s[0].textContent === s[1].textContent; }).length`)
	if same != 0 {
		t.Errorf("%d samples shown as differing have the same verdict", same)
	}
	b.clean("sample browser")

	b.open(base + "samples.html#m=" + hostile + "&t=kobest_boolq")
	b.wait("hostile samples", articles+` === 100`)
	found := evalIn[bool](b, fmt.Sprintf(`Array.from(document.querySelectorAll("#sb-list pre")).some(function (p) { return p.textContent === %q; })`, xssResponse))
	if !found {
		t.Error("hostile response not shown verbatim as text")
	}
	b.do(chromedp.Click(chromedp.CSS("#sb-list details.prompt summary")))
	if imgs := evalIn[int](b, `document.querySelectorAll("#sb-list img, #sb-list script, #sb-list svg").length`); imgs != 0 {
		t.Errorf("%d elements made from sample text", imgs)
	}
	b.open(base + "samples.html#m=" + hostile + "&t=" + taskSlug(xssTask))
	b.wait("hostile task samples", articles+` === 20`)
	b.clean("hostile samples")
}
