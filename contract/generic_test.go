package contract_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	billingmock "github.com/cloudplans/billing-mock"
	"github.com/cloudplans/billing-mock/contract"
)

// loadGeneric returns the embedded document as a validator that knows none of its extensions.
func loadGeneric(t testing.TB) *contract.Generic {
	t.Helper()
	g, err := contract.LoadGeneric(billingmock.OpenAPI())
	if err != nil {
		t.Fatalf("LoadGeneric: %v", err)
	}
	return g
}

// The mistakes a generic view is measured on, for every action.
const (
	valid        = "valid"
	missingParam = "a required parameter missing"
	otherMember  = "a body member of another action"
	outOfRange   = "an out-of-range quantity"
)

// probe is a request the docs describe as valid, or one mistake. generic says whether kin-openapi
// with the document's standard constructs alone (no x-actions) rejects it; blind says why not, for
// a mistake it cannot see. The per-action view (Contract) must reject every mistake.
type probe struct {
	action, what         string
	method, target, body string
	genericRejects       bool
	blind                string
}

// Why the standard constructs cannot see some mistakes (see openapi.yaml's description).
const (
	noBodyDeclared = "the operation declares no request body, and OpenAPI gives a validator no rule for a body an operation does not declare: kin-openapi ignores it"
	bodyOptional   = "update's body is optional, because getpaymentlink takes none, and no OpenAPI 3.0 construct makes it required for some values of action"
	bodyUntied     = "no OpenAPI 3.0 construct ties a body to the action in the query string: this body is another update action's shape, which the union accepts"
)

func probes() []probe {
	pay := updatePath + "?action=getpaymentlink"
	card := updatePath + "?action=getupdatecardlink"
	upd := updatePath + "?action=updatesubscription"
	cancel := updatePath + "?action=cancelsubscription"
	return []probe{
		{"getorganization", valid, "GET", describePath + "?action=getorganization&org_id=org_acme", "", false, ""},
		{"getorganization", missingParam, "GET", describePath + "?action=getorganization", "", true, ""},
		{"getorganization", otherMember, "GET", describePath + "?action=getorganization&org_id=org_acme", `{"quantity":3}`, false, noBodyDeclared},

		{"list_billing", valid, "GET", historyPath + "?action=list_billing&org_id=org_acme", "", false, ""},
		{"list_billing", missingParam, "GET", historyPath + "?action=list_billing", "", true, ""},
		{"list_billing", otherMember, "GET", historyPath + "?action=list_billing&org_id=org_acme", `{"quantity":3}`, false, noBodyDeclared},

		{"getpaymentlink", valid, "POST", pay + "&org_id=org_new&quantity=3", "", false, ""},
		{"getpaymentlink", valid, "POST", pay + "&org_id=org_new&quantity=10000", "", false, ""},
		{"getpaymentlink", missingParam, "POST", pay + "&quantity=3", "", true, ""},
		{"getpaymentlink", missingParam, "POST", pay + "&org_id=org_new", "", true, ""},
		{"getpaymentlink", outOfRange, "POST", pay + "&org_id=org_new&quantity=0", "", true, ""},
		{"getpaymentlink", outOfRange, "POST", pay + "&org_id=org_new&quantity=10001", "", true, ""},
		{"getpaymentlink", outOfRange, "POST", pay + "&org_id=org_new&quantity=abc", "", true, ""},

		{"getupdatecardlink", valid, "POST", card, `{"org_id":"org_acme"}`, false, ""},
		{"getupdatecardlink", missingParam, "POST", card, `{}`, true, ""},
		{"getupdatecardlink", missingParam, "POST", card, "", false, bodyOptional},
		{"getupdatecardlink", otherMember, "POST", card, `{"org_id":"org_acme","quantity":3}`, false, bodyUntied},
		{"getupdatecardlink", otherMember, "POST", card, `{"org_id":"org_acme","quantity":0}`, true, ""},

		{"updatesubscription", valid, "POST", upd, `{"org_id":"org_acme","quantity":5}`, false, ""},
		{"updatesubscription", valid, "POST", upd, `{"org_id":"org_acme","quantity":1}`, false, ""},
		{"updatesubscription", missingParam, "POST", upd, `{"quantity":5}`, true, ""},
		{"updatesubscription", missingParam, "POST", upd, `{"org_id":"org_acme"}`, false, bodyUntied},
		{"updatesubscription", missingParam, "POST", upd, "", false, bodyOptional},
		{"updatesubscription", outOfRange, "POST", upd, `{"org_id":"org_acme","quantity":0}`, true, ""},
		{"updatesubscription", outOfRange, "POST", upd, `{"org_id":"org_acme","quantity":10001}`, true, ""},
		{"updatesubscription", outOfRange, "POST", upd, `{"org_id":"org_acme","quantity":2.5}`, true, ""},
		{"updatesubscription", outOfRange, "POST", upd, `{"org_id":"org_acme","quantity":"5"}`, true, ""},

		{"cancelsubscription", valid, "POST", cancel, `{"org_id":"org_acme"}`, false, ""},
		{"cancelsubscription", missingParam, "POST", cancel, `{}`, true, ""},
		{"cancelsubscription", missingParam, "POST", cancel, "", false, bodyOptional},
		{"cancelsubscription", otherMember, "POST", cancel, `{"org_id":"org_acme","quantity":3}`, false, bodyUntied},
		{"cancelsubscription", otherMember, "POST", cancel, `{"org_id":"org_acme","quantity":-1}`, true, ""},
		{"cancelsubscription", missingParam, "POST", updatePath, `{"org_id":"org_acme"}`, true, ""}, // no action
	}
}

