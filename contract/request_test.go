package contract_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cloudplans/billing-mock/contract"
)

const bearer = "Bearer tok_owner"

// request builds a request with a bearer token and, when body is not empty, a JSON Content-Type.
func request(method, target, body string, header ...string) (*http.Request, []byte) {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Header.Set("Authorization", bearer)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			r.Header.Del(header[i])
		} else {
			r.Header.Set(header[i], header[i+1])
		}
	}
	return r, []byte(body)
}

func TestValidateRequestAccepts(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	type row struct {
		name, method, target, body string
		header                     []string
	}
	tests := []row{
		{name: "history", method: "GET", target: historyPath + "?action=list_billing&org_id=org_acme"},
		{name: "history, unknown query parameter ignored", method: "GET", target: historyPath + "?action=list_billing&org_id=org_acme&page=2"},
		{name: "history, repeated equal values", method: "GET", target: historyPath + "?action=list_billing&org_id=org_acme&org_id=org_acme"},
		{name: "lower-case bearer", method: "GET", target: historyPath + "?action=list_billing&org_id=org_acme", header: []string{"Authorization", "bearer tok"}},
		{name: "describe, charset and odd case", method: "GET", target: describePath + "?action=getorganization", body: `{"org_id":"org_acme"}`,
			header: []string{"Content-Type", "Application/JSON; charset=utf-8"}},
		{name: "getpaymentlink, quantity 10000", method: "POST", target: updatePath + "?action=getpaymentlink&org_id=org_new&quantity=10000"},
		{name: "getpaymentlink, quantity 1 in the body", method: "POST", target: updatePath + "?action=getpaymentlink", body: `{"org_id":"org_new","quantity":1}`},
		{name: "getpaymentlink, leading zeros", method: "POST", target: updatePath + "?action=getpaymentlink&org_id=org_new&quantity=007"},
		{name: "getpaymentlink, split between query and body", method: "POST", target: updatePath + "?action=getpaymentlink&org_id=org_new", body: `{"quantity":3}`},
		{name: "getpaymentlink, body with whitespace", method: "POST", target: updatePath + "?action=getpaymentlink", body: "\n { \"org_id\" : \"org_new\" , \"quantity\" : 3 } \n"},
		{name: "getpaymentlink, query 3 and body 3 agree", method: "POST", target: updatePath + "?action=getpaymentlink&org_id=org_new&quantity=03", body: `{"quantity":3}`},
		{name: "cancelsubscription, empty object body", method: "POST", target: updatePath + "?action=cancelsubscription&org_id=org_acme", body: `{}`},
		{name: "escaped org_id agrees", method: "POST", target: updatePath + "?action=cancelsubscription&org_id=org_acme", body: `{"org_id":"org\u005facme"}`},
	}
	// Every action, with its parameters in the query string only, in the body only, and in both.
	params := map[string]struct{ query, body string }{
		"getorganization":    {"org_id=org_acme", `{"org_id":"org_acme"}`},
		"list_billing":       {"org_id=org_acme", ""},
		"getpaymentlink":     {"org_id=org_new&quantity=3", `{"org_id":"org_new","quantity":3}`},
		"getupdatecardlink":  {"org_id=org_acme", `{"org_id":"org_acme"}`},
		"updatesubscription": {"org_id=org_acme&quantity=5", `{"org_id":"org_acme","quantity":5}`},
		"cancelsubscription": {"org_id=org_acme", `{"org_id":"org_acme"}`},
	}
	for _, op := range c.Operations() {
		for _, name := range op.Actions() {
			p, ok := params[name]
			if !ok {
				t.Fatalf("no parameters known for action %s; add them", name)
			}
			base := op.Path + "?action=" + name
			tests = append(tests, row{name: name + ", query only", method: op.Method, target: base + "&" + p.query})
			if p.body != "" {
				tests = append(tests,
					row{name: name + ", body only", method: op.Method, target: base, body: p.body},
					row{name: name + ", both", method: op.Method, target: base + "&" + p.query, body: p.body})
			}
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, body := request(tt.method, tt.target, tt.body, tt.header...)
			if err := c.ValidateRequest(context.Background(), r, body); err != nil {
				t.Errorf("a correct request was rejected: %v", err)
			}
		})
	}
}

