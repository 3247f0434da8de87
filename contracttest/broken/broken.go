// Package broken is a table of deliberately broken billing servers: HTTP middleware that wraps
// ANY implementation of the billing API and breaks one rule of the contract each. The contract
// suite must report every one of them; a variant it lets through is a hole in the suite.
//
// The variants know the implementation only through the roles the suite acts with
// (contracttest.Roles): no literal tokens or ids of the mock, no X-Mock-Session, and a variant
// that needs a 500 answers it itself. So an implementation runs the same table against itself:
//
//	func TestBrokenVariants(t *testing.T) {
//		broken.Check(t, func(t *testing.T) broken.Target {
//			srv := newServer(t) // a fresh implementation per variant: variants run in parallel
//			return broken.Target{Handler: srv, Options: contracttest.Options{Roles: roles, Hooks: hooksFor(srv)}}
//		})
//	}
//
// Check runs the suite (contracttest.Execute) once per variant, in parallel subtests, and fails
// the subtest of every variant whose report passes or does not name the bug.
package broken

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloudplans/billing-mock/contracttest"
)

// Variant is one broken implementation.
type Variant struct {
	// Name says what is broken.
	Name string
	// Want is a piece of text the suite's report must contain: the finding that names the bug.
	Want string
	// Timeout, when set, is the per-request timeout the suite runs this variant with.
	Timeout time.Duration
	// Wrap breaks h, an implementation that the suite acts on with roles.
	Wrap func(roles contracttest.Roles, h http.Handler) http.Handler
}

// Target is one fresh implementation for one variant: its handler, and the options the suite
// runs it with (roles, hooks, scenarios; BaseURL is set by Check).
type Target struct {
	Handler http.Handler
	Options contracttest.Options
}

// Check runs the suite against every variant wrapped around a target made by newTarget (once per
// variant, from the variant's subtest) and fails each variant that the suite does not report
// with its Want text and a reproducing curl command.
func Check(t *testing.T, newTarget func(t *testing.T) Target) {
	t.Helper()
	for _, v := range Variants() {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			rep, out := Run(t, v, newTarget(t))
			if rep.OK() || rep.Failed == 0 {
				t.Fatalf("the broken variant passed:\n%s", out)
			}
			if !strings.Contains(out, v.Want) {
				t.Errorf("the report does not say %q:\n%s", v.Want, out)
			}
			if !strings.Contains(out, "reproduce: ") || !strings.Contains(out, "curl ") {
				t.Errorf("the report has no curl command:\n%s", out)
			}
		})
	}
}

// Run serves the variant wrapped around target on 127.0.0.1 for the test's lifetime, runs the
// suite against it and returns the report with its text rendering. A run error fails t.
func Run(t *testing.T, v Variant, target Target) (*contracttest.Report, string) {
	t.Helper()
	opts := target.Options
	roles := opts.Roles.WithDefaults()
	ts := httptest.NewServer(v.Wrap(roles, target.Handler))
	t.Cleanup(ts.Close)
	opts.BaseURL = ts.URL
	if v.Timeout > 0 {
		opts.Timeout = v.Timeout
	} else if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Second
	}
	rep, err := contracttest.Execute(context.Background(), opts)
	if err != nil {
		t.Fatalf("contracttest: %v", err)
	}
	var b strings.Builder
	if err := contracttest.WriteText(&b, rep, false); err != nil {
		t.Fatal(err)
	}
	return rep, b.String()
}

// Find returns the variant of that name; it panics on an unknown name (a test's typo).
func Find(name string) Variant {
	for _, v := range Variants() {
		if v.Name == name {
			return v
		}
	}
	panic("broken: no variant " + name)
}
