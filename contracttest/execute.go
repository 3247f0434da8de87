package contracttest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	billingmock "github.com/cloudplans/billing-mock"
	"github.com/cloudplans/billing-mock/contract"
)

// ErrUnreachable says that nothing answers at the base URL.
var ErrUnreachable = errors.New("the target is unreachable")

// UsageError says that the options cannot run (a bad base URL, unloadable scenarios, a -run that
// matches nothing, a hook that does not answer its capabilities).
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// runner is one run's shared context.
type runner struct {
	opts     Options
	roles    Roles
	contract *contract.Contract
	client   *client
	runID    string
	level    Level
	cov      *coverageSet
	hook     *commandHook
	// caps maps each capability the run has to its source ("go", "hook", "http").
	caps map[Capability]string
	// control: the target serves the test-support protocol; isolated: it keeps each
	// X-Mock-Session apart, so scenarios run in parallel, each in its own session.
	control, isolated bool
	// ignored counts the findings -level docs left out.
	ignored atomic.Int64
	hints   *hints
}

// Execute runs the suite against opts.BaseURL. It returns an error only when the suite cannot run:
// a *UsageError for bad options or scenarios, or an error wrapping ErrUnreachable when nothing
// answers at the base URL; the report is then still returned, with the error as its one Errors
// entry, so that JSON and JUnit reports can always be written. Contract failures are in the
// Report (see Report.OK).
func Execute(ctx context.Context, opts Options) (*Report, error) {
	start := time.Now()
	rep := newReport(opts.BaseURL, opts.Level)
	fail := func(err error) (*Report, error) { return rep.abort(start, err) }
	r, selected, err := newRunner(opts)
	if err != nil {
		return fail(err)
	}
	rep.BaseURL = r.client.base.String()
	if err := r.detect(ctx); err != nil {
		return fail(err)
	}
	rep.Control, rep.Isolated = r.control, r.isolated
	for _, c := range AllCapabilities() {
		if src, ok := r.caps[c]; ok {
			rep.Capabilities = append(rep.Capabilities, CapabilitySource{Name: c, Source: src})
		}
	}
	rep.Scenarios = r.runAll(ctx, selected)
	for _, res := range rep.Scenarios {
		switch res.Outcome {
		case Passed:
			rep.Passed++
		case Failed:
			rep.Failed++
		case Skipped:
			rep.Skipped++
		}
		rep.ByLevel.add(res.Failures)
	}
	rep.IgnoredDecisions = int(r.ignored.Load())
	rep.Hints = r.hints.list()
	rep.Coverage = r.cov.table(r.contract)
	if opts.MinCoverage > 0 && rep.Coverage.Percent < opts.MinCoverage {
		rep.Errors = append(rep.Errors, fmt.Sprintf("coverage %.1f%% is under -min-coverage %.1f%%: %d of %d action × status pairs exercised",
			rep.Coverage.Percent, opts.MinCoverage, rep.Coverage.Exercised, rep.Coverage.Total))
	}
	if err := ctx.Err(); err != nil {
		rep.Errors = append(rep.Errors, "the run was interrupted: "+err.Error())
	}
	rep.finish(start)
	return rep, nil
}

// newRunner checks the options and loads the scenarios -run selects.
func newRunner(opts Options) (*runner, []*Scenario, error) {
	r, err := newBaseRunner(opts)
	if err != nil {
		return nil, nil, err
	}
	scenarios, err := loadOptionsScenarios(opts)
	if err != nil {
		return nil, nil, &UsageError{Err: err}
	}
	var selected []*Scenario
	var names []string
	for _, sc := range scenarios {
		names = append(names, sc.Name)
		if opts.Run == nil || opts.Run.MatchString(sc.Name) {
			selected = append(selected, sc)
		}
	}
	if len(selected) == 0 {
		return nil, nil, &UsageError{Err: fmt.Errorf("-run %q matches no scenario; the scenarios are: %s", opts.Run, strings.Join(names, ", "))}
	}
	return r, selected, nil
}

