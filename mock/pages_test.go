package mock

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckoutPageShowsTheOrderAndPays(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s, session: "pages"}
	link := c.update("tok_owner", "getpaymentlink", "org_id=org_new&quantity=3").json(t)["response"].(string)
	u, err := url.Parse(link)
	require.NoError(t, err)

	page := c.do(req{method: http.MethodGet, target: u.RequestURI()})
	require.Equal(t, http.StatusOK, page.status, "%s", page.body)
	assert.Equal(t, "text/html; charset=utf-8", page.header.Get("Content-Type"))
	html := string(page.body)
	for _, want := range []string{"New Co", "org_new", "Cloud Plans Pro", ">3<", "$36.00", `<label for="exp_month">`, `<button class="primary" type="submit" name="decision" value="pay">`, `value="decline"`} {
		assert.Contains(t, html, want)
	}

	// Pay through the form, as a browser would, with a return_url on an allowed origin.
	form := url.Values{"decision": {"pay"}, "exp_month": {"09"}, "exp_year": {"2030"}}
	target := u.RequestURI() + "&return_url=" + url.QueryEscape("http://localhost:5173/billing?tab=1")
	r := c.do(req{method: http.MethodPost, target: target, body: form.Encode(), ctype: "application/x-www-form-urlencoded"})
	require.Equal(t, http.StatusSeeOther, r.status, "%s", r.body)
	assert.Equal(t, "http://localhost:5173/billing?checkout=paid&tab=1", r.header.Get("Location"))
	sub := c.subscription("org_new")
	assert.Equal(t, "3", sub["quantity"])
	assert.Equal(t, "2030-09", sub["payment_exp"])

	// The link works once.
	again := c.do(req{method: http.MethodGet, target: u.RequestURI()})
	assert.Equal(t, http.StatusConflict, again.status)
	assert.Contains(t, string(again.body), "already used")
}

func TestReturnURLMustBeAllowed(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s, session: "return"}
	for _, bad := range []string{"https://evil.example/x", "javascript:alert(1)", "/relative", "http://user@localhost:1/"} {
		link := c.update("tok_owner", "getpaymentlink", "org_id=org_new&quantity=1").json(t)["response"].(string)
		u, _ := url.Parse(link)
		form := url.Values{"decision": {"decline"}}
		r := c.do(req{method: http.MethodPost, target: u.RequestURI() + "&return_url=" + url.QueryEscape(bad), body: form.Encode(), ctype: "application/x-www-form-urlencoded"})
		assert.Equal(t, http.StatusOK, r.status, bad)
		assert.Empty(t, r.header.Get("Location"), bad)
		assert.Contains(t, string(r.body), "Payment declined")
	}
	assert.Nil(t, c.subscription("org_new"))
}

func TestUpdateCardPage(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := tc{t: t, h: s, session: "card"}
	link := c.update("tok_owner", "getupdatecardlink", "org_id=org_acme").json(t)["response"].(string)
	u, _ := url.Parse(link)
	page := c.do(req{method: http.MethodGet, target: u.RequestURI()})
	require.Equal(t, http.StatusOK, page.status)
	assert.Contains(t, string(page.body), "2028-04")

	// An expired card is refused with a message; nothing changes.
	expired := url.Values{"decision": {"save"}, "exp_month": {"01"}, "exp_year": {"2026"}}
	r := c.do(req{method: http.MethodPost, target: u.RequestURI(), body: expired.Encode(), ctype: "application/x-www-form-urlencoded"})
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, string(r.body), "expired")
	assert.Equal(t, "2028-04", c.subscription("org_acme")["payment_exp"])

	good := url.Values{"decision": {"save"}, "exp_month": {"12"}, "exp_year": {"2032"}}
	r = c.do(req{method: http.MethodPost, target: u.RequestURI(), body: good.Encode(), ctype: "application/x-www-form-urlencoded"})
	assert.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, string(r.body), "Card saved")
	assert.Equal(t, "2032-12", c.subscription("org_acme")["payment_exp"])
}

func TestUnknownLinkPage(t *testing.T) {
	t.Parallel()
	c := tc{t: t, h: newTestServer(t, Options{})}
	r := c.do(req{method: http.MethodGet, target: "/checkout/chk_0000"})
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Contains(t, r.header.Get("Content-Type"), "text/html")
	assert.Contains(t, string(r.body), "no payment link")
}

// TestEndToEndOverHTTP drives a real server the way a frontend and CI would, without a browser:
// subscribe, complete the checkout through the control API, describe, update, history, cancel,
// describe; then pays a second time through the hosted page with an HTTP client.
func TestEndToEndOverHTTP(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(newTestServer(t, Options{}))
	t.Cleanup(ts.Close)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	call := func(method, path string, want int) string {
		t.Helper()
		r, err := http.NewRequest(method, ts.URL+path, nil)
		require.NoError(t, err)
		r.Header.Set("Authorization", "Bearer tok_owner")
		r.Header.Set(SessionHeader, "e2e")
		res, err := client.Do(r)
		require.NoError(t, err)
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		require.Equal(t, want, res.StatusCode, "%s %s: %s", method, path, body)
		return string(body)
	}
	body := call("POST", updatePath+"?action=getpaymentlink&org_id=org_new&quantity=2", 200)
	link := body[strings.Index(body, "http"):strings.LastIndex(body, `"`)]
	require.True(t, strings.HasPrefix(link, ts.URL+"/checkout/"), link)
	id := strings.TrimPrefix(link, ts.URL+"/checkout/")
	id, _, _ = strings.Cut(id, "?")
	call("POST", "/_mock/checkouts/"+id+"/complete", 200)
	assert.Contains(t, call("GET", describePath+"?action=getorganization&org_id=org_new", 200), `"quantity":"2"`)
	call("POST", updatePath+"?action=updatesubscription&org_id=org_new&quantity=6", 200)
	assert.Contains(t, call("GET", describePath+"?action=getorganization&org_id=org_new", 200), `"quantity":"6"`)
	assert.Contains(t, call("GET", historyPath+"?action=list_billing&org_id=org_new", 200), `"amount":"48.00"`)
	call("POST", updatePath+"?action=cancelsubscription&org_id=org_new", 200)
	assert.Contains(t, call("GET", describePath+"?action=getorganization&org_id=org_new", 200), `"subscription":null`)

	// Subscribe again, paying on the hosted page itself.
	body = call("POST", updatePath+"?action=getpaymentlink&org_id=org_new&quantity=1", 200)
	link = body[strings.Index(body, "http"):strings.LastIndex(body, `"`)]
	page, err := client.Get(link)
	require.NoError(t, err)
	page.Body.Close()
	require.Equal(t, http.StatusOK, page.StatusCode)
	res, err := client.PostForm(link, url.Values{"decision": {"pay"}})
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, call("GET", describePath+"?action=getorganization&org_id=org_new", 200), `"quantity":"1"`)
}
