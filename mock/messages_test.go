package mock

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// errorMessage returns an error envelope's code and message.
func errorMessage(t *testing.T, r resp) (code, message string) {
	t.Helper()
	e, ok := r.json(t)["error"].(map[string]any)
	require.True(t, ok, "no error envelope in %s", r.body)
	return e["code"].(string), e["message"].(string)
}

// TestFaultRuleMessages: a refused fault rule says what is wrong without contradicting itself, and
// lists what would be accepted.
func TestFaultRuleMessages(t *testing.T) {
	t.Parallel()
	c := tc{t: t, h: newTestServer(t, Options{}), session: "fault-messages"}
	errs := "400, 401, 403, 404, 413, 414, 415, 500"
	for rule, want := range map[string]string{
		`{"action":"getorganization","status":200}`: "status 200 is not an error status: a fault answers with one of the errors getorganization documents (" + errs + ")",
		`{"action":"getorganization","status":302}`: "status 302 is not an error status: a fault answers with one of the errors getorganization documents (" + errs + ")",
		`{"action":"getorganization","status":409}`: "getorganization documents no status 409; its error statuses are " + errs,
		`{"action":"*","status":409}`:               "getorganization documents no status 409; its error statuses are " + errs, // the first action, by name, that does not
		`{"action":"refund","status":500}`: `unknown action "refund"; the actions are cancelsubscription, getorganization, getpaymentlink, ` +
			`getupdatecardlink, list_billing, updatesubscription, or "*" for every one`,
	} {
		r := addFault(t, c, rule)
		require.Equal(t, http.StatusBadRequest, r.status, rule)
		code, msg := errorMessage(t, r)
		assert.Equal(t, "invalid_parameter", code, rule)
		assert.Equal(t, want, msg, rule)
	}
}

// TestAdvanceClockMessages: an unknown member is named as unknown, whatever its value.
func TestAdvanceClockMessages(t *testing.T) {
	t.Parallel()
	c := tc{t: t, h: newTestServer(t, Options{}), session: "clock-messages"}
	for body, want := range map[string]string{
		`{"by":"720h","x":1}`:     `the body takes only by or to, got member "x"`,
		`{"x":1,"by":"720h"}`:     `the body takes only by or to, got member "x"`,
		`{"by":720}`:              `"by" must be a string`,
		`{"to":true}`:             `"to" must be a string`,
		`{"by":"1h","to":"2030"}`: "give exactly one of by and to, not both",
	} {
		r := c.do(req{method: http.MethodPost, target: "/_mock/clock/advance", body: body})
		require.Equal(t, http.StatusBadRequest, r.status, body)
		_, msg := errorMessage(t, r)
		assert.Equal(t, want, msg, body)
	}
}

// TestMalformedEscapeIsInvalid: a parameter whose value is not a valid percent-encoding was sent,
// so it is reported as invalid (with its own code), never as missing; an unknown parameter that
// does not decode is ignored like any unknown parameter.
func TestMalformedEscapeIsInvalid(t *testing.T) {
	t.Parallel()
	c := tc{t: t, h: newTestServer(t, Options{}), session: "escapes"}
	for _, tt := range []struct {
		method, target, body string
		code, field          string
	}{
		{"GET", describePath + "?action=getorganization&org_id=%zz", "", "invalid_parameter", `query "org_id"`},
		{"GET", historyPath + "?action=list_billing&org_id=org%2", "", "invalid_parameter", `query "org_id"`},
		{"GET", describePath + "?action=%zz&org_id=org_acme", "", "unknown_action", `query "action"`},
		{"POST", updatePath + "?action=getpaymentlink&org_id=org_new&quantity=%zz", "", "invalid_quantity", `query "quantity"`},
		{"POST", updatePath + "?action=getupdatecardlink&org_id=%zz", `{"org_id":"org_acme"}`, "invalid_parameter", `query "org_id"`},
	} {
		r := c.do(req{method: tt.method, target: tt.target, token: "tok_owner", body: tt.body})
		require.Equal(t, http.StatusBadRequest, r.status, "%s: %s", tt.target, r.body)
		code, msg := errorMessage(t, r)
		assert.Equal(t, tt.code, code, tt.target)
		assert.Contains(t, msg, tt.field+": expected ", tt.target)
		assert.Contains(t, msg, "(a malformed % escape)", tt.target)
		assert.NotContains(t, msg, "absent", tt.target)
	}
	r := c.do(req{method: "GET", target: describePath + "?action=getorganization&org_id=org_acme&x=%zz", token: "tok_owner"})
	assert.Equal(t, http.StatusOK, r.status, "an unknown parameter is ignored: %s", r.body)
}

// TestPreferenceAppliedIsExposed: browser code may read Preference-Applied.
func TestPreferenceAppliedIsExposed(t *testing.T) {
	t.Parallel()
	c := tc{t: t, h: newTestServer(t, Options{})}
	r := c.do(req{method: "GET", target: describePath + "?action=getorganization&org_id=org_acme", token: "tok_owner",
		headers: map[string]string{"Origin": "http://localhost:5173", "Prefer": "code=404"}})
	require.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "code=404, example=org_not_found", r.header.Get("Preference-Applied"))
	exposed := strings.Split(r.header.Get("Access-Control-Expose-Headers"), ", ")
	assert.Contains(t, exposed, "Preference-Applied")
	assert.Contains(t, exposed, "WWW-Authenticate")
}

// TestDefaultCardExpiryIsThreeCalendarYears: paying a checkout without an expiry gives a card that
// expires in the clock's month three years on (the clock is 2026-11-01).
func TestDefaultCardExpiryIsThreeCalendarYears(t *testing.T) {
	t.Parallel()
	c := tc{t: t, h: newTestServer(t, Options{}), session: "expiry"}
	id := linkID(t, c.update("tok_owner", "getpaymentlink", "org_id=org_new&quantity=1"))
	r := c.do(req{method: http.MethodPost, target: "/_mock/checkouts/" + id + "/complete"})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Equal(t, "2029-11", c.subscription("org_new")["payment_exp"])
}

// TestDashboardCountsInTheSingular: one organization, one resource.
func TestDashboardCountsInTheSingular(t *testing.T) {
	t.Parallel()
	seed := mustSeed(t, "plans: [{id: p, unit_price: \"1.00\"}]\nusers: [{id: usr_a, token: tok_a}]\n"+
		"organizations: [{id: org_a, name: A, owner: usr_a, resources: 1}]\n")
	c := tc{t: t, h: newTestServer(t, Options{Seed: seed})}
	_, page := c.dashboard("/_mock/")
	assert.Contains(t, page, "· 1 organization</h2>")
	assert.Contains(t, page, "· 1 resource</span>")
	_, page = tc{t: t, h: newTestServer(t, Options{})}.dashboard("/_mock/")
	assert.Contains(t, page, "· 3 organizations</h2>")
	assert.Contains(t, page, "· 12 resources</span>")
}
