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
	"time"

	billingmock "github.com/cloudplans/billing-mock"
	"github.com/cloudplans/billing-mock/contract"
)

// ErrUnreachable says that nothing answers at the base URL.
var ErrUnreachable = errors.New("the target is unreachable")

// UsageError says that the options cannot run (a bad base URL, unloadable scenarios).
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// runner is one run's shared, read-only context.
type runner struct {
	opts     Options
	roles    Roles
	contract *contract.Contract
	client   *client
	control  bool
	runID    string
	cov      *coverageSet
}

// Execute runs the suite against opts.BaseURL. It returns an error only when the suite cannot run:
// a *UsageError for bad options or scenarios, or an error wrapping ErrUnreachable when nothing
// answers at the base URL. Contract failures are in the Report (see Report.OK).
func Execute(ctx context.Context, opts Options) (*Report, error) {
	start := time.Now()
	base, err := parseBaseURL(opts.BaseURL)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	scenarios, err := loadOptionsScenarios(opts)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	c, err := contract.Embedded()
	if err != nil {
		return nil, fmt.Errorf("contracttest: %w", err)
	}
	r := &runner{opts: opts, roles: opts.Roles.WithDefaults(), contract: c, runID: opts.RunID, cov: newCoverageSet()}
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

	control, err := r.detectControl(ctx)
	if err != nil {
		return nil, err
	}
	r.control = control

	var selected []*Scenario
	for _, sc := range scenarios {
		if opts.Run == nil || opts.Run.MatchString(sc.Name) {
			selected = append(selected, sc)
		}
	}
	results := r.runAll(ctx, selected)
	rep := &Report{BaseURL: base.String(), Control: control, Scenarios: results}
	for _, res := range results {
		switch res.Outcome {
		case Passed:
			rep.Passed++
		case Failed:
			rep.Failed++
		case Skipped:
			rep.Skipped++
		}
	}
	rep.Coverage = r.cov.table(c)
	if opts.MinCoverage > 0 && rep.Coverage.Percent < opts.MinCoverage {
		rep.Errors = append(rep.Errors, fmt.Sprintf("coverage %.1f%% is under -min-coverage %.1f%%: %d of %d action × status pairs exercised",
			rep.Coverage.Percent, opts.MinCoverage, rep.Coverage.Exercised, rep.Coverage.Total))
	}
	if err := ctx.Err(); err != nil {
		rep.Errors = append(rep.Errors, "the run was interrupted: "+err.Error())
	}
	rep.Duration = time.Since(start)
	rep.DurationMS = rep.Duration.Milliseconds()
	return rep, nil
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

// detectControl asks GET /_mock/health: the control API is there when it answers 200 with a JSON
// object. A dial failure means the target is unreachable.
func (r *runner) detectControl(ctx context.Context) (bool, error) {
	ans, err := r.client.do(ctx, &outgoing{Method: http.MethodGet, Path: "/_mock/health"})
	if err != nil {
		if unreachable(err) {
			return false, fmt.Errorf("%w: %s: %v", ErrUnreachable, r.client.base, err)
		}
		return false, nil // it answered something, or hung: it has no usable control API
	}
	if ans.Status != http.StatusOK || !contract.IsJSON(ans.Header.Get("Content-Type")) {
		return false, nil
	}
	v, err := decodeJSON(ans.Body)
	if err != nil {
		return false, nil
	}
	_, ok := v.(map[string]any)
	return ok, nil
}

// runAll runs the scenarios and returns their results in the scenarios' order. With the control
// API every scenario has its own session and all run in parallel; without it, the scenarios that
// change state run one at a time after the others.
func (r *runner) runAll(ctx context.Context, scenarios []*Scenario) []ScenarioResult {
	results := make([]ScenarioResult, len(scenarios))
	var parallel, sequential []int
	for i, sc := range scenarios {
		if r.control || !mutates(sc) {
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

// mutates reports whether a scenario may change the target's state: a control step, or a request
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

// runScenario runs one scenario's steps in order; the first failing step ends it.
func (r *runner) runScenario(ctx context.Context, sc *Scenario) (res ScenarioResult) {
	start := time.Now()
	res = ScenarioResult{Name: sc.Name, File: sc.File, Description: strings.TrimSpace(sc.Description), Outcome: Passed}
	defer func() {
		res.Duration = time.Since(start)
		res.DurationMS = res.Duration.Milliseconds()
	}()
	if sc.RequiresControl && !r.control {
		reason := "needs the control API, and GET /_mock/health did not answer 200 JSON"
		if r.opts.RequireControl {
			res.Outcome = Failed
			res.Failures = []Failure{{Step: "(scenario)", Messages: []string{reason + " (-require-control)"}}}
			return res
		}
		res.Outcome, res.SkipReason = Skipped, reason
		return res
	}
	cl := r.client
	if r.control {
		cl = cl.withSession(r.sessionID(sc))
	}
	ex := &stepRunner{runner: r, client: cl, vars: newVars(r.roles)}
	if r.control {
		// A session id may have been used before (a fixed RunID): start from the seed.
		if f := ex.runControl(ctx, Step{Control: &Control{Op: ControlReset}}); f != nil {
			f.Step = "(reset the session)"
			res.Outcome = Failed
			res.Failures = append(res.Failures, *f)
			return res
		}
	}
	for i, st := range sc.Steps {
		if err := ctx.Err(); err != nil {
			res.Outcome = Failed
			res.Failures = append(res.Failures, Failure{Step: st.Name, StepIndex: i + 1, Line: st.Line, Messages: []string{"interrupted: " + err.Error()}})
			return res
		}
		f := ex.run(ctx, st)
		res.Steps++
		if f != nil {
			f.Step, f.StepIndex, f.Line = st.Name, i+1, st.Line
			res.Outcome = Failed
			res.Failures = append(res.Failures, *f)
			return res
		}
	}
	return res
}
