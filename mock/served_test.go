package mock

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	billingmock "github.com/cloudplans/billing-mock"
	"github.com/cloudplans/billing-mock/contract"
)

// TestSpecServed checks GET and HEAD /openapi.yaml and /openapi.json: the embedded contract as
// written, and the same document as JSON, with their media types and the CORS headers of an
// allowed origin.
func TestSpecServed(t *testing.T) {
	t.Parallel()
	c := tc{t: t, h: newTestServer(t, Options{})}
	embedded, err := contract.Embedded()
	require.NoError(t, err)
	control, err := contract.Load(billingmock.ControlAPI())
	require.NoError(t, err)
	want, err := json.Marshal(embedded.Document())
	require.NoError(t, err)
	for _, tt := range []struct{ path, contentType string }{
		{"/openapi.yaml", "application/yaml"},
		{"/openapi.json", "application/json"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			r := c.do(req{method: http.MethodGet, target: tt.path, headers: map[string]string{"Origin": "http://localhost:5173"}})
			require.Equal(t, http.StatusOK, r.status)
			assert.Equal(t, tt.contentType, r.header.Get("Content-Type"))
			assert.Equal(t, "http://localhost:5173", r.header.Get("Access-Control-Allow-Origin"))
			assert.NotEmpty(t, r.header.Get("ETag"))
			loaded, err := contract.Load(r.body)
			require.NoError(t, err, "the served document loads")
			got, err := json.Marshal(loaded.Document())
			require.NoError(t, err)
			assert.JSONEq(t, string(want), string(got), "the served document is the one the mock validates with")
			if tt.path == "/openapi.yaml" {
				assert.Equal(t, string(billingmock.OpenAPI()), string(r.body), "as written")
			} else {
				assert.NoError(t, control.ValidateResponse(context.Background(), contract.Response{
					Method: http.MethodGet, Path: tt.path, Status: r.status, Header: r.header, Body: r.body}), "the answer controlapi.yaml documents")
			}
			revalidate := c.do(req{method: http.MethodGet, target: tt.path, headers: map[string]string{"If-None-Match": r.header.Get("ETag")}})
			assert.Equal(t, http.StatusNotModified, revalidate.status)
			long := c.do(req{method: http.MethodGet, target: tt.path + "?q=" + strings.Repeat("x", MaxURLBytes)})
			assert.Equal(t, http.StatusRequestURITooLong, long.status)
			assert.NoError(t, control.ValidateResponse(context.Background(), contract.Response{
				Method: http.MethodGet, Path: tt.path, Status: long.status, Header: long.header, Body: long.body}), "the 414 controlapi.yaml documents")

			head := c.do(req{method: http.MethodHead, target: tt.path})
			assert.Equal(t, http.StatusOK, head.status)
			assert.Equal(t, tt.contentType, head.header.Get("Content-Type"))
			assert.Equal(t, strconv.Itoa(len(r.body)), head.header.Get("Content-Length"))
			assert.Empty(t, head.body)

			pre := c.do(req{method: http.MethodOptions, target: tt.path, headers: map[string]string{
				"Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET"}})
			assert.Equal(t, http.StatusNoContent, pre.status)
		})
	}
}

// TestSpecServedIsTheOneGiven checks that the mock serves the contract it was given (billing-mock's
// -spec), not the embedded one, at both paths and on the reference page.
func TestSpecServedIsTheOneGiven(t *testing.T) {
	t.Parallel()
	text := strings.Replace(string(billingmock.OpenAPI()), "title: Cloud Plans Billing API", "title: Billing API, edited", 1)
	require.NotEqual(t, string(billingmock.OpenAPI()), text)
	edited, err := contract.Load([]byte(text))
	require.NoError(t, err)
	c := tc{t: t, h: newTestServer(t, Options{Contract: edited})}
	assert.Equal(t, text, string(c.do(req{method: http.MethodGet, target: "/openapi.yaml"}).body))
	var doc struct {
		Info struct{ Title string } `json:"info"`
	}
	require.NoError(t, json.Unmarshal(c.do(req{method: http.MethodGet, target: "/openapi.json"}).body, &doc))
	assert.Equal(t, "Billing API, edited", doc.Info.Title)
	assert.Contains(t, string(c.do(req{method: http.MethodGet, target: "/_mock/docs"}).body), "<title>API reference · Billing API, edited ·")
}

// TestRootLeadsToTheDashboard checks that / redirects to the dashboard.
func TestRootLeadsToTheDashboard(t *testing.T) {
	t.Parallel()
	c := tc{t: t, h: newTestServer(t, Options{})}
	for _, m := range []string{http.MethodGet, http.MethodHead} {
		r := c.do(req{method: m, target: "/"})
		assert.Equal(t, http.StatusFound, r.status, m)
		assert.Equal(t, "/_mock/", r.header.Get("Location"), m)
	}
	r := c.do(req{method: http.MethodPost, target: "/"})
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
	assert.Equal(t, "method_not_allowed", r.code(t))
}

// docsArticle returns the part of the reference page that documents one action.
func docsArticle(t *testing.T, page, action string) string {
	t.Helper()
	start := strings.Index(page, `<article id="`+action+`"`)
	require.GreaterOrEqual(t, start, 0, "no article for %s", action)
	end := strings.Index(page[start:], "</article>")
	require.Greater(t, end, 0)
	return page[start : start+end]
}

