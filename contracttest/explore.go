package contracttest

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/contracttest/internal/model"
	"github.com/cloudplans/billing-mock/mock/fixture"
)

// DefaultExploreSteps is the number of steps Explore runs when ExploreOptions.Steps is 0.
const DefaultExploreSteps = 2000

// DefaultExploreParallel is the number of sequences run at once, each in its own session, against
// a target that isolates sessions, when Options.Parallel is 0.
const DefaultExploreParallel = 8

// DefaultSequenceSteps bounds the steps of one explored sequence when
// ExploreOptions.SequenceSteps is 0.
const DefaultSequenceSteps = 30

// ExploreOptions configure Explore: the run's Options (target, roles, hooks, timeout, parallel,
// level; Run, Scenarios, MinCoverage and RequireControl are not read) and the exploration's own.
type ExploreOptions struct {
	Options
	// Steps is the number of steps to run, over all sequences (0: DefaultExploreSteps).
	Steps int
	// Time, when positive, stops starting new sequences once it has passed.
	Time time.Duration
	// Seed chooses the sequences: the same seed against the same target gives the same
	// sequences. 0 picks one at random (the report says which).
	Seed uint64
	// ModelStrict also compares what is this mock's own: exact amounts, invoice dates and ids, and
	// the expiry of the default card.
	ModelStrict bool
	// SequenceSteps bounds the steps of one sequence (0: DefaultSequenceSteps).
	SequenceSteps int
	// Clock is the target's billing clock when exploration starts, for a model that starts from
	// the target's observed state (a target without GET /_mock/state). Zero means the Date header
	// of the target's first answer.
	Clock time.Time
}

// Exploration is what Explore did: Report.Exploration.
type Exploration struct {
	Seed uint64 `json:"seed"`
	// ModelStrict says whether amounts, dates and ids were compared.
	ModelStrict bool `json:"model_strict"`
	// ModelStart is where the model started: "session seed" (GET /_mock/state) or "observed
	// state" (describe and history of the roles' organizations).
	ModelStart string `json:"model_start"`
	// Sequences and Steps count what ran; Requests counts every request and state step sent,
	// the reads that observe the state after a change included.
	Sequences int `json:"sequences"`
	Steps     int `json:"steps"`
	Requests  int `json:"requests"`
	// LeftOut lists the steps never generated, each with the reason.
	LeftOut []LeftOut `json:"left_out"`
	// Divergences is 1 when a sequence diverged (exploration stops at the first), else 0.
	Divergences int         `json:"divergences"`
	Divergence  *Divergence `json:"divergence,omitempty"`
}

// LeftOut is a kind of step exploration did not generate, and why.
type LeftOut struct {
	Step   string `json:"step"`
	Reason string `json:"reason"`
}

// Divergence is the first sequence whose target answered otherwise than the model, shrunk.
type Divergence struct {
	// Sequence is the index of the sequence that diverged; Steps its steps up to the divergence;
	// ShrunkSteps the steps of the minimal sequence that still diverges.
	Sequence    int `json:"sequence"`
	Steps       int `json:"steps"`
	ShrunkSteps int `json:"shrunk_steps"`
	// Step names the diverging step of the shrunk sequence.
	Step string `json:"step"`
	// Scenario is the shrunk sequence as a scenario file of fixtures/contract; empty when the
	// sequence could not start (Steps 0: the reset or the reads of the starting state failed).
	Scenario string `json:"scenario"`
}

