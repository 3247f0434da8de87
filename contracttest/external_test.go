package contracttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudplans/billing-mock/contracttest"
	"github.com/cloudplans/billing-mock/contracttest/broken"
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

// hiddenControl answers 404 under /_mock/, as a real service without a test-support protocol
// does.
func hiddenControl(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_mock/") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"status":404,"error":{"code":"not_found","message":"no such path"}}`))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// sideChannel are Go hooks that perform the state steps through the mock's own control API,
// reached at control, as a real service's test build would mark a payment done in its database.
func sideChannel(t *testing.T, control string) contracttest.Hooks {
	post := func(ctx context.Context, path string, body any) error {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, control+path, bytes.NewReader(data))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %d %s", path, resp.StatusCode, answer)
		}
		return nil
	}
	id := func(link string) string {
		u, err := url.Parse(link)
		if err != nil {
			t.Errorf("link %q: %v", link, err)
			return ""
		}
		return path.Base(u.Path)
	}
	card := func(exp string) any {
		if exp == "" {
			return map[string]any{}
		}
		return map[string]any{"payment_exp": exp}
	}
	return contracttest.Hooks{
		CompleteCheckout: func(ctx context.Context, link, exp string) error {
			return post(ctx, "/_mock/checkouts/"+id(link)+"/complete", card(exp))
		},
		DeclineCheckout: func(ctx context.Context, link string) error {
			return post(ctx, "/_mock/checkouts/"+id(link)+"/decline", map[string]any{})
		},
		CompleteCardUpdate: func(ctx context.Context, link, exp string) error {
			return post(ctx, "/_mock/card-updates/"+id(link)+"/complete", card(exp))
		},
		DeclineCardUpdate: func(ctx context.Context, link string) error {
			return post(ctx, "/_mock/card-updates/"+id(link)+"/decline", map[string]any{})
		},
		AdvanceClock: func(ctx context.Context, by time.Duration) error {
			return post(ctx, "/_mock/clock/advance", map[string]any{"by": by.String()})
		},
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
	proxied := httptest.NewServer(hiddenControl(srv))
	t.Cleanup(proxied.Close)
	opts := contracttest.Options{BaseURL: proxied.URL, Hooks: sideChannel(t, control.URL), Timeout: 5 * time.Second}
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
	ts := httptest.NewServer(hiddenControl(srv))
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