func TestValidateRequestRejects(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	const (
		missing         = contract.Missing
		invalid         = contract.Invalid
		conflicting     = contract.Conflicting
		malformed       = contract.Malformed
		mediaType       = contract.MediaType
		unauthenticated = contract.Unauthenticated
		undocumented    = contract.Undocumented
	)
	pay := updatePath + "?action=getpaymentlink"
	upd := updatePath + "?action=updatesubscription"
	cancel := updatePath + "?action=cancelsubscription"
	tests := []struct {
		name, method, target, body string
		header                     []string
		kind                       contract.Kind
		location, field            string
	}{
		// The action.
		{name: "no action", method: "POST", target: updatePath + "?org_id=org_acme", kind: missing, location: "query", field: "action"},
		{name: "empty action", method: "GET", target: describePath + "?action=&org_id=org_acme", kind: missing, location: "query", field: "action"},
		{name: "unknown action", method: "POST", target: updatePath + "?action=refund&org_id=org_acme", kind: invalid, location: "query", field: "action"},
		{name: "another path's action", method: "GET", target: describePath + "?action=list_billing&org_id=org_acme", kind: invalid, location: "query", field: "action"},
		{name: "action in another case", method: "GET", target: historyPath + "?action=LIST_BILLING&org_id=org_acme", kind: invalid, location: "query", field: "action"},
		{name: "two actions", method: "POST", target: updatePath + "?action=getpaymentlink&action=cancelsubscription&org_id=org_acme&quantity=1", kind: conflicting, location: "query", field: "action"},
		{name: "action in the body only", method: "POST", target: updatePath, body: `{"action":"cancelsubscription","org_id":"org_acme"}`, kind: missing, location: "query", field: "action"},

		// The bearer token.
		{name: "no Authorization", method: "GET", target: historyPath + "?action=list_billing&org_id=org_acme", header: []string{"Authorization", ""}, kind: unauthenticated, location: "header", field: "Authorization"},
		{name: "Basic", method: "GET", target: historyPath + "?action=list_billing&org_id=org_acme", header: []string{"Authorization", "Basic x"}, kind: unauthenticated, location: "header", field: "Authorization"},
		{name: "Bearer alone", method: "POST", target: cancel + "&org_id=org_acme", header: []string{"Authorization", "Bearer"}, kind: unauthenticated, location: "header", field: "Authorization"},
		{name: "Bearer and a space", method: "POST", target: cancel + "&org_id=org_acme", header: []string{"Authorization", "Bearer "}, kind: unauthenticated, location: "header", field: "Authorization"},
		{name: "token with a space", method: "POST", target: cancel + "&org_id=org_acme", header: []string{"Authorization", "Bearer a b"}, kind: unauthenticated, location: "header", field: "Authorization"},

		// quantity in the body.
		{name: "body quantity 0", method: "POST", target: pay, body: `{"org_id":"org_new","quantity":0}`, kind: invalid, location: "body", field: "/quantity"},
		{name: "body quantity -1", method: "POST", target: pay, body: `{"org_id":"org_new","quantity":-1}`, kind: invalid, location: "body", field: "/quantity"},
		{name: "body quantity 1.5", method: "POST", target: upd, body: `{"org_id":"org_acme","quantity":1.5}`, kind: invalid, location: "body", field: "/quantity"},
		{name: "body quantity 3.0", method: "POST", target: upd, body: `{"org_id":"org_acme","quantity":3.0}`, kind: invalid, location: "body", field: "/quantity"},
		{name: "body quantity 3e0", method: "POST", target: upd, body: `{"org_id":"org_acme","quantity":3e0}`, kind: invalid, location: "body", field: "/quantity"},
		{name: "body quantity as a string", method: "POST", target: pay, body: `{"org_id":"org_new","quantity":"3"}`, kind: invalid, location: "body", field: "/quantity"},
		{name: "body quantity 10001", method: "POST", target: pay, body: `{"org_id":"org_new","quantity":10001}`, kind: invalid, location: "body", field: "/quantity"},
		{name: "body quantity null", method: "POST", target: pay, body: `{"org_id":"org_new","quantity":null}`, kind: invalid, location: "body", field: "/quantity"},
		{name: "body quantity true", method: "POST", target: pay, body: `{"org_id":"org_new","quantity":true}`, kind: invalid, location: "body", field: "/quantity"},
		{name: "quantity missing", method: "POST", target: pay, body: `{"org_id":"org_new"}`, kind: missing, location: "query", field: "quantity"},
		{name: "quantity missing for updatesubscription", method: "POST", target: upd + "&org_id=org_acme", kind: missing, location: "body", field: "/quantity"},
		{name: "quantity missing from the body of updatesubscription", method: "POST", target: upd, body: `{"org_id":"org_acme"}`, kind: missing, location: "body", field: "/quantity"},

		// quantity in the query string: decimal digits only.
		{name: "query quantity 0", method: "POST", target: pay + "&org_id=org_new&quantity=0", kind: invalid, location: "query", field: "quantity"},
		{name: "query quantity -1", method: "POST", target: pay + "&org_id=org_new&quantity=-1", kind: invalid, location: "query", field: "quantity"},
		{name: "query quantity 1.5", method: "POST", target: pay + "&org_id=org_new&quantity=1.5", kind: invalid, location: "query", field: "quantity"},
		{name: "query quantity 10001", method: "POST", target: pay + "&org_id=org_new&quantity=10001", kind: invalid, location: "query", field: "quantity"},
		{name: "query quantity abc", method: "POST", target: pay + "&org_id=org_new&quantity=abc", kind: invalid, location: "query", field: "quantity"},
		{name: "query quantity +3", method: "POST", target: pay + "&org_id=org_new&quantity=%2B3", kind: invalid, location: "query", field: "quantity"},
		{name: "query quantity 1e3", method: "POST", target: pay + "&org_id=org_new&quantity=1e3", kind: invalid, location: "query", field: "quantity"},
		{name: "query quantity 3.0", method: "POST", target: pay + "&org_id=org_new&quantity=3.0", kind: invalid, location: "query", field: "quantity"},
		{name: "query quantity empty", method: "POST", target: pay + "&org_id=org_new&quantity=", kind: invalid, location: "query", field: "quantity"},
		{name: "query quantity with a space", method: "POST", target: pay + "&org_id=org_new&quantity=%203", kind: invalid, location: "query", field: "quantity"},
		{name: "query quantity huge", method: "POST", target: pay + "&org_id=org_new&quantity=99999999999999999999999", kind: invalid, location: "query", field: "quantity"},
		{name: "query quantity invalid in a later repeat", method: "POST", target: pay + "&org_id=org_new&quantity=3&quantity=abc", kind: conflicting, location: "query", field: "quantity"},

		// org_id.
		{name: "org_id missing", method: "POST", target: cancel, kind: missing, location: "body", field: "/org_id"},
		{name: "org_id missing from an empty body", method: "POST", target: cancel, body: `{}`, kind: missing, location: "body", field: "/org_id"},
		{name: "org_id missing, describe", method: "GET", target: describePath + "?action=getorganization", kind: missing, location: "query", field: "org_id"},
		{name: "org_id missing, history", method: "GET", target: historyPath + "?action=list_billing", kind: missing, location: "query", field: "org_id"},
		{name: "org_id missing from query and body", method: "POST", target: pay + "&quantity=3", body: `{"quantity":3}`, kind: missing, location: "query", field: "org_id"},
		{name: "org_id empty in the query", method: "POST", target: cancel + "&org_id=", kind: invalid, location: "query", field: "org_id"},
		{name: "org_id empty in the body", method: "POST", target: cancel, body: `{"org_id":""}`, kind: invalid, location: "body", field: "/org_id"},
		{name: "org_id as a number", method: "POST", target: cancel, body: `{"org_id":42}`, kind: invalid, location: "body", field: "/org_id"},
		{name: "org_id null", method: "POST", target: cancel, body: `{"org_id":null}`, kind: invalid, location: "body", field: "/org_id"},
		{name: "org_id too long", method: "GET", target: historyPath + "?action=list_billing&org_id=" + strings.Repeat("o", 129), kind: invalid, location: "query", field: "org_id"},

		// Conflicts.
		{name: "org_id in query and body differ", method: "POST", target: cancel + "&org_id=org_acme", body: `{"org_id":"org_new"}`, kind: conflicting, location: "query", field: "org_id"},
		{name: "org_id in query and body differ, describe", method: "GET", target: describePath + "?action=getorganization&org_id=org_acme", body: `{"org_id":"org_new"}`, kind: conflicting, location: "query", field: "org_id"},
		{name: "quantity in query and body differ", method: "POST", target: upd + "&org_id=org_acme&quantity=3", body: `{"quantity":4}`, kind: conflicting, location: "query", field: "quantity"},
		{name: "org_id twice in the query", method: "GET", target: historyPath + "?action=list_billing&org_id=a&org_id=b", kind: conflicting, location: "query", field: "org_id"},
		{name: "quantity twice in the query", method: "POST", target: pay + "&org_id=o&quantity=3&quantity=4", kind: conflicting, location: "query", field: "quantity"},
		{name: "duplicate body member", method: "POST", target: cancel, body: `{"org_id":"org_acme","org_id":"org_new"}`, kind: conflicting, location: "body", field: "/org_id"},
		{name: "duplicate body member, same value", method: "POST", target: cancel, body: `{"org_id":"org_acme","org_id":"org_acme"}`, kind: conflicting, location: "body", field: "/org_id"},
		{name: "duplicate body member, escaped", method: "POST", target: cancel, body: `{"org_id":"org_acme","org\u005fid":"org_acme"}`, kind: conflicting, location: "body", field: "/org_id"},

		// Unknown members.
		{name: "unknown body member", method: "POST", target: cancel, body: `{"org_id":"org_acme","foo":1}`, kind: undocumented, location: "body", field: "/foo"},
		{name: "quantity for getupdatecardlink", method: "POST", target: updatePath + "?action=getupdatecardlink", body: `{"org_id":"org_acme","quantity":3}`, kind: undocumented, location: "body", field: "/quantity"},
		{name: "quantity for cancelsubscription", method: "POST", target: cancel, body: `{"org_id":"org_acme","quantity":3}`, kind: undocumented, location: "body", field: "/quantity"},
		{name: "a bad quantity for cancelsubscription", method: "POST", target: cancel, body: `{"org_id":"org_acme","quantity":"x"}`, kind: undocumented, location: "body", field: "/quantity"},
		{name: "quantity for describe", method: "GET", target: describePath + "?action=getorganization", body: `{"org_id":"org_acme","quantity":3}`, kind: undocumented, location: "body", field: "/quantity"},
		{name: "member with a slash", method: "POST", target: cancel, body: `{"org_id":"org_acme","a/b":1}`, kind: undocumented, location: "body", field: "/a~1b"},

		// Bodies that are not a JSON object.
		{name: "body is an array", method: "POST", target: cancel + "&org_id=org_acme", body: `[]`, kind: malformed, location: "body"},
		{name: "body is a string", method: "POST", target: cancel + "&org_id=org_acme", body: `"org_acme"`, kind: malformed, location: "body"},
		{name: "body is null", method: "POST", target: cancel + "&org_id=org_acme", body: `null`, kind: malformed, location: "body"},
		{name: "body is a number", method: "POST", target: cancel + "&org_id=org_acme", body: `3`, kind: malformed, location: "body"},
		{name: "body is not JSON", method: "POST", target: cancel + "&org_id=org_acme", body: `org_id=org_acme`, kind: malformed, location: "body"},
		{name: "body is truncated", method: "POST", target: cancel, body: `{"org_id":"org_acme"`, kind: malformed, location: "body"},
		{name: "body with trailing data", method: "POST", target: cancel, body: `{"org_id":"org_acme"} {}`, kind: malformed, location: "body"},
		{name: "body with a trailing brace", method: "POST", target: cancel, body: `{"org_id":"org_acme"}}`, kind: malformed, location: "body"},
		{name: "body with a trailing comma", method: "POST", target: cancel, body: `{"org_id":"org_acme",}`, kind: malformed, location: "body"},
		{name: "whitespace-only body", method: "POST", target: cancel + "&org_id=org_acme", body: " ", kind: malformed, location: "body"},

		// Media types.
		{name: "body as text/plain", method: "POST", target: cancel, body: `{"org_id":"org_acme"}`, header: []string{"Content-Type", "text/plain"}, kind: mediaType, location: "header", field: "Content-Type"},
		{name: "form body", method: "POST", target: cancel, body: `org_id=org_acme`, header: []string{"Content-Type", "application/x-www-form-urlencoded"}, kind: mediaType, location: "header", field: "Content-Type"},
		{name: "body without Content-Type", method: "POST", target: cancel, body: `{"org_id":"org_acme"}`, header: []string{"Content-Type", ""}, kind: mediaType, location: "header", field: "Content-Type"},

		// The document's order of checks: content type (415), token (401), then action and
		// parameters (400); the first failing stage is the only one reported.
		{name: "no token and no action", method: "POST", target: updatePath + "?org_id=org_acme", header: []string{"Authorization", ""}, kind: unauthenticated, location: "header", field: "Authorization"},
		{name: "no token and an unknown action", method: "GET", target: describePath + "?action=refund", header: []string{"Authorization", "Basic x"}, kind: unauthenticated, location: "header", field: "Authorization"},
		{name: "text/plain body and no token", method: "POST", target: cancel, body: `{"org_id":"org_acme"}`, header: []string{"Content-Type", "text/plain", "Authorization", ""}, kind: mediaType, location: "header", field: "Content-Type"},
		{name: "text/plain body and no action", method: "POST", target: updatePath, body: `x`, header: []string{"Content-Type", "text/plain"}, kind: mediaType, location: "header", field: "Content-Type"},

		// History takes no body.
		{name: "history with a text/plain body", method: "GET", target: historyPath + "?action=list_billing&org_id=org_acme", body: `org_id=org_acme`, header: []string{"Content-Type", "text/plain"}, kind: mediaType, location: "header", field: "Content-Type"},
		{name: "history with a body", method: "GET", target: historyPath + "?action=list_billing&org_id=org_acme", body: `{"org_id":"org_acme"}`, kind: invalid, location: "body"},
		{name: "history with an empty object", method: "GET", target: historyPath + "?action=list_billing&org_id=org_acme", body: `{}`, kind: invalid, location: "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, body := request(tt.method, tt.target, tt.body, tt.header...)
			err := c.ValidateRequest(context.Background(), r, body)
			wantProblem(t, err, tt.kind, tt.location, tt.field)
			var verr *contract.ValidationError
			if errors.As(err, &verr) && (verr.Side != "request" || verr.Method != tt.method || verr.Path != r.URL.Path) {
				t.Errorf("ValidationError = %+v", verr)
			}
		})
	}
}

