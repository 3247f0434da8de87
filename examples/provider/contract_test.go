package main

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cloudplans/billing-mock/contracttest"
	"github.com/cloudplans/billing-mock/contracttest/broken"
)

// TestContract runs the whole contract suite against the provider, with Go hooks for the state
// steps. Every scenario passes but those that need the mock's own fault rules or Prefer header,
// and every action × status the contract documents is answered, except the 500s (the provider
// fails only when its database does).
func TestContract(t *testing.T) {
	p := newTestProvider(t)
	srv := httptest.NewServer(p.handler)
	t.Cleanup(srv.Close)
	rep := contracttest.Run(t, srv.URL, contracttest.Options{Hooks: p.hooks()})
	if rep == nil {
		return
	}
	for _, sc := range rep.Scenarios {
		if sc.Outcome == contracttest.Skipped && !needsMockOnly(sc.SkipReason) {
			t.Errorf("scenario %s was skipped: %s", sc.Name, sc.SkipReason)
		}
	}
	if rep.Passed == 0 {
		t.Error("no scenario passed")
	}
	for _, row := range rep.Coverage.Rows {
		if !row.Exercised && row.Status != 500 {
			t.Errorf("no step got %d from %s %s action=%s", row.Status, row.Method, row.Path, row.Action)
		}
	}
}

// needsMockOnly reports whether a skip is for a capability only the mock has.
func needsMockOnly(reason string) bool {
	return strings.Contains(reason, string(contracttest.Fault)) || strings.Contains(reason, string(contracttest.Prefer))
}

// TestBrokenVariants wraps the provider in each deliberately broken server of the table: the
// suite must report every one.
func TestBrokenVariants(t *testing.T) {
	broken.Check(t, func(t *testing.T) broken.Target {
		p := newTestProvider(t)
		return broken.Target{Handler: p.handler, Options: contracttest.Options{Hooks: p.hooks()}}
	})
}
