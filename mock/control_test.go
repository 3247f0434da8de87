package mock

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	billingmock "github.com/cloudplans/billing-mock"
	"github.com/cloudplans/billing-mock/contract"
)

// TestControlAnswersMatchControlAPI checks every control call's answers, successes and errors,
// against controlapi.yaml.
func TestControlAnswersMatchControlAPI(t *testing.T) {
	t.Parallel()
	spec, err := contract.Load(billingmock.ControlAPI())
	require.NoError(t, err)
	c := tc{t: t, h: newTestServer(t, Options{}), session: "control-spec"}
	chk := linkID(t, c.update("tok_owner", "getpaymentlink", "org_id=org_new&quantity=2"))
	chk2 := linkID(t, c.update("tok_owner", "getpaymentlink", "org_id=org_new&quantity=2"))
	crd := linkID(t, c.update("tok_owner", "getupdatecardlink", "org_id=org_acme"))
	crd2 := linkID(t, c.update("tok_owner", "getupdatecardlink", "org_id=org_acme"))
	calls := []struct {
		req    req
		status int
	}{
		{req{method: "GET", target: "/_mock/health"}, 200},
		{req{method: "POST", target: "/_mock/checkouts/" + chk + "/complete", body: `{"payment_exp":"2030-09"}`}, 200},
		{req{method: "POST", target: "/_mock/checkouts/" + chk + "/complete"}, 409},
		{req{method: "POST", target: "/_mock/checkouts/" + chk2 + "/decline"}, 200},
		{req{method: "POST", target: "/_mock/checkouts/chk_x/decline"}, 404},
		{req{method: "POST", target: "/_mock/card-updates/" + crd + "/complete", body: `{"payment_exp":"2020-01"}`}, 400},
		{req{method: "POST", target: "/_mock/card-updates/" + crd + "/complete"}, 200},
		{req{method: "POST", target: "/_mock/card-updates/" + crd2 + "/decline"}, 200},
		{req{method: "POST", target: "/_mock/card-updates/" + crd2 + "/decline"}, 409},
		{req{method: "POST", target: "/_mock/faults", body: `{"action":"getorganization","status":500,"count":1}`}, 201},
		{req{method: "POST", target: "/_mock/faults", body: `{"action":"nope","status":500}`}, 400},
		{req{method: "GET", target: "/_mock/faults"}, 200},
		{req{method: "DELETE", target: "/_mock/faults/flt_1"}, 200},
		{req{method: "DELETE", target: "/_mock/faults/flt_1"}, 404},
		{req{method: "DELETE", target: "/_mock/faults"}, 200},
		{req{method: "GET", target: "/_mock/requests?action=getpaymentlink&limit=1"}, 200},
		{req{method: "GET", target: "/_mock/requests?status=x"}, 400},
		{req{method: "POST", target: "/_mock/reset"}, 200},
	}
	for _, call := range calls {
		r := c.do(call.req)
		require.Equal(t, call.status, r.status, "%s %s: %s", call.req.method, call.req.target, r.body)
		path, _, _ := strings.Cut(call.req.target, "?")
		err := spec.ValidateResponse(context.Background(), contract.Response{
			Method: call.req.method, Path: path, Status: r.status, Header: r.header, Body: r.body,
		})
		assert.NoError(t, err, "%s %s", call.req.method, call.req.target)
	}
	assert.Equal(t, http.StatusOK, c.do(req{method: "GET", target: "/_mock/health"}).status)
}

func TestExpiredLinkIsRefused(t *testing.T) {
	t.Parallel()
	seed := `clock: 2026-11-01T09:00:00Z
plans: [{id: pro, unit_price: "12.00"}]
users: [{id: usr_a, token: tok_a}]
organizations: [{id: org_a, name: A, owner: usr_a, resources: 0}]
checkouts:
  - {id: chk_old, org: org_a, plan: pro, quantity: 1, expires_at: 2026-11-01T09:00:00Z}
  - {id: chk_new, org: org_a, plan: pro, quantity: 1, expires_at: 2026-11-01T10:00:00Z}
`
	s := newTestServer(t, Options{Seed: mustSeed(t, seed)})
	c := tc{t: t, h: s}
	r := c.do(req{method: "POST", target: "/_mock/checkouts/chk_old/complete"})
	assert.Equal(t, http.StatusGone, r.status)
	assert.Equal(t, "link_expired", r.code(t))
	page := c.do(req{method: "GET", target: "/checkout/chk_old"})
	assert.Equal(t, http.StatusGone, page.status)
	assert.Contains(t, string(page.body), "expired")
	assert.Equal(t, http.StatusOK, c.do(req{method: "POST", target: "/_mock/checkouts/chk_new/complete"}).status)
}
