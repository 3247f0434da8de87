package contracttest_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudplans/billing-mock/contracttest"
	"github.com/cloudplans/billing-mock/contracttest/broken"
	"github.com/cloudplans/billing-mock/contracttest/internal/sidechannel"
	"github.com/cloudplans/billing-mock/mock"
)

// mockTarget is a fresh mock for a broken variant.
func mockTarget(t *testing.T, opts contracttest.Options) broken.Target {
	t.Helper()
	srv, err := mock.New(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return broken.Target{Handler: http.Handler(srv), Options: opts}
}

// TestDiffInReport: a body that does not match shows go-cmp's report, "-" expected and "+" got,
// and the pointers that differ.
func TestDiffInReport(t *testing.T) {
	t.Parallel()
	rep, out := broken.Run(t, broken.Find("skips an update"), mockTarget(t, contracttest.Options{Run: regexp.MustCompile("^update-roundtrip$")}))
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		lines = append(lines, strings.Join(strings.Fields(l), " "))
	}
	for _, want := range []string{
		`step 3 "update to one more instance" (line 14):`,
		"[D20] describe org_acme after updatesubscription of org_acme to 4: expected exactly that change; differs at /response/subscription/quantity",
		"[D20] history org_acme after updatesubscription of org_acme to 4: expected exactly one new invoice, got none",
		"diff (- expected, + got):",
		`- "quantity": string("4"),`,
		`+ "quantity": string("3"),`,
		`... // 1 ignored entry`,
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("the report lacks the line %q:\n%s", want, out)
		}
	}
	f := rep.Scenarios[0].Failures[0]
	if len(f.Diff) != 1 || !strings.HasPrefix(f.Diff[0], "describe org_acme (- expected, + got):\n  map[string]any{\n") {
		t.Errorf("Failure.Diff: %q", f.Diff)
	}
	if f.Level != contracttest.LevelDecision || !slices.Equal(f.Decisions, []string{"D20"}) || rep.ByLevel.Decision != 1 {
		t.Errorf("level %q, decisions %v, counts %+v", f.Level, f.Decisions, rep.ByLevel)
	}
}

// TestDeterministic: two runs against a broken target give the same report, modulo durations.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	v := broken.Find("200 instead of 409")
	a, _ := broken.Run(t, v, mockTarget(t, contracttest.Options{Parallel: 8, RunID: "same"}))
	b, _ := broken.Run(t, v, mockTarget(t, contracttest.Options{Parallel: 1, RunID: "same"}))
	ja, jb := normalizedJSON(t, a), normalizedJSON(t, b)
	if !bytes.Equal(ja, jb) {
		t.Errorf("two runs differ:\n%s\n---\n%s", ja, jb)
	}
}

