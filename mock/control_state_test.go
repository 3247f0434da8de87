package mock

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	billingmock "github.com/cloudplans/billing-mock"
	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/mock/fixture"
	"github.com/cloudplans/billing-mock/mock/state"
)

// exportState returns GET /_mock/state of the client's session.
func (c tc) exportState() string {
	c.t.Helper()
	r := c.do(req{method: http.MethodGet, target: "/_mock/state"})
	require.Equal(c.t, http.StatusOK, r.status, "%s", r.body)
	require.Equal(c.t, "application/yaml", r.header.Get("Content-Type"))
	return string(r.body)
}

func (c tc) importState(doc string) resp {
	c.t.Helper()
	return c.do(req{method: http.MethodPut, target: "/_mock/state", body: doc, ctype: "application/yaml"})
}

func (c tc) advance(body string) resp {
	c.t.Helper()
	return c.do(req{method: http.MethodPost, target: "/_mock/clock/advance", body: body})
}

func (c tc) clock() string {
	c.t.Helper()
	r := c.do(req{method: http.MethodGet, target: "/_mock/clock"})
	require.Equal(c.t, http.StatusOK, r.status, "%s", r.body)
	return r.json(c.t)["now"].(string)
}

func (c tc) loadScenario(name string) resp {
	c.t.Helper()
	return c.do(req{method: http.MethodPost, target: "/_mock/scenarios/" + name})
}

// renewals returns the renewals of an advance answer as "org date status amount".
func renewals(t testing.TB, r resp) []string {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var body struct {
		Renewals []struct{ Org, ID, Date, Status, Amount string }
	}
	require.NoError(t, json.Unmarshal(r.body, &body))
	out := []string{}
	for _, rn := range body.Renewals {
		assert.NotEmpty(t, rn.ID)
		out = append(out, rn.Org+" "+rn.Date+" "+rn.Status+" "+rn.Amount)
	}
	return out
}

// TestStateRoundTrip: export → import → export is byte-identical, for a state that holds a bit of
// everything, and the export is the seed format -fixtures loads.
func TestStateRoundTrip(t *testing.T) {
	t.Parallel()
	h := newTestServer(t, Options{})
	a := tc{t: t, h: h, session: "qa-a"}
	b := tc{t: t, h: h, session: "qa-b"}
	fresh := tc{t: t, h: h, session: "qa-fresh"}

	linkID(t, a.update("tok_owner", "getpaymentlink", "org_id=org_new&quantity=1")) // stays open
	require.Equal(t, http.StatusOK, a.advance(`{"by":"30m"}`).status)
	a.subscribe("org_new", "2") // a used link
	require.Equal(t, http.StatusOK, a.update("tok_owner", "updatesubscription", "org_id=org_acme&quantity=5").status)
	linkID(t, a.update("tok_owner", "getupdatecardlink", "org_id=org_acme"))

	first := a.exportState()
	seed, err := fixture.Parse("export.yaml", []byte(first))
	require.NoError(t, err, "the export loads as a seed")
	assert.Len(t, seed.Checkouts, 1)
	assert.Len(t, seed.CardUpdates, 1)
	assert.Len(t, seed.ClosedLinks, 1)

	r := b.importState(first)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Equal(t, map[string]any{"status": 200.0, "clock": "2026-11-01T09:30:00Z", "organizations": 3.0, "invoices": 7.0}, r.json(t))
	assert.Equal(t, first, b.exportState(), "export → import → export is exact")
	require.Equal(t, http.StatusOK, a.importState(first).status)
	assert.Equal(t, first, a.exportState())
	assert.NotEqual(t, first, fresh.exportState(), "sessions are apart")

	// B behaves as A: the same next invoice, the same describe.
	for _, c := range []tc{a, b} {
		require.Equal(t, http.StatusOK, c.update("tok_owner", "updatesubscription", "org_id=org_acme&quantity=6").status)
	}
	assert.Equal(t, a.exportState(), b.exportState())
	assert.Equal(t, a.invoices("org_acme"), b.invoices("org_acme"))

	// Reset goes back to the seed, not to the imported state.
	require.Equal(t, http.StatusOK, b.do(req{method: http.MethodPost, target: "/_mock/reset"}).status)
	assert.Equal(t, fresh.exportState(), b.exportState())
}

