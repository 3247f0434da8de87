package mock

import (
	"bytes"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudplans/billing-mock/mock/fixture"
)

// exportOf is the session's state as GET /_mock/state answers it.
func (c tc) exportOf() string {
	c.t.Helper()
	r := c.do(req{method: http.MethodGet, target: "/_mock/state"})
	require.Equal(c.t, http.StatusOK, r.status)
	return string(r.body)
}

// fieldError is the message shown next to a field of the dashboard, by the field's id.
func fieldError(t *testing.T, page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`<span class="field-error" id="` + regexp.QuoteMeta(id) + `-error"[^>]*>([^<]*)</span>`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	assert.Regexp(t, `id="`+regexp.QuoteMeta(id)+`"[^>]* aria-invalid="true" aria-describedby="`+regexp.QuoteMeta(id)+`-error"`, page, "the field is marked invalid")
	return html.UnescapeString(m[1])
}

func TestDashboardEditInvoice(t *testing.T) {
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s, session: "inv"}
	// inv_acme_0004 is unpaid, due 2026-11-14: the clock (2026-11-01) has not reached it.
	assert.Equal(t, "active", c.subscription("org_acme")["status"])
	r := c.dashboardPost("/_mock/dashboard/invoice?session=inv", url.Values{"org": {"org_acme"}, "invoice": {"inv_acme_0004"}, "status": {"unpaid"}, "due_date": {"2026-10-30"}})
	require.Equal(t, http.StatusSeeOther, r.status, "%s", r.body)
	assert.Equal(t, "/_mock/?done=edit&session=inv&what=invoice", r.header.Get("Location"))
	assert.Equal(t, "past_due", c.subscription("org_acme")["status"])
	_, page := c.dashboard(r.header.Get("Location"))
	assert.Contains(t, page, "Saved the invoice.")
	assert.Contains(t, page, `<span class="pill bad">past due</span>`)

	// Paid again: active.
	r = c.dashboardPost("/_mock/dashboard/invoice?session=inv", url.Values{"org": {"org_acme"}, "invoice": {"inv_acme_0004"}, "status": {"paid"}, "due_date": {"2026-10-30"}})
	require.Equal(t, http.StatusSeeOther, r.status, "%s", r.body)
	assert.Equal(t, "active", c.subscription("org_acme")["status"])

	// Refused edits change nothing and show the validator's message next to the field.
	before := c.exportOf()
	for _, tt := range []struct {
		form    url.Values
		status  int
		fieldID string
		msg     string
	}{
		{url.Values{"due_date": {"2026-10-01"}, "status": {"unpaid"}}, http.StatusBadRequest, "due-inv_acme_0004",
			"organizations[0].invoices[3].due_date: 2026-10-01 is before the invoice date 2026-10-15"},
		{url.Values{"due_date": {"2026-13-45"}, "status": {"unpaid"}}, http.StatusBadRequest, "due-inv_acme_0004",
			`organizations[0].invoices[3].due_date: must be a date YYYY-MM-DD, got "2026-13-45"`},
		{url.Values{"due_date": {"2026-11-14"}, "status": {"void"}}, http.StatusBadRequest, "status-inv_acme_0004",
			`organizations[0].invoices[3].status: must be paid or unpaid, got "void"`},
	} {
		tt.form.Set("org", "org_acme")
		tt.form.Set("invoice", "inv_acme_0004")
		r := c.dashboardPost("/_mock/dashboard/invoice?session=inv", tt.form)
		require.Equal(t, tt.status, r.status, "%s", r.body)
		page := string(r.body)
		assert.Equal(t, tt.msg, fieldError(t, page, tt.fieldID))
		assert.Contains(t, page, `<p class="error wide" role="alert" data-testid="error">Not changed: `+html.EscapeString(tt.msg)+`</p>`)
		assert.Equal(t, before, c.exportOf(), "a refused edit changes nothing")
	}
	r = c.dashboardPost("/_mock/dashboard/invoice?session=inv", url.Values{"org": {"org_acme"}, "invoice": {"inv_nope"}, "status": {"paid"}, "due_date": {"2026-10-30"}})
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Contains(t, string(r.body), "organization org_acme has no invoice inv_nope")
	r = c.dashboardPost("/_mock/dashboard/invoice?session=inv", url.Values{"org": {"org_gone"}, "invoice": {"inv_acme_0004"}, "status": {"paid"}, "due_date": {"2026-10-30"}})
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, before, c.exportOf())

	// The journal records each edit as a control action, refusals included.
	entries := c.do(req{method: http.MethodGet, target: "/_mock/requests?action=dashboard.edit_invoice"}).json(t)["requests"].([]any)
	require.Len(t, entries, 7)
	first := entries[len(entries)-1].(map[string]any)
	assert.Equal(t, "POST", first["method"])
	assert.Equal(t, "/_mock/dashboard/invoice", first["path"])
	assert.Equal(t, "org_acme", first["org"])
	assert.EqualValues(t, http.StatusSeeOther, first["status"])
	assert.Contains(t, first["request_body"], "due_date=2026-10-30")
	refused := entries[4].(map[string]any)
	assert.EqualValues(t, http.StatusBadRequest, refused["status"])
	assert.Contains(t, refused["response_body"], "is before the invoice date")
}