// normalizedJSON is the JSON report without what changes between runs: durations and the base URL.
func normalizedJSON(t *testing.T, rep *contracttest.Report) []byte {
	t.Helper()
	out := *rep
	out.BaseURL, out.Duration, out.DurationMS = "BASE_URL", 0, 0
	out.Scenarios = slices.Clone(rep.Scenarios)
	for i := range out.Scenarios {
		out.Scenarios[i].Duration, out.Scenarios[i].DurationMS = 0, 0
		out.Scenarios[i].Failures = slices.Clone(out.Scenarios[i].Failures)
		for j := range out.Scenarios[i].Failures {
			f := &out.Scenarios[i].Failures[j]
			f.Curl = strings.ReplaceAll(f.Curl, rep.BaseURL, "BASE_URL")
		}
	}
	var b bytes.Buffer
	if err := contracttest.WriteJSON(&b, &out); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestJUnit: the JUnit report counts what the report counts.
func TestJUnit(t *testing.T) {
	t.Parallel()
	rep, _ := broken.Run(t, broken.Find("drops subscription"), mockTarget(t, contracttest.Options{}))
	var b bytes.Buffer
	if err := contracttest.WriteJUnit(&b, rep); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Tests int `xml:"tests,attr"`
			Fails int `xml:"failures,attr"`
			Skips int `xml:"skipped,attr"`
			Cases []struct {
				Time    string `xml:"time,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b.String())
	}
	s := doc.Suites[0]
	if s.Tests != len(rep.Scenarios) || s.Fails != rep.Failed || s.Skips != rep.Skipped || s.Fails == 0 {
		t.Fatalf("counts: %+v", s)
	}
	for _, c := range s.Cases {
		if c.Time == "" || (c.Failure != nil && c.Failure.Message == "") {
			t.Errorf("case %+v", c)
		}
	}
}

// TestHiddenControlAPI: the mock with its control API hidden behind a proxy, and Go hooks that
// perform the state steps through a side channel, without reset: nothing is skipped but the
// scenarios that need the mock's own fault rules and Prefer header, and the suite passes twice
// in a row against the same mock, so every scenario left the organizations as it found them.
func TestHiddenControlAPI(t *testing.T) {
	t.Parallel()
	srv, err := mock.New(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	control := httptest.NewServer(srv)
	t.Cleanup(control.Close)
	proxied := httptest.NewServer(sidechannel.HideControl(srv))
	t.Cleanup(proxied.Close)
	opts := contracttest.Options{BaseURL: proxied.URL, Hooks: sidechannel.Hooks(control.URL), Timeout: 5 * time.Second}
	for run := 1; run <= 2; run++ {
		rep, out := executeText(t, opts)
		if !rep.OK() || rep.Control || rep.Isolated {
			t.Fatalf("run %d:\n%s", run, out)
		}
		for _, sc := range rep.Scenarios {
			wantSkip := sc.Name == "faults" || sc.Name == "prefer"
			if (sc.Outcome == contracttest.Skipped) != wantSkip {
				t.Errorf("run %d: %s %s (%s)", run, sc.Name, sc.Outcome, sc.SkipReason)
			}
		}
	}
}

// executeText runs the suite and renders its text report; a run error fails t.
func executeText(t *testing.T, opts contracttest.Options) (*contracttest.Report, string) {
	t.Helper()
	rep, err := contracttest.Execute(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := contracttest.WriteText(&out, rep, false); err != nil {
		t.Fatal(err)
	}
	return rep, out.String()
}

// TestWithoutControlSkips: without the test-support protocol or hooks, the scenarios that need a
// state step are skipped, each naming what it misses and how to supply it; the rest pass.
func TestWithoutControlSkips(t *testing.T) {
	t.Parallel()
	srv, err := mock.New(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sidechannel.HideControl(srv))
	t.Cleanup(ts.Close)
	base := ts.URL
	rep, out := executeText(t, contracttest.Options{BaseURL: base})
	skips := map[string]string{
		"card-update": "needs complete_card_update, decline_card_update, decline_checkout: supply it with -hook CMD",
		"faults":      "needs fault, which only the billing mock's control API has",
		"lifecycle":   "needs complete_checkout: supply it with -hook CMD (the events of the same names), Options.Hooks, or the test-support protocol",
		"past-due":    "needs complete_checkout, complete_card_update, advance_clock: supply it",
		"prefer":      "needs prefer, which only the billing mock's control API has",
	}
	if !rep.OK() || rep.Control || rep.Isolated || rep.Skipped != len(skips) {
		t.Fatalf("want %d skips and a pass:\n%s", len(skips), out)
	}
	for _, sc := range rep.Scenarios {
		want, skip := skips[sc.Name]
		if skip != (sc.Outcome == contracttest.Skipped) || !strings.Contains(sc.SkipReason, want) {
			t.Errorf("%s: %s %q", sc.Name, sc.Outcome, sc.SkipReason)
		}
	}
	if !strings.HasSuffix(out, "passed, 0 failed, 5 skipped\n") {
		t.Errorf("last line:\n%s", out)
	}

	rep, out = executeText(t, contracttest.Options{BaseURL: base, RequireControl: true, Run: regexp.MustCompile("^lifecycle$")})
	if rep.OK() || rep.Failed != 1 || rep.ByLevel.Setup != 1 || !strings.Contains(out, "-require-control") {
		t.Fatalf("-require-control must fail the skip:\n%s", out)
	}
}