// newBaseRunner checks the options that every kind of run reads (base URL, level) and builds the
// runner's client, contract and hook.
func newBaseRunner(opts Options) (*runner, error) {
	base, err := parseBaseURL(opts.BaseURL)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	switch opts.Level {
	case "", LevelDocs:
	default:
		return nil, &UsageError{Err: fmt.Errorf("level %q: docs, or empty for docs and decisions", opts.Level)}
	}
	c, err := contract.Embedded()
	if err != nil {
		return nil, fmt.Errorf("contracttest: %w", err)
	}
	r := &runner{opts: opts, roles: opts.Roles.WithDefaults(), contract: c, runID: opts.RunID, level: opts.Level, cov: newCoverageSet(), hints: &hints{}}
	if r.runID == "" {
		var b [4]byte
		_, _ = rand.Read(b[:])
		r.runID = hex.EncodeToString(b[:])
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	hc := opts.Client
	if hc == nil {
		hc = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	r.client = &client{http: hc, base: base, timeout: timeout}
	if opts.HookCommand != "" {
		r.hook = &commandHook{command: opts.HookCommand, timeout: timeout}
	}
	return r, nil
}

// loadOptionsScenarios loads opts.Scenarios, or the embedded fixtures/contract.
func loadOptionsScenarios(opts Options) ([]*Scenario, error) {
	fsys := opts.Scenarios
	if fsys == nil {
		sub, err := fs.Sub(billingmock.Fixtures(), embeddedDir)
		if err != nil {
			return nil, fmt.Errorf("embedded scenarios: %w", err)
		}
		fsys = sub
	}
	return LoadScenarios(fsys)
}

// runAll runs the scenarios and returns their results in the scenarios' order. Isolated, every
// scenario has its own session and all run in parallel; otherwise the scenarios that change state
// run one at a time after the others.
func (r *runner) runAll(ctx context.Context, scenarios []*Scenario) []ScenarioResult {
	results := make([]ScenarioResult, len(scenarios))
	var parallel, sequential []int
	for i, sc := range scenarios {
		if r.isolated || !mutates(sc) {
			parallel = append(parallel, i)
		} else {
			sequential = append(sequential, i)
		}
	}
	n := r.opts.Parallel
	if n <= 0 {
		n = DefaultParallel
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(n, max(len(parallel), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results[i] = r.runScenario(ctx, scenarios[i])
			}
		}()
	}
	for _, i := range parallel {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	for _, i := range sequential {
		results[i] = r.runScenario(ctx, scenarios[i])
	}
	return results
}

// mutates reports whether a scenario may change the target's state: a state step, or a request
// that is not a GET expected to succeed.
func mutates(sc *Scenario) bool {
	for _, st := range sc.Steps {
		if st.Control != nil {
			return true
		}
		if st.Request.Method != http.MethodGet && expectedStatus(st.Expect) < 300 {
			return true
		}
	}
	return false
}

func expectedStatus(e Expect) int {
	if e.Status == 0 {
		return http.StatusOK
	}
	return e.Status
}

// sessionID is a scenario's X-Mock-Session: unique to the run, at most 128 characters.
func (r *runner) sessionID(sc *Scenario) string {
	name := sc.Name
	if len(name) > 80 {
		name = name[:80]
	}
	return "contracttest-" + name + "-" + r.runID
}

// missing returns the capabilities a scenario needs that the run lacks.
func (r *runner) missing(sc *Scenario) []Capability {
	var out []Capability
	for _, c := range sc.Requires {
		if _, ok := r.caps[c]; !ok {
			out = append(out, c)
		}
	}
	return out
}

// runScenario runs one scenario's steps in order; the first failing step ends it. Not isolated,
// a scenario that changes state starts with a reset when the run has one, and otherwise puts the
// roles' organizations back as it found them when it ends, whether it passed or not.
func (r *runner) runScenario(ctx context.Context, sc *Scenario) (res ScenarioResult) {
	start := time.Now()
	res = ScenarioResult{Name: sc.Name, File: sc.File, Description: strings.TrimSpace(sc.Description), Outcome: Passed}
	defer func() {
		res.Duration = time.Since(start)
		res.DurationMS = res.Duration.Milliseconds()
	}()
	if miss := r.missing(sc); len(miss) > 0 {
		reason := skipReason(miss)
		if r.opts.RequireControl {
			res.Outcome = Failed
			f := Failure{Step: "(scenario)"}
			f.add(nil, setupRule, reason+" (-require-control)")
			f.settle()
			res.Failures = []Failure{f}
			return res
		}
		res.Outcome, res.SkipReason = Skipped, reason
		return res
	}
	cl := r.client
	if r.isolated {
		cl = cl.withSession(r.sessionID(sc))
	}
	ex := &stepRunner{runner: r, client: cl, vars: newVars(r.roles), links: map[string]linkInfo{}, units: map[string]int64{}}
	failed := func(f *Failure) {
		f.settle()
		res.Outcome = Failed
		res.Failures = append(res.Failures, *f)
	}
	var found *snapshot
	switch {
	case r.isolated && r.caps[Reset] == "http", !r.isolated && mutates(sc) && r.caps[Reset] != "":
		// An isolated session may have been used before (a fixed RunID): start from the seed.
		if f := ex.runState(ctx, Step{Control: &Control{Op: ControlReset}}); f != nil {
			f.Step = "(reset before the scenario)"
			failed(f)
			return res
		}
	case !r.isolated && mutates(sc):
		snap, f := ex.snapshot(ctx, "before the scenario")
		if f != nil {
			f.Step = "(read the state before the scenario)"
			failed(f)
			return res
		}
		found = snap
		defer func() {
			if f := ex.restore(ctx, found); f != nil {
				f.Step = "(put the organizations back as the scenario found them)"
				failed(f)
			}
		}()
	}
	for i, st := range sc.Steps {
		if err := ctx.Err(); err != nil {
			f := &Failure{Step: st.Name, StepIndex: i + 1, Line: st.Line}
			f.add(nil, setupRule, "interrupted: "+err.Error())
			failed(f)
			return res
		}
		f := ex.run(ctx, st)
		res.Steps++
		if f != nil {
			f.Step, f.StepIndex, f.Line = st.Name, i+1, st.Line
			failed(f)
			return res
		}
	}
	return res
}

// skipReason says which capabilities a skipped scenario misses and how to supply them.
func skipReason(miss []Capability) string {
	var own, hookable []string
	for _, c := range miss {
		if c == Fault || c == Prefer {
			own = append(own, string(c))
		} else {
			hookable = append(hookable, string(c))
		}
	}
	var parts []string
	if len(hookable) > 0 {
		parts = append(parts, fmt.Sprintf("needs %s: supply it with -hook CMD (the events of the same names), Options.Hooks, or the test-support protocol (GET /_mock/health listing it; FORMAT.md, \"Provider states\")", strings.Join(hookable, ", ")))
	}
	if len(own) > 0 {
		parts = append(parts, fmt.Sprintf("needs %s, which only the billing mock's control API has", strings.Join(own, ", ")))
	}
	return strings.Join(parts, "; ")
}