func TestDashboardEditSubscription(t *testing.T) {
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s, session: "sub"}
	edit := func(plan, quantity, exp string) resp {
		return c.dashboardPost("/_mock/dashboard/subscription?session=sub", url.Values{"org": {"org_acme"}, "plan": {plan}, "quantity": {quantity}, "payment_exp": {exp}})
	}
	r := edit("enterprise", "7", "2030-01")
	require.Equal(t, http.StatusSeeOther, r.status, "%s", r.body)
	assert.Equal(t, map[string]any{"plan": "enterprise", "quantity": "7", "payment_exp": "2030-01", "status": "active"}, c.subscription("org_acme"))
	assert.Len(t, c.invoices("org_acme"), 4, "an edit makes no invoice")

	before := c.exportOf()
	for _, tt := range []struct{ plan, quantity, exp, fieldID, msg string }{
		{"enterprise", "0", "2030-01", "quantity-org_acme", "organizations[0].subscription.quantity: must be an integer from 1 to 10000, got 0"},
		{"enterprise", "many", "2030-01", "quantity-org_acme", `quantity must be an integer from 1 to 10000, got "many"`},
		{"gold", "3", "2030-01", "plan-org_acme", `organizations[0].subscription.plan: plan "gold" is not one of the plans`},
		{"pro", "3", "2030-13", "card-org_acme", `organizations[0].subscription.payment_exp: must be a card expiry YYYY-MM, got "2030-13"`},
	} {
		r := edit(tt.plan, tt.quantity, tt.exp)
		require.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
		assert.Equal(t, tt.msg, fieldError(t, string(r.body), tt.fieldID))
		assert.Equal(t, before, c.exportOf())
	}
	r = c.dashboardPost("/_mock/dashboard/subscription?session=sub", url.Values{"org": {"org_new"}, "plan": {"pro"}, "quantity": {"1"}, "payment_exp": {"2030-01"}})
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Contains(t, string(r.body), "organization org_new has no active subscription")
}

