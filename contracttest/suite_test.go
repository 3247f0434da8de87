package contracttest

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// TestMockPasses runs the suite, through Run, against the mock in process.
func TestMockPasses(t *testing.T) {
	t.Parallel()
	rep := Run(t, serve(t, newMock(t)), Options{Timeout: 5 * time.Second})
	if rep == nil || !rep.OK() || rep.Skipped != 0 || !rep.Control || !rep.Isolated {
		t.Fatalf("report: %+v", rep)
	}
}

// TestPathPrefix: the base URL's path is kept in front of every request, control calls included.
func TestPathPrefix(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.Handle("/api/", http.StripPrefix("/api", newMock(t)))
	rep := execute(t, Options{BaseURL: serve(t, mux) + "/api/"})
	if !rep.OK() || !rep.Control {
		t.Fatalf("report:\n%s", text(t, rep))
	}
}

func TestHistoryInvariant(t *testing.T) {
	t.Parallel()
	o := &outgoing{Method: http.MethodGet, Path: historyPath, Query: url.Values{"org_id": {"org_a"}}}
	inv := func(id, date, due string) any {
		return map[string]any{"id": id, "date": date, "due_date": due, "organization": "org_a"}
	}
	cases := []struct {
		list []any
		want string // "" passes
	}{
		{nil, ""},
		{[]any{inv("inv_2", "2026-02-01", "2026-02-15"), inv("inv_1", "2026-01-01", "2026-01-01")}, ""},
		{[]any{inv("inv_1", "2026-01-01", "2026-01-01"), inv("inv_2", "2026-01-01", "2026-01-02"), inv("inv_0", "2025-12-31", "2026-01-01")}, ""},
		{[]any{inv("inv_1", "2026-01-01", "2026-01-01"), inv("inv_2", "2026-02-01", "2026-02-01")}, "[D19] body /billing_history/1/date: expected newest first (dates never increasing), got 2026-02-01 after 2026-01-01"},
		{[]any{inv("inv_1", "2026-01-02", "2026-01-01")}, "[D8] body /billing_history/0/due_date: expected on or after its date 2026-01-02, got 2026-01-01"},
		{[]any{inv("inv_1", "2026-01-02", "2026-01-02"), inv("inv_1", "2026-01-01", "2026-01-01")}, "[D21] body /billing_history/1/id: inv_1 is also /billing_history/0: each invoice once"},
		{[]any{map[string]any{"id": "inv_1", "date": "2026-01-01", "due_date": "2026-01-01", "organization": "org_b"}}, `[D9] body /billing_history/0/organization: expected "org_a" (the organization asked for), got "org_b"`},
	}
	for i, c := range cases {
		var msgs []string
		for _, fd := range invariants(o, historyAction, map[string]any{"billing_history": c.list}) {
			msgs = append(msgs, "["+ruleTag(fd.Rule)+"] "+fd.Message)
		}
		if got := strings.Join(msgs, "; "); got != c.want {
			t.Errorf("case %d: %q, want %q", i, got, c.want)
		}
	}
}

func TestRunFilter(t *testing.T) {
	t.Parallel()
	rep := execute(t, Options{BaseURL: serve(t, newMock(t)), Run: regexp.MustCompile("^(auth|read)$")})
	if len(rep.Scenarios) != 2 || rep.Scenarios[0].Name != "auth" || rep.Scenarios[1].Name != "read" || !rep.OK() {
		t.Fatalf("report:\n%s", text(t, rep))
	}
}

func TestMinCoverage(t *testing.T) {
	t.Parallel()
	rep := execute(t, Options{BaseURL: serve(t, newMock(t)), MinCoverage: 99.5, Run: regexp.MustCompile("^read$")})
	if rep.OK() || rep.Failed != 0 || !strings.Contains(text(t, rep), "-min-coverage") {
		t.Fatalf("a coverage gap must fail the run:\n%s", text(t, rep))
	}
}

// TestFullCoverage: against the mock the suite exercises every documented status of every action,
// without the mock-only Prefer header (the prefer scenario is left out): fault rules give the 500s.
func TestFullCoverage(t *testing.T) {
	t.Parallel()
	scenarios, err := loadOptionsScenarios(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sc := range scenarios {
		if sc.Name != "prefer" {
			names = append(names, regexp.QuoteMeta(sc.Name))
		}
	}
	run := regexp.MustCompile("^(" + strings.Join(names, "|") + ")$")
	base := serve(t, newMock(t))
	for _, opts := range []Options{{BaseURL: base, MinCoverage: 100}, {BaseURL: base, MinCoverage: 100, Run: run}} {
		rep := execute(t, opts)
		if !rep.OK() || rep.Coverage.Percent != 100 || rep.Coverage.Exercised != rep.Coverage.Total {
			t.Errorf("-min-coverage 100 (run %v) failed:\n%s", opts.Run, text(t, rep))
		}
	}
}

// normalize zeroes what changes between runs: durations and the base URL.
func normalize(rep *Report) *Report {
	out := *rep
	out.BaseURL, out.Duration, out.DurationMS = "BASE_URL", 0, 0
	out.Scenarios = append([]ScenarioResult(nil), rep.Scenarios...)
	for i := range out.Scenarios {
		out.Scenarios[i].Duration, out.Scenarios[i].DurationMS = 0, 0
	}
	return &out
}

func jsonOf(t *testing.T, rep *Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteJSON(&b, normalize(rep)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestJSONGolden: the JSON report is stable (go test -run TestJSONGolden -update rewrites it).
func TestJSONGolden(t *testing.T) {
	t.Parallel()
	rep := execute(t, Options{BaseURL: serve(t, newMock(t)), Parallel: 8, RunID: "golden"})
	got := jsonOf(t, rep)
	path := filepath.Join("testdata", "report.golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the JSON report differs from %s (go test -run TestJSONGolden -update):\n%s", path, got)
	}
	var back Report
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	base := serve(t, newMock(t))
	ts := strings.TrimPrefix(base, "http://")
	_ = ts
	srv := serveClosed(t)
	_, err := Execute(t.Context(), Options{BaseURL: srv})
	if err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("err = %v", err)
	}
	_, err = Execute(t.Context(), Options{BaseURL: "ftp://x"})
	var ue *UsageError
	if err == nil || !errorsAs(err, &ue) {
		t.Fatalf("err = %v", err)
	}
}
