package mock

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (c tc) dashboard(target string) (resp, string) {
	c.t.Helper()
	r := c.do(req{method: http.MethodGet, target: target})
	return r, string(r.body)
}

func (c tc) dashboardPost(path string, form url.Values) resp {
	c.t.Helper()
	return c.do(req{method: http.MethodPost, target: path, body: form.Encode(), ctype: "application/x-www-form-urlencoded"})
}

func TestDashboardRendersTheSession(t *testing.T) {
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s}
	for _, target := range []string{"/_mock/", "/_mock"} {
		r, page := c.dashboard(target)
		require.Equal(t, http.StatusOK, r.status, target)
		assert.Equal(t, "text/html; charset=utf-8", r.header.Get("Content-Type"))
		assert.Equal(t, "no-store", r.header.Get("Cache-Control"))
		assert.Contains(t, page, `<span data-testid="session">default</span>`)
		assert.Contains(t, page, "Billing clock <strong>2026-11-01 09:00 UTC</strong>")
		for _, want := range []string{"Acme Corp", "org_acme", "New Co", "org_new", "Outsider Ltd", "org_outsider"} {
			assert.Contains(t, page, want)
		}
		// org_acme's invoices, newest first, paid and unpaid.
		assert.Regexp(t, `(?s)inv_acme_0004.*inv_acme_0003.*inv_acme_0002.*inv_acme_0001`, page)
		assert.Contains(t, page, `<tr data-invoice="inv_acme_0004" data-status="unpaid">`)
		assert.Contains(t, page, `<tr data-invoice="inv_acme_0001" data-status="paid">`)
		assert.Contains(t, page, "pro × 3")
		assert.Contains(t, page, "2028-04")
	}
}

func TestDashboardFormsHaveLabels(t *testing.T) {
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s, session: "labels"}
	c.do(req{method: http.MethodPost, target: "/_mock/faults", body: `{"action":"getorganization","status":500}`})
	_, page := c.dashboard("/_mock/?session=labels")

	ids := regexp.MustCompile(`<(?:input|select|textarea)\b[^>]*\bid="([^"]+)"`).FindAllStringSubmatch(page, -1)
	require.NotEmpty(t, ids)
	for _, m := range ids {
		assert.Contains(t, page, `<label for="`+m[1]+`">`, "control #%s has a label", m[1])
	}
	// Every visible control has an id (and so, above, a label); hidden inputs carry form values only.
	for _, tag := range regexp.MustCompile(`<(?:input|select|textarea)\b[^>]*>`).FindAllString(page, -1) {
		if !strings.Contains(tag, `type="hidden"`) {
			assert.Contains(t, tag, ` id="`, "a visible control without an id: %s", tag)
		}
	}
	// Every form that changes something POSTs, to a dashboard action that keeps the session.
	for _, m := range regexp.MustCompile(`<form\b[^>]*method="post"[^>]*action="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		assert.True(t, strings.HasPrefix(m[1], "/_mock/dashboard/"), m[1])
		assert.Contains(t, m[1], "session=labels")
	}
	assert.Contains(t, page, `aria-label="Delete fault rule flt_1"`)
	assert.NotContains(t, page, "onclick")
}

func TestDashboardAdvanceOnePeriod(t *testing.T) {
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s}
	r := c.dashboardPost("/_mock/dashboard/advance?session=clock", url.Values{"period": {"month"}})
	require.Equal(t, http.StatusSeeOther, r.status, "%s", r.body)
	assert.Equal(t, "/_mock/?done=advance&renewals=2&session=clock", r.header.Get("Location"))

	_, page := c.dashboard(r.header.Get("Location"))
	assert.Contains(t, page, "The clock moved forward: 2 renewal invoices.")
	assert.Contains(t, page, "Billing clock <strong>2026-12-01 09:00 UTC</strong>")
	assert.Regexp(t, `<tr data-invoice="inv_acme_\w+" data-status="paid"><td><code>inv_acme_\w+</code></td><td>2026-11-15</td>`, page)

	// Only that session moved.
	_, other := c.dashboard("/_mock/")
	assert.Contains(t, other, "Billing clock <strong>2026-11-01 09:00 UTC</strong>")
	cs := tc{t: t, h: s, session: "clock"}
	assert.Len(t, cs.invoices("org_acme"), 5)

	r = c.dashboardPost("/_mock/dashboard/advance?session=clock", url.Values{"period": {"year"}})
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, string(r.body), `role="alert"`)
}

func TestDashboardScenarioResetAndFaults(t *testing.T) {
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s, session: "qa"}

	r := c.dashboardPost("/_mock/dashboard/scenario?session=qa", url.Values{"scenario": {"past-due"}})
	require.Equal(t, http.StatusSeeOther, r.status, "%s", r.body)
	_, page := c.dashboard(r.header.Get("Location"))
	assert.Contains(t, page, "Loaded the scenario past-due.")
	assert.Contains(t, page, `<span class="pill bad">past due</span>`)
	assert.Equal(t, "past_due", c.subscription("org_acme")["status"])

	r = c.dashboardPost("/_mock/dashboard/scenario?session=qa", url.Values{"scenario": {"nope"}})
	assert.Equal(t, http.StatusNotFound, r.status)

	c.do(req{method: http.MethodPost, target: "/_mock/faults", body: `{"action":"list_billing","delay":"2s"}`})
	_, page = c.dashboard("/_mock/?session=qa")
	assert.Contains(t, page, "list_billing</strong>: delay 2s")
	r = c.dashboardPost("/_mock/dashboard/faults/delete?session=qa", url.Values{"id": {"flt_1"}})
	require.Equal(t, http.StatusSeeOther, r.status, "%s", r.body)
	_, page = c.dashboard("/_mock/?session=qa")
	assert.NotContains(t, page, "list_billing</strong>")

	r = c.dashboardPost("/_mock/dashboard/reset?session=qa", url.Values{})
	require.Equal(t, http.StatusSeeOther, r.status)
	assert.Equal(t, "active", c.subscription("org_acme")["status"])
}

func TestDashboardShowsLinksAndJournal(t *testing.T) {
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s, session: "j"}
	id := linkID(t, c.update("tok_owner", "getpaymentlink", "org_id=org_new&quantity=2"))
	_, page := c.dashboard("/_mock/?session=j")
	assert.Contains(t, page, `href="http://example.com/checkout/`+id+`?session=j"`)
	assert.Contains(t, page, "org_new: subscribe: pro × 2")
	assert.Contains(t, page, "POST /v1/organizations/billing/update?action=getpaymentlink&amp;org_id=org_new&amp;quantity=2")
}

func TestDashboardRefusesOtherOriginsAndBadSessions(t *testing.T) {
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s}
	r := c.do(req{method: http.MethodPost, target: "/_mock/dashboard/reset", body: "x=1", ctype: "application/x-www-form-urlencoded",
		headers: map[string]string{"Origin": "https://evil.example"}})
	assert.Equal(t, http.StatusForbidden, r.status)

	r, page := c.dashboard("/_mock/?session=" + url.QueryEscape("has space"))
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, page, `role="alert"`)
	assert.NotContains(t, page, "Acme Corp")

	// The session field cannot inject markup.
	_, page = c.dashboard("/_mock/?session=" + url.QueryEscape(`"><b>x`))
	assert.NotContains(t, page, `"><b>x`)
}
