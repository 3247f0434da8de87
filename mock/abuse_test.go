package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests try to break the mock the way a careless or hostile client would, and check that
// every answer stays bounded, fast and in the contract's envelope. The ones that need a real
// listener (slowloris, oversized request lines, shutdown) are in cmd/billing-mock.

// isEnvelope reports whether a body is the error envelope {"status":N,"error":{"code","message"}}.
func isEnvelope(t testing.TB, status int, body []byte) bool {
	t.Helper()
	var env struct {
		Status int `json:"status"`
		Error  *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Error == nil {
		return false
	}
	return env.Status == status && env.Error.Code != "" && env.Error.Message != ""
}

func TestAbuseSessionFloodStaysBounded(t *testing.T) {
	const maxSessions = 50
	s := newTestServer(t, Options{MaxSessions: maxSessions})
	flood := func(from, n int) {
		for i := from; i < from+n; i++ {
			r := tc{t: t, h: s, session: "flood-" + strconv.Itoa(i)}.describe("tok_owner", "org_acme")
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		}
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	flood(0, 2*maxSessions) // warm up: the cache and the session table are full
	before := heap()
	flood(1000, 3000)
	after := heap()
	assert.LessOrEqual(t, s.sessions.Count(), maxSessions, "sessions beyond -max-sessions")
	// 3,000 more sessions must not cost more than a few of them: a session is a few KB.
	assert.Less(t, int64(after)-int64(before), int64(4<<20), "heap grew from %d to %d bytes", before, after)
}

func TestAbusePendingLinksStayBounded(t *testing.T) {
	s := newTestServer(t, Options{MaxPendingLinks: 5})
	c := tc{t: t, h: s, session: "links"}
	var ids []string
	for range 12 {
		ids = append(ids, linkID(t, c.update("tok_owner", "getpaymentlink", "org_id=org_new&quantity=2")))
	}
	// The 7 oldest are forgotten (404 like an unknown link), the 5 newest still work.
	for i, id := range ids {
		r := c.do(req{method: http.MethodPost, target: "/_mock/checkouts/" + id + "/decline"})
		if i < 7 {
			assert.Equal(t, http.StatusNotFound, r.status, "link %d: %s", i, r.body)
			assert.Equal(t, "link_not_found", r.code(t))
		} else {
			assert.Equal(t, http.StatusOK, r.status, "link %d: %s", i, r.body)
		}
	}
}

// TestAbuseInvoiceFloodStaysBounded: a client changing a quantity in a loop makes an invoice per
// change; an organization keeps the newest MaxInvoices of them and every invoice of the seed.
func TestAbuseInvoiceFloodStaysBounded(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{MaxInvoices: 20})
	c := tc{t: t, h: s, session: "invoices"}
	seeded := len(c.invoices("org_acme"))
	for i := range 100 {
		r := c.update("tok_owner", "updatesubscription", "org_id=org_acme&quantity="+strconv.Itoa(4+i%2))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	}
	invoices := c.invoices("org_acme")
	require.Len(t, invoices, seeded+20)
	newest := invoices[0].(map[string]any)["id"]
	assert.Equal(t, "inv_acme_m0100", newest, "ids keep counting past the forgotten ones")
}

func TestAbuseHugeAndDeepBodies(t *testing.T) {
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s}
	deepObject := strings.Repeat(`{"a":`, 100_000) + "1" + strings.Repeat("}", 100_000)
	deepArray := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	huge := `{"org_id":"` + strings.Repeat("x", 10<<20) + `"}`
	cases := []struct {
		name, method, target, body string
		want                       int
	}{
		{"10 MiB update", http.MethodPost, updatePath + "?action=updatesubscription", huge, http.StatusRequestEntityTooLarge},
		{"10 MiB describe", http.MethodGet, describePath + "?action=getorganization", huge, http.StatusRequestEntityTooLarge},
		{"10 MiB fault rule", http.MethodPost, "/_mock/faults", huge, http.StatusRequestEntityTooLarge},
		{"10 MiB state import", http.MethodPut, "/_mock/state", huge, http.StatusRequestEntityTooLarge},
		{"deep object update", http.MethodPost, updatePath + "?action=updatesubscription", deepObject, http.StatusBadRequest},
		{"deep array update", http.MethodPost, updatePath + "?action=updatesubscription", deepArray, http.StatusBadRequest},
		{"deep object describe", http.MethodGet, describePath + "?action=getorganization", deepObject, http.StatusBadRequest},
		{"deep object fault rule", http.MethodPost, "/_mock/faults", deepObject, http.StatusBadRequest},
		{"deep object checkout", http.MethodPost, "/_mock/checkouts/chk_x/complete", deepObject, http.StatusBadRequest},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			r := c.do(req{method: tt.method, target: tt.target, token: "tok_owner", body: tt.body})
			assert.Less(t, time.Since(start), 2*time.Second, "answered slowly")
			if tt.want == http.StatusBadRequest {
				// A control call may check the link before the body; never a 5xx, always the envelope.
				assert.True(t, r.status == tt.want || r.status == http.StatusNotFound, "status %d: %.300s", r.status, r.body)
			} else {
				assert.Equal(t, tt.want, r.status, "%.300s", r.body)
			}
			assert.True(t, isEnvelope(t, r.status, r.body), "not the envelope: %.300s", r.body)
		})
	}
}

