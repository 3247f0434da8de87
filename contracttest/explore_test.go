package contracttest

import (
	"context"
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

// TestExploreMock: against the mock, exploration finds no divergence.
func TestExploreMock(t *testing.T) {
	t.Parallel()
	rep := explore(t, ExploreOptions{Options: Options{BaseURL: serve(t, newMock(t)), RunID: "explore-mock"}, Steps: 2000, Seed: 1})
	out := text(t, rep)
	if !rep.OK() || rep.Exploration.Divergences != 0 {
		t.Fatalf("divergences against the mock:\n%s", out)
	}
	t.Log(out)
}