var (
	docsParamRow  = regexp.MustCompile(`<tr data-param="([^"]+)" data-in="([^"]+)">`)
	docsStatusRow = regexp.MustCompile(`<tr data-status="(\d+)">`)
	docsCurl      = regexp.MustCompile(`(?s)<pre data-testid="curl"><code>(.*?)</code></pre>`)
	shellWord     = regexp.MustCompile(`'([^']*)'`)
	docsResource  = regexp.MustCompile(`(?i)\s(?:src|href|action)\s*=\s*"([^"]*)"`)
)

// TestDocsPage checks the reference page: the six actions in the contract's order, each with its
// parameters where the contract puts them, its documented statuses, the error codes of its own
// branch of a union, the decisions its texts mark, and a curl command that the mock answers 200;
// nothing on the page loads from anywhere but the mock.
func TestDocsPage(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s}
	r := c.do(req{method: http.MethodGet, target: "/_mock/docs"})
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "text/html; charset=utf-8", r.header.Get("Content-Type"))
	page := string(r.body)

	var order []string
	for _, m := range regexp.MustCompile(`<article id="([^"]+)" data-action=`).FindAllStringSubmatch(page, -1) {
		order = append(order, m[1])
	}
	assert.Equal(t, []string{"getorganization", "list_billing", "getpaymentlink", "getupdatecardlink", "updatesubscription", "cancelsubscription"}, order)

	embedded, err := contract.Embedded()
	require.NoError(t, err)
	tests := []struct {
		action    string
		params    map[string]string // parameter: where the page says it goes
		conflicts []string          // 409 codes
		decisions []string          // some of the decisions its texts mark
	}{
		{"getorganization", map[string]string{"action": "query", "org_id": "query"}, nil, []string{"D1", "D11", "D23"}},
		{"list_billing", map[string]string{"action": "query", "org_id": "query"}, nil, []string{"D2", "D12", "D19", "D14"}},
		{"getpaymentlink", map[string]string{"action": "query", "org_id": "query", "quantity": "query"}, []string{"subscription_exists"}, []string{"D2", "D4", "D20"}},
		{"getupdatecardlink", map[string]string{"action": "query", "org_id": "JSON body"}, []string{"no_active_subscription"}, []string{"D2", "D17"}},
		{"updatesubscription", map[string]string{"action": "query", "org_id": "JSON body", "quantity": "JSON body"}, []string{"no_active_subscription"}, []string{"D4", "D20"}},
		{"cancelsubscription", map[string]string{"action": "query", "org_id": "JSON body"}, []string{"no_active_subscription"}, []string{"D20", "D23"}},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			art := docsArticle(t, page, tt.action)
			params := map[string]string{}
			for _, m := range docsParamRow.FindAllStringSubmatch(art, -1) {
				params[m[1]] = m[2]
			}
			assert.Equal(t, tt.params, params)

			var op *contract.Operation
			for _, o := range embedded.Operations() {
				if o.HasAction(tt.action) {
					op = o
				}
			}
			require.NotNil(t, op)
			var statuses []int
			for _, m := range docsStatusRow.FindAllStringSubmatch(art, -1) {
				n, _ := strconv.Atoi(m[1])
				statuses = append(statuses, n)
			}
			assert.Equal(t, op.Statuses(tt.action), statuses)
			if tt.conflicts != nil {
				row := art[strings.Index(art, `<tr data-status="409">`):]
				row = row[:strings.Index(row, "</td><td><p>")] // the status and body cells
				for _, code := range []string{"subscription_exists", "no_active_subscription"} {
					assert.Equal(t, slices.Contains(tt.conflicts, code), strings.Contains(row, "<code>"+code+"</code>"), "409 code %s", code)
				}
			}
			for _, d := range tt.decisions {
				assert.True(t, strings.Contains(art, "<span>"+d+"</span>"), "decision %s is not marked", d)
			}
			assert.Contains(t, art, `<form class="try" hidden data-method="`+op.Method+`" data-path="`+op.Path+`" data-action="`+tt.action+`"`)

			// The curl command works as written (in a session of its own).
			m := docsCurl.FindStringSubmatch(art)
			require.NotNil(t, m, "no curl command")
			words := shellWord.FindAllStringSubmatch(html.UnescapeString(m[1]), -1)
			require.GreaterOrEqual(t, len(words), 2)
			target := words[len(words)-1][1]
			rq := req{method: op.Method, target: strings.TrimPrefix(target, "http://example.com"), token: "tok_owner"}
			require.True(t, strings.HasPrefix(target, "http://example.com/v1/"), target)
			for _, w := range words[:len(words)-1] {
				if strings.HasPrefix(w[1], "{") {
					rq.body = w[1]
				}
			}
			assert.Equal(t, op.Method != http.MethodGet && tt.params["org_id"] == "JSON body", rq.body != "", "a body exactly where the action takes one")
			got := tc{t: t, h: s, session: "docs-" + tt.action}.do(rq)
			assert.Equal(t, http.StatusOK, got.status, "%s: %s", m[1], got.body)
		})
	}

	for _, m := range docsResource.FindAllStringSubmatch(page, -1) {
		u := m[1]
		assert.True(t, strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") || strings.HasPrefix(u, "#") || u == "data:,",
			"the page refers to %q: everything it loads is the mock's own", u)
	}
	assert.Contains(t, page, `<script src="/_mock/docs/try.js"></script>`)

	js := c.do(req{method: http.MethodGet, target: "/_mock/docs/try.js"})
	require.Equal(t, http.StatusOK, js.status)
	assert.Equal(t, "text/javascript; charset=utf-8", js.header.Get("Content-Type"))
	assert.Contains(t, string(js.body), "form.try")
	head := c.do(req{method: http.MethodHead, target: "/_mock/docs"})
	assert.Equal(t, http.StatusOK, head.status)
	assert.Empty(t, head.body)
}