func TestValidateRequestRouteErrors(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	tests := []struct {
		method, target string
		status         int
		allow          string
	}{
		{"POST", describePath + "?action=getorganization&org_id=org_acme", 405, "GET"},
		{"PUT", updatePath + "?action=cancelsubscription&org_id=org_acme", 405, "POST"},
		{"GET", "/v1/organizations/billing/refund?action=refund", 404, ""},
		{"GET", "/v1/organizations/billing/describe/?action=getorganization&org_id=org_acme", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			t.Parallel()
			r, body := request(tt.method, tt.target, "")
			err := c.ValidateRequest(context.Background(), r, body)
			var re *contract.RouteError
			if !errors.As(err, &re) {
				t.Fatalf("want a *RouteError, got %T %v", err, err)
			}
			if re.Status != tt.status || re.Allow != tt.allow {
				t.Errorf("RouteError = %+v, want %d %q", re, tt.status, tt.allow)
			}
		})
	}
}

// One mistake is one problem.
func TestValidateRequestReportsEachMistakeOnce(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	tests := []struct {
		method, target, body string
		header               []string
		want                 contract.Problem
	}{
		{"GET", historyPath + "?action=list_billing", "", nil, contract.Problem{Kind: contract.Missing, Location: "query", Field: "org_id"}},
		{"POST", updatePath + "?action=cancelsubscription&org_id=", "", nil, contract.Problem{Kind: contract.Invalid, Location: "query", Field: "org_id"}},
		{"POST", updatePath + "?action=getpaymentlink&org_id=o", "", nil, contract.Problem{Kind: contract.Missing, Location: "query", Field: "quantity"}},
		{"POST", updatePath + "?action=getpaymentlink&org_id=o&quantity=abc", "", nil, contract.Problem{Kind: contract.Invalid, Location: "query", Field: "quantity"}},
		{"POST", updatePath + "?action=updatesubscription", `{"org_id":"o","quantity":1.5}`, nil, contract.Problem{Kind: contract.Invalid, Location: "body", Field: "/quantity"}},
		{"POST", updatePath + "?action=cancelsubscription", `{"org_id":"o","org_id":"o"}`, nil, contract.Problem{Kind: contract.Conflicting, Location: "body", Field: "/org_id"}},
		{"POST", updatePath + "?action=cancelsubscription&org_id=a&org_id=b", "", nil, contract.Problem{Kind: contract.Conflicting, Location: "query", Field: "org_id"}},
		{"GET", historyPath + "?action=list_billing&org_id=o", "", []string{"Authorization", ""}, contract.Problem{Kind: contract.Unauthenticated, Location: "header", Field: "Authorization"}},
	}
	for _, tt := range tests {
		r, body := request(tt.method, tt.target, tt.body, tt.header...)
		problems := problemsOf(t, c.ValidateRequest(context.Background(), r, body))
		if len(problems) != 1 {
			t.Errorf("%s %s: want one problem, got %d: %+v", tt.target, tt.body, len(problems), problems)
			continue
		}
		p := problems[0]
		if p.Kind != tt.want.Kind || p.Location != tt.want.Location || p.Field != tt.want.Field {
			t.Errorf("%s %s: got %+v, want %+v", tt.target, tt.body, p, tt.want)
		}
	}
}

