package mock

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudplans/billing-mock/mock/internal/session"
)

func TestDescribeDefaultFixtures(t *testing.T) {
	t.Parallel()
	c := tc{t: t, h: newTestServer(t, Options{})}
	tests := []struct {
		name, token, org string
		want             string
	}{
		{"owner sees subscription", "tok_owner", "org_acme",
			`{"status":200,"response":{"organization":{"resources":12,"name":"Acme Corp","id":"org_acme","owner":"usr_owner"},"subscription":{"payment_exp":"2028-04","plan":"pro","quantity":"3","status":"active"}}}`},
		{"member may read", "tok_member", "org_acme",
			`{"status":200,"response":{"organization":{"resources":12,"name":"Acme Corp","id":"org_acme","owner":"usr_owner"},"subscription":{"payment_exp":"2028-04","plan":"pro","quantity":"3","status":"active"}}}`},
		{"no subscription is null", "tok_owner", "org_new",
			`{"status":200,"response":{"organization":{"resources":0,"name":"New Co","id":"org_new","owner":"usr_owner"},"subscription":null}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.describe(tt.token, tt.org)
			assert.Equal(t, http.StatusOK, r.status)
			assert.JSONEq(t, tt.want, string(r.body))
			assert.Equal(t, "application/json", r.header.Get("Content-Type"))
		})
	}
}

func TestDescribeAcceptsOrgInBody(t *testing.T) {
	t.Parallel()
	c := tc{t: t, h: newTestServer(t, Options{})}
	r := c.do(req{method: http.MethodGet, target: describePath + "?action=getorganization", token: "tok_owner", body: `{"org_id":"org_new"}`})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Equal(t, "org_new", r.json(t)["response"].(map[string]any)["organization"].(map[string]any)["id"])
}

func TestHistoryNewestFirst(t *testing.T) {
	t.Parallel()
	c := tc{t: t, h: newTestServer(t, Options{})}
	inv := c.invoices("org_acme")
	var ids []string
	for _, i := range inv {
		ids = append(ids, i.(map[string]any)["id"].(string))
	}
	assert.Equal(t, []string{"inv_acme_0004", "inv_acme_0003", "inv_acme_0002", "inv_acme_0001"}, ids)
	assert.Empty(t, c.invoices("org_new"))
	r := c.history("tok_owner", "org_new")
	assert.JSONEq(t, `{"status":200,"billing_history":[]}`, string(r.body))
}

func TestSubscriptionLifecycle(t *testing.T) {
	t.Parallel()
	c := tc{t: t, h: newTestServer(t, Options{})}

	// No subscription: update, cancel and the card link are 409.
	for _, action := range []string{"updatesubscription&quantity=2", "cancelsubscription", "getupdatecardlink"} {
		r := c.update("tok_owner", action, "org_id=org_new")
		require.Equal(t, http.StatusConflict, r.status, "%s: %s", action, r.body)
		assert.Equal(t, "no_active_subscription", r.code(t))
	}

	c.subscribe("org_new", "2")
	sub := c.subscription("org_new")
	assert.Equal(t, "pro", sub["plan"])
	assert.Equal(t, "2", sub["quantity"])
	assert.Regexp(t, `^\d{4}-\d{2}$`, sub["payment_exp"])
	inv := c.invoices("org_new")
	require.Len(t, inv, 1)
	assert.Equal(t, map[string]any{"status": "paid", "id": inv[0].(map[string]any)["id"], "organization": "org_new",
		"date": "2026-11-01", "due_date": "2026-11-01", "amount": "24.00"}, inv[0])

	// A second payment link while subscribed is a 409.
	r := c.update("tok_owner", "getpaymentlink", "org_id=org_new&quantity=1")
	require.Equal(t, http.StatusConflict, r.status)
	assert.Equal(t, "subscription_exists", r.code(t))

	// Update: quantity changes, an invoice for the difference appears first.
	r = c.update("tok_owner", "updatesubscription", "org_id=org_new&quantity=5")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.JSONEq(t, `{"status":200}`, string(r.body))
	assert.Equal(t, "5", c.subscription("org_new")["quantity"])
	inv = c.invoices("org_new")
	require.Len(t, inv, 2)
	assert.Equal(t, "36.00", inv[0].(map[string]any)["amount"])

	// A decrease is a credit; the same quantity adds nothing.
	c.update("tok_owner", "updatesubscription", "org_id=org_new&quantity=4")
	assert.Equal(t, "-12.00", c.invoices("org_new")[0].(map[string]any)["amount"])
	c.update("tok_owner", "updatesubscription", "org_id=org_new&quantity=4")
	assert.Len(t, c.invoices("org_new"), 3)

	// Card update moves payment_exp.
	id := linkID(t, c.update("tok_owner", "getupdatecardlink", "org_id=org_new"))
	r = c.do(req{method: http.MethodPost, target: "/_mock/card-updates/" + id + "/complete", body: `{"payment_exp":"2031-07"}`})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Equal(t, "2031-07", c.subscription("org_new")["payment_exp"])

	// Cancel: describe shows none, history stays, a new payment link works.
	r = c.update("tok_owner", "cancelsubscription", "org_id=org_new")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Nil(t, c.subscription("org_new"))
	assert.Len(t, c.invoices("org_new"), 3)
	c.subscribe("org_new", "1")
	assert.Equal(t, "1", c.subscription("org_new")["quantity"])
}

func TestPaymentLinkIsAbsoluteAndSessionBound(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s, session: "qa-1"}
	r := c.update("tok_owner", "getpaymentlink", "org_id=org_new&quantity=1")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	link := r.json(t)["response"].(string)
	assert.Regexp(t, `^http://example\.com/checkout/chk_[0-9a-f]{16}\?session=qa-1$`, link)

	withURL := tc{t: t, h: newTestServer(t, Options{PublicURL: "https://mock.test/"})}
	link = withURL.update("tok_owner", "getpaymentlink", "org_id=org_new&quantity=1").json(t)["response"].(string)
	assert.Regexp(t, `^https://mock\.test/checkout/chk_[0-9a-f]{16}$`, link)
}

func TestLinkWorksOnceAndDeclineChangesNothing(t *testing.T) {
	t.Parallel()
	c := tc{t: t, h: newTestServer(t, Options{})}
	id := linkID(t, c.update("tok_owner", "getpaymentlink", "org_id=org_new&quantity=1"))
	r := c.do(req{method: http.MethodPost, target: "/_mock/checkouts/" + id + "/decline"})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Nil(t, c.subscription("org_new"))
	assert.Empty(t, c.invoices("org_new"))
	r = c.do(req{method: http.MethodPost, target: "/_mock/checkouts/" + id + "/complete"})
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Equal(t, "link_closed", r.code(t))
	r = c.do(req{method: http.MethodPost, target: "/_mock/checkouts/chk_nope/complete"})
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "link_not_found", r.code(t))
}

// TestErrors covers every error class of the contract, each answered in the envelope with its code.
func TestErrors(t *testing.T) {
	t.Parallel()
	big := `{"org_id":"` + strings.Repeat("a", MaxBodyBytes) + `"}`
	tests := []struct {
		name   string
		req    req
		status int
		code   string
	}{
		{"no token", req{method: "GET", target: describePath + "?action=getorganization&org_id=org_acme"}, 401, "missing_token"},
		{"basic auth", req{method: "GET", target: describePath + "?action=getorganization&org_id=org_acme", headers: map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}}, 401, "invalid_token"},
		{"bearer without token", req{method: "GET", target: describePath + "?action=getorganization&org_id=org_acme", headers: map[string]string{"Authorization": "Bearer "}}, 401, "invalid_token"},
		{"unknown token", req{method: "GET", target: describePath + "?action=getorganization&org_id=org_acme", token: "tok_nobody"}, 401, "invalid_token"},
		{"outsider reads", req{method: "GET", target: historyPath + "?action=list_billing&org_id=org_acme", token: "tok_outsider"}, 403, "forbidden"},
		{"member changes", req{method: "POST", target: updatePath + "?action=updatesubscription&org_id=org_acme&quantity=4", token: "tok_member"}, 403, "forbidden"},
		{"member cancels without sub: 403 before 409", req{method: "POST", target: updatePath + "?action=cancelsubscription&org_id=org_outsider", token: "tok_member"}, 403, "forbidden"},
		{"outsider subscribes subscribed org: 403 before 409", req{method: "POST", target: updatePath + "?action=getpaymentlink&org_id=org_acme&quantity=1", token: "tok_outsider"}, 403, "forbidden"},
		{"unknown org", req{method: "GET", target: describePath + "?action=getorganization&org_id=org_nope", token: "tok_owner"}, 404, "org_not_found"},
		{"quantity 0", req{method: "POST", target: updatePath + "?action=updatesubscription&org_id=org_acme&quantity=0", token: "tok_owner"}, 400, "invalid_quantity"},
		{"quantity negative", req{method: "POST", target: updatePath + "?action=updatesubscription&org_id=org_acme&quantity=-2", token: "tok_owner"}, 400, "invalid_quantity"},
		{"quantity fractional", req{method: "POST", target: updatePath + "?action=updatesubscription&org_id=org_acme&quantity=1.5", token: "tok_owner"}, 400, "invalid_quantity"},
		{"quantity string", req{method: "POST", target: updatePath + "?action=updatesubscription&org_id=org_acme&quantity=three", token: "tok_owner"}, 400, "invalid_quantity"},
		{"quantity plus sign", req{method: "POST", target: updatePath + "?action=updatesubscription&org_id=org_acme&quantity=%2B3", token: "tok_owner"}, 400, "invalid_quantity"},
		{"quantity over max", req{method: "POST", target: updatePath + "?action=updatesubscription&org_id=org_acme&quantity=10001", token: "tok_owner"}, 400, "invalid_quantity"},
		{"quantity body string", req{method: "POST", target: updatePath + "?action=updatesubscription", token: "tok_owner", body: `{"org_id":"org_acme","quantity":"3"}`}, 400, "invalid_quantity"},
		{"quantity body float", req{method: "POST", target: updatePath + "?action=updatesubscription", token: "tok_owner", body: `{"org_id":"org_acme","quantity":2.5}`}, 400, "invalid_quantity"},
		{"quantity body 3.0", req{method: "POST", target: updatePath + "?action=updatesubscription", token: "tok_owner", body: `{"org_id":"org_acme","quantity":3.0}`}, 400, "invalid_quantity"},
		{"quantity missing", req{method: "POST", target: updatePath + "?action=updatesubscription&org_id=org_acme", token: "tok_owner"}, 400, "missing_parameter"},
		{"org missing", req{method: "GET", target: historyPath + "?action=list_billing", token: "tok_owner"}, 400, "missing_parameter"},
		{"missing action", req{method: "POST", target: updatePath + "?org_id=org_acme", token: "tok_owner"}, 400, "missing_action"},
		{"unknown action", req{method: "POST", target: updatePath + "?action=refund&org_id=org_acme", token: "tok_owner"}, 400, "unknown_action"},
		{"action of another path", req{method: "GET", target: describePath + "?action=list_billing&org_id=org_acme", token: "tok_owner"}, 400, "unknown_action"},
		{"repeated org differs", req{method: "GET", target: describePath + "?action=getorganization&org_id=org_acme&org_id=org_new", token: "tok_owner"}, 400, "conflicting_parameter"},
		{"query and body differ", req{method: "POST", target: updatePath + "?action=cancelsubscription&org_id=org_acme", token: "tok_owner", body: `{"org_id":"org_new"}`}, 400, "conflicting_parameter"},
		{"duplicate body member", req{method: "POST", target: updatePath + "?action=cancelsubscription", token: "tok_owner", body: `{"org_id":"org_acme","org_id":"org_new"}`}, 400, "conflicting_parameter"},
		{"malformed json", req{method: "POST", target: updatePath + "?action=cancelsubscription", token: "tok_owner", body: `{"org_id":`}, 400, "invalid_json"},
		{"json array", req{method: "POST", target: updatePath + "?action=cancelsubscription", token: "tok_owner", body: `["org_acme"]`}, 400, "invalid_json"},
		{"unknown member", req{method: "POST", target: updatePath + "?action=cancelsubscription", token: "tok_owner", body: `{"org_id":"org_acme","force":true}`}, 400, "invalid_parameter"},
		{"quantity for cancelsubscription", req{method: "POST", target: updatePath + "?action=cancelsubscription", token: "tok_owner", body: `{"org_id":"org_acme","quantity":3}`}, 400, "invalid_parameter"},
		{"bad quantity for cancelsubscription", req{method: "POST", target: updatePath + "?action=cancelsubscription", token: "tok_owner", body: `{"org_id":"org_acme","quantity":0}`}, 400, "invalid_parameter"},
		{"quantity for getupdatecardlink", req{method: "POST", target: updatePath + "?action=getupdatecardlink", token: "tok_owner", body: `{"org_id":"org_acme","quantity":"3"}`}, 400, "invalid_parameter"},
		{"quantity for describe", req{method: "GET", target: describePath + "?action=getorganization", token: "tok_owner", body: `{"org_id":"org_acme","quantity":3}`}, 400, "invalid_parameter"},
		{"action in body", req{method: "POST", target: updatePath + "?org_id=org_acme", token: "tok_owner", body: `{"action":"cancelsubscription"}`}, 400, "missing_action"},
		{"history with body", req{method: "GET", target: historyPath + "?action=list_billing&org_id=org_acme", token: "tok_owner", body: `{"org_id":"org_acme"}`}, 400, "invalid_parameter"},
		{"wrong method", req{method: "POST", target: describePath + "?action=getorganization&org_id=org_acme", token: "tok_owner"}, 405, "method_not_allowed"},
		{"delete on update", req{method: "DELETE", target: updatePath + "?action=cancelsubscription&org_id=org_acme", token: "tok_owner"}, 405, "method_not_allowed"},
		{"form body", req{method: "POST", target: updatePath + "?action=cancelsubscription", token: "tok_owner", body: "org_id=org_acme", ctype: "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"},
		{"415 before 401", req{method: "POST", target: updatePath + "?action=cancelsubscription", body: "x", ctype: "text/plain"}, 415, "unsupported_media_type"},
		{"too large", req{method: "POST", target: updatePath + "?action=cancelsubscription", token: "tok_owner", body: big}, 413, "payload_too_large"},
		{"unknown path", req{method: "GET", target: "/v1/organizations/billing/refund", token: "tok_owner"}, 404, "not_found"},
		{"unknown top-level path", req{method: "GET", target: "/billing"}, 404, "not_found"}, // / redirects to the dashboard
		{"URL over 8 KiB", req{method: "GET", target: describePath + "?action=getorganization&org_id=org_acme&pad=" + strings.Repeat("x", MaxURLBytes), token: "tok_owner"}, 414, "uri_too_long"},
		{"URL over 8 KiB, unknown path: 414 before 404", req{method: "GET", target: "/" + strings.Repeat("x", MaxURLBytes)}, 414, "uri_too_long"},
		{"URL over 8 KiB, wrong method: 414 before 405", req{method: "DELETE", target: updatePath + "?pad=" + strings.Repeat("x", MaxURLBytes)}, 414, "uri_too_long"},
		{"long session id", req{method: "GET", target: describePath + "?action=getorganization&org_id=org_acme", token: "tok_owner", headers: map[string]string{SessionHeader: strings.Repeat("s", 200)}}, 400, "invalid_parameter"},
	}
	s := newTestServer(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := tc{t: t, h: s, session: "errors-" + strings.ReplaceAll(tt.name, " ", "-")}
			beforeAcme, beforeNew := c.describe("tok_owner", "org_acme").body, c.history("tok_owner", "org_acme").body
			r := c.do(tt.req)
			require.Equal(t, tt.status, r.status, "%s", r.body)
			body := r.json(t)
			assert.EqualValues(t, tt.status, body["status"])
			assert.Equal(t, tt.code, r.code(t))
			assert.NotEmpty(t, body["error"].(map[string]any)["message"])
			assert.Equal(t, "application/json", r.header.Get("Content-Type"))
			if tt.status == 405 {
				assert.NotEmpty(t, r.header.Get("Allow"))
			}
			if tt.status == 401 {
				assert.Contains(t, r.header.Get("WWW-Authenticate"), "Bearer")
			}
			// A rejected request changes nothing.
			assert.Empty(t, cmp.Diff(string(beforeAcme), string(c.describe("tok_owner", "org_acme").body)))
			assert.Empty(t, cmp.Diff(string(beforeNew), string(c.history("tok_owner", "org_acme").body)))
		})
	}
}