// TestGenericView measures what the standard constructs alone say, action by action: kin-openapi
// without x-actions accepts every valid request and rejects each mistake it can see; the rows it
// cannot see are listed with the reason, and the per-action view rejects every mistake. It also
// holds that every action was measured on every kind of mistake that applies to it.
func TestGenericView(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	g := loadGeneric(t)
	measured := map[string]map[string]bool{}
	for _, p := range probes() {
		if measured[p.action] == nil {
			measured[p.action] = map[string]bool{}
		}
		measured[p.action][p.what] = true
		t.Run(p.action+"/"+p.what+"/"+p.target+" "+p.body, func(t *testing.T) {
			t.Parallel()
			r, body := request(p.method, p.target, p.body)
			genericErr := g.ValidateRequest(context.Background(), r, body)
			r, body = request(p.method, p.target, p.body)
			actionErr := c.ValidateRequest(context.Background(), r, body)
			if p.what == valid {
				if genericErr != nil || actionErr != nil {
					t.Errorf("a valid request was rejected: generic view: %v; per-action view: %v", genericErr, actionErr)
				}
				return
			}
			if actionErr == nil {
				t.Errorf("the per-action view accepts %s", p.what)
			}
			switch {
			case p.genericRejects && genericErr == nil:
				t.Errorf("the generic view accepts %s, which the standard constructs say", p.what)
			case !p.genericRejects && genericErr != nil:
				t.Errorf("the generic view now rejects %s (%v): move the row to what it sees, and say so in openapi.yaml and the README", p.what, genericErr)
			case !p.genericRejects && p.blind == "":
				t.Error("a mistake the generic view cannot see needs the reason")
			}
		})
	}
	// Each action, on each mistake that applies to it: a quantity only where the action takes one,
	// a member of another action only where another action has a member this one lacks.
	applies := map[string][]string{
		"getorganization":    {valid, missingParam, otherMember},
		"list_billing":       {valid, missingParam, otherMember},
		"getpaymentlink":     {valid, missingParam, outOfRange},
		"getupdatecardlink":  {valid, missingParam, otherMember},
		"updatesubscription": {valid, missingParam, outOfRange},
		"cancelsubscription": {valid, missingParam, otherMember},
	}
	for _, op := range c.Operations() {
		for _, name := range op.Actions() {
			want, ok := applies[name]
			if !ok {
				t.Errorf("action %s is not measured; add probes for it", name)
			}
			for _, what := range want {
				if !measured[name][what] {
					t.Errorf("action %s: no probe for %s", name, what)
				}
			}
		}
	}
}

