package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	billingmock "github.com/cloudplans/billing-mock"
)

// The mock's leniency about parameter locations (x-actions' lenient): every action but history
// also takes its parameters in the other location than the contract's, alone, split between the
// two, or in both with the same value; in both with different values it is a 400
// conflicting_parameter. History takes no body at all.
func TestLenientLocations(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	type row struct {
		name         string
		method, path string
		query, body  string
		status       int
		code         string
	}
	ok := func(name, method, path, query, body string) row {
		return row{name, method, path, query, body, http.StatusOK, ""}
	}
	conflict := func(name, method, path, query, body string) row {
		return row{name, method, path, query, body, http.StatusBadRequest, "conflicting_parameter"}
	}
	tests := []row{
		// describe and getpaymentlink: the contract's location is the query string.
		ok("describe, org_id in a body", "GET", describePath, "action=getorganization", `{"org_id":"org_acme"}`),
		ok("describe, org_id in both", "GET", describePath, "action=getorganization&org_id=org_acme", `{"org_id":"org_acme"}`),
		conflict("describe, org_id differs", "GET", describePath, "action=getorganization&org_id=org_acme", `{"org_id":"org_new"}`),
		ok("getpaymentlink, all in a body", "POST", updatePath, "action=getpaymentlink", `{"org_id":"org_new","quantity":2}`),
		ok("getpaymentlink, split", "POST", updatePath, "action=getpaymentlink&org_id=org_new", `{"quantity":2}`),
		ok("getpaymentlink, in both", "POST", updatePath, "action=getpaymentlink&org_id=org_new&quantity=2", `{"org_id":"org_new","quantity":2}`),
		conflict("getpaymentlink, org_id differs", "POST", updatePath, "action=getpaymentlink&org_id=org_new&quantity=2", `{"org_id":"org_acme"}`),
		conflict("getpaymentlink, quantity differs", "POST", updatePath, "action=getpaymentlink&org_id=org_new&quantity=2", `{"quantity":3}`),

		// The three body actions: the contract's location is the JSON body.
		ok("getupdatecardlink, org_id in the query string", "POST", updatePath, "action=getupdatecardlink&org_id=org_acme", ""),
		ok("getupdatecardlink, org_id in both", "POST", updatePath, "action=getupdatecardlink&org_id=org_acme", `{"org_id":"org_acme"}`),
		conflict("getupdatecardlink, org_id differs", "POST", updatePath, "action=getupdatecardlink&org_id=org_new", `{"org_id":"org_acme"}`),
		ok("updatesubscription, all in the query string", "POST", updatePath, "action=updatesubscription&org_id=org_acme&quantity=4", ""),
		ok("updatesubscription, split", "POST", updatePath, "action=updatesubscription&quantity=4", `{"org_id":"org_acme"}`),
		ok("updatesubscription, in both", "POST", updatePath, "action=updatesubscription&org_id=org_acme&quantity=4", `{"org_id":"org_acme","quantity":4}`),
		conflict("updatesubscription, org_id differs", "POST", updatePath, "action=updatesubscription&org_id=org_new", `{"org_id":"org_acme","quantity":4}`),
		conflict("updatesubscription, quantity differs", "POST", updatePath, "action=updatesubscription&quantity=5", `{"org_id":"org_acme","quantity":4}`),
		ok("cancelsubscription, org_id in the query string", "POST", updatePath, "action=cancelsubscription&org_id=org_acme", ""),
		ok("cancelsubscription, org_id in both", "POST", updatePath, "action=cancelsubscription&org_id=org_acme", `{"org_id":"org_acme"}`),
		conflict("cancelsubscription, org_id differs", "POST", updatePath, "action=cancelsubscription&org_id=org_new", `{"org_id":"org_acme"}`),

		// A quantity in the query string of an action that takes none is an unknown query
		// parameter: ignored. In the body it is an unknown member: invalid_parameter.
		ok("cancelsubscription, quantity in the query string", "POST", updatePath, "action=cancelsubscription&quantity=x", `{"org_id":"org_acme"}`),
		{"cancelsubscription, quantity in the body", "POST", updatePath, "action=cancelsubscription", `{"org_id":"org_acme","quantity":3}`, http.StatusBadRequest, "invalid_parameter"},

		// History has no leniency: it takes no body.
		{"history, org_id in a body", "GET", historyPath, "action=list_billing", `{"org_id":"org_acme"}`, http.StatusBadRequest, "invalid_parameter"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := tc{t: t, h: s, session: fmt.Sprint("lenient-", i)}
			r := c.do(req{method: tt.method, target: tt.path + "?" + tt.query, body: tt.body, token: "tok_owner"})
			require.Equal(t, tt.status, r.status, "%s", r.body)
			if tt.code != "" {
				assert.Equal(t, tt.code, r.code(t))
			}
		})
	}
}