func TestDashboardCancelAndAddInvoice(t *testing.T) {
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s, session: "cancel"}
	crd := linkID(t, c.update("tok_owner", "getupdatecardlink", "org_id=org_acme"))
	r := c.dashboardPost("/_mock/dashboard/cancel?session=cancel", url.Values{"org": {"org_acme"}})
	require.Equal(t, http.StatusSeeOther, r.status, "%s", r.body)
	assert.Nil(t, c.subscription("org_acme"))
	assert.Len(t, c.invoices("org_acme"), 4, "the invoices stay")
	done := c.do(req{method: http.MethodPost, target: "/_mock/card-updates/" + crd + "/complete"})
	assert.Equal(t, http.StatusConflict, done.status, "the open update-card link closed, as a cancel closes it: %s", done.body)
	assert.Equal(t, "link_closed", done.code(t))
	// The API agrees: getpaymentlink works again.
	assert.Equal(t, http.StatusOK, c.update("tok_owner", "getpaymentlink", "org_id=org_acme&quantity=1").status)

	r = c.dashboardPost("/_mock/dashboard/cancel?session=cancel", url.Values{"org": {"org_acme"}})
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Contains(t, string(r.body), "organization org_acme has no active subscription to cancel")

	// Add an unpaid charge due today to org_outsider: past due at once, with the next made id.
	add := func(amount, date, due string) resp {
		return c.dashboardPost("/_mock/dashboard/invoices/add?session=cancel", url.Values{"org": {"org_outsider"}, "status": {"unpaid"}, "date": {date}, "due_date": {due}, "amount": {amount}})
	}
	r = add("280.00", "2026-11-01", "2026-11-01")
	require.Equal(t, http.StatusSeeOther, r.status, "%s", r.body)
	outsider := func() (invoices []any, status string) {
		h := c.history("tok_outsider", "org_outsider")
		require.Equal(t, http.StatusOK, h.status, "%s", h.body)
		d := c.describe("tok_outsider", "org_outsider").json(t)
		return h.json(t)["billing_history"].([]any), d["response"].(map[string]any)["subscription"].(map[string]any)["status"].(string)
	}
	inv, status := outsider()
	require.Len(t, inv, 2)
	assert.Equal(t, map[string]any{"id": "inv_outsider_m0001", "organization": "org_outsider", "status": "unpaid", "date": "2026-11-01", "due_date": "2026-11-01", "amount": "280.00"}, inv[0])
	assert.Equal(t, "past_due", status)
	// The next invoice the mock makes follows it.
	up := c.do(req{method: http.MethodPost, target: updatePath + "?action=updatesubscription", token: "tok_outsider", body: `{"org_id":"org_outsider","quantity":8}`})
	require.Equal(t, http.StatusOK, up.status, "%s", up.body)
	inv, _ = outsider()
	assert.Equal(t, "inv_outsider_m0002", inv[0].(map[string]any)["id"])

	before := c.exportOf()
	r = add("280", "2026-11-01", "2026-11-01")
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, `organizations[2].invoices[3].amount: must be an amount such as "36.00", got "280"`, fieldError(t, string(r.body), "add-amount-org_outsider"))
	assert.Contains(t, string(r.body), "<details open>")
	assert.Equal(t, before, c.exportOf())
}

// multipartState is an upload form with file as its state field.
func multipartState(t *testing.T, file string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("state", "state.yaml")
	require.NoError(t, err)
	_, _ = fw.Write([]byte(file))
	require.NoError(t, mw.Close())
	return buf.String(), mw.FormDataContentType()
}

