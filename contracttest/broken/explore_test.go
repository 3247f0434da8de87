package broken_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloudplans/billing-mock/contracttest"
	"github.com/cloudplans/billing-mock/contracttest/broken"
	"github.com/cloudplans/billing-mock/mock"
)

// TestExploreFindsEveryVariant: exploration, wrapped around the mock, finds each broken variant
// and shrinks the sequence to at most 6 steps within 10 s.
func TestExploreFindsEveryVariant(t *testing.T) {
	t.Parallel()
	for _, v := range broken.Variants() {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			srv, err := mock.New(mock.Options{})
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(v.Wrap(contracttest.DefaultRoles(), http.Handler(srv)))
			t.Cleanup(ts.Close)
			timeout := 2 * time.Second
			if v.Timeout > 0 {
				timeout = v.Timeout
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			rep, err := contracttest.Explore(ctx, contracttest.ExploreOptions{Options: contracttest.Options{BaseURL: ts.URL, RunID: "broken", Timeout: timeout}, Steps: 2000, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			_ = contracttest.WriteText(&b, rep, false)
			d := rep.Exploration.Divergence
			if d == nil {
				t.Fatalf("not found:\n%s", b.String())
			}
			if d.ShrunkSteps > 6 {
				t.Errorf("shrunk to %d steps, want at most 6:\n%s", d.ShrunkSteps, b.String())
			}
			t.Log(b.String())
		})
	}
}
