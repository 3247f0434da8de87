package contracttest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/cloudplans/billing-mock/internal/plural"
)

// WriteText writes the report for people: one line per scenario, the failures in full, the
// coverage table and, as the last line, "N passed, N failed, N skipped". verbose adds the passing
// rows of the coverage table and the scenarios' descriptions. An exploration's report (Explore)
// says what ran and the divergence, and ends with "N divergences".
func WriteText(w io.Writer, rep *Report, verbose bool) error {
	var b strings.Builder
	if rep.Exploration != nil {
		writeExplorationText(&b, rep)
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "contract suite against %s (level: %s; test-support protocol: %s; scenarios isolated: %s)\n", rep.BaseURL, rep.Level, yesNo(rep.Control), yesNo(rep.Isolated))
	fmt.Fprintf(&b, "capabilities: %s\n", capabilityText(rep.Capabilities))
	for _, sc := range rep.Scenarios {
		switch sc.Outcome {
		case Passed:
			fmt.Fprintf(&b, "PASS  %s (%s, %s)\n", sc.Name, plural.Count(sc.Steps, "step"), sc.Duration.Round(1e5))
		case Skipped:
			fmt.Fprintf(&b, "SKIP  %s: %s\n", sc.Name, sc.SkipReason)
		case Failed:
			fmt.Fprintf(&b, "FAIL  %s (%s)\n", sc.Name, sc.File)
			for _, f := range sc.Failures {
				writeFailure(&b, f)
			}
		}
		if verbose && sc.Description != "" {
			fmt.Fprintf(&b, "      %s\n", strings.ReplaceAll(sc.Description, "\n", "\n      "))
		}
	}
	b.WriteString("\ncoverage (action × documented status):\n")
	for _, row := range rep.Coverage.Rows {
		if row.Exercised && !verbose {
			continue
		}
		mark := "missing "
		if row.Exercised {
			mark = "covered "
		}
		fmt.Fprintf(&b, "  %s %-5s %-38s %-20s %d\n", mark, row.Method, row.Path, row.Action, row.Status)
	}
	fmt.Fprintf(&b, "  %d of %d pairs exercised (%.1f%%)\n", rep.Coverage.Exercised, rep.Coverage.Total, rep.Coverage.Percent)
	for _, h := range rep.Hints {
		fmt.Fprintf(&b, "HINT  %s\n", h)
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(&b, "ERROR %s\n", e)
	}
	if line := levelText(rep); line != "" {
		b.WriteString(line + "\n")
	}
	fmt.Fprintf(&b, "%d passed, %d failed, %d skipped\n", rep.Passed, rep.Failed, rep.Skipped)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeFailure(b *strings.Builder, f Failure) {
	switch {
	case f.StepIndex > 0 && f.Line > 0:
		fmt.Fprintf(b, "  step %d %q (line %d):\n", f.StepIndex, f.Step, f.Line)
	case f.StepIndex > 0:
		fmt.Fprintf(b, "  step %d %q:\n", f.StepIndex, f.Step)
	}
	for _, fd := range f.Findings {
		fmt.Fprintf(b, "    [%s] %s\n", ruleTag(fd.Rule), strings.ReplaceAll(fd.Message, "\n", "\n    "))
	}
	if len(f.Diff) > 0 {
		b.WriteString("    diff (- expected, + got):\n")
		for _, d := range f.Diff {
			fmt.Fprintf(b, "      %s\n", strings.ReplaceAll(d, "\n", "\n      "))
		}
	}
	if f.Curl != "" {
		fmt.Fprintf(b, "    reproduce: %s\n", f.Curl)
	}
	if f.Answer != "" {
		fmt.Fprintf(b, "    answer: %s\n", f.Answer)
	}
}

// FailureText renders one failure as WriteText does.
func FailureText(f Failure) string {
	var b strings.Builder
	writeFailure(&b, f)
	return b.String()
}

// ruleTag is a finding's rule as the text report shows it: docs, D4 or setup.
func ruleTag(r Rule) string {
	if r.Level == LevelDecision {
		return r.Decision
	}
	return string(r.Level)
}

// levelText counts the failures by level: "2 failures against the docs, 5 against decisions of
// this contract"; "" when nothing failed and nothing was left out.
func levelText(rep *Report) string {
	c := rep.ByLevel
	var parts []string
	if c.Docs+c.Decision > 0 {
		parts = append(parts, fmt.Sprintf("%d %s against the docs, %d against decisions of this contract", c.Docs, plural.Noun(c.Docs, "failure"), c.Decision))
	}
	if c.Setup > 0 {
		parts = append(parts, fmt.Sprintf("%d %s of the setup (a state step, the roles, a scenario)", c.Setup, plural.Noun(c.Setup, "failure")))
	}
	if rep.IgnoredDecisions > 0 {
		parts = append(parts, fmt.Sprintf("%d %s against decisions left out (-level docs)", rep.IgnoredDecisions, plural.Noun(rep.IgnoredDecisions, "finding")))
	}
	return strings.Join(parts, "; ")
}

// capabilityText lists the capabilities with their sources: "complete_checkout (go), reset (http)".
func capabilityText(caps []CapabilitySource) string {
	if len(caps) == 0 {
		return "none (scenarios that need a state step are skipped)"
	}
	parts := make([]string, len(caps))
	for i, c := range caps {
		parts[i] = fmt.Sprintf("%s (%s)", c.Name, c.Source)
	}
	return strings.Join(parts, ", ")
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

// WriteJSON writes the report as indented JSON (see FORMAT.md, "JSON report").
func WriteJSON(w io.Writer, rep *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rep)
}

// JUnit XML, as CI viewers (Jenkins, GitLab, GitHub actions) read it.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Name    string       `xml:"name,attr"`
	Tests   int          `xml:"tests,attr"`
	Fails   int          `xml:"failures,attr"`
	Skips   int          `xml:"skipped,attr"`
	Time    string       `xml:"time,attr"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name  string `xml:"name,attr"`
	Tests int    `xml:"tests,attr"`
	Fails int    `xml:"failures,attr"`
	Errs  int    `xml:"errors,attr"`
	Skips int    `xml:"skipped,attr"`
	Time  string `xml:"time,attr"`
	// Properties count the failures by level, as the text report's last lines do.
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML: one testcase per scenario, plus one for the coverage
// minimum when it failed.
func WriteJUnit(w io.Writer, rep *Report) error {
	seconds := func(ms int64) string { return strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64) }
	suite := junitSuite{Name: "contracttest", Time: seconds(rep.DurationMS)}
	for _, sc := range rep.Scenarios {
		c := junitCase{Name: sc.Name, Classname: "contracttest." + strings.TrimSuffix(sc.File, ".yaml"), Time: seconds(sc.DurationMS)}
		switch sc.Outcome {
		case Failed:
			var text strings.Builder
			for _, f := range sc.Failures {
				writeFailure(&text, f)
			}
			msg, typ := "failed", "contract"
			if len(sc.Failures) > 0 && len(sc.Failures[0].Findings) > 0 {
				fd := sc.Failures[0].Findings[0]
				msg, typ = "["+ruleTag(fd.Rule)+"] "+fd.Message, sc.Failures[0].Level.String()
			}
			c.Failure = &junitMessage{Message: msg, Type: typ, Text: text.String()}
			suite.Fails++
		case Skipped:
			c.Skipped = &junitMessage{Message: sc.SkipReason}
			suite.Skips++
		}
		suite.Cases = append(suite.Cases, c)
	}
	for _, e := range rep.Errors {
		suite.Cases = append(suite.Cases, junitCase{Name: "run", Classname: "contracttest", Time: "0.000",
			Failure: &junitMessage{Message: e, Type: "run", Text: e}})
		suite.Fails++
	}
	suite.Tests = len(suite.Cases)
	suite.Properties = []junitProperty{
		{"level", rep.Level},
		{"docs_failures", strconv.Itoa(rep.ByLevel.Docs)},
		{"decision_failures", strconv.Itoa(rep.ByLevel.Decision)},
		{"setup_failures", strconv.Itoa(rep.ByLevel.Setup)},
		{"ignored_decision_findings", strconv.Itoa(rep.IgnoredDecisions)},
	}
	doc := junitSuites{Name: "contracttest", Tests: suite.Tests, Fails: suite.Fails, Skips: suite.Skips, Time: suite.Time, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}
