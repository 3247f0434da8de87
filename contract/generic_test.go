package contract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// genericRoute is the document's own operation for a path and method, as a validator that knows
// nothing of x-actions sees it. Hosts are not matched: the route is built from doc.Paths.
func genericRoute(t testing.TB, doc *openapi3.T, method, path string) *routers.Route {
	t.Helper()
	item := doc.Paths.Find(path)
	if item == nil || item.GetOperation(method) == nil {
		t.Fatalf("no operation %s %s in the document", method, path)
	}
	return &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: item.GetOperation(method)}
}

func genericOptions() *openapi3filter.Options {
	return &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		AuthenticationFunc:    func(context.Context, *openapi3filter.AuthenticationInput) error { return nil },
	}
}

// Every correct answer of every action is also accepted by kin-openapi with the generic operation.
func TestGenericValidatorAcceptsCorrectAnswers(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	doc := c.Document()
	for _, a := range correctAnswers(t, c) {
		t.Run(a.name, func(t *testing.T) {
			t.Parallel()
			route := genericRoute(t, doc, a.method, a.path)
			err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{
					Request: httptest.NewRequest(a.method, a.path+"?action="+a.action, nil),
					Route:   route,
					Options: genericOptions(),
				},
				Status:  a.status,
				Header:  jsonHeader(),
				Body:    io.NopCloser(strings.NewReader(a.body)),
				Options: genericOptions(),
			})
			if err != nil {
				t.Errorf("the generic operation rejects a correct answer: %v\nbody: %s", err, a.body)
			}
		})
	}
}

// Every correct request is also accepted by kin-openapi with the generic operation.
func TestGenericValidatorAcceptsCorrectRequests(t *testing.T) {
	t.Parallel()
	doc := loadContract(t).Document()
	tests := []struct{ method, target, body string }{
		{"GET", describePath + "?action=getorganization&org_id=org_acme", ""},
		{"GET", describePath + "?action=getorganization", `{"org_id":"org_acme"}`},
		{"GET", historyPath + "?action=list_billing&org_id=org_acme", ""},
		{"POST", updatePath + "?action=getpaymentlink&org_id=org_new&quantity=3", ""},
		{"POST", updatePath + "?action=getpaymentlink", `{"org_id":"org_new","quantity":3}`},
		{"POST", updatePath + "?action=getupdatecardlink", `{"org_id":"org_acme"}`},
		{"POST", updatePath + "?action=updatesubscription&org_id=org_acme", `{"quantity":5}`},
		{"POST", updatePath + "?action=cancelsubscription", `{"org_id":"org_acme"}`},
		{"POST", updatePath + "?action=cancelsubscription&org_id=org_acme", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target+" "+tt.body, func(t *testing.T) {
			t.Parallel()
			r, body := request(tt.method, tt.target, tt.body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			u := r.URL
			route := genericRoute(t, doc, tt.method, u.Path)
			err := openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
				Request: r, QueryParams: u.Query(), Route: route, Options: genericOptions(),
			})
			if err != nil {
				t.Errorf("the generic operation rejects a correct request: %v", err)
			}
		})
	}
}

// The unions of update are built so that a correct answer matches exactly one oneOf branch.
func TestGenericUnionsMatchExactlyOneBranch(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	doc := c.Document()
	update := doc.Paths.Find(updatePath).Post
	union := func(status string) openapi3.SchemaRefs {
		t.Helper()
		s := update.Responses.Value(status).Value.Content.Get("application/json").Schema.Value
		if len(s.OneOf) < 2 {
			t.Fatalf("update %s is not a oneOf union", status)
		}
		return s.OneOf
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