// TestStateImportRefused: a broken state is refused whole, naming the line and the field, and the
// session keeps its state.
func TestStateImportRefused(t *testing.T) {
	t.Parallel()
	h := newTestServer(t, Options{})
	good := tc{t: t, h: h, session: "good"}.exportState()
	tests := []struct {
		name   string
		doc    string
		status int
		code   string
		want   string
	}{
		{"quantity zero", strings.Replace(good, "quantity: 3", "quantity: 0", 1), 400, "invalid_fixture", "organizations[0].subscription.quantity: must be an integer from 1 to 10000, got 0"},
		{"unknown owner", strings.Replace(good, "owner: usr_outsider", "owner: usr_nobody", 1), 400, "invalid_fixture", `organizations[2].owner: owner "usr_nobody" is not one of the users`},
		{"unknown field", strings.Replace(good, "resources: 12", "resources: 12\n    colour: red", 1), 400, "invalid_fixture", `organizations[0]: unknown field "colour"`},
		{"not yaml", "plans: [", 400, "invalid_fixture", "line 1"},
		{"empty", "", 400, "invalid_fixture", "empty"},
		{"too large", "# " + strings.Repeat("x", MaxBodyBytes) + "\n" + good, 413, "payload_too_large", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := tc{t: t, h: h, session: "refused-" + strings.ReplaceAll(tt.name, " ", "-")}
			require.Equal(t, http.StatusOK, c.advance(`{"by":"1h"}`).status)
			before := c.exportState()
			r := c.importState(tt.doc)
			require.Equal(t, tt.status, r.status, "%s", r.body)
			assert.Equal(t, tt.code, r.code(t))
			msg := r.json(t)["error"].(map[string]any)["message"].(string)
			assert.Contains(t, msg, tt.want)
			assert.Equal(t, before, c.exportState(), "the old state stays")
		})
	}
	// The line is the line of the field in the document.
	doc := strings.Replace(good, "quantity: 3", "quantity: 0", 1)
	line := 1 + strings.Count(doc[:strings.Index(doc, "quantity: 0")], "\n")
	r := tc{t: t, h: h, session: "line"}.importState(doc)
	assert.Contains(t, string(r.body), "line "+itoa(line)+": organizations[0].subscription.quantity")
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestScenariosLoad: each scenario's describe and history, and loading one touches no other session.
func TestScenariosLoad(t *testing.T) {
	t.Parallel()
	h := newTestServer(t, Options{})
	tests := []struct {
		name       string
		subStatus  string // "" for no subscription
		invoices   int
		newest     string // newest invoice "date status amount"
		moreChecks func(t *testing.T, c tc)
	}{
		{"past-due", "past_due", 4, "2026-10-15 unpaid 36.00", func(t *testing.T, c tc) {
			assert.Equal(t, "2026-09", c.subscription("org_acme")["payment_exp"])
		}},
		{"no-subscription", "", 0, "", func(t *testing.T, c tc) {
			linkID(t, c.update("tok_owner", "getpaymentlink", "org_id=org_acme&quantity=1"))
		}},
		{"canceled", "", 4, "2026-10-15 paid 36.00", func(t *testing.T, c tc) {
			assert.Equal(t, http.StatusConflict, c.update("tok_owner", "cancelsubscription", "org_id=org_acme").status)
		}},
		{"many-invoices", "active", 545, "2026-10-29 paid -24.00", func(t *testing.T, c tc) {
			inv := c.invoices("org_acme")
			assert.Equal(t, "2016-11-15", inv[len(inv)-1].(map[string]any)["date"])
		}},
		{"card-expiring", "active", 3, "2026-11-01 paid 36.00", func(t *testing.T, c tc) {
			assert.Equal(t, "2026-11", c.subscription("org_acme")["payment_exp"])
			assert.Equal(t, []string{"org_outsider 2026-11-20 paid 280.00", "org_acme 2026-12-01 unpaid 36.00"}, renewals(t, c.advance(`{"by":"720h"}`)))
			assert.Equal(t, "past_due", c.subscription("org_acme")["status"])
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := tc{t: t, h: h, session: "scenario-" + tt.name}
			other := tc{t: t, h: h, session: "other-" + tt.name}
			before := other.exportState()
			r := c.loadScenario(tt.name)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			body := r.json(t)
			assert.Equal(t, tt.name, body["scenario"])
			assert.NotEmpty(t, body["description"])
			assert.Equal(t, float64(tt.invoices+1), body["invoices"], "org_outsider's invoice too")
			sub := c.subscription("org_acme")
			if tt.subStatus == "" {
				assert.Nil(t, sub)
			} else {
				require.NotNil(t, sub)
				assert.Equal(t, tt.subStatus, sub["status"])
			}
			inv := c.invoices("org_acme")
			require.Len(t, inv, tt.invoices)
			if tt.newest != "" {
				n := inv[0].(map[string]any)
				assert.Equal(t, tt.newest, n["date"].(string)+" "+n["status"].(string)+" "+n["amount"].(string))
			}
			// The demo tokens work in every scenario.
			assert.Equal(t, http.StatusOK, c.describe("tok_member", "org_acme").status)
			assert.Equal(t, http.StatusOK, c.describe("tok_outsider", "org_outsider").status)
			assert.Equal(t, http.StatusOK, c.describe("tok_owner", "org_new").status)
			tt.moreChecks(t, c)
			assert.Equal(t, before, other.exportState(), "another session is untouched")
			assert.Equal(t, "active", other.subscription("org_acme")["status"])
		})
	}
}