func TestAbuseStrangeBytes(t *testing.T) {
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s}
	cases := []req{
		{method: http.MethodPost, target: updatePath + "?action=updatesubscription", token: "tok_owner", body: "{\"org_id\":\"org_\xff\xfe\",\"quantity\":3}"},
		{method: http.MethodPost, target: updatePath + "?action=updatesubscription", token: "tok_owner", body: "\xff\xfe\xfd"},
		{method: http.MethodPost, target: updatePath + "?action=updatesubscription", token: "tok_owner", body: "{\"org_id\":\"org\x00acme\",\"quantity\":3}"},
		{method: http.MethodPost, target: updatePath + "?action=updatesubscription", token: "tok_owner", body: "{\"org_id\":\"org_acme\"\x00,\"quantity\":3}"},
		{method: http.MethodGet, target: describePath + "?action=getorganization&org_id=org_%FF%FE", token: "tok_owner"},
		{method: http.MethodGet, target: describePath + "?action=getorganization&org_id=org%00acme", token: "tok_owner"},
		{method: http.MethodGet, target: describePath + "?action=get%00organization&org_id=org_acme", token: "tok_owner"},
		{method: http.MethodGet, target: describePath + "?action=getorganization&org_id=org_acme", token: "tok\x00owner"},
		{method: http.MethodGet, target: describePath + "?action=getorganization&org_id=org_acme", token: "tok_\xffowner"},
		{method: http.MethodGet, target: describePath + "?action=getorganization&org_id=org_acme", token: "tok_owner", headers: map[string]string{SessionHeader: "s\x00ss"}},
		{method: http.MethodGet, target: describePath + "?action=getorganization&org_id=org_acme", token: "tok_owner", headers: map[string]string{"Prefer": "code=4\x0004"}},
		{method: http.MethodGet, target: describePath + "?action=getorganization&org_id=" + strings.Repeat("%FF", 30_000), token: "tok_owner"},
		{method: http.MethodGet, target: describePath + "?" + strings.Repeat("a=1&", 25_000) + "action=getorganization&org_id=org_acme", token: "tok_owner"},
		{method: http.MethodPost, target: "/_mock/faults", body: "{\"action\":\"\xff\",\"status\":500}"},
		{method: http.MethodPost, target: "/_mock/checkouts/chk_\xff%00/complete", body: "{\"payment_exp\":\"20\x0030-09\"}"},
	}
	for i, r := range cases {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			got := c.do(r)
			assert.Less(t, got.status, 500, "%.300s", got.body)
			if got.status >= 400 {
				assert.True(t, isEnvelope(t, got.status, got.body), "not the envelope: %.300s", got.body)
			}
			assert.True(t, json.Valid(got.body), "not JSON: %.300s", got.body)
		})
	}
}