func TestParametersInQueryBodyOrBoth(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	for i, r := range []req{
		{method: "POST", target: updatePath + "?action=updatesubscription&org_id=org_acme&quantity=4"},
		{method: "POST", target: updatePath + "?action=updatesubscription", body: `{"org_id":"org_acme","quantity":4}`},
		{method: "POST", target: updatePath + "?action=updatesubscription&org_id=org_acme&quantity=4", body: `{"org_id":"org_acme","quantity":4}`},
		{method: "POST", target: updatePath + "?action=updatesubscription&org_id=org_acme", body: `{"quantity":4}`, ctype: "Application/JSON; charset=UTF-8"},
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			c := tc{t: t, h: s, session: fmt.Sprint("params-", i)}
			r.token = "tok_owner"
			got := c.do(r)
			require.Equal(t, http.StatusOK, got.status, "%s", got.body)
			assert.Equal(t, "4", c.subscription("org_acme")["quantity"])
		})
	}
}

func TestSessionsAreIsolated(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	a, b, def := tc{t: t, h: s, session: "a"}, tc{t: t, h: s, session: "b"}, tc{t: t, h: s}
	a.update("tok_owner", "cancelsubscription", "org_id=org_acme")
	assert.Nil(t, a.subscription("org_acme"))
	assert.NotNil(t, b.subscription("org_acme"))
	assert.NotNil(t, def.subscription("org_acme"))

	// A link handed out in session b is unknown in session a and in the default session.
	id := linkID(t, b.update("tok_owner", "getpaymentlink", "org_id=org_new&quantity=1"))
	assert.Equal(t, http.StatusNotFound, a.do(req{method: "POST", target: "/_mock/checkouts/" + id + "/complete"}).status)
	assert.Equal(t, http.StatusNotFound, def.do(req{method: "POST", target: "/_mock/checkouts/" + id + "/complete"}).status)
	assert.Equal(t, http.StatusOK, b.do(req{method: "POST", target: "/_mock/checkouts/" + id + "/complete"}).status)

	// Reset brings only its own session back to the seed.
	r := a.do(req{method: "POST", target: "/_mock/reset"})
	require.Equal(t, http.StatusOK, r.status)
	assert.NotNil(t, a.subscription("org_acme"))
	assert.NotNil(t, b.subscription("org_new"))
}

