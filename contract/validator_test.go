package contract_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cloudplans/billing-mock/contract"
)

// constrainedSpec declares, besides the action, a required header, query and cookie parameter and
// a body member, each a lower-case word, and a required header on its answer.
const constrainedSpec = `openapi: 3.0.3
info: {title: constrained, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  schemas:
    Body:
      type: object
      required: [name]
      properties:
        name: {type: string, pattern: '^[a-z]+$'}
    Answer:
      type: object
      required: [status]
      properties:
        status: {type: integer}
security: [{bearer: []}]
paths:
  /things:
    post:
      operationId: things
      parameters:
        - {name: action, in: query, required: true, schema: {type: string, enum: [make]}}
        - {name: X-Tenant, in: header, required: true, schema: {type: string, pattern: '^[a-z]+$'}}
        - {name: region, in: query, required: true, schema: {type: string, pattern: '^[a-z]+$'}}
        - {name: team, in: cookie, required: true, schema: {type: string, pattern: '^[a-z]+$'}}
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Body'}
      responses:
        '200':
          description: made
          headers:
            X-Request-Id: {required: true, schema: {type: string, pattern: '^[0-9]+$'}}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Answer'}
      x-actions:
        make:
          request: {$ref: '#/components/schemas/Body'}
          responses:
            '200': {$ref: '#/components/schemas/Answer'}
`

// constrainedRequest is a request to /things with each input valid, then changed by edit.
func constrainedRequest(edit func(r *http.Request, body *string)) (*http.Request, []byte) {
	body := `{"name":"ok"}`
	r := httptest.NewRequest(http.MethodPost, "/things?action=make&region=eu", nil)
	r.Header.Set("Authorization", "Bearer t")
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Tenant", "acme")
	r.Header.Set("Cookie", "team=blue")
	if edit != nil {
		edit(r, &body)
	}
	return r, []byte(body)
}

// TestValidatorKeysEveryInput: for a document with required header, query, cookie and body
// constraints, a Validator that keeps verdicts answers exactly as one that keeps none, for valid,
// invalid and missing values, after the valid request's verdict was kept.
func TestValidatorKeysEveryInput(t *testing.T) {
	t.Parallel()
	c, err := contract.Load([]byte(constrainedSpec))
	if err != nil {
		t.Fatal(err)
	}
	op, err := c.Find(http.MethodPost, "/things")
	if err != nil {
		t.Fatal(err)
	}
	cached, uncached := contract.NewValidator(c, 64), contract.NewValidator(c, 0)
	setQuery := func(q string) func(*http.Request, *string) {
		return func(r *http.Request, _ *string) { r.URL.RawQuery = q }
	}
	setHeader := func(name, value string) func(*http.Request, *string) {
		return func(r *http.Request, _ *string) {
			if value == "" {
				r.Header.Del(name)
			} else {
				r.Header.Set(name, value)
			}
		}
	}
	setBody := func(b string) func(*http.Request, *string) { return func(_ *http.Request, body *string) { *body = b } }
	cases := []struct {
		name  string
		edit  func(*http.Request, *string)
		valid bool
	}{
		{"all valid", nil, true},
		{"header valid", setHeader("X-Tenant", "other"), true},
		{"header invalid", setHeader("X-Tenant", "ACME1"), false},
		{"header missing", setHeader("X-Tenant", ""), false},
		{"query valid", setQuery("action=make&region=us"), true},
		{"query invalid", setQuery("action=make&region=E1"), false},
		{"query missing", setQuery("action=make"), false},
		{"cookie valid", setHeader("Cookie", "team=red"), true},
		{"cookie invalid", setHeader("Cookie", "team=R2"), false},
		{"cookie missing", setHeader("Cookie", ""), false},
		{"body valid", setBody(`{"name":"fine"}`), true},
		{"body invalid", setBody(`{"name":"Not OK"}`), false},
		{"body missing", setBody(`{}`), false},
	}
	for round := range 2 { // the second round meets every valid verdict in the cache
		for _, tt := range cases {
			r, body := constrainedRequest(tt.edit)
			want := uncached.ValidateRequest(context.Background(), op, r, body)
			r, body = constrainedRequest(tt.edit)
			got := cached.ValidateRequest(context.Background(), op, r, body)
			if (want == nil) != tt.valid {
				t.Fatalf("round %d, %s: the uncached verdict is %v", round, tt.name, want)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("round %d, %s: cached %v, uncached %v", round, tt.name, got, want)
			}
		}
	}
	if cached.Len() == 0 || uncached.Len() != 0 {
		t.Errorf("cached holds %d verdicts, uncached %d", cached.Len(), uncached.Len())
	}

	answer := func(id string) contract.Response {
		h := http.Header{"Content-Type": {"application/json"}}
		if id != "" {
			h.Set("X-Request-Id", id)
		}
		return contract.Response{Method: http.MethodPost, Path: "/things", Action: "make", Status: 200, Header: h, Body: []byte(`{"status":200}`)}
	}
	for round := range 2 {
		for _, tt := range []struct {
			id    string
			valid bool
		}{{"42", true}, {"43", true}, {"x42", false}, {"", false}} {
			want := uncached.ValidateResponse(context.Background(), op, answer(tt.id))
			got := cached.ValidateResponse(context.Background(), op, answer(tt.id))
			if (want == nil) != tt.valid {
				t.Fatalf("round %d, answer X-Request-Id %q: the uncached verdict is %v", round, tt.id, want)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("round %d, answer X-Request-Id %q: cached %v, uncached %v", round, tt.id, got, want)
			}
		}
	}
}

// TestValidatorBounds: a Validator keeps at most its size of verdicts (it starts again empty when
// full), none of invalid inputs, and none of inputs over its key limit.
func TestValidatorBounds(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	op, err := c.Find(http.MethodGet, describePath)
	if err != nil {
		t.Fatal(err)
	}
	v := contract.NewValidator(c, 3)
	for i := range 10 {
		r, body := request("GET", describePath+fmt.Sprintf("?action=getorganization&org_id=org_%d", i), "")
		if err := v.ValidateRequest(context.Background(), op, r, body); err != nil {
			t.Fatal(err)
		}
		if v.Len() > 3 {
			t.Fatalf("%d verdicts kept, at most 3", v.Len())
		}
	}
	v = contract.NewValidator(c, 8)
	r, body := request("GET", describePath+"?action=getorganization", "")
	if v.ValidateRequest(context.Background(), op, r, body) == nil || v.Len() != 0 {
		t.Fatalf("an invalid request: %d verdicts kept", v.Len())
	}
	r, body = request("GET", describePath+"?action=getorganization&org_id=org_"+strings.Repeat("a", 5000), "")
	_ = v.ValidateRequest(context.Background(), op, r, body)
	if v.Len() != 0 {
		t.Fatalf("an input over the key limit: %d verdicts kept", v.Len())
	}
}