func TestAbuseMalformedAndDuplicatedParameters(t *testing.T) {
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s}
	queries := []string{
		"action=getorganization&action=getorganization&org_id=org_acme",
		"action=getorganization&action=list_billing&org_id=org_acme",
		"action=getorganization&org_id=org_acme&org_id=org_new",
		"action=getorganization&org_id=",
		"action=getorganization&org_id",
		"action=&org_id=org_acme",
		"action=getorganization&org_id=org_acme&%zz=1",
		"action=getorganization&org_id=%zz",
		"action=getorganization;org_id=org_acme",
		"action=getorganization&&&org_id=org_acme",
		"=&=&action=getorganization&org_id=org_acme",
		"action=getorganization&org_id=" + strings.Repeat("o", 129),
	}
	for _, q := range queries {
		r := c.do(req{method: http.MethodGet, target: describePath + "?" + q, token: "tok_owner"})
		assert.Less(t, r.status, 500, "%s: %s", q, r.body)
		if r.status >= 400 {
			assert.True(t, isEnvelope(t, r.status, r.body), "%s: not the envelope: %s", q, r.body)
		}
	}
	updates := []struct{ query, body string }{
		{"action=updatesubscription&org_id=org_acme&quantity=1e3", ""},
		{"action=updatesubscription&org_id=org_acme&quantity=-1", ""},
		{"action=updatesubscription&org_id=org_acme&quantity=99999999999999999999999", ""},
		{"action=updatesubscription&org_id=org_acme&quantity=3&quantity=4", ""},
		{"action=updatesubscription&org_id=org_acme&quantity=0x10", ""},
		{"action=updatesubscription&org_id=org_acme&quantity=%203", ""},
		{"action=updatesubscription", `{"org_id":"org_acme","quantity":3,"quantity":4}`},
		{"action=updatesubscription", `{"org_id":"org_acme","quantity":3.5}`},
		{"action=updatesubscription", `{"org_id":"org_acme","quantity":1e400}`},
		{"action=updatesubscription", `{"org_id":"org_acme","quantity":"3"}`},
		{"action=updatesubscription", `{"org_id":["org_acme"],"quantity":3}`},
		{"action=updatesubscription", `{"org_id":"org_acme","quantity":3} {}`},
		{"action=updatesubscription", `[{"org_id":"org_acme","quantity":3}]`},
		{"action=updatesubscription&org_id=org_new", `{"org_id":"org_acme","quantity":3}`},
		{"action=updatesubscription&quantity=4", `{"org_id":"org_acme","quantity":3}`},
	}
	for _, u := range updates {
		r := c.do(req{method: http.MethodPost, target: updatePath + "?" + u.query, token: "tok_owner", body: u.body})
		assert.Equal(t, http.StatusBadRequest, r.status, "%s %s: %s", u.query, u.body, r.body)
		assert.True(t, isEnvelope(t, r.status, r.body), "%s %s: not the envelope: %s", u.query, u.body, r.body)
	}
}

// TestAbuseEveryMethodOnEveryPath: no method on any path is a 5xx, and every error of the billing
// API and the control API is the envelope (the hosted pages and the dashboard answer HTML).
func TestAbuseEveryMethodOnEveryPath(t *testing.T) {
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s}
	paths := []string{
		"/", "/v1", "/v1/", "/v1/organizations/billing", describePath, historyPath, updatePath,
		describePath + "/", "/V1/organizations/billing/describe", describePath + "?action=getorganization&org_id=org_acme",
		historyPath + "?action=list_billing&org_id=org_acme", updatePath + "?action=cancelsubscription&org_id=org_outsider",
		"/_mock", "/_mock/", "/_mock/health", "/_mock/reset", "/_mock/faults", "/_mock/faults/flt_1", "/_mock/requests",
		"/_mock/state", "/_mock/scenarios", "/_mock/scenarios/nope", "/_mock/clock", "/_mock/checkouts/chk_x/complete",
		"/_mock/checkouts/chk_x/decline", "/_mock/card-updates/crd_x/complete", "/_mock/card-updates/crd_x/cancel",
		"/checkout/chk_x", "/update-card/crd_x", "/checkout/", "/favicon.ico", "/../../etc/passwd", "//v1//organizations",
	}
	methods := []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PROPFIND", "get"}
	for _, p := range paths {
		for _, m := range methods {
			r := c.do(req{method: m, target: p, token: "tok_owner"})
			require.Less(t, r.status, 500, "%s %s: %s", m, p, r.body)
			html := strings.HasPrefix(r.header.Get("Content-Type"), "text/html")
			if r.status >= 400 && m != http.MethodHead && !html {
				assert.True(t, isEnvelope(t, r.status, r.body), "%s %s: %d, not the envelope: %.200s", m, p, r.status, r.body)
			}
		}
	}
}