func TestScenarioListAndUnknown(t *testing.T) {
	t.Parallel()
	c := tc{t: t, h: newTestServer(t, Options{}), session: "list"}
	r := c.do(req{method: http.MethodGet, target: "/_mock/scenarios"})
	require.Equal(t, http.StatusOK, r.status)
	var body struct {
		Status    int
		Scenarios []struct{ Name, Description string }
	}
	require.NoError(t, json.Unmarshal(r.body, &body))
	var names []string
	for _, sc := range body.Scenarios {
		names = append(names, sc.Name)
		assert.NotEmpty(t, sc.Description, sc.Name)
	}
	assert.Equal(t, []string{"canceled", "card-expiring", "many-invoices", "no-subscription", "past-due"}, names)

	before := c.exportState()
	for _, name := range []string{"nope", "past-due.yaml", "PAST-DUE", "past_due", "seed"} {
		r = c.loadScenario(name)
		assert.Equal(t, http.StatusNotFound, r.status, name)
		assert.Equal(t, "scenario_not_found", r.code(t))
		assert.Contains(t, string(r.body), "canceled, card-expiring, many-invoices, no-subscription, past-due")
	}
	assert.Equal(t, before, c.exportState())
}

// TestClockRenewals: renewals over one and over twelve periods, an expired card, and sessions apart.
func TestClockRenewals(t *testing.T) {
	t.Parallel()
	h := newTestServer(t, Options{})
	t.Run("one period", func(t *testing.T) {
		t.Parallel()
		c := tc{t: t, h: h, session: "one"}
		other := tc{t: t, h: h, session: "one-other"}
		r := c.advance(`{"to":"2026-11-15T00:00:00Z"}`)
		assert.Equal(t, []string{"org_acme 2026-11-15 paid 36.00"}, renewals(t, r))
		assert.Equal(t, "2026-11-15T00:00:00Z", r.json(t)["now"])
		assert.Equal(t, "2026-11-15T00:00:00Z", c.clock())
		assert.Equal(t, "2026-11-01T09:00:00Z", other.clock(), "advancing one session's clock leaves the others")
		assert.Len(t, other.invoices("org_acme"), 4)
		inv := c.invoices("org_acme")
		require.Len(t, inv, 5)
		assert.Equal(t, "2026-11-15", inv[0].(map[string]any)["date"])
		assert.Equal(t, "2026-11-15", inv[0].(map[string]any)["due_date"])
		// The seed's unpaid invoice (due 2026-11-14) is now past due.
		assert.Equal(t, "past_due", c.subscription("org_acme")["status"])
		assert.Equal(t, "active", other.subscription("org_acme")["status"])
	})
	t.Run("twelve periods", func(t *testing.T) {
		t.Parallel()
		c := tc{t: t, h: h, session: "twelve"}
		require.Equal(t, http.StatusOK, c.update("tok_owner", "updatesubscription", "org_id=org_acme&quantity=4").status)
		got := renewals(t, c.advance(`{"to":"2027-10-15T00:00:00Z"}`))
		var acme []string
		for _, r := range got {
			if strings.HasPrefix(r, "org_acme ") {
				acme = append(acme, r)
			}
		}
		want := []string{}
		for m := range 12 {
			want = append(want, "org_acme "+time.Date(2026, 11+time.Month(m), 15, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)+" paid 48.00")
		}
		assert.Equal(t, want, acme)
		assert.Len(t, got, 23, "and eleven of org_outsider, interleaved in time order")
		assert.Equal(t, "org_outsider 2026-11-20 paid 280.00", got[1])
		inv := c.invoices("org_acme")
		require.Len(t, inv, 4+1+12)
		for i := range 12 {
			assert.Equal(t, want[11-i][len("org_acme "):len("org_acme 2026-11-15")], inv[i].(map[string]any)["date"], "newest first")
		}
		assert.Equal(t, "2027-10-15T00:00:00Z", c.clock())
	})
	t.Run("expired card", func(t *testing.T) {
		t.Parallel()
		c := tc{t: t, h: h, session: "expired"}
		require.Equal(t, http.StatusOK, c.loadScenario("past-due").status)
		r := renewals(t, c.advance(`{"by":"336h"}`)) // to 2026-11-15T09:00
		assert.Equal(t, []string{"org_acme 2026-11-15 unpaid 36.00"}, r)
		assert.Equal(t, "past_due", c.subscription("org_acme")["status"])
		inv := c.invoices("org_acme")[0].(map[string]any)
		assert.Equal(t, "unpaid", inv["status"])
	})
	t.Run("a renewal the card cannot pay is past due at once", func(t *testing.T) {
		t.Parallel()
		c := tc{t: t, h: h, session: "card-expiring"}
		require.Equal(t, http.StatusOK, c.loadScenario("card-expiring").status)
		assert.Equal(t, "active", c.subscription("org_acme")["status"])
		assert.Equal(t, []string{"org_acme 2026-12-01 unpaid 36.00"}, renewals(t, c.advance(`{"to":"2026-12-01T00:00:00Z"}`))[1:])
		assert.Equal(t, "past_due", c.subscription("org_acme")["status"])
	})
}

