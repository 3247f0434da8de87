package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cloudplans/billing-mock/contracttest"
	"github.com/cloudplans/billing-mock/examples/provider/billing"
)

// TestExplore runs the contract runner's exploration against the provider: random sequences of
// the six actions and every state step, each compared with the reference model (the billing
// mock's rules), which starts from the provider's observed state. The provider serves no
// sessions, so the sequences run one at a time, each after a reset.
func TestExplore(t *testing.T) {
	p := newTestProvider(t)
	srv := httptest.NewServer(p.handler)
	t.Cleanup(srv.Close)
	rep, err := contracttest.Explore(context.Background(), contracttest.ExploreOptions{
		Options: contracttest.Options{BaseURL: srv.URL, Hooks: p.hooks()},
		Steps:   exploreSteps, Seed: 1, Clock: billing.Demo().Clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	_ = contracttest.WriteText(&out, rep, false)
	if !rep.OK() || rep.Exploration.Divergences != 0 {
		t.Fatalf("the provider diverges from the model:\n%s", out.String())
	}
	if x := rep.Exploration; x.ModelStart != "observed state" || len(x.LeftOut) != 2 {
		t.Errorf("model from the %s, left out %v:\n%s", x.ModelStart, x.LeftOut, out.String())
	}
}
