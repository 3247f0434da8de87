package mock

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudplans/billing-mock/contract"
)

// actionRequests is one well-formed owner request per action.
var actionRequests = map[string]req{
	"getorganization":    {method: "GET", target: describePath + "?action=getorganization&org_id=org_acme"},
	"list_billing":       {method: "GET", target: historyPath + "?action=list_billing&org_id=org_acme"},
	"getpaymentlink":     {method: "POST", target: updatePath + "?action=getpaymentlink&org_id=org_new&quantity=1"},
	"getupdatecardlink":  {method: "POST", target: updatePath + "?action=getupdatecardlink&org_id=org_acme"},
	"updatesubscription": {method: "POST", target: updatePath + "?action=updatesubscription&org_id=org_acme&quantity=4"},
	"cancelsubscription": {method: "POST", target: updatePath + "?action=cancelsubscription&org_id=org_acme"},
}

// TestPreferEveryDocumentedCode asks every action for every status it documents: the answer has
// that status, validates against the action's schema, and touches no state.
func TestPreferEveryDocumentedCode(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c, err := contract.Embedded()
	require.NoError(t, err)
	for _, op := range c.Operations() {
		for _, action := range op.Actions() {
			for _, status := range op.Statuses(action) {
				t.Run(fmt.Sprintf("%s/%d", action, status), func(t *testing.T) {
					t.Parallel()
					cl := tc{t: t, h: s, session: fmt.Sprintf("prefer-%s-%d", action, status)}
					before := cl.describe("tok_owner", "org_acme").body
					r := actionRequests[action]
					r.headers = map[string]string{"Prefer": fmt.Sprintf("code=%d", status)}
					got := cl.do(r) // no token: Prefer answers before authentication
					require.Equal(t, status, got.status, "%s", got.body)
					err := c.ValidateResponse(context.Background(), contract.Response{
						Method: op.Method, Path: op.Path, Action: action, Status: got.status, Header: got.header, Body: got.body,
					})
					assert.NoError(t, err)
					assert.Contains(t, got.header.Get("Preference-Applied"), fmt.Sprintf("code=%d", status))
					assert.Equal(t, string(before), string(cl.describe("tok_owner", "org_acme").body))
				})
			}
		}
	}
}

func TestPreferErrors(t *testing.T) {
	t.Parallel()
	c := tc{t: t, h: newTestServer(t, Options{})}
	r := actionRequests["getorganization"]
	r.headers = map[string]string{"Prefer": "code=409"}
	got := c.do(r)
	assert.Equal(t, http.StatusBadRequest, got.status)
	assert.Contains(t, string(got.body), "its codes are 200, 400, 401, 403, 404, 413, 414, 415, 500")

	r.headers = map[string]string{"Prefer": "example=no_subscription"}
	got = c.do(r)
	require.Equal(t, http.StatusOK, got.status)
	assert.Contains(t, string(got.body), `"subscription":null`)

	r.headers = map[string]string{"Prefer": "code=401, example=invalid_token"}
	got = c.do(r)
	require.Equal(t, http.StatusUnauthorized, got.status)
	assert.Equal(t, "invalid_token", got.code(t))

	r.headers = map[string]string{"Prefer": "example=nope"}
	got = c.do(r)
	assert.Equal(t, http.StatusBadRequest, got.status)
	assert.Contains(t, string(got.body), "has no example")

	r.headers = map[string]string{"Prefer": "code=abc"}
	assert.Equal(t, http.StatusBadRequest, c.do(r).status)

	// 409 for getpaymentlink is its own conflict, not another action's.
	r = actionRequests["getpaymentlink"]
	r.headers = map[string]string{"Prefer": "code=409"}
	assert.Equal(t, "subscription_exists", c.do(r).code(t))
}

func addFault(t *testing.T, c tc, rule string) resp {
	t.Helper()
	return c.do(req{method: "POST", target: "/_mock/faults", body: rule})
}

