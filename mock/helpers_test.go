package mock

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cloudplans/billing-mock/mock/fixture"
)

const (
	describePath = "/v1/organizations/billing/describe"
	historyPath  = "/v1/organizations/billing/history"
	updatePath   = "/v1/organizations/billing/update"
)

// newTestServer builds a mock with the embedded contract and seed; response validation is on, so
// any answer that breaks the contract shows up as a 500 and fails the test that sees it.
func newTestServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	require.NoError(t, err)
	return s
}

// tc is a test client bound to a server and a session.
type tc struct {
	t       testing.TB
	h       http.Handler
	session string
}

type req struct {
	method  string
	target  string
	token   string
	body    string
	ctype   string
	headers map[string]string
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

func (r resp) code(t testing.TB) string {
	t.Helper()
	e, ok := r.json(t)["error"].(map[string]any)
	require.True(t, ok, "no error envelope in %s", r.body)
	return e["code"].(string)
}

func (c tc) do(r req) resp {
	c.t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr := httptest.NewRequest(r.method, r.target, body)
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	if r.body != "" {
		ct := r.ctype
		if ct == "" {
			ct = "application/json"
		}
		hr.Header.Set("Content-Type", ct)
	}
	if c.session != "" {
		hr.Header.Set(SessionHeader, c.session)
	}
	for k, v := range r.headers {
		hr.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, hr)
	return resp{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func (c tc) describe(token, org string) resp {
	return c.do(req{method: http.MethodGet, target: describePath + "?action=getorganization&org_id=" + org, token: token})
}

func (c tc) history(token, org string) resp {
	return c.do(req{method: http.MethodGet, target: historyPath + "?action=list_billing&org_id=" + org, token: token})
}

func (c tc) update(token, action, query string) resp {
	return c.do(req{method: http.MethodPost, target: updatePath + "?action=" + action + "&" + query, token: token})
}

// subscription returns describe's subscription member (nil when null).
func (c tc) subscription(org string) map[string]any {
	c.t.Helper()
	r := c.describe("tok_owner", org)
	require.Equal(c.t, http.StatusOK, r.status, "%s", r.body)
	sub, _ := r.json(c.t)["response"].(map[string]any)["subscription"].(map[string]any)
	return sub
}

func (c tc) invoices(org string) []any {
	c.t.Helper()
	r := c.history("tok_owner", org)
	require.Equal(c.t, http.StatusOK, r.status, "%s", r.body)
	return r.json(c.t)["billing_history"].([]any)
}

// linkID returns the id (last path segment) of a link answer.
func linkID(t testing.TB, r resp) string {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	link := r.json(t)["response"].(string)
	link, _, _ = strings.Cut(link, "?")
	return link[strings.LastIndex(link, "/")+1:]
}

// subscribe opens a payment link for org and pays it through the control API.
func (c tc) subscribe(org string, quantity string) {
	c.t.Helper()
	id := linkID(c.t, c.update("tok_owner", "getpaymentlink", "org_id="+org+"&quantity="+quantity))
	r := c.do(req{method: http.MethodPost, target: "/_mock/checkouts/" + id + "/complete"})
	require.Equal(c.t, http.StatusOK, r.status, "%s", r.body)
}

func mustSeed(t testing.TB, yaml string) *fixture.Seed {
	t.Helper()
	s, err := fixture.Parse("test.yaml", []byte(yaml))
	require.NoError(t, err)
	return s
}
