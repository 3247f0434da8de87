package broken_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cloudplans/billing-mock/contracttest"
	"github.com/cloudplans/billing-mock/contracttest/broken"
	"github.com/cloudplans/billing-mock/mock"
)

// TestExploreFindsEveryVariant: exploration, wrapped around the mock, finds each broken variant
// within 10 s and shrinks it to at most 6 steps; the scenario it prints loads with the runner's
// parser, passes against the mock and fails against the variant.
func TestExploreFindsEveryVariant(t *testing.T) {
	t.Parallel()
	for _, v := range broken.Variants() {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			newMock := func() http.Handler {
				srv, err := mock.New(mock.Options{})
				if err != nil {
					t.Fatal(err)
				}
				return srv
			}
			ts := httptest.NewServer(v.Wrap(contracttest.DefaultRoles(), newMock()))
			t.Cleanup(ts.Close)
			timeout := 2 * time.Second
			if v.Timeout > 0 {
				timeout = v.Timeout
			}
			opts := contracttest.Options{BaseURL: ts.URL, RunID: "broken", Timeout: timeout}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			rep, err := contracttest.Explore(ctx, contracttest.ExploreOptions{Options: opts, Steps: 2000, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			out := report(t, rep)
			d := rep.Exploration.Divergence
			switch {
			case d == nil:
				t.Fatalf("not found:\n%s", out)
			case len(rep.Errors) > 0:
				t.Fatalf("not within 10 s:\n%s", out)
			case d.ShrunkSteps > 6:
				t.Errorf("shrunk to %d steps, want at most 6:\n%s", d.ShrunkSteps, out)
			case !strings.Contains(out, "reproduce: ") || !strings.Contains(out, "(- model, + target)") && !strings.Contains(out, "did not answer") && !strings.Contains(out, "Content-Type") && !strings.Contains(out, "header Allow"):
				t.Errorf("no curl or no diff of model against target:\n%s", out)
			}
			t.Log(out)
			if _, err := contracttest.ParseScenario("explore.yaml", []byte(d.Scenario)); err != nil {
				t.Fatalf("the scenario does not load: %v\n%s", err, d.Scenario)
			}
			scenarios := fstest.MapFS{"explore.yaml": {Data: []byte(d.Scenario)}}
			opts.Scenarios = scenarios
			if rep := execute(t, opts); rep.OK() {
				t.Errorf("the scenario passes against the broken variant:\n%s\n%s", d.Scenario, report(t, rep))
			}
			mockURL := httptest.NewServer(newMock())
			t.Cleanup(mockURL.Close)
			opts.BaseURL = mockURL.URL
			if rep := execute(t, opts); !rep.OK() {
				t.Errorf("the scenario fails against the mock:\n%s\n%s", d.Scenario, report(t, rep))
			}
		})
	}
}

func execute(t *testing.T, opts contracttest.Options) *contracttest.Report {
	t.Helper()
	rep, err := contracttest.Execute(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func report(t *testing.T, rep *contracttest.Report) string {
	t.Helper()
	var b strings.Builder
	if err := contracttest.WriteText(&b, rep, false); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
