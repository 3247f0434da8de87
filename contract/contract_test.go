package contract_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	billingmock "github.com/cloudplans/billing-mock"
	"github.com/cloudplans/billing-mock/contract"
)

// The paths of the document.
const (
	describePath = "/v1/organizations/billing/describe"
	historyPath  = "/v1/organizations/billing/history"
	updatePath   = "/v1/organizations/billing/update"
)

// loadContract returns the embedded contract; it is immutable, so tests share it.
func loadContract(t testing.TB) *contract.Contract {
	t.Helper()
	c, err := contract.Embedded()
	if err != nil {
		t.Fatalf("Embedded: %v", err)
	}
	return c
}

// problemsOf returns the problems of a *ValidationError, failing the test for any other error.
func problemsOf(t testing.TB, err error) []contract.Problem {
	t.Helper()
	var verr *contract.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("want a *ValidationError, got %T: %v", err, err)
	}
	if len(verr.Problems) == 0 {
		t.Fatalf("a *ValidationError without problems: %v", err)
	}
	return verr.Problems
}

// wantProblem fails the test unless err is a *ValidationError with a problem of that kind and
// field (location too, when given).
func wantProblem(t testing.TB, err error, kind contract.Kind, location, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want a %s problem at %s %q", kind, location, field)
	}
	problems := problemsOf(t, err)
	for _, p := range problems {
		if p.Kind == kind && p.Field == field && (location == "" || p.Location == location) {
			if p.Expected == "" && p.Got == "" {
				t.Errorf("problem %+v says neither what was expected nor what came", p)
			}
			return
		}
	}
	t.Fatalf("want a %s problem at %s %q; got:\n%v", kind, location, field, err)
}