func TestSessionsAreBounded(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{MaxSessions: 3})
	for i := range 10 {
		c := tc{t: t, h: s, session: fmt.Sprint("s", i)}
		c.update("tok_owner", "cancelsubscription", "org_id=org_acme")
	}
	assert.Equal(t, 3, s.sessions.Count())
	// The oldest session was dropped: it starts again from the seed.
	assert.NotNil(t, tc{t: t, h: s, session: "s0"}.subscription("org_acme"))
	assert.Nil(t, tc{t: t, h: s, session: "s9"}.subscription("org_acme"))
}

// TestConcurrentUpdates runs 200 updates of one organization at once: the final quantity is one of
// those sent, and the invoices are exactly the changes, with amounts that add up.
func TestConcurrentUpdates(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s, session: "concurrent"}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := c.update("tok_owner", "updatesubscription", fmt.Sprintf("org_id=org_acme&quantity=%d", i%7+1))
			assert.Equal(t, http.StatusOK, r.status, "%s", r.body)
			c.describe("tok_member", "org_acme")
		}()
	}
	close(start)
	wg.Wait()
	final := c.subscription("org_acme")["quantity"].(string)
	var total float64
	inv := c.invoices("org_acme")
	for _, i := range inv[:len(inv)-4] {
		var amount float64
		_, err := fmt.Sscan(i.(map[string]any)["amount"].(string), &amount)
		require.NoError(t, err)
		total += amount
	}
	var q int
	fmt.Sscan(final, &q)
	// Every change was billed at 12.00 per instance: the sum of the change invoices is the net change.
	assert.InDelta(t, float64(q-3)*12, total, 0.001, "final quantity %s, %d change invoices", final, len(inv)-4)
}