func TestFaultByCount(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s, session: "faults-count"}
	r := addFault(t, c, `{"action":"getorganization","status":500,"count":2}`)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	assert.Equal(t, http.StatusInternalServerError, c.describe("tok_owner", "org_acme").status)
	assert.Equal(t, http.StatusOK, c.history("tok_owner", "org_acme").status, "another action is untouched")
	assert.Equal(t, "internal_error", c.describe("tok_owner", "org_acme").code(t))
	assert.Equal(t, http.StatusOK, c.describe("tok_owner", "org_acme").status, "the rule ran out after 2")
	assert.JSONEq(t, `{"status":200,"faults":[]}`, string(c.do(req{method: "GET", target: "/_mock/faults"}).body))

	// Another session never saw the rule.
	other := tc{t: t, h: s, session: "faults-other"}
	addFault(t, c, `{"action":"*","status":500}`)
	assert.Equal(t, http.StatusOK, other.describe("tok_owner", "org_acme").status)
	assert.Equal(t, http.StatusInternalServerError, c.history("tok_owner", "org_acme").status)
	require.Equal(t, http.StatusOK, c.do(req{method: "DELETE", target: "/_mock/faults"}).status)
	assert.Equal(t, http.StatusOK, c.history("tok_owner", "org_acme").status)
}

// TestFaultByProbabilityIsRepeatable: the same seed fails the same requests.
func TestFaultByProbabilityIsRepeatable(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s, session: "prob-check"}
	assert.Equal(t, http.StatusBadRequest, addFault(t, c, `{"action":"list_billing","status":503,"probability":0.5,"seed":42}`).status, "503 is not documented")

	run := func(session string) string {
		c := tc{t: t, h: s, session: session}
		require.Equal(t, http.StatusCreated, addFault(t, c, `{"action":"list_billing","status":500,"probability":0.5,"seed":42}`).status)
		var b strings.Builder
		for range 40 {
			fmt.Fprintf(&b, "%d ", c.history("tok_owner", "org_acme").status)
		}
		return b.String()
	}
	a, b := run("prob-a"), run("prob-b")
	assert.Equal(t, a, b)
	assert.Contains(t, a, "500")
	assert.Contains(t, a, "200")
}

func TestFaultDelayAndDrop(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(newTestServer(t, Options{}))
	t.Cleanup(ts.Close)
	do := func(method, path, body string) (*http.Response, error) {
		r, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer tok_owner")
		r.Header.Set(SessionHeader, "delay-drop")
		if body != "" {
			r.Header.Set("Content-Type", "application/json")
		}
		return http.DefaultClient.Do(r)
	}
	res, err := do("POST", "/_mock/faults", `{"action":"list_billing","delay":"200ms","count":1}`)
	require.NoError(t, err)
	res.Body.Close()
	start := time.Now()
	res, err = do("GET", historyPath+"?action=list_billing&org_id=org_acme", "")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond)

	res, err = do("POST", "/_mock/faults", `{"action":"getorganization","drop":true,"count":1}`)
	require.NoError(t, err)
	res.Body.Close()
	_, err = do("GET", describePath+"?action=getorganization&org_id=org_acme", "")
	assert.Error(t, err, "the connection is dropped without an answer")
	res, err = do("GET", "/_mock/requests?action=getorganization", "")
	require.NoError(t, err)
	defer res.Body.Close()
	assert.Contains(t, readAll(t, res), `"status":0`, "a dropped request is journaled with status 0")
}

func TestFaultRulesAreChecked(t *testing.T) {
	t.Parallel()
	c := tc{t: t, h: newTestServer(t, Options{MaxFaults: 2})}
	for _, bad := range []string{
		`{"status":500}`,
		`{"action":"refund","status":500}`,
		`{"action":"getorganization","status":409}`,
		`{"action":"*","status":409}`,
		`{"action":"getorganization","status":200}`,
		`{"action":"getorganization"}`,
		`{"action":"getorganization","delay":"forever"}`,
		`{"action":"getorganization","delay":"2h"}`,
		`{"action":"getorganization","drop":true,"status":500}`,
		`{"action":"getorganization","status":500,"probability":2}`,
		`{"action":"getorganization","status":500,"count":-1}`,
		`{"action":"getorganization","status":500,"colour":"red"}`,
		`[1]`,
	} {
		r := addFault(t, c, bad)
		assert.Equal(t, http.StatusBadRequest, r.status, "%s: %s", bad, r.body)
	}
	require.Equal(t, http.StatusCreated, addFault(t, c, `{"action":"*","status":500,"count":1}`).status)
	require.Equal(t, http.StatusCreated, addFault(t, c, `{"action":"*","delay":"1ms"}`).status)
	r := addFault(t, c, `{"action":"*","delay":"1ms"}`)
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Equal(t, "too_many_faults", r.code(t))
	assert.Equal(t, http.StatusNotFound, c.do(req{method: "DELETE", target: "/_mock/faults/flt_99"}).status)
	assert.Equal(t, http.StatusOK, c.do(req{method: "DELETE", target: "/_mock/faults/flt_1"}).status)
}