// TestClockRefusals: the clock never goes backwards, and a bad body changes nothing.
func TestClockRefusals(t *testing.T) {
	t.Parallel()
	h := newTestServer(t, Options{})
	tests := []struct {
		name, body, ctype string
		status            int
		code, msg         string
	}{
		{"backwards", `{"to":"2026-10-01T00:00:00Z"}`, "", 400, "invalid_parameter", "never goes backwards"},
		{"zero", `{"by":"0s"}`, "", 400, "invalid_parameter", "over zero"},
		{"negative", `{"by":"-1h"}`, "", 400, "invalid_parameter", "over zero"},
		{"both", `{"by":"1h","to":"2027-01-01T00:00:00Z"}`, "", 400, "invalid_parameter", "exactly one of by and to"},
		{"neither", `{}`, "", 400, "invalid_parameter", "exactly one of by"},
		{"no body", "", "", 400, "invalid_parameter", "send a JSON body"},
		{"days", `{"by":"30d"}`, "", 400, "invalid_parameter", "Go duration"},
		{"a number", `{"by":3600}`, "", 400, "invalid_parameter", `"by" must be a string`},
		{"not RFC 3339", `{"to":"2027-01-01"}`, "", 400, "invalid_parameter", "RFC 3339"},
		{"unknown member", `{"until":"1h"}`, "", 400, "invalid_parameter", `"until"`},
		{"not JSON", `by=1h`, "", 400, "invalid_json", "not JSON"},
		{"an array", `["1h"]`, "", 400, "invalid_json", "array"},
		{"duplicate member", `{"by":"1h","by":"2h"}`, "", 400, "invalid_json", "by"},
		{"text", `{"by":"1h"}`, "text/plain", 415, "unsupported_media_type", "application/json"},
		{"beyond 9999", `{"to":"9999-12-31T23:59:59Z"}`, "", 400, "invalid_parameter", "smaller steps"},
		{"too many renewals", `{"by":"876000h"}`, "", 400, "invalid_parameter", "would renew more than 1200 periods at once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := tc{t: t, h: h, session: "clock-" + strings.ReplaceAll(tt.name, " ", "-")}
			before := c.exportState()
			r := c.do(req{method: http.MethodPost, target: "/_mock/clock/advance", body: tt.body, ctype: tt.ctype})
			require.Equal(t, tt.status, r.status, "%s", r.body)
			assert.Equal(t, tt.code, r.code(t))
			assert.Contains(t, r.json(t)["error"].(map[string]any)["message"], tt.msg)
			assert.Equal(t, before, c.exportState(), "a refused advance changes nothing")
		})
	}
	c := tc{t: t, h: h, session: "clock-same"}
	r := c.advance(`{"to":"2026-11-01T09:00:00Z"}`)
	assert.Equal(t, []string{}, renewals(t, r), "to the clock itself: nothing happens")
	r = c.advance(`{"by":"1.5s"}`)
	assert.Equal(t, "2026-11-01T09:00:01.5Z", r.json(t)["now"])
}