// Problems name their field once: no duplicated parameter names or pointers.
func TestValidateRequestProblemsAreClear(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	tests := []struct{ target, body string }{
		{updatePath + "?action=getpaymentlink&org_id=org_new&quantity=0", ""},
		{updatePath + "?action=getpaymentlink", `{"org_id":"","quantity":0,"x":1}`},
		{updatePath + "?action=getpaymentlink&quantity=abc", ""},
	}
	for _, tt := range tests {
		r, body := request("POST", tt.target, tt.body)
		err := c.ValidateRequest(context.Background(), r, body)
		for _, p := range problemsOf(t, err) {
			if p.Location == contract.InBody && p.Field != "" && p.Field[0] != '/' {
				t.Errorf("%s %s: body problem without a JSON pointer: %+v", tt.target, tt.body, p)
			}
			if p.Location == contract.InQuery && strings.Contains(p.Field, "/") {
				t.Errorf("%s %s: query problem with a pointer: %+v", tt.target, tt.body, p)
			}
			if p.Expected == "" || p.Got == "" {
				t.Errorf("%s %s: vague problem %+v", tt.target, tt.body, p)
			}
			if strings.Count(p.String(), p.Field) > 1 && p.Field != "" {
				t.Errorf("%s %s: field repeated in %q", tt.target, tt.body, p.String())
			}
		}
	}
}