func TestJournal(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{JournalSize: 5})
	c := tc{t: t, h: s, session: "journal"}
	c.update("tok_owner", "updatesubscription", "org_id=org_acme&quantity=4")
	c.do(req{method: "POST", target: updatePath + "?action=cancelsubscription", token: "tok_owner", body: `{"org_id":"org_new"}`})
	c.describe("tok_owner", "org_new")
	c.do(req{method: "GET", target: "/_mock/health"}) // control calls are not journaled

	list := func(query string) []any {
		r := c.do(req{method: "GET", target: "/_mock/requests" + query})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		return r.json(t)["requests"].([]any)
	}
	all := list("")
	require.Len(t, all, 3)
	newest := all[0].(map[string]any)
	assert.Equal(t, "getorganization", newest["action"])
	cancel := all[1].(map[string]any)
	assert.Equal(t, "cancelsubscription", cancel["action"])
	assert.Equal(t, "org_new", cancel["org"])
	assert.EqualValues(t, 409, cancel["status"])
	assert.Equal(t, `{"org_id":"org_new"}`, cancel["request_body"])
	assert.Contains(t, cancel["response_body"], "no_active_subscription")

	assert.Len(t, list("?action=updatesubscription"), 1)
	assert.Len(t, list("?org=org_new"), 2)
	assert.Len(t, list("?status=409"), 1)
	assert.Len(t, list("?limit=1"), 1)
	assert.Equal(t, http.StatusBadRequest, c.do(req{method: "GET", target: "/_mock/requests?status=x"}).status)

	// Bounded: only the newest 5 stay.
	for range 10 {
		c.history("tok_owner", "org_acme")
	}
	assert.Len(t, list(""), 5)
	// Other sessions have their own journal; reset clears it.
	assert.Empty(t, tc{t: t, h: s, session: "journal-other"}.do(req{method: "GET", target: "/_mock/requests"}).json(t)["requests"])
	c.do(req{method: "POST", target: "/_mock/reset"})
	assert.Empty(t, list(""))
}

func TestJournalTruncatesBodies(t *testing.T) {
	t.Parallel()
	c := tc{t: t, h: newTestServer(t, Options{}), session: "journal-trunc"}
	big := `{"org_id":"` + strings.Repeat("é", 3000) + `"}`
	c.do(req{method: "POST", target: updatePath + "?action=cancelsubscription", token: "tok_owner", body: big})
	e := c.do(req{method: "GET", target: "/_mock/requests"}).json(t)["requests"].([]any)[0].(map[string]any)
	assert.Equal(t, true, e["truncated"])
	assert.LessOrEqual(t, len(e["request_body"].(string)), journalBodyLimit)
}

func TestLatency(t *testing.T) {
	t.Parallel()
	l, err := ParseLatency("30ms-60ms")
	require.NoError(t, err)
	assert.Equal(t, Latency{30 * time.Millisecond, 60 * time.Millisecond}, l)
	for _, bad := range []string{"x", "5ms-1ms", "-1ms", "2m"} {
		_, err := ParseLatency(bad)
		assert.Error(t, err, bad)
	}
	c := tc{t: t, h: newTestServer(t, Options{Latency: l})}
	start := time.Now()
	assert.Equal(t, http.StatusOK, c.describe("tok_owner", "org_acme").status)
	took := time.Since(start)
	assert.GreaterOrEqual(t, took, 30*time.Millisecond)
	start = time.Now()
	c.do(req{method: "GET", target: "/_mock/health"})
	assert.Less(t, time.Since(start), 30*time.Millisecond, "control calls are not delayed")
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(b)
}