// TestAbuseConcurrentChangesKeepInvariants races payments, quantity changes and cancels on one
// organization, then checks that nothing was lost: one subscription state, and one invoice per
// successful payment and per successful change.
func TestAbuseConcurrentChangesKeepInvariants(t *testing.T) {
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s, session: "race"}
	initial := len(c.invoices("org_new"))
	var completes, cancels, updates atomic.Int64
	var qty atomic.Int64
	qty.Store(1)
	var wg sync.WaitGroup
	var bad atomic.Value
	fail := func(format string, args ...any) { bad.CompareAndSwap(nil, fmt.Sprintf(format, args...)) }
	for w := range 6 {
		wg.Go(func() {
			for i := range 40 {
				switch (w + i) % 3 {
				case 0: // subscribe with quantity 1 and pay
					r := c.update("tok_owner", "getpaymentlink", "org_id=org_new&quantity=1")
					if r.status == http.StatusConflict {
						continue
					}
					if r.status != http.StatusOK {
						fail("getpaymentlink: %d %s", r.status, r.body)
						return
					}
					var body struct{ Response string }
					_ = json.Unmarshal(r.body, &body)
					link, _, _ := strings.Cut(body.Response, "?")
					id := link[strings.LastIndex(link, "/")+1:]
					p := c.do(req{method: http.MethodPost, target: "/_mock/checkouts/" + id + "/complete"})
					switch p.status {
					case http.StatusOK:
						completes.Add(1)
					case http.StatusConflict:
					default:
						fail("complete: %d %s", p.status, p.body)
					}
				case 1: // a quantity never used before, so each success is a change (an invoice)
					q := 1 + qty.Add(1)
					r := c.update("tok_owner", "updatesubscription", "org_id=org_new&quantity="+strconv.FormatInt(q, 10))
					switch r.status {
					case http.StatusOK:
						updates.Add(1)
					case http.StatusConflict:
					default:
						fail("update: %d %s", r.status, r.body)
					}
				case 2:
					r := c.update("tok_owner", "cancelsubscription", "org_id=org_new")
					switch r.status {
					case http.StatusOK:
						cancels.Add(1)
					case http.StatusConflict:
					default:
						fail("cancel: %d %s", r.status, r.body)
					}
				}
			}
		})
	}
	wg.Wait()
	if msg := bad.Load(); msg != nil {
		t.Fatal(msg)
	}
	sub := c.subscription("org_new")
	if sub != nil {
		assert.Equal(t, completes.Load(), cancels.Load()+1, "a subscription, so one more payment than cancels")
	} else {
		assert.Equal(t, completes.Load(), cancels.Load(), "no subscription, so as many payments as cancels")
	}
	invoices := c.invoices("org_new")
	assert.Len(t, invoices, initial+int(completes.Load()+updates.Load()), "one invoice per payment and per change")
	seen := map[string]bool{}
	for _, inv := range invoices {
		id := inv.(map[string]any)["id"].(string)
		assert.False(t, seen[id], "invoice %s twice", id)
		seen[id] = true
	}
	t.Logf("%d payments, %d changes, %d cancels", completes.Load(), updates.Load(), cancels.Load())
}

// TestVerdictCacheKeepsVerdicts: the same request and answer get the same verdict with and without
// the cache, and an invalid one is never remembered as valid.
func TestVerdictCacheKeepsVerdicts(t *testing.T) {
	cached := newTestServer(t, Options{ValidationCache: 8})
	plain := newTestServer(t, Options{ValidationCache: 0})
	targets := []req{
		{method: http.MethodGet, target: describePath + "?action=getorganization&org_id=org_acme", token: "tok_owner"},
		{method: http.MethodGet, target: describePath + "?action=getorganization&org_id=org_acme", token: "nope"},
		{method: http.MethodGet, target: describePath + "?action=getorganization&org_id=", token: "tok_owner"},
		{method: http.MethodPost, target: updatePath + "?action=updatesubscription", token: "tok_owner", body: `{"org_id":"org_acme","quantity":4}`},
		{method: http.MethodPost, target: updatePath + "?action=updatesubscription", token: "tok_owner", body: `{"org_id":"org_acme","quantity":4.5}`},
		{method: http.MethodPost, target: updatePath + "?action=updatesubscription", token: "tok_owner", body: `{"org_id":"org_acme","quantity":4}`, ctype: "text/plain"},
	}
	for round := range 20 { // more keys than the cache holds: it empties and refills
		for i, r := range targets {
			a := tc{t: t, h: cached}.do(r)
			b := tc{t: t, h: plain}.do(r)
			assert.Equal(t, b.status, a.status, "round %d request %d", round, i)
			assert.Equal(t, string(b.body), string(a.body), "round %d request %d", round, i)
		}
	}
}

// TestVerdictCacheSkipsLinkAnswers: link answers never repeat, so their verdicts are not kept; a
// stream of links neither fills the cache nor empties it of the verdicts that do repeat.
func TestVerdictCacheSkipsLinkAnswers(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{ValidationCache: 8})
	c := tc{t: t, h: s}
	require.Equal(t, http.StatusOK, c.describe("tok_owner", "org_acme").status)
	for range 20 {
		linkID(t, c.update("tok_owner", "getpaymentlink", "org_id=org_new&quantity=2"))
	}
	// describe's request and answer, and the one link request repeated twenty times.
	assert.Equal(t, 3, s.api.Validator.Len())
}