func TestCORS(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s}
	pre := c.do(req{method: http.MethodOptions, target: updatePath + "?action=getpaymentlink", headers: map[string]string{
		"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type",
	}})
	assert.Equal(t, http.StatusNoContent, pre.status)
	assert.Equal(t, "http://localhost:5173", pre.header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, pre.header.Get("Access-Control-Allow-Headers"), "Authorization")
	assert.Contains(t, pre.header.Get("Access-Control-Allow-Headers"), "Content-Type")
	assert.Contains(t, pre.header.Get("Access-Control-Allow-Methods"), "POST")

	// Errors carry the header too.
	r := c.do(req{method: http.MethodGet, target: describePath + "?action=getorganization&org_id=org_acme", headers: map[string]string{"Origin": "http://127.0.0.1:3000"}})
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "http://127.0.0.1:3000", r.header.Get("Access-Control-Allow-Origin"))

	// Another origin is not allowed by default; -cors-origins changes that.
	r = c.do(req{method: http.MethodGet, target: describePath, headers: map[string]string{"Origin": "https://evil.example"}})
	assert.Empty(t, r.header.Get("Access-Control-Allow-Origin"))
	only := tc{t: t, h: newTestServer(t, Options{CORSOrigins: []string{"https://app.example"}})}
	r = only.do(req{method: http.MethodGet, target: describePath, headers: map[string]string{"Origin": "https://app.example"}})
	assert.Equal(t, "https://app.example", r.header.Get("Access-Control-Allow-Origin"))
	r = only.do(req{method: http.MethodGet, target: describePath, headers: map[string]string{"Origin": "http://localhost:5173"}})
	assert.Empty(t, r.header.Get("Access-Control-Allow-Origin"))
	_, err := New(Options{CORSOrigins: []string{"localhost"}})
	assert.Error(t, err)
}