func TestEmbeddedSpecLoadsAndIsValid(t *testing.T) {
	t.Parallel()
	// Independently of Load, the raw document passes kin-openapi's own validation.
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(billingmock.OpenAPI())
	if err != nil {
		t.Fatalf("LoadFromData: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	c, err := contract.Load(billingmock.OpenAPI())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.Document() == nil {
		t.Fatal("Load returned no document")
	}
	if e1, err := contract.Embedded(); err != nil {
		t.Fatalf("Embedded: %v", err)
	} else if e2, _ := contract.Embedded(); e1 != e2 {
		t.Error("Embedded returned two different contracts")
	}
}

func TestLoadRejectsBrokenDocuments(t *testing.T) {
	t.Parallel()
	spec := string(billingmock.OpenAPI())
	tests := []struct {
		name     string
		old, new string
		want     string
	}{
		{"not YAML", spec, "openapi: [", "load"},
		{"unknown schema in x-actions", "          request:\n            $ref: '#/components/schemas/OrgRequest'",
			"          request:\n            $ref: '#/components/schemas/NoSuchSchema'", "NoSuchSchema"},
		{"x-actions request that is not a branch of the body", "          request:\n            $ref: '#/components/schemas/QuantityRequest'",
			"          request:\n            $ref: '#/components/schemas/GetPaymentLinkQuery'", "neither the operation's JSON request body"},
		{"x-actions status the operation lacks", "            '409':\n              $ref: '#/components/schemas/SubscriptionExistsError'",
			"            '418':\n              $ref: '#/components/schemas/SubscriptionExistsError'", "418"},
		{"x-actions response that is not a branch of the union", "            '200':\n              $ref: '#/components/schemas/LinkResponse'",
			"            '200':\n              $ref: '#/components/schemas/DescribeResponse'", "neither the operation's schema"},
		{"x-actions for an action the parameters do not list", "        getorganization:\n          lenient: body",
			"        getorganisation:\n          lenient: body", "getorganisation"},
		{"x-actions lenient somewhere else", "        getorganization:\n          lenient: body",
			"        getorganization:\n          lenient: header", "header"},
		{"x-actions lenient query without a body", "        getorganization:\n          lenient: body",
			"        getorganization:\n          lenient: query", "lenient: query"},
		{"x-actions in the old format", "        getorganization:\n          lenient: body",
			"        getorganization:\n          required-parameters: [org_id]", "required-parameters"},
		{"a query branch without its action", "      required: [action, org_id, quantity]\n      description: The query string of `getpaymentlink`",
			"      required: [org_id, quantity]\n      description: The query string of `getpaymentlink`", "oneOf[3]"},
		{"a discriminator mapping to another branch", "          getpaymentlink: '#/components/schemas/GetPaymentLinkQuery'",
			"          getpaymentlink: '#/components/schemas/CancelSubscriptionQuery'", "getpaymentlink"},
		{"x-unrouted-responses scope unknown", "  '414':\n    applies-to: any-request",
			"  '414':\n    applies-to: some-requests", "some-requests"},
		{"x-unrouted-responses naming no response", "      $ref: '#/components/responses/URITooLong'",
			"      $ref: '#/components/responses/NoSuchResponse'", "NoSuchResponse"},
		{"x-unrouted-responses unknown-path for another status", "  '404':\n    applies-to: unknown-path",
			"  '404':\n    applies-to: any-request", "404 only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(spec, tt.old) {
				t.Fatalf("the document no longer contains %q; update this test", tt.old)
			}
			_, err := contract.Load([]byte(strings.Replace(spec, tt.old, tt.new, 1)))
			if err == nil {
				t.Fatal("Load accepted a broken document")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestOperationsAndActions(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	errorsOnly := []int{400, 401, 403, 404, 413, 414, 415, 500}
	withConflict := []int{200, 400, 401, 403, 404, 409, 413, 414, 415, 500}
	tests := []struct {
		method, path, id string
		actions          map[string][]int
		required         map[string][]string
	}{
		{"GET", describePath, "describeBilling",
			map[string][]int{"getorganization": append([]int{200}, errorsOnly...)},
			map[string][]string{"getorganization": {"org_id"}}},
		{"GET", historyPath, "billingHistory",
			map[string][]int{"list_billing": {200, 400, 401, 403, 404, 413, 414, 415, 500}},
			map[string][]string{"list_billing": {"org_id"}}},
		{"POST", updatePath, "updateBilling",
			map[string][]int{
				"getpaymentlink":     withConflict,
				"getupdatecardlink":  withConflict,
				"updatesubscription": withConflict,
				"cancelsubscription": withConflict,
			},
			map[string][]string{
				"getpaymentlink":     {"org_id", "quantity"},
				"getupdatecardlink":  {"org_id"},
				"updatesubscription": {"org_id", "quantity"},
				"cancelsubscription": {"org_id"},
			}},
	}
	var seen []string
	for _, op := range c.Operations() {
		seen = append(seen, op.Method+" "+op.Path)
	}
	if len(seen) != len(tests) {
		t.Errorf("Operations() = %v, want %d operations", seen, len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			t.Parallel()
			op, err := c.Find(tt.method, tt.path)
			if err != nil {
				t.Fatalf("Find: %v", err)
			}
			if op.ID != tt.id || op.Method != tt.method || op.Path != tt.path {
				t.Errorf("operation = %s %s %s, want %s %s %s", op.Method, op.Path, op.ID, tt.method, tt.path, tt.id)
			}
			var want []string
			for name := range tt.actions {
				want = append(want, name)
			}
			slices.Sort(want)
			if got := op.Actions(); !slices.Equal(got, want) {
				t.Errorf("Actions() = %v, want %v", got, want)
			}
			for name, statuses := range tt.actions {
				if !op.HasAction(name) {
					t.Errorf("HasAction(%q) = false", name)
				}
				if got := op.Statuses(name); !slices.Equal(got, statuses) {
					t.Errorf("Statuses(%q) = %v, want %v", name, got, statuses)
				}
				if got := op.RequiredParameters(name); !slices.Equal(got, tt.required[name]) {
					t.Errorf("RequiredParameters(%q) = %v, want %v", name, got, tt.required[name])
				}
			}
			if op.HasAction("refund") {
				t.Error(`HasAction("refund") = true`)
			}
			// An unknown action falls back to the operation's own statuses.
			if got, want := op.Statuses("refund"), statusesOf(c.Document(), tt.path, tt.method); !slices.Equal(got, want) {
				t.Errorf(`Statuses("refund") = %v, want the operation's %v`, got, want)
			}
			// The returned slices are copies.
			for _, name := range op.Actions() {
				s := op.Statuses(name)
				s[0] = 999
				if op.Statuses(name)[0] == 999 {
					t.Errorf("Statuses(%q) returns shared state", name)
				}
			}
		})
	}
}

// statusesOf lists the statuses an operation of the document declares, sorted.
func statusesOf(doc *openapi3.T, path, method string) []int {
	var out []int
	for key := range doc.Paths.Find(path).GetOperation(method).Responses.Map() {
		var code int
		if _, err := fmt.Sscanf(key, "%d", &code); err == nil {
			out = append(out, code)
		}
	}
	slices.Sort(out)
	return out
}

func TestFind(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	tests := []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", describePath, 0, ""},
		{"GET", historyPath, 0, ""},
		{"POST", updatePath, 0, ""},
		{"POST", describePath, 405, "GET"},
		{"DELETE", historyPath, 405, "GET"},
		{"GET", updatePath, 405, "POST"},
		{"GET", "/v1/organizations/billing/refund", 404, ""},
		{"GET", describePath + "/", 404, ""},
		{"GET", "/", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			t.Parallel()
			op, err := c.Find(tt.method, tt.path)
			if tt.status == 0 {
				if err != nil || op == nil {
					t.Fatalf("Find = %v, %v", op, err)
				}
				return
			}
			var re *contract.RouteError
			if !errors.As(err, &re) {
				t.Fatalf("want a *RouteError, got %T %v", err, err)
			}
			if re.Status != tt.status || re.Allow != tt.allow {
				t.Errorf("RouteError = %+v, want status %d allow %q", re, tt.status, tt.allow)
			}
			if re.Error() == "" {
				t.Error("empty message")
			}
		})
	}
}

func TestBearerToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header, token string
		ok            bool
	}{
		{"Bearer tok_1", "tok_1", true},
		{"bearer tok_1", "tok_1", true},
		{"BEARER  tok_1", "tok_1", true},
		{"", "", false},
		{"Bearer", "", false},
		{"Bearer ", "", false},
		{"Basic x", "", false},
		{"Bearer a b", "", false},
		{"Bearer a\tb", "", false},
		{"Bearertok", "", false},
	}
	for _, tt := range tests {
		token, ok := contract.BearerToken(tt.header)
		if token != tt.token || ok != tt.ok {
			t.Errorf("BearerToken(%q) = %q, %v; want %q, %v", tt.header, token, ok, tt.token, tt.ok)
		}
	}
}

func TestIsJSON(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		"application/json":                true,
		"Application/JSON; charset=utf-8": true,
		"application/json;charset=UTF-8":  true,
		"":                                false,
		"text/plain":                      false,
		"application/jsonx":               false,
		"application/problem+json":        false,
		"application/json; =":             false,
	}
	for ct, want := range tests {
		if got := contract.IsJSON(ct); got != want {
			t.Errorf("IsJSON(%q) = %v, want %v", ct, got, want)
		}
	}
}
