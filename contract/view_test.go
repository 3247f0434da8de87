package contract

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	billingmock "github.com/cloudplans/billing-mock"
)

// resolve follows a JSON pointer through a decoded YAML document.
func resolve(t *testing.T, doc any, pointer string) (any, bool) {
	t.Helper()
	if pointer == "" {
		return doc, true
	}
	if !strings.HasPrefix(pointer, "/") {
		t.Fatalf("pointer %q does not start with /", pointer)
	}
	v := doc
	for _, seg := range strings.Split(pointer[1:], "/") {
		seg = strings.NewReplacer("~1", "/", "~0", "~").Replace(seg)
		switch node := v.(type) {
		case map[string]any:
			next, ok := node[seg]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(node) {
				return nil, false
			}
			v = node[i]
		default:
			return nil, false
		}
	}
	return v, true
}

func TestActionView(t *testing.T) {
	t.Parallel()
	c, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	var raw any
	if err := yaml.Unmarshal(billingmock.OpenAPI(), &raw); err != nil {
		t.Fatal(err)
	}
	at := func(t *testing.T, what, pointer, want string) {
		t.Helper()
		if pointer != want {
			t.Errorf("%s: pointer %q, want %q", what, pointer, want)
		}
		if _, ok := resolve(t, raw, pointer); !ok {
			t.Errorf("%s: pointer %q names nothing in openapi.yaml", what, pointer)
		}
	}
	const update = "/paths/~1v1~1organizations~1billing~1update/post"
	type param struct {
		name     string
		required bool
		pointer  string
	}
	cases := []struct {
		method, path, action string
		named                string
		query                []param
		body, bodyPointer    string // the body's $ref and pointer; "" when the action takes none
		required             []string
		responses            map[int]string // status: the answer schema's pointer
		response             map[int]string // status: the response's pointer
	}{
		{method: "GET", path: "/v1/organizations/billing/describe", action: "getorganization",
			named:     "/components/parameters/DescribeAction/schema/enum/0",
			query:     []param{{"org_id", true, "/components/parameters/OrgIdQuery/schema"}},
			responses: map[int]string{200: "/components/schemas/DescribeResponse", 400: "/components/schemas/BadRequestError"},
			response:  map[int]string{200: "/paths/~1v1~1organizations~1billing~1describe/get/responses/200", 400: "/components/responses/BadRequest"}},
		{method: "POST", path: "/v1/organizations/billing/update", action: "getpaymentlink",
			named: "/components/schemas/GetPaymentLinkQuery",
			query: []param{{"org_id", true, "/components/schemas/GetPaymentLinkQuery/properties/org_id"},
				{"quantity", true, "/components/schemas/GetPaymentLinkQuery/properties/quantity"}},
			responses: map[int]string{200: "/components/schemas/LinkResponse", 409: "/components/schemas/SubscriptionExistsError",
				401: "/components/schemas/UnauthorizedError"},
			response: map[int]string{200: update + "/responses/200", 409: update + "/responses/409", 401: "/components/responses/Unauthorized"}},
		{method: "POST", path: "/v1/organizations/billing/update", action: "updatesubscription",
			named: "/components/schemas/UpdateSubscriptionQuery",
			body:  "#/components/schemas/QuantityRequest", bodyPointer: "/components/schemas/QuantityRequest",
			required:  []string{"org_id", "quantity"},
			responses: map[int]string{200: "/components/schemas/StatusResponse", 409: "/components/schemas/NoActiveSubscriptionError"},
			response:  map[int]string{200: update + "/responses/200"}},
	}
	for _, tc := range cases {
		t.Run(tc.action, func(t *testing.T) {
			op, err := c.Find(tc.method, tc.path)
			if err != nil {
				t.Fatal(err)
			}
			at(t, "ActionPointer", op.ActionPointer(tc.action), tc.named)
			var query []param
			for _, p := range op.QueryParameters(tc.action) {
				if p.Schema == nil || p.Schema.Value == nil {
					t.Errorf("query parameter %s has no schema", p.Name)
				}
				query = append(query, param{p.Name, p.Required, p.Pointer})
				at(t, "query parameter "+p.Name, p.Pointer, p.Pointer)
			}
			if !slices.Equal(query, tc.query) {
				t.Errorf("QueryParameters = %v, want %v", query, tc.query)
			}
			body, pointer := op.RequestSchema(tc.action)
			switch {
			case tc.body == "" && body != nil:
				t.Errorf("RequestSchema = %s, want none: the leniency of x-actions is not the document's body", body.Ref)
			case tc.body != "":
				if body == nil || body.Ref != tc.body {
					t.Fatalf("RequestSchema = %v, want %s", body, tc.body)
				}
				at(t, "RequestSchema", pointer, tc.bodyPointer)
				if !slices.Equal(body.Value.Required, tc.required) {
					t.Errorf("the body requires %v, want %v as written", body.Value.Required, tc.required)
				}
			}
			for status, want := range tc.responses {
				s, pointer := op.ResponseSchema(tc.action, status)
				if s == nil {
					t.Errorf("ResponseSchema(%d) = nil", status)
					continue
				}
				at(t, "ResponseSchema "+strconv.Itoa(status), pointer, want)
			}
			for status, want := range tc.response {
				r, pointer := op.Response(tc.action, status)
				if r == nil || r.Description == nil {
					t.Errorf("Response(%d) = %v", status, r)
					continue
				}
				at(t, "Response "+strconv.Itoa(status), pointer, want)
			}
			if s, p := op.ResponseSchema(tc.action, 299); s != nil || p != "" {
				t.Errorf("ResponseSchema(299) = %v, %q; want nothing for an undocumented status", s, p)
			}
		})
	}
	op, _ := c.Find("POST", "/v1/organizations/billing/update")
	at(t, "Pointer", op.Pointer(), update)
	if op.Definition().OperationID != "updateBilling" {
		t.Errorf("Definition().OperationID = %q", op.Definition().OperationID)
	}
	if p := op.ActionPointer("refund"); p != "" {
		t.Errorf("ActionPointer(refund) = %q, want none", p)
	}
}
