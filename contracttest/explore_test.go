package contracttest

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// explore runs an exploration and fails the test on a run error.
func explore(t *testing.T, opts ExploreOptions) *Report {
	t.Helper()
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Second
	}
	rep, err := Explore(context.Background(), opts)
	if err != nil {
		t.Fatalf("Explore: %v", err)
	}
	return rep
}

// mockSteps is how many steps TestExploreMock runs against the mock: 20,000, in a few seconds; a
// tenth of it under the race detector, which makes every step 5-10 times slower, so that make test
// stays within its budget (the race run still checks the parallel sequences for races).
func mockSteps() int {
	if raceEnabled {
		return 2000
	}
	return 20000
}

// TestExploreMock: against the mock, exploration with a fixed seed finds no divergence, with and
// without -model-strict, and runs every step it was given.
func TestExploreMock(t *testing.T) {
	t.Parallel()
	url := serve(t, newMock(t))
	for _, strict := range []bool{false, true} {
		steps := mockSteps()
		if strict {
			steps /= 4
		}
		rep := explore(t, ExploreOptions{Options: Options{BaseURL: url, RunID: "explore-mock-" + strconv.FormatBool(strict)}, Steps: steps, Seed: 1, ModelStrict: strict})
		out := text(t, rep)
		x := rep.Exploration
		if !rep.OK() || x.Divergences != 0 {
			t.Fatalf("divergences against the mock (strict %v):\n%s", strict, out)
		}
		if x.Steps != steps || x.ModelStart != "session seed" || x.Requests <= x.Steps {
			t.Errorf("ran %d of %d steps (%d requests), model from the %s:\n%s", x.Steps, steps, x.Requests, x.ModelStart, out)
		}
	}
}

// TestExploreRepeatable: the same seed against the same target runs the same sequences (the
// same counts of sequences, steps and requests, which follow from each step's answers), and
// finds the same divergence, shrunk to the same scenario; another seed runs other sequences.
func TestExploreRepeatable(t *testing.T) {
	t.Parallel()
	g1, g2 := &generator{seed: 42, maxLen: DefaultSequenceSteps}, &generator{seed: 42, maxLen: DefaultSequenceSteps}
	other := &generator{seed: 43, maxLen: DefaultSequenceSteps}
	for i := range 50 {
		a, b := g1.sequence(i, 100), g2.sequence(i, 100)
		if !slices.EqualFunc(a, b, sameStep) {
			t.Fatalf("sequence %d differs between two generators of one seed", i)
		}
		if i == 0 && slices.EqualFunc(a, other.sequence(i, 100), sameStep) {
			t.Errorf("seeds 42 and 43 make the same sequence 0")
		}
	}
	url := serve(t, newMock(t))
	run := func(seed uint64, id string) Exploration {
		rep := explore(t, ExploreOptions{Options: Options{BaseURL: url, RunID: id}, Steps: 400, Seed: seed})
		return *rep.Exploration
	}
	a, b, c := run(5, "a"), run(5, "b"), run(6, "c")
	if a.Sequences != b.Sequences || a.Requests != b.Requests || a.Steps != b.Steps {
		t.Errorf("seed 5 twice: %+v, then %+v", a, b)
	}
	if a.Requests == c.Requests && a.Sequences == c.Sequences {
		t.Errorf("seeds 5 and 6 ran alike: %+v, %+v", a, c)
	}
}

func sameStep(a, b xstep) bool {
	if (a.in == nil) != (b.in == nil) || (a.in != nil && *a.in != *b.in) {
		return false
	}
	return a.op == b.op && a.linkFrom == b.linkFrom && a.paymentExp == b.paymentExp && a.by == b.by
}

// BenchmarkExplore measures exploration's speed against the mock in process (httptest), both
// in one process: steps/s is what -explore-steps N costs in wall time on this machine, and
// cpu-µs/step the CPU time one step costs the runner and the mock together (steady on a machine
// that other work shares, where steps/s is not).
func BenchmarkExplore(b *testing.B) {
	url := serve(b, newMock(b))
	steps := 0
	start := time.Now()
	cpu0, cpuOK := cpuTime()
	for i := 0; b.Loop(); i++ {
		rep, err := Explore(context.Background(), ExploreOptions{Options: Options{BaseURL: url, RunID: "bench-" + strconv.Itoa(i)}, Steps: 2000, Seed: 1})
		if err != nil || !rep.OK() {
			b.Fatalf("Explore: %v %v", err, rep.Errors)
		}
		steps += rep.Exploration.Steps
	}
	b.ReportMetric(float64(steps)/time.Since(start).Seconds(), "steps/s")
	if cpu1, ok := cpuTime(); ok && cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(steps), "cpu-µs/step")
	}
}

// TestWithout: dropping steps drops the state steps whose link step goes, and renumbers the
// links of the others.
func TestWithout(t *testing.T) {
	t.Parallel()
	link := func() xstep {
		return xstep{in: &input{action: 2, role: roleOwner, org: "fresh_org", kind: inputValid, quantity: "2"}, linkFrom: -1}
	}
	read := func() xstep {
		return xstep{in: &input{action: 0, role: roleOwner, org: "org", kind: inputValid}, linkFrom: -1}
	}
	pay := func(from int) xstep { return xstep{op: ControlCompleteCheckout, linkFrom: from} }
	seq := []xstep{read(), link(), pay(1), read(), link(), pay(4)}
	cases := []struct {
		name     string
		from, to int
		want     []xstep
	}{
		{"a read before the links", 0, 1, []xstep{link(), pay(0), read(), link(), pay(3)}},
		{"the first link", 1, 2, []xstep{read(), read(), link(), pay(2)}},
		{"the first payment", 2, 3, []xstep{read(), link(), read(), link(), pay(3)}},
		{"the middle", 2, 5, []xstep{read(), link()}},
		{"the end", 4, 6, []xstep{read(), link(), pay(1), read()}},
	}
	for _, c := range cases {
		if got := without(seq, c.from, c.to); !slices.EqualFunc(got, c.want, sameStep) {
			t.Errorf("%s: %d steps, want %d", c.name, len(got), len(c.want))
		}
	}
}

// TestExploreNeedsResetOrSessions: against a target that keeps no sessions apart and offers no
// reset, exploration refuses to start rather than change the roles' organizations for good.
func TestExploreNeedsResetOrSessions(t *testing.T) {
	t.Parallel()
	url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }))
	_, err := Explore(context.Background(), ExploreOptions{Options: Options{BaseURL: url}})
	var usage *UsageError
	if !errors.As(err, &usage) || !strings.Contains(err.Error(), "no reset") {
		t.Fatalf("Explore: %v, want a usage error that asks for reset", err)
	}
}
