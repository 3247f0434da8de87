package mock

import (
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	billingmock "github.com/cloudplans/billing-mock"
	"github.com/cloudplans/billing-mock/contract"
)

// constrainedContract is openapi.yaml with three more constraints, each a lower-case word: a
// required header X-Tenant and a required query parameter region on describe, and a required body
// member reason on updatesubscription (its QuantityRequest).
func constrainedContract(t *testing.T) *contract.Contract {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(billingmock.OpenAPI())
	require.NoError(t, err)
	word := openapi3.NewStringSchema().WithPattern("^[a-z]+$")
	describe := doc.Paths.Find(describePath).Get
	describe.AddParameter(openapi3.NewHeaderParameter("X-Tenant").WithRequired(true).WithSchema(word))
	describe.AddParameter(openapi3.NewQueryParameter("region").WithRequired(true).WithSchema(word))
	body := doc.Components.Schemas["QuantityRequest"].Value
	body.Properties["reason"] = openapi3.NewSchemaRef("", word)
	body.Required = append(body.Required, "reason")
	body.Example = nil // the examples have no reason
	delete(doc.Paths.Find(updatePath).Post.RequestBody.Value.Content.Get("application/json").Examples, "updatesubscription")
	data, err := doc.MarshalJSON()
	require.NoError(t, err)
	c, err := contract.Load(data)
	require.NoError(t, err)
	return c
}

// TestVerdictCacheKeysEveryInput: with a spec that adds a required header, query parameter and
// body member, the mock answers the same with the verdict cache as without it, for valid, invalid
// and missing values, after the valid request's verdict was kept.
func TestVerdictCacheKeysEveryInput(t *testing.T) {
	t.Parallel()
	c := constrainedContract(t)
	cached := newTestServer(t, Options{Contract: c, ValidationCache: DefaultValidationCache})
	uncached := newTestServer(t, Options{Contract: c})
	describe := func(query, tenant string) req {
		r := req{method: http.MethodGet, target: describePath + "?action=getorganization&org_id=org_acme" + query, token: "tok_owner"}
		if tenant != "" {
			r.headers = map[string]string{"X-Tenant": tenant}
		}
		return r
	}
	update := func(reason string) req {
		return req{method: http.MethodPost, target: updatePath + "?action=updatesubscription", token: "tok_owner",
			body: `{"org_id":"org_acme","quantity":3` + reason + `}`}
	}
	cases := []struct {
		name   string
		req    req
		status int
	}{
		{"header valid", describe("&region=eu", "acme"), 200},
		{"header invalid", describe("&region=eu", "Acme-1"), 400},
		{"header missing", describe("&region=eu", ""), 400},
		{"query valid", describe("&region=us", "acme"), 200},
		{"query invalid", describe("&region=US1", "acme"), 400},
		{"query missing", describe("", "acme"), 400},
		{"body valid", update(`,"reason":"growth"`), 200},
		{"body invalid", update(`,"reason":"Growth!"`), 400},
		{"body missing", update(``), 400},
	}
	for round := range 2 { // the second round meets every valid verdict in the cache
		for _, tt := range cases {
			want := tc{t: t, h: uncached}.do(tt.req)
			got := tc{t: t, h: cached}.do(tt.req)
			require.Equal(t, tt.status, want.status, "round %d, %s: %s", round, tt.name, want.body)
			assert.Equal(t, want.status, got.status, "round %d, %s", round, tt.name)
			assert.Equal(t, string(want.body), string(got.body), "round %d, %s", round, tt.name)
		}
	}
	assert.Positive(t, cached.api.Validator.Len(), "the cached mock kept verdicts")
}