// TestLinkExpiresAfterAdvance: a payment link dies once LinkTTL of billing clock has passed, in its
// session only.
func TestLinkExpiresAfterAdvance(t *testing.T) {
	t.Parallel()
	h := newTestServer(t, Options{})
	a := tc{t: t, h: h, session: "link-a"}
	b := tc{t: t, h: h, session: "link-b"}
	idA := linkID(t, a.update("tok_owner", "getpaymentlink", "org_id=org_new&quantity=1"))
	idB := linkID(t, b.update("tok_owner", "getpaymentlink", "org_id=org_new&quantity=1"))
	require.Equal(t, http.StatusOK, a.advance(`{"by":"`+(state.LinkTTL+time.Second).String()+`"}`).status)
	r := a.do(req{method: http.MethodPost, target: "/_mock/checkouts/" + idA + "/complete"})
	assert.Equal(t, http.StatusGone, r.status)
	assert.Equal(t, "link_expired", r.code(t))
	assert.Equal(t, http.StatusGone, a.do(req{method: http.MethodGet, target: "/checkout/" + idA}).status)
	assert.Equal(t, http.StatusOK, b.do(req{method: http.MethodPost, target: "/_mock/checkouts/" + idB + "/complete"}).status)
}

// TestQAControlsMatchControlAPI checks the JSON answers of the QA controls, successes and errors,
// against controlapi.yaml, and that the YAML export is documented.
func TestQAControlsMatchControlAPI(t *testing.T) {
	t.Parallel()
	spec, err := contract.Load(billingmock.ControlAPI())
	require.NoError(t, err)
	c := tc{t: t, h: newTestServer(t, Options{}), session: "qa-spec"}
	doc := c.exportState()
	calls := []struct {
		req    req
		status int
	}{
		{req{method: "GET", target: "/_mock/clock"}, 200},
		{req{method: "POST", target: "/_mock/clock/advance", body: `{"by":"720h"}`}, 200},
		{req{method: "POST", target: "/_mock/clock/advance", body: `{"to":"2020-01-01T00:00:00Z"}`}, 400},
		{req{method: "POST", target: "/_mock/clock/advance", body: `{"by":"1h"}`, ctype: "text/plain"}, 415},
		{req{method: "GET", target: "/_mock/scenarios"}, 200},
		{req{method: "POST", target: "/_mock/scenarios/past-due"}, 200},
		{req{method: "POST", target: "/_mock/scenarios/nope"}, 404},
		{req{method: "PUT", target: "/_mock/state", body: doc, ctype: "application/yaml"}, 200},
		{req{method: "PUT", target: "/_mock/state", body: "plans: [", ctype: "application/yaml"}, 400},
		{req{method: "PUT", target: "/_mock/state", body: strings.Repeat("#", MaxBodyBytes+1), ctype: "application/yaml"}, 413},
		{req{method: "DELETE", target: "/_mock/state"}, 405},
	}
	for _, call := range calls {
		r := c.do(call.req)
		require.Equal(t, call.status, r.status, "%s %s: %s", call.req.method, call.req.target, r.body)
		if call.status == 405 {
			assert.Equal(t, "GET, PUT", r.header.Get("Allow"))
			continue
		}
		err := spec.ValidateResponse(context.Background(), contract.Response{
			Method: call.req.method, Path: call.req.target, Status: r.status, Header: r.header, Body: r.body,
		})
		assert.NoError(t, err, "%s %s", call.req.method, call.req.target)
	}
	op, err := spec.Find(http.MethodGet, "/_mock/state")
	require.NoError(t, err)
	assert.NotNil(t, op)
}

// FuzzClockAdvance: whatever the body, the answer is a 200, 400 or 415 in the envelope, and the
// clock never goes backwards.
func FuzzClockAdvance(f *testing.F) {
	s, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	for _, body := range []string{`{"by":"720h"}`, `{"to":"2027-01-01T00:00:00Z"}`, `{"by":"-1h"}`, `{"by":"1h","to":"x"}`, `{}`, `[]`, `{"by":1}`, `{"to":"2026-11-01T09:00:00.000000001+14:00"}`, ""} {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		c := tc{t: t, h: s, session: "fuzz-clock"}
		before, err := time.Parse(time.RFC3339Nano, c.clock())
		require.NoError(t, err)
		r := c.advance(body)
		switch r.status {
		case http.StatusOK:
			now, err := time.Parse(time.RFC3339Nano, r.json(t)["now"].(string))
			require.NoError(t, err)
			require.False(t, now.Before(before), "the clock went from %s to %s", before, now)
			// Keep the shared session usable: put it back to the seed.
			require.Equal(t, http.StatusOK, c.do(req{method: http.MethodPost, target: "/_mock/reset"}).status)
		case http.StatusBadRequest, http.StatusUnsupportedMediaType:
			require.Equal(t, float64(r.status), r.json(t)["status"])
			require.NotEmpty(t, r.code(t))
		default:
			t.Fatalf("%q: %d %s", body, r.status, r.body)
		}
	})
}