// Every correct answer of every action is also accepted by the generic view.
func TestGenericViewAcceptsCorrectAnswers(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	g := loadGeneric(t)
	for _, a := range correctAnswers(t, c) {
		t.Run(a.name, func(t *testing.T) {
			t.Parallel()
			if err := g.ValidateResponse(context.Background(), a.response()); err != nil {
				t.Errorf("the generic view rejects a correct answer: %v\nbody: %s", err, a.body)
			}
		})
	}
}

// LoadGeneric keeps none of the document's extensions, and the generic view knows no action: an
// answer that only x-actions forbids (a link for updatesubscription) passes it.
func TestGenericViewIgnoresExtensions(t *testing.T) {
	t.Parallel()
	g := loadGeneric(t)
	doc := g.Document()
	if len(doc.Extensions) != 0 {
		t.Errorf("the document keeps extensions %v", doc.Extensions)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if len(op.Extensions) != 0 {
				t.Errorf("%s %s keeps extensions %v", method, path, op.Extensions)
			}
		}
	}
	in := contract.Response{Method: "POST", Path: updatePath, Action: "updatesubscription", Status: 200, Header: jsonHeader(), Body: []byte(linkBody)}
	if err := g.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("the generic view rejects an answer of the update union: %v", err)
	}
	if err := loadContract(t).ValidateResponse(context.Background(), in); err == nil {
		t.Error("the per-action view accepts a link for updatesubscription")
	}
}

// The unions of update are built so that a correct answer matches exactly one branch.
func TestGenericUnionsMatchExactlyOneBranch(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	doc := c.Document()
	update := doc.Paths.Find(updatePath).Post
	union := func(status string) openapi3.SchemaRefs {
		t.Helper()
		s := update.Responses.Value(status).Value.Content.Get("application/json").Schema.Value
		branches := append(append(openapi3.SchemaRefs{}, s.OneOf...), s.AnyOf...)
		if len(branches) < 2 {
			t.Fatalf("update %s is not a union", status)
		}
		return branches
	}
	tests := []struct {
		status string
		body   string
		branch string // the $ref of the one branch that must match
	}{
		{"200", linkBody, "LinkResponse"},
		{"200", `{"status":200,"response":"https://pay.example.com/c/1"}`, "LinkResponse"},
		{"200", statusBody, "StatusResponse"},
		{"409", errorBody(409, "subscription_exists"), "SubscriptionExistsError"},
		{"409", errorBody(409, "no_active_subscription"), "NoActiveSubscriptionError"},
	}
	// And every correct 200 and 409 of the update actions.
	for _, a := range correctAnswers(t, c) {
		if a.path == updatePath && (a.status == 200 || a.status == 409) {
			tests = append(tests, struct{ status, body, branch string }{strconv.Itoa(a.status), a.body, ""})
		}
	}
	for _, tt := range tests {
		var value any
		if err := json.Unmarshal([]byte(tt.body), &value); err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		var matched []string
		for _, branch := range union(tt.status) {
			if branch.Value.VisitJSON(value, openapi3.MultiErrors()) == nil {
				matched = append(matched, branch.Ref)
			}
		}
		if len(matched) != 1 {
			t.Errorf("update %s %s matches %d branches %v, want exactly one", tt.status, tt.body, len(matched), matched)
			continue
		}
		if tt.branch != "" && !strings.HasSuffix(matched[0], "/"+tt.branch) {
			t.Errorf("update %s %s matches %s, want %s", tt.status, tt.body, matched[0], tt.branch)
		}
	}
}