func TestDashboardUploadDownloadAndScenarioFile(t *testing.T) {
	s := newTestServer(t, Options{})
	src := tc{t: t, h: s, session: "source"}
	src.do(req{method: http.MethodPost, target: "/_mock/scenarios/past-due"})
	exported := src.exportOf()

	// The dashboard's download link is the export, named for the session.
	_, page := src.dashboard("/_mock/?session=source")
	assert.Contains(t, page, `<a href="/_mock/state?session=source" download="state-source.yaml" data-testid="download">`)

	c := tc{t: t, h: s, session: "dest"}
	body, ctype := multipartState(t, exported)
	r := c.do(req{method: http.MethodPost, target: "/_mock/dashboard/state?session=dest", body: body, ctype: ctype})
	require.Equal(t, http.StatusSeeOther, r.status, "%s", r.body)
	assert.Equal(t, exported, c.exportOf(), "upload then download gives the same file")
	assert.Equal(t, "past_due", c.subscription("org_acme")["status"])

	broken, ctype := multipartState(t, "clock: 2026-11-01T09:00:00Z\nplans: [{id: pro, unit_price: \"12\"}]\n")
	r = c.do(req{method: http.MethodPost, target: "/_mock/dashboard/state?session=dest", body: broken, ctype: ctype})
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, `line 2: plans[0].unit_price: must be a price such as "12.00", got "12"`, fieldError(t, string(r.body), "upload"))
	assert.Equal(t, exported, c.exportOf())
	r = c.do(req{method: http.MethodPost, target: "/_mock/dashboard/state?session=dest", body: "x=1", ctype: "application/x-www-form-urlencoded"})
	assert.Equal(t, http.StatusBadRequest, r.status)
	entries := c.do(req{method: http.MethodGet, target: "/_mock/requests?action=dashboard.upload_state"}).json(t)["requests"].([]any)
	assert.Len(t, entries, 3)

	// Copy as scenario: the state with the description, as NAME.yaml.
	r = c.do(req{method: http.MethodGet, target: "/_mock/dashboard/scenario-file?session=dest&name=acme-past-due&description=" + url.QueryEscape("org_acme past due, from ticket 1234")})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Equal(t, `attachment; filename="acme-past-due.yaml"`, r.header.Get("Content-Disposition"))
	assert.Equal(t, "application/yaml", r.header.Get("Content-Type"))
	seed, err := fixture.Parse("acme-past-due.yaml", r.body)
	require.NoError(t, err)
	assert.Equal(t, "org_acme past due, from ticket 1234", seed.Description)
	assert.Contains(t, string(r.body), "# Put it in fixtures/scenarios/acme-past-due.yaml and rebuild")
	for _, bad := range []struct{ query, fieldID, msg string }{
		{"name=Bad_Name&description=x", "scenario-name", "a scenario name is 1 to 64"},
		{"name=ok&description=", "scenario-description", "say in one line what the scenario is for"},
	} {
		r = c.do(req{method: http.MethodGet, target: "/_mock/dashboard/scenario-file?session=dest&" + bad.query})
		require.Equal(t, http.StatusBadRequest, r.status)
		assert.Contains(t, fieldError(t, string(r.body), bad.fieldID), bad.msg)
	}
}

func TestDashboardShareCommands(t *testing.T) {
	s := newTestServer(t, Options{})
	_, page := tc{t: t, h: s}.dashboard("/_mock/?session=bug-1")
	for _, want := range []string{
		`curl -s -H &#39;X-Mock-Session: bug-1&#39; &#39;http://example.com/_mock/state&#39; &gt; state.yaml`,
		`curl -s -X PUT -H &#39;X-Mock-Session: bug-1&#39; --data-binary @state.yaml &#39;http://example.com/_mock/state&#39;   # or: billing-mock -fixtures state.yaml`,
		`curl -s -H &#39;X-Mock-Session: bug-1&#39; -H &#39;Authorization: Bearer tok_owner&#39; &#39;http://example.com/v1/organizations/billing/describe?action=getorganization&amp;org_id=org_acme&#39;`,
	} {
		assert.Contains(t, page, want)
	}
	_, page = tc{t: t, h: s}.dashboard("/_mock/?session=" + url.QueryEscape("it's"))
	assert.Contains(t, page, `-H &#39;X-Mock-Session: it&#39;\&#39;&#39;s&#39;`, "a session id is shell-quoted")
}