// Explore runs random sequences of the six actions and the state steps the target offers against
// opts.BaseURL, each step in lockstep with a reference model (the billing mock's rules, in
// process), and stops at the first sequence whose target answers otherwise than the model; that
// sequence is shrunk to a minimal one that still diverges and printed as a scenario. A target
// that does not isolate sessions needs the reset capability: every sequence starts with one. It
// returns an error only when the exploration cannot run (a *UsageError, or ErrUnreachable), with
// the report.
// A divergence is a failed "explore" entry of Report.Scenarios; see Report.Exploration.
func Explore(ctx context.Context, opts ExploreOptions) (*Report, error) {
	start := time.Now()
	rep := newReport(opts.BaseURL, opts.Level)
	fail := func(err error) (*Report, error) { return rep.abort(start, err) }
	switch {
	case opts.Steps < 0:
		return fail(&UsageError{Err: errors.New("-explore-steps must be positive")})
	case opts.Time < 0:
		return fail(&UsageError{Err: errors.New("-explore-time must be positive")})
	case opts.SequenceSteps < 0:
		return fail(&UsageError{Err: errors.New("the steps of a sequence must be positive")})
	}
	if opts.Client == nil {
		// Sequences run in parallel: keep a connection per worker, not net/http's default two.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = max(opts.Parallel, DefaultExploreParallel) + 1
		opts.Client = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		defer tr.CloseIdleConnections()
	}
	r, err := newBaseRunner(opts.Options)
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
	if _, reset := r.caps[Reset]; !r.isolated && !reset {
		return fail(&UsageError{Err: errors.New("explore: the target keeps no sessions apart and the run has no reset: random sequences would change the roles' organizations for good (subscribe, cancel, change quantities); supply reset with -hook, Options.Hooks or the test-support protocol (FORMAT.md, \"Provider states\")")})
	}
	e := newExplorer(r, opts)
	rep.Exploration = &e.result
	if err := e.prepare(ctx); err != nil {
		return fail(err)
	}
	res := e.explore(ctx, start)
	rep.Scenarios = []ScenarioResult{res}
	switch res.Outcome {
	case Passed:
		rep.Passed = 1
	case Failed:
		rep.Failed = 1
		rep.ByLevel.add(res.Failures)
	}
	rep.IgnoredDecisions = int(r.ignored.Load())
	rep.Hints = r.hints.list()
	if err := ctx.Err(); err != nil {
		rep.Errors = append(rep.Errors, "the exploration was interrupted: "+err.Error())
	}
	rep.finish(start)
	return rep, nil
}

// explorer is one exploration: the runner, the generator, the contract's validator the models
// share, and where the models start.
type explorer struct {
	*runner
	opts      ExploreOptions
	gen       *generator
	validator *contract.Validator
	// seed is the session seed every sequence starts from, when the target serves it
	// (GET /_mock/state); nil means each sequence observes the target's state.
	seed   *fixture.Seed
	result Exploration
	// defaultCards are the organizations (variables) of the scenario being written whose card is
	// the implementation's default.
	defaultCards map[string]bool
	// mu guards the counts of result while sequences run in parallel.
	mu sync.Mutex
}

func newExplorer(r *runner, opts ExploreOptions) *explorer {
	if opts.Steps == 0 {
		opts.Steps = DefaultExploreSteps
	}
	if opts.SequenceSteps == 0 {
		opts.SequenceSteps = DefaultSequenceSteps
	}
	seed := opts.Seed
	for seed == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		seed = binary.LittleEndian.Uint64(b[:])
	}
	e := &explorer{runner: r, opts: opts, validator: contract.NewValidator(r.contract, 4096)}
	e.result = Exploration{Seed: seed, ModelStrict: opts.ModelStrict, LeftOut: []LeftOut{}}
	e.gen = &generator{seed: seed, maxLen: opts.SequenceSteps}
	for _, op := range exploredOps {
		if _, ok := r.caps[controlCalls[op].needs]; ok {
			e.gen.ops = append(e.gen.ops, op)
		} else {
			e.result.LeftOut = append(e.result.LeftOut, LeftOut{Step: op, Reason: "the target does not offer " + string(controlCalls[op].needs) + " (supply it with -hook, Options.Hooks or the test-support protocol)"})
		}
	}
	e.result.LeftOut = append(e.result.LeftOut,
		LeftOut{Step: "fault, prefer", Reason: "the mock's own answers on demand, not billing behaviour"},
		LeftOut{Step: "reset", Reason: "used only to start each sequence from the same state"})
	return e
}

// prepare finds where the models start: the session seed of a target that serves it (the mock,
// isolating sessions), else each sequence's observed state.
func (e *explorer) prepare(ctx context.Context) error {
	e.result.ModelStart = "observed state"
	if !e.isolated || e.caps[Reset] != "http" {
		return nil
	}
	s := e.sequenceRunner("contracttest-explore-" + e.runID + "-seed")
	if f := s.resetState(ctx); f != nil {
		return fmt.Errorf("explore: reset the session: %s", strings.Join(f.Messages, "; "))
	}
	ans, err := s.client.do(ctx, &outgoing{Method: http.MethodGet, Path: "/_mock/state"})
	if err != nil {
		return fmt.Errorf("explore: GET /_mock/state: %w", err)
	}
	if ans.Status != http.StatusOK {
		return nil
	}
	seed, err := fixture.Parse("GET /_mock/state", ans.Body)
	if err != nil {
		return nil // not the mock's export: observe instead
	}
	e.seed = seed
	e.result.ModelStart = "session seed"
	return nil
}