// exampleRequests reads, from openapi.yaml in document order, each operation's example request:
// the plain query parameters' examples, and each named example of the object query parameter with
// the request body's example of the same name. The first name of each list is what a tool that
// takes the declared (default) examples sends.
func exampleRequests(t *testing.T) (requests map[string]req, defaults []string) {
	t.Helper()
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal(billingmock.OpenAPI(), &doc))
	get := func(n *yaml.Node, keys ...string) *yaml.Node {
		for _, k := range keys {
			if n == nil {
				return nil
			}
			if n.Kind == yaml.DocumentNode {
				n = n.Content[0]
			}
			var next *yaml.Node
			for i := 0; n != nil && i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == k {
					next = n.Content[i+1]
				}
			}
			n = next
		}
		return n
	}
	// resolve follows a local $ref ("#/components/parameters/X").
	resolve := func(n *yaml.Node) *yaml.Node {
		if ref := get(n, "$ref"); ref != nil {
			return get(&doc, strings.Split(strings.TrimPrefix(ref.Value, "#/"), "/")...)
		}
		return n
	}
	requests = map[string]req{}
	for _, p := range []struct{ path, method string }{{describePath, "get"}, {historyPath, "get"}, {updatePath, "post"}} {
		op := get(&doc, "paths", p.path, p.method)
		query := url.Values{}
		var object *yaml.Node
		for _, ref := range get(op, "parameters").Content {
			param := resolve(ref)
			if examples := get(param, "examples"); examples != nil {
				object = examples
				continue
			}
			query.Set(get(param, "name").Value, get(param, "example").Value)
		}
		method := map[string]string{"get": http.MethodGet, "post": http.MethodPost}[p.method]
		if object == nil {
			name := query.Get("action")
			requests[name] = req{method: method, target: p.path + "?" + query.Encode(), token: "tok_owner"}
			defaults = append(defaults, name)
			continue
		}
		bodies := get(op, "requestBody", "content", "application/json", "examples")
		for i := 0; i+1 < len(object.Content); i += 2 {
			name := object.Content[i].Value
			q := url.Values{}
			for k, v := range query {
				q[k] = v
			}
			members := get(object.Content[i+1], "value")
			for j := 0; j+1 < len(members.Content); j += 2 {
				q.Set(members.Content[j].Value, members.Content[j+1].Value)
			}
			r := req{method: method, target: p.path + "?" + q.Encode(), token: "tok_owner"}
			if body := get(bodies, name, "value"); body != nil {
				var v any
				require.NoError(t, body.Decode(&v))
				data, err := json.Marshal(v)
				require.NoError(t, err)
				r.body = string(data)
			}
			requests[name] = r
			if i == 0 {
				defaults = append(defaults, name)
				require.Equal(t, name, bodies.Content[0].Value, "the first query example and the first body example of update are different actions")
			}
		}
	}
	return requests, defaults
}

// The requests made of the contract's examples get 2xx answers from a fresh mock: each action's
// own example (query and body), and what a tool that takes the declared default examples of each
// operation sends.
func TestExampleRequestsSucceed(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	requests, defaults := exampleRequests(t)
	for _, name := range []string{"getorganization", "list_billing", "getpaymentlink", "getupdatecardlink", "updatesubscription", "cancelsubscription"} {
		if _, ok := requests[name]; !ok {
			t.Errorf("no example request for %s", name)
		}
	}
	require.Len(t, defaults, 3, "one default request per operation")
	for name, r := range requests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := tc{t: t, h: s, session: "example-" + name}.do(r)
			assert.Equal(t, http.StatusOK, got.status, "%s %s %s: %s", r.method, r.target, r.body, got.body)
		})
	}
	for _, name := range defaults {
		t.Run("default/"+name, func(t *testing.T) {
			t.Parallel()
			r := requests[name]
			got := tc{t: t, h: s, session: "default-" + name}.do(r)
			assert.Equal(t, http.StatusOK, got.status, "%s %s %s: %s", r.method, r.target, r.body, got.body)
		})
	}
}
