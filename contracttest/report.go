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
	// Control says whether the target has the control API.
	Control   bool             `json:"control_api"`
	Scenarios []ScenarioResult `json:"scenarios"`
	Coverage  Coverage         `json:"coverage"`
	// Errors are failures of the run as a whole (coverage under -min-coverage).
	Errors  []string `json:"errors,omitempty"`
	Passed  int      `json:"passed"`
	Failed  int      `json:"failed"`
	Skipped int      `json:"skipped"`
	// Duration is the run's wall time; DurationMS the same in milliseconds, for JSON.
	Duration   time.Duration `json:"-"`
	DurationMS int64         `json:"duration_ms"`
}

// OK reports whether the run passed: no failed scenario and no run error.
func (r *Report) OK() bool { return r.Failed == 0 && len(r.Errors) == 0 }

// ScenarioResult is the result of one scenario.
type ScenarioResult struct {
	Name        string  `json:"name"`
	File        string  `json:"file"`
	Description string  `json:"description,omitempty"`
	Outcome     Outcome `json:"outcome"`
	// SkipReason says why a scenario was skipped.
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
	// Messages say what was expected and what came, one finding each.
	Messages []string `json:"messages"`
	// Diff holds go-cmp's reports of the differences: the body ("-" expected, "+" got), each
	// element of an each check (headed by its pointer), or each view the state check found
	// changed (headed by "describe <org>" or "history <org>"; "-" before, "+" after).
	Diff []string `json:"diff,omitempty"`
	// Problems are the contract's findings on the answer, with field paths.
	Problems []contract.Problem `json:"problems,omitempty"`
	// Curl reproduces the request.
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