// sequenceRunner is a step runner for one sequence, in its own session when the target isolates.
func (e *explorer) sequenceRunner(session string) *stepRunner {
	cl := e.client
	if e.isolated {
		cl = cl.withSession(session)
	}
	return &stepRunner{runner: e.runner, client: cl, vars: newVars(e.roles), links: map[string]linkInfo{}, units: map[string]int64{}}
}

// resetState resets the target when the run can: always in an isolated session (it may have been
// used before), through any source otherwise.
func (s *stepRunner) resetState(ctx context.Context) *Failure {
	if _, ok := s.caps[Reset]; !ok || (s.isolated && s.caps[Reset] != "http") {
		return nil
	}
	f := &Failure{}
	s.perform(ctx, Expect{}, stateCall{op: ControlReset}, 0, f)
	return f.orNil()
}

// explore runs sequences until the step budget or the time is spent, or one diverges; the first
// divergence (by sequence index, whatever ran in parallel) is shrunk.
func (e *explorer) explore(ctx context.Context, start time.Time) ScenarioResult {
	res := ScenarioResult{Name: "explore", File: "explore", Outcome: Passed}
	workers := 1
	if e.isolated {
		workers = e.opts.Parallel
		if workers <= 0 {
			workers = DefaultExploreParallel
		}
	}
	type job struct {
		index int
		seq   []xstep
	}
	jobs := make(chan job)
	var mu sync.Mutex
	var first *outcome
	firstIndex := -1
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				out := e.run(ctx, fmt.Sprintf("contracttest-explore-%s-%d", e.runID, j.index), j.seq)
				e.mu.Lock()
				e.result.Sequences++
				e.result.Steps += out.steps
				e.result.Requests += out.requests
				e.mu.Unlock()
				if out.div != nil {
					mu.Lock()
					if firstIndex < 0 || j.index < firstIndex {
						first, firstIndex = out, j.index
					}
					mu.Unlock()
				}
			}
		}()
	}
	planned := 0
	for i := 0; planned < e.opts.Steps; i++ {
		if ctx.Err() != nil || (e.opts.Time > 0 && time.Since(start) > e.opts.Time) {
			break
		}
		mu.Lock()
		stop := firstIndex >= 0
		mu.Unlock()
		if stop {
			break
		}
		seq := e.gen.sequence(i, e.opts.Steps-planned)
		planned += len(seq)
		jobs <- job{i, seq}
	}
	close(jobs)
	wg.Wait()
	res.Steps = e.result.Steps
	if first == nil {
		return res
	}
	shrunk := e.shrink(ctx, first)
	e.result.Divergences = 1
	f := shrunk.div.failure
	f.Step, f.StepIndex = shrunk.div.name, shrunk.div.index+1
	f.settle()
	res.Outcome = Failed
	res.Failures = []Failure{f}
	e.result.Divergence = &Divergence{Sequence: firstIndex, Steps: first.div.index + 1, Step: shrunk.div.name}
	if shrunk.div.index >= 0 { // else the state the sequence starts from could not be read or made
		e.result.Divergence.ShrunkSteps = len(shrunk.seq)
		e.result.Divergence.Scenario = e.scenario(shrunk, firstIndex)
	}
	return res
}

// outcome is what running one sequence showed: its divergence, if any, and its counts.
type outcome struct {
	seq      []xstep
	div      *divergence
	steps    int
	requests int
	// answers are the model's answers to the sequence's steps, for the scenario's expectations;
	// model is the model after the last step run.
	answers []stepAnswer
	model   *model.Model
	// start holds the ids of the invoices the sequence started with: the target's own.
	start map[string]bool
}

// divergence is where a sequence diverged: after step index (its own answer, or the reads that
// observe the state after it, or the reads at the end of the sequence).
type divergence struct {
	index   int
	name    string
	failure Failure
	// observed is the organization (its variable) whose observation diverged, "" for the step's
	// own answer.
	observed string
	// read is the action of the observing read that diverged.
	read string
}

// stepAnswer is the model's answer to one step: its status, its error code, and whether it was
// performed (a state step the model could not perform is skipped on both sides).
type stepAnswer struct {
	status    int
	code      string
	performed bool
	answer    model.Answer
}
