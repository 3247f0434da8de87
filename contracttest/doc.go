// Package contracttest checks an implementation of the Cloud Plans billing API against its
// contract (openapi.yaml) and against the scenarios of fixtures/contract/*.yaml.
//
// Every answer is validated against the per-action schema of the contract; every scenario step
// compares the answer with its expectations; every rejected request to a state-changing action is
// checked to change nothing, and every change to show as exactly that change (describe and history
// of the roles' organizations are compared before and after). Each finding carries the rule it
// breaks: the docs (LevelDocs) or a decision of this contract (LevelDecision, with the id of its
// row in the README's decision table); RULES.md lists every rule with the checks that hold it.
//
// Some steps cannot be performed over the billing API: completing a payment, moving the clock.
// A scenario names the capabilities it needs (Capability); the run gets them from Options.Hooks,
// from a -hook command (Options.HookCommand) or from the test-support protocol of the target
// (GET /_mock/health), and skips the scenarios whose capabilities it lacks. When the target
// isolates X-Mock-Session sessions, each scenario runs in its own, in parallel; otherwise the
// scenarios that change state run one at a time and leave the organizations as they found them.
//
// The CLI (cmd/contracttest) calls Execute. A Go implementation of the API can run the suite from
// its own tests with Run:
//
//	func TestContract(t *testing.T) {
//		ts := httptest.NewServer(myHandler)
//		defer ts.Close()
//		contracttest.Run(t, ts.URL, contracttest.Options{Hooks: contracttest.Hooks{CompleteCheckout: markPaid}})
//	}
//
// Explore runs random sequences of steps instead of the scenarios, each step in lockstep with a
// reference model (the billing mock's rules, package mock/state, in process), and shrinks the
// first sequence whose target answers otherwise to a minimal one, printed as a scenario.
//
// The scenario format, the provider states and the JSON report are documented in FORMAT.md; the
// package broken is the table of deliberately broken servers the suite must catch.
package contracttest