func TestControlErrorsAreEnvelopes(t *testing.T) {
	t.Parallel()
	c := tc{t: t, h: newTestServer(t, Options{})}
	tests := []struct {
		req    req
		status int
		code   string
	}{
		{req{method: "GET", target: "/_mock/reset"}, 405, "method_not_allowed"},
		{req{method: "GET", target: "/_mock/nope"}, 404, "not_found"},
		{req{method: "POST", target: "/_mock/checkouts/x/complete", body: `{"payment_exp":1}`}, 400, "invalid_parameter"},
		{req{method: "POST", target: "/_mock/checkouts/x/complete", body: `{`}, 400, "invalid_json"},
		{req{method: "POST", target: "/_mock/checkouts/x/complete", body: `x`, ctype: "text/plain"}, 415, "unsupported_media_type"},
	}
	for _, tt := range tests {
		r := c.do(tt.req)
		assert.Equal(t, tt.status, r.status, "%s %s: %s", tt.req.method, tt.req.target, r.body)
		assert.Equal(t, tt.code, r.code(t), "%s %s", tt.req.method, tt.req.target)
	}
	r := c.do(req{method: "GET", target: "/_mock/health"})
	assert.Equal(t, http.StatusOK, r.status)
	health := r.json(t)
	assert.EqualValues(t, 200, health["status"])
	assert.Equal(t, "cloudplans-billing-mock", health["service"])
}

// A URL of exactly MaxURLBytes is served; one byte more is a 414, journaled in the request's session
// with its query string cut, and checked against the contract like every answer of the billing API.
func TestURLLimit(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s, session: "long-url"}
	base := describePath + "?action=getorganization&org_id=org_acme&pad="
	pad := strings.Repeat("x", MaxURLBytes-len(base))
	require.Equal(t, http.StatusOK, c.do(req{method: "GET", target: base + pad, token: "tok_owner"}).status)

	r := c.do(req{method: "GET", target: base + pad + "x", token: "tok_owner"})
	require.Equal(t, http.StatusRequestURITooLong, r.status, "%s", r.body)
	assert.Equal(t, "uri_too_long", r.code(t))
	assert.Contains(t, r.json(t)["error"].(map[string]any)["message"], fmt.Sprint(MaxURLBytes+1))

	entries := c.do(req{method: "GET", target: "/_mock/requests?status=414"}).json(t)["requests"].([]any)
	require.Len(t, entries, 1)
	e := entries[0].(map[string]any)
	assert.Equal(t, true, e["truncated"])
	assert.Len(t, e["query"], session.JournalBodyLimit)
	assert.Equal(t, describePath, e["path"])
}
