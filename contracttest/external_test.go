package contracttest_test

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

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
		`step 4 "describe shows the new quantity" (line 16):`,
		"diff (- expected, + got):",
		`- "quantity": string("4"),`,
		`+ "quantity": string("3"),`,
		`... // 1 ignored entry`,
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("the report lacks the line %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "; differs at /response/subscription/quantity\n") {
		t.Errorf("the report does not name the pointer:\n%s", out)
	}
	f := rep.Scenarios[0].Failures[0]
	if len(f.Diff) != 1 || !strings.HasPrefix(f.Diff[0], "  map[string]any{\n") {
		t.Errorf("Failure.Diff: %q", f.Diff)
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