func TestDashboardEditsRefuseCrossOriginForms(t *testing.T) {
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s, session: "csrf"}
	before := c.exportOf()
	form := url.Values{"org": {"org_acme"}}.Encode()
	for _, tt := range []struct {
		headers map[string]string
		status  int
	}{
		{map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{map[string]string{"Origin": "null", "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{map[string]string{"Origin": "http://example.com", "Sec-Fetch-Site": "same-origin"}, http.StatusSeeOther},
	} {
		r := c.do(req{method: http.MethodPost, target: "/_mock/dashboard/cancel?session=csrf", body: form, ctype: "application/x-www-form-urlencoded", headers: tt.headers})
		assert.Equal(t, tt.status, r.status, "%v: %s", tt.headers, r.body)
		if tt.status == http.StatusForbidden {
			assert.Equal(t, before, c.exportOf())
		}
	}
	assert.Nil(t, c.subscription("org_acme"))
	body, ctype := multipartState(t, before)
	r := c.do(req{method: http.MethodPost, target: "/_mock/dashboard/state?session=csrf", body: body, ctype: ctype, headers: map[string]string{"Origin": "https://evil.example"}})
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Nil(t, c.subscription("org_acme"))
}

// TestDashboardRefusedFormKeepsWhatWasTyped: a refused form shows the values it sent, to be
// corrected, while the rest of the page shows the state.
func TestDashboardRefusedFormKeepsWhatWasTyped(t *testing.T) {
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s, session: "typed"}
	r := c.dashboardPost("/_mock/dashboard/invoices/add?session=typed", url.Values{"org": {"org_acme"}, "status": {"paid"}, "date": {"2026-11-01"}, "due_date": {"2026-10-01"}, "amount": {"12.50"}})
	require.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
	page := string(r.body)
	assert.Regexp(t, `id="add-due-org_acme" name="due_date" type="date" value="2026-10-01"`, page)
	assert.Regexp(t, `id="add-amount-org_acme" name="amount"[^>]* value="12.50"`, page)
	assert.Contains(t, page, `id="add-status-org_acme" name="status"><option value="unpaid">unpaid</option><option value="paid" selected>paid</option>`)
	assert.Regexp(t, `id="add-due-org_new" name="due_date" type="date" value="2026-11-01"`, page, "other forms show the state")

	r = c.dashboardPost("/_mock/dashboard/subscription?session=typed", url.Values{"org": {"org_acme"}, "plan": {"enterprise"}, "quantity": {"0"}, "payment_exp": {"2031-02"}})
	require.Equal(t, http.StatusBadRequest, r.status)
	page = string(r.body)
	assert.Contains(t, page, `name="quantity" type="number" min="1" max="10000" value="0"`)
	assert.Contains(t, page, `<option value="enterprise" selected>enterprise</option>`)
	assert.Contains(t, page, `value="2031-02"`)
	assert.Equal(t, "pro", c.subscription("org_acme")["plan"])
}

// FuzzDashboardEdits sends any form to each dashboard edit: never a 5xx, a refusal changes nothing,
// and whatever an edit loads is a state that exports and loads back (an edit cannot make a state a
// seed file could not hold).
func FuzzDashboardEdits(f *testing.F) {
	s, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	paths := []string{"invoice", "subscription", "cancel", "invoices/add"}
	f.Add(uint8(0), "org=org_acme&invoice=inv_acme_0004&status=unpaid&due_date=2026-10-01")
	f.Add(uint8(0), "org=org_acme&invoice=inv_acme_0001&status=paid&due_date=2026-07-29")
	f.Add(uint8(1), "org=org_acme&plan=enterprise&quantity=7&payment_exp=2030-01")
	f.Add(uint8(1), "org=org_acme&plan=pro&quantity=10001&payment_exp=2030-1")
	f.Add(uint8(2), "org=org_acme")
	f.Add(uint8(3), "org=org_new&status=unpaid&date=2026-11-01&due_date=2026-11-01&amount=-3.50")
	f.Add(uint8(3), "org=org_new&status=paid&date=2026-02-30&due_date=x&amount=1e3")
	f.Fuzz(func(t *testing.T, which uint8, form string) {
		path := "/_mock/dashboard/" + paths[int(which)%len(paths)] + "?session=fuzz-control"
		before := exportState(t, s)
		r := httptest.NewRequest(http.MethodPost, "http://mock.test"+path, strings.NewReader(form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		switch {
		case rec.Code >= 500:
			t.Fatalf("%s %q: %d %s", path, form, rec.Code, rec.Body)
		case rec.Code >= 400:
			if exportState(t, s) != before {
				t.Fatalf("%s %q refused with %d but changed the state", path, form, rec.Code)
			}
		case rec.Code == http.StatusSeeOther:
			after := exportState(t, s)
			if _, err := fixture.Parse("after", []byte(after)); err != nil {
				t.Fatalf("%s %q loaded a state that does not load back: %v", path, form, err)
			}
		default:
			t.Fatalf("%s %q: %d", path, form, rec.Code)
		}
		s.sessions.Reset("fuzz-control")
	})
}
