package main

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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
	if rep != nil {
		checkComplete(t, rep)
	}
}

// TestContractOverTestSupport runs the suite against a test build (-test-support): the runner
// finds the state steps in GET /_mock/health and performs them over HTTP.
func TestContractOverTestSupport(t *testing.T) {
	p := newTestProviderWith(t, config{testSupport: true})
	srv := httptest.NewServer(p.handler)
	t.Cleanup(srv.Close)
	rep := contracttest.Run(t, srv.URL, contracttest.Options{})
	if rep == nil {
		return
	}
	checkComplete(t, rep)
	for _, c := range rep.Capabilities {
		if c.Source != "http" {
			t.Errorf("capability %s from %s, want http", c.Name, c.Source)
		}
	}
	if !rep.Control || rep.Isolated {
		t.Errorf("test-support protocol %v, isolated %v, want true, false", rep.Control, rep.Isolated)
	}
}

// checkComplete fails t unless the run had every capability but the mock's own, skipped only what
// needs those, and covered every action × status but the 500s.
func checkComplete(t *testing.T, rep *contracttest.Report) {
	t.Helper()
	var got, want []contracttest.Capability
	for _, c := range rep.Capabilities {
		got = append(got, c.Name)
	}
	for _, c := range contracttest.AllCapabilities() {
		if c != contracttest.Fault && c != contracttest.Prefer {
			want = append(want, c)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("capabilities %v, want %v", got, want)
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
// suite must report every one. The state steps go over the test-support protocol, whose calls
// the runner can print as curl commands (see the README on why not Go hooks here).
func TestBrokenVariants(t *testing.T) {
	broken.Check(t, func(t *testing.T) broken.Target {
		return broken.Target{Handler: newTestProviderWith(t, config{testSupport: true}).handler}
	})
}

// TestHookCommand runs the suite against a provider that serves on its own, with `provider hook`
// as the runner's -hook command: the payment steps are signed webhook calls, reset and
// advance_clock write to the database file the provider serves, from another process.
func TestHookCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "billing.db")
	url, stop := serve(t, config{db: db, addr: "127.0.0.1:0", demo: true, renewEvery: time.Minute, webhookSecret: testSecret})
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	t.Setenv(runMainEnv, "1")
	t.Setenv(WebhookSecretEnv, testSecret)
	hook := shellQuote(os.Args[0]) + " hook -db " + shellQuote(db)
	rep, err := contracttest.Execute(context.Background(), contracttest.Options{BaseURL: url, HookCommand: hook})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	_ = contracttest.WriteText(&out, rep, false)
	if !rep.OK() {
		t.Fatalf("the suite failed with the hook command:\n%s", out.String())
	}
	checkComplete(t, rep)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
