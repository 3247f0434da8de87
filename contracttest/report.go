package contracttest

import (
	"time"

	"github.com/cloudplans/billing-mock/contract"
)

// Outcome is the result of a scenario.
type Outcome string

// The outcomes of a scenario.
const (
	Passed  Outcome = "passed"
	Failed  Outcome = "failed"
	Skipped Outcome = "skipped"
)

// Report is the result of a run. Scenarios keep the order of the files, whatever -parallel is.
type Report struct {
	// BaseURL is the target.
	BaseURL string `json:"base_url"`
	// Level is the conformance level reported: "all" (docs and decisions) or "docs".
	Level string `json:"level"`
	// Control says whether the target serves the test-support protocol (GET /_mock/health).
	Control bool `json:"control_api"`
	// Isolated says whether each scenario ran in its own X-Mock-Session.
	Isolated bool `json:"isolated"`
	// Capabilities are the state steps the run could perform, each with its source.
	Capabilities []CapabilitySource `json:"capabilities"`
	Scenarios    []ScenarioResult   `json:"scenarios"`
	Coverage     Coverage           `json:"coverage"`
	// Hints say once what is wrong with many answers (a target that answers HTML).
	Hints []string `json:"hints,omitempty"`
	// Errors are failures of the run as a whole (an unreachable target, coverage under
	// -min-coverage).
	Errors  []string `json:"errors,omitempty"`
	Passed  int      `json:"passed"`
	Failed  int      `json:"failed"`
	Skipped int      `json:"skipped"`
	// ByLevel counts the failed steps by the rule they break ("2 failures against the docs, 5
	// against decisions of this contract"); a step that breaks both counts against the docs.
	ByLevel LevelCounts `json:"failures_by_level"`
	// IgnoredDecisions counts the findings against decisions that -level docs left out.
	IgnoredDecisions int `json:"ignored_decision_findings,omitempty"`
	// Exploration is what Explore did; nil for a run of the scenarios.
	Exploration *Exploration `json:"exploration,omitempty"`
	// Duration is the run's wall time; DurationMS the same in milliseconds, for JSON.
	Duration   time.Duration `json:"-"`
	DurationMS int64         `json:"duration_ms"`
}

// newReport is the report of a run against baseURL at level: "docs" for LevelDocs, else "all",
// its lists empty rather than null in JSON.
func newReport(baseURL string, level Level) *Report {
	rep := &Report{BaseURL: baseURL, Level: "all", Capabilities: []CapabilitySource{}, Scenarios: []ScenarioResult{}, Coverage: Coverage{Rows: []CoverageRow{}}}
	if level == LevelDocs {
		rep.Level = string(LevelDocs)
	}
	return rep
}

// finish records the run's duration since start.
func (r *Report) finish(start time.Time) {
	r.Duration = time.Since(start)
	r.DurationMS = r.Duration.Milliseconds()
}

// abort ends a run that could not run: err becomes the report's error entry, and both are returned.
func (r *Report) abort(start time.Time, err error) (*Report, error) {
	r.Errors = append(r.Errors, err.Error())
	r.finish(start)
	return r, err
}

// LevelCounts counts failed steps by level.
type LevelCounts struct {
	Docs     int `json:"docs"`
	Decision int `json:"decision"`
	// Setup counts failures that are not about the contract: a state step, roles that do not
	// fit the target, a broken scenario.
	Setup int `json:"setup"`
}

// add counts each of failures under its level.
func (c *LevelCounts) add(failures []Failure) {
	for _, f := range failures {
		switch f.Level {
		case LevelDocs:
			c.Docs++
		case LevelDecision:
			c.Decision++
		default:
			c.Setup++
		}
	}
}

// CapabilitySource is a capability and what supplies it: "go" (Options.Hooks), "hook" (the
// -hook command) or "http" (the test-support protocol of GET /_mock/health).
type CapabilitySource struct {
	Name   Capability `json:"name"`
	Source string     `json:"source"`
}

// OK reports whether the run passed: no failed scenario and no run error.
func (r *Report) OK() bool { return r.Failed == 0 && len(r.Errors) == 0 }

// ScenarioResult is the result of one scenario.
type ScenarioResult struct {
	Name        string  `json:"name"`
	File        string  `json:"file"`
	Description string  `json:"description,omitempty"`
	Outcome     Outcome `json:"outcome"`
	// SkipReason says why a scenario was skipped: the capability it misses and how to supply it.
	SkipReason string `json:"skip_reason,omitempty"`
	// Steps is the number of steps run (all of them, unless one failed).
	Steps    int       `json:"steps"`
	Failures []Failure `json:"failures,omitempty"`
	// Duration is the scenario's wall time; DurationMS the same in milliseconds, for JSON.
	Duration   time.Duration `json:"-"`
	DurationMS int64         `json:"duration_ms"`
}

// Failure is what went wrong in one step.
type Failure struct {
	// Step is the step's name, StepIndex its 1-based index and Line its line in the file.
	Step      string `json:"step"`
	StepIndex int    `json:"step_index"`
	Line      int    `json:"line,omitempty"`
	// Level is the most serious level of the findings: docs, then decision, then setup.
	Level Level `json:"level"`
	// Decisions are the ids of the decisions the findings break (README, "Where the docs were
	// unclear").
	Decisions []string `json:"decisions,omitempty"`
	// Findings are what was expected and what came, one each, with the rule each breaks.
	Findings []Finding `json:"findings"`
	// Messages are the findings' messages, in the same order.
	Messages []string `json:"messages"`
	// Diff holds go-cmp's reports of the differences: the body ("-" expected, "+" got), each
	// element of an each check (headed by its pointer), or each view the state checks found
	// changed (headed by "describe <org>" or "history <org>"; "-" expected or before, "+" after).
	Diff []string `json:"diff,omitempty"`
	// Problems are the contract's findings on the answer, with field paths.
	Problems []contract.Problem `json:"problems,omitempty"`
	// Curl reproduces the request (a shell command: a curl, or the hook with its event).
	Curl string `json:"curl,omitempty"`
	// Answer is the beginning of the answer's body.
	Answer string `json:"answer,omitempty"`
}

// Coverage says which action × documented status pairs the run exercised.
type Coverage struct {
	Rows      []CoverageRow `json:"rows"`
	Exercised int           `json:"exercised"`
	Total     int           `json:"total"`
	// Percent is Exercised / Total × 100, rounded down to one decimal.
	Percent float64 `json:"percent"`
}

// CoverageRow is one action and status of the contract.
type CoverageRow struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Action    string `json:"action"`
	Status    int    `json:"status"`
	Exercised bool   `json:"exercised"`
}
