package contracttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
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
	base, control := hiddenMock(t)
	opts := contracttest.Options{BaseURL: base, Hooks: sidechannel.Hooks(control), Timeout: 5 * time.Second}
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
	base, _ := hiddenMock(t)
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

// TestLevels: findings against decisions count apart from findings against the docs, and
// -level docs leaves them out.
func TestLevels(t *testing.T) {
	t.Parallel()
	code := broken.Find("wrong error code") // a 403 with another code: decision D15
	rep, out := broken.Run(t, code, mockTarget(t, contracttest.Options{}))
	if rep.OK() || rep.ByLevel.Decision == 0 || rep.ByLevel.Docs != 0 || !strings.Contains(out, "0 failures against the docs, ") || !strings.Contains(out, " against decisions of this contract\n") {
		t.Fatalf("all levels:\n%s", out)
	}
	rep, out = broken.Run(t, code, mockTarget(t, contracttest.Options{Level: contracttest.LevelDocs}))
	if !rep.OK() || rep.IgnoredDecisions == 0 || rep.Level != "docs" || !strings.Contains(out, "findings against decisions left out (-level docs)") {
		t.Fatalf("-level docs:\n%s", out)
	}
	typ := broken.Find("quantity as a number") // describe's quantity as a JSON number: the docs show a string
	rep, out = broken.Run(t, typ, mockTarget(t, contracttest.Options{Level: contracttest.LevelDocs}))
	if rep.OK() || rep.ByLevel.Docs == 0 || !strings.Contains(out, "[docs] contract: body /response/subscription/quantity: expected type string") {
		t.Fatalf("-level docs, a docs finding:\n%s", out)
	}
	var b bytes.Buffer
	if err := contracttest.WriteJSON(&b, rep); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Level   string                   `json:"level"`
		ByLevel contracttest.LevelCounts `json:"failures_by_level"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil || doc.Level != "docs" || doc.ByLevel != rep.ByLevel {
		t.Errorf("JSON: %v %+v", err, doc)
	}
	b.Reset()
	if err := contracttest.WriteJUnit(&b, rep); err != nil || !strings.Contains(b.String(), `<property name="docs_failures" value="`+strconv.Itoa(rep.ByLevel.Docs)+`">`) {
		t.Errorf("JUnit: %v\n%s", err, b.String())
	}
}

// TestHTMLHint: a target that answers an HTML page to everything (a wrong -base-url) gets one
// hint, and the page is not repeated in every failure.
func TestHTMLHint(t *testing.T) {
	t.Parallel()
	const page = "<!DOCTYPE html><html><body>Welcome to our website</body></html>"
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, page)
	}))
	t.Cleanup(site.Close)
	rep, out := executeText(t, contracttest.Options{BaseURL: site.URL})
	if rep.OK() || len(rep.Hints) != 1 || strings.Count(out, "Welcome to our website") != 1 ||
		!strings.Contains(out, "Is -base-url the billing API's base URL") || !strings.Contains(out, "(text/html; charset=utf-8, 63 bytes, not JSON: see the hint at the end)") {
		t.Fatalf("report:\n%s", out)
	}
}

// TestRestore: without reset, a scenario that fails midway still leaves the organizations as it
// found them: the subscription it started is cancelled, the quantity and the card put back.
func TestRestore(t *testing.T) {
	t.Parallel()
	base, control := hiddenMock(t)
	scenario := `name: midway
requires: [complete_checkout, complete_card_update]
level: docs
steps:
  - request: {method: POST, path: /v1/organizations/billing/update, query: {action: getpaymentlink, org_id: "{{fresh_org}}", quantity: "2"}, auth: "{{token}}"}
    expect: {capture: {link: /response}}
  - control: complete_checkout
    link: "{{link}}"
  - request: {method: POST, path: /v1/organizations/billing/update, query: {action: updatesubscription}, body: {org_id: "{{org}}", quantity: 9}, auth: "{{token}}"}
  - request: {method: POST, path: /v1/organizations/billing/update, query: {action: getupdatecardlink}, body: {org_id: "{{org}}"}, auth: "{{token}}"}
    expect: {capture: {card: /response}}
  - control: complete_card_update
    link: "{{card}}"
    body: {payment_exp: "2035-01"}
  - name: fails on purpose
    request: {path: /v1/organizations/billing/describe, query: {action: getorganization, org_id: "{{org}}"}, auth: "{{token}}"}
    expect: {status: 418}
`
	opts := contracttest.Options{BaseURL: base, Hooks: sidechannel.Hooks(control), Scenarios: fstest.MapFS{"midway.yaml": {Data: []byte(scenario)}}}
	rep, out := executeText(t, opts)
	if rep.OK() || len(rep.Scenarios[0].Failures) != 1 || rep.Scenarios[0].Failures[0].Step != "fails on purpose" {
		t.Fatalf("want the one failure on purpose:\n%s", out)
	}
	describe := func(org string) string {
		req, _ := http.NewRequest(http.MethodGet, base+"/v1/organizations/billing/describe?action=getorganization&org_id="+org, nil)
		req.Header.Set("Authorization", "Bearer tok_owner")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return string(data)
	}
	if got := describe("org_new"); !strings.Contains(got, `"subscription":null`) {
		t.Errorf("org_new keeps the subscription the scenario started: %s", got)
	}
	if got := describe("org_acme"); !strings.Contains(got, `"quantity":"3"`) || !strings.Contains(got, `"payment_exp":"2028-04"`) {
		t.Errorf("org_acme was not put back: %s", got)
	}
}

// TestIsolationNeedsTheSessionEcho: a target whose health answer lists capabilities but does not
// echo X-Mock-Session (a real test build) gets no session header on its billing API and its
// state-changing scenarios one at a time.
func TestIsolationNeedsTheSessionEcho(t *testing.T) {
	t.Parallel()
	srv, err := mock.New(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var sessions []string
	testBuild := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/_mock/health":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"status":200,"capabilities":["complete_checkout","no_such_capability"]}`)
			return
		case strings.HasPrefix(r.URL.Path, "/v1/") && r.Header.Get("X-Mock-Session") != "":
			mu.Lock()
			sessions = append(sessions, r.Header.Get("X-Mock-Session"))
			mu.Unlock()
		}
		srv.ServeHTTP(w, r)
	})
	base := httptest.NewServer(testBuild)
	t.Cleanup(base.Close)
	rep, out := executeText(t, contracttest.Options{BaseURL: base.URL, Run: regexp.MustCompile("^(lifecycle|update-roundtrip|read)$")})
	if !rep.OK() || rep.Isolated || !rep.Control || len(rep.Capabilities) != 1 || rep.Passed != 3 {
		t.Fatalf("report:\n%s", out)
	}
	if len(sessions) > 0 {
		t.Errorf("the billing API got X-Mock-Session %v", sessions[:1])
	}
}

// TestSameDateCreationOrder: among invoices of one date the contract puts the most recently
// created first (D19). One answer cannot show creation order, but a change can: the mock's
// changes in update-roundtrip and lifecycle make invoices of one date (the clock does not move),
// each new one first, and pass; a history that puts each new invoice after the older ones of its
// date fails at the second change of a day.
func TestSameDateCreationOrder(t *testing.T) {
	t.Parallel()
	run := regexp.MustCompile("^(update-roundtrip|lifecycle)$")
	rep, out := broken.Run(t, broken.Variant{Name: "the mock", Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler { return h }},
		mockTarget(t, contracttest.Options{Run: run}))
	if !rep.OK() || rep.Passed != 2 {
		t.Fatalf("the mock:\n%s", out)
	}
	rep, out = broken.Run(t, broken.Find("same-date invoices oldest first"), mockTarget(t, contracttest.Options{Run: run}))
	if rep.OK() || !strings.Contains(out, "[D19] history org_acme after updatesubscription of org_acme to 3: the new invoice ") ||
		!strings.Contains(out, "is at /billing_history/1, expected first (newest first: it is the most recently created)") {
		t.Fatalf("same-date invoices, oldest created first:\n%s", out)
	}
}
