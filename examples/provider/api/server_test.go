package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cloudplans/billing-mock/examples/provider/api"
	"github.com/cloudplans/billing-mock/examples/provider/billing"
	"github.com/cloudplans/billing-mock/examples/provider/internal/billingtest"
)

func newAPI(t testing.TB, opts api.Options) (*api.Server, *billing.Store) {
	t.Helper()
	store := billingtest.Store(t)
	srv, err := api.New(store, opts)
	if err != nil {
		t.Fatal(err)
	}
	return srv, store
}

const (
	describe = "/v1/organizations/billing/describe"
	history  = "/v1/organizations/billing/history"
	update   = "/v1/organizations/billing/update"
)

// req describes one request; an empty auth sends no Authorization header.
type req struct {
	method, target, auth, contentType, body string
	header                                  http.Header
}

func (q req) send(h http.Handler) *httptest.ResponseRecorder {
	method := q.method
	if method == "" {
		method = http.MethodGet
	}
	r := httptest.NewRequest(method, q.target, strings.NewReader(q.body))
	if q.auth != "" {
		r.Header.Set("Authorization", q.auth)
	}
	if q.contentType != "" {
		r.Header.Set("Content-Type", q.contentType)
	}
	for k, v := range q.header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// envelopeOf decodes an answer and checks what every answer must be: JSON whose status member is
// the HTTP status, and for an error the envelope with a code and a message.
func envelopeOf(t testing.TB, w *httptest.ResponseRecorder) (code string) {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var env struct {
		Status *int `json:"status"`
		Error  *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
		t.Fatalf("answer %d is not JSON: %v: %q", w.Code, err, w.Body.String())
	}
	if env.Status == nil || *env.Status != w.Code {
		t.Errorf("status member %v, HTTP status %d: %s", env.Status, w.Code, w.Body)
	}
	if w.Code == http.StatusOK {
		if env.Error != nil {
			t.Errorf("a 200 with an error member: %s", w.Body)
		}
		return ""
	}
	if env.Error == nil || env.Error.Code == "" || env.Error.Message == "" {
		t.Fatalf("answer %d is not the error envelope: %s", w.Code, w.Body)
	}
	return env.Error.Code
}

const owner, member, outsider = "Bearer tok_owner", "Bearer tok_member", "Bearer tok_outsider"

var big = strings.Repeat(" ", api.MaxBodyBytes+1)

// urlOfLength pads prefix with x to n bytes.
func urlOfLength(prefix string, n int) string { return prefix + strings.Repeat("x", n-len(prefix)) }

// TestOrderOfChecks: each request fails two or more checks; the first in the contract's order
// answers (path, method, size, content type, token, action and parameters, organization,
// permission, state).
func TestOrderOfChecks(t *testing.T) {
	srv, _ := newAPI(t, api.Options{})
	for _, c := range []struct {
		name   string
		req    req
		status int
		code   string
	}{
		{"the URL length before the path", req{method: "DELETE", target: "/" + strings.Repeat("x", api.MaxURLBytes)}, 414, "uri_too_long"},
		{"the URL length counts the query string", req{target: describe + "?action=getorganization&org_id=org_acme&pad=" + strings.Repeat("x", api.MaxURLBytes), auth: owner}, 414, "uri_too_long"},
		{"the URL length before the token", req{method: "POST", target: update + "?action=cancelsubscription&pad=" + strings.Repeat("x", api.MaxURLBytes)}, 414, "uri_too_long"},
		{"an unknown path before the method", req{method: "DELETE", target: "/v1/organizations/billing/refund"}, 404, "not_found"},
		{"a trailing slash is another path", req{target: describe + "/?action=getorganization&org_id=org_acme", auth: owner}, 404, "not_found"},
		{"the method before the size", req{method: "PUT", target: update, body: big, contentType: "text/plain"}, 405, "method_not_allowed"},
		{"HEAD is not GET", req{method: "HEAD", target: describe + "?action=getorganization&org_id=org_acme", auth: owner}, 405, "method_not_allowed"},
		{"the size before the content type", req{target: describe, body: big, contentType: "text/plain"}, 413, "payload_too_large"},
		{"the content type before the token", req{method: "POST", target: update, body: "org_id=org_acme", contentType: "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"},
		{"a body without a content type", req{method: "POST", target: update + "?action=cancelsubscription", body: `{"org_id":"org_acme"}`, auth: owner}, 415, "unsupported_media_type"},
		{"another charset", req{method: "POST", target: update + "?action=cancelsubscription", body: `{"org_id":"org_acme"}`, contentType: "application/json; charset=latin1", auth: owner}, 415, "unsupported_media_type"},
		{"the token before the action", req{method: "POST", target: update}, 401, "missing_token"},
		{"an unknown token before the parameters", req{method: "POST", target: update + "?action=getpaymentlink&quantity=0", auth: "Bearer tok_nope"}, 401, "invalid_token"},
		{"a Basic header", req{target: describe + "?action=getorganization&org_id=org_acme", auth: "Basic dXNlcjpwYXNz"}, 401, "invalid_token"},
		{"Bearer without a token", req{target: describe + "?action=getorganization&org_id=org_acme", auth: "Bearer"}, 401, "invalid_token"},
		{"two Authorization headers", req{target: describe + "?action=getorganization&org_id=org_acme", header: http.Header{"Authorization": {owner, member}}}, 401, "invalid_token"},
		{"the action before the organization", req{method: "POST", target: update + "?action=refund&org_id=org_nope", auth: outsider}, 400, "unknown_action"},
		{"no action", req{target: history + "?org_id=org_acme", auth: owner}, 400, "missing_action"},
		{"an action of another path", req{target: describe + "?action=list_billing&org_id=org_acme", auth: owner}, 400, "unknown_action"},
		{"two actions", req{method: "POST", target: update + "?action=cancelsubscription&action=updatesubscription", auth: owner}, 400, "conflicting_parameter"},
		{"parameters before the organization", req{method: "POST", target: update + "?action=getpaymentlink&org_id=org_nope&quantity=10001", auth: owner}, 400, "invalid_quantity"},
		{"the organization before the permission", req{method: "POST", target: update + "?action=cancelsubscription&org_id=org_nope", auth: outsider}, 404, "org_not_found"},
		{"the permission before the state", req{method: "POST", target: update + "?action=cancelsubscription&org_id=org_new", auth: outsider}, 403, "forbidden"},
		{"a member may not change billing, even where the state would refuse", req{method: "POST", target: update + "?action=getpaymentlink&org_id=org_acme&quantity=2", auth: member}, 403, "forbidden"},
		{"the state", req{method: "POST", target: update + "?action=getpaymentlink&org_id=org_acme&quantity=2", auth: owner}, 409, "subscription_exists"},
		{"the state, other actions", req{method: "POST", target: update + "?action=getupdatecardlink", body: `{"org_id":"org_new"}`, contentType: "application/json", auth: owner}, 409, "no_active_subscription"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := c.req.send(srv)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
			}
			if c.req.method != "HEAD" {
				if code := envelopeOf(t, w); code != c.code {
					t.Errorf("code %q, want %q", code, c.code)
				}
			}
		})
	}
}

func TestHeaders(t *testing.T) {
	srv, _ := newAPI(t, api.Options{})
	w := req{method: "GET", target: update}.send(srv)
	if got := w.Header().Get("Allow"); got != "POST" {
		t.Errorf("405 on update: Allow %q", got)
	}
	if got := (req{method: "POST", target: history}).send(srv).Header().Get("Allow"); got != "GET" {
		t.Errorf("405 on history: Allow %q", got)
	}
	if got := (req{target: describe}).send(srv).Header().Get("WWW-Authenticate"); got != "Bearer" {
		t.Errorf("missing token: WWW-Authenticate %q", got)
	}
	if got := (req{target: describe, auth: "Bearer tok_nope"}).send(srv).Header().Get("WWW-Authenticate"); got != `Bearer error="invalid_token"` {
		t.Errorf("invalid token: WWW-Authenticate %q", got)
	}
}

// TestParameters: where parameters may come, their syntax and bounds, and conflicts.
func TestParameters(t *testing.T) {
	srv, _ := newAPI(t, api.Options{})
	longID := strings.Repeat("x", 129)
	json := "application/json"
	for _, c := range []struct {
		name   string
		req    req
		status int
		code   string
	}{
		{"describe, query", req{target: describe + "?action=getorganization&org_id=org_acme", auth: owner}, 200, ""},
		{"describe, body", req{target: describe + "?action=getorganization", body: `{"org_id":"org_acme"}`, contentType: json, auth: owner}, 200, ""},
		{"describe, both equal", req{target: describe + "?action=getorganization&org_id=org_acme", body: `{"org_id":"org_acme"}`, contentType: json, auth: owner}, 200, ""},
		{"describe, both different", req{target: describe + "?action=getorganization&org_id=org_new", body: `{"org_id":"org_acme"}`, contentType: json, auth: owner}, 400, "conflicting_parameter"},
		{"org_id twice, the same", req{target: describe + "?action=getorganization&org_id=org_acme&org_id=org_acme", auth: owner}, 200, ""},
		{"org_id twice, different", req{target: describe + "?action=getorganization&org_id=org_acme&org_id=org_new", auth: owner}, 400, "conflicting_parameter"},
		{"a member twice in the body, different", req{method: "POST", target: update + "?action=cancelsubscription", body: `{"org_id":"org_new","org_id":"org_acme"}`, contentType: json, auth: owner}, 400, "conflicting_parameter"},
		{"history takes no body", req{target: history + "?action=list_billing&org_id=org_acme", body: `{}`, contentType: json, auth: owner}, 400, "invalid_parameter"},
		{"history without org_id", req{target: history + "?action=list_billing", auth: owner}, 400, "missing_parameter"},
		{"an unknown query parameter is ignored", req{target: history + "?action=list_billing&org_id=org_acme&page=2", auth: owner}, 200, ""},
		{"quantity in the query of an action that takes none is ignored", req{target: describe + "?action=getorganization&org_id=org_acme&quantity=0", auth: owner}, 200, ""},
		{"an unknown body member", req{method: "POST", target: update + "?action=getpaymentlink&org_id=org_new&quantity=1", body: `{"plan":"gold"}`, contentType: json, auth: owner}, 400, "invalid_parameter"},
		{"quantity on an action that takes none", req{method: "POST", target: update + "?action=cancelsubscription", body: `{"org_id":"org_acme","quantity":2}`, contentType: json, auth: owner}, 400, "invalid_parameter"},
		{"action in the body", req{method: "POST", target: update + "?action=cancelsubscription", body: `{"org_id":"org_acme","action":"x"}`, contentType: json, auth: owner}, 400, "invalid_parameter"},
		{"not JSON", req{method: "POST", target: update + "?action=cancelsubscription", body: `{"org_id": `, contentType: json, auth: owner}, 400, "invalid_json"},
		{"JSON and more", req{method: "POST", target: update + "?action=cancelsubscription", body: `{"org_id":"org_acme"} {}`, contentType: json, auth: owner}, 400, "invalid_json"},
		{"not UTF-8", req{method: "POST", target: update + "?action=cancelsubscription", body: "{\"org_id\":\"\xff\"}", contentType: json, auth: owner}, 400, "invalid_json"},
		{"an array", req{method: "POST", target: update + "?action=cancelsubscription", body: `["org_acme"]`, contentType: json, auth: owner}, 400, "invalid_parameter"},
		{"null", req{method: "POST", target: update + "?action=cancelsubscription", body: `null`, contentType: json, auth: owner}, 400, "invalid_parameter"},
		{"org_id a number", req{method: "POST", target: update + "?action=cancelsubscription", body: `{"org_id":7}`, contentType: json, auth: owner}, 400, "invalid_parameter"},
		{"org_id null", req{method: "POST", target: update + "?action=cancelsubscription", body: `{"org_id":null}`, contentType: json, auth: owner}, 400, "invalid_parameter"},
		{"org_id empty", req{target: describe + "?action=getorganization&org_id=", auth: owner}, 400, "invalid_parameter"},
		{"org_id of 129 characters", req{target: describe + "?action=getorganization&org_id=" + longID, auth: owner}, 400, "invalid_parameter"},
		{"org_id of 128 characters", req{target: describe + "?action=getorganization&org_id=" + longID[1:], auth: owner}, 404, "org_not_found"},
		{"a URL of 8 KiB is read", req{target: urlOfLength(describe+"?action=getorganization&org_id=org_acme&pad=", api.MaxURLBytes), auth: owner}, 200, ""},
		{"a malformed query string", req{target: describe + "?action=getorganization&org_id=%zz", auth: owner}, 400, "invalid_parameter"},
		{"charset=UTF-8 and upper case", req{target: describe + "?action=getorganization", body: `{"org_id":"org_acme"}`, contentType: "Application/JSON; Charset=UTF-8", auth: owner}, 200, ""},
		{"bearer in lower case", req{target: describe + "?action=getorganization&org_id=org_acme", auth: "bearer tok_owner"}, 200, ""},
		{"an empty body with a text content type is no body", req{target: describe + "?action=getorganization&org_id=org_acme", contentType: "text/plain", auth: owner}, 200, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := c.req.send(srv)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
			}
			if code := envelopeOf(t, w); code != c.code {
				t.Errorf("code %q, want %q: %s", code, c.code, w.Body)
			}
		})
	}
}

func TestQuantity(t *testing.T) {
	srv, _ := newAPI(t, api.Options{})
	json := "application/json"
	for _, c := range []struct {
		name string
		req  req
		code string // "" for a 200
	}{
		{"1 in the body", req{body: `{"org_id":"org_acme","quantity":1}`}, ""},
		{"10000 in the query", req{target: "&org_id=org_acme&quantity=10000"}, ""},
		{"leading zeros in the query", req{target: "&org_id=org_acme&quantity=007"}, ""},
		{"the same in both", req{target: "&quantity=4", body: `{"org_id":"org_acme","quantity":4}`}, ""},
		{"0", req{body: `{"org_id":"org_acme","quantity":0}`}, "invalid_quantity"},
		{"10001", req{target: "&org_id=org_acme&quantity=10001"}, "invalid_quantity"},
		{"-2", req{body: `{"org_id":"org_acme","quantity":-2}`}, "invalid_quantity"},
		{"3.0", req{body: `{"org_id":"org_acme","quantity":3.0}`}, "invalid_quantity"},
		{"1e3", req{body: `{"org_id":"org_acme","quantity":1e3}`}, "invalid_quantity"},
		{`"3"`, req{body: `{"org_id":"org_acme","quantity":"3"}`}, "invalid_quantity"},
		{"null", req{body: `{"org_id":"org_acme","quantity":null}`}, "invalid_quantity"},
		{"huge", req{body: `{"org_id":"org_acme","quantity":99999999999999999999999}`}, "invalid_quantity"},
		{"+3 in the query", req{target: "&org_id=org_acme&quantity=%2B3"}, "invalid_quantity"},
		{"1.5 in the query", req{target: "&org_id=org_acme&quantity=1.5"}, "invalid_quantity"},
		{"empty in the query", req{target: "&org_id=org_acme&quantity="}, "invalid_quantity"},
		{"different in both", req{target: "&quantity=4", body: `{"org_id":"org_acme","quantity":6}`}, "conflicting_parameter"},
		{"missing", req{body: `{"org_id":"org_acme"}`}, "missing_parameter"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := c.req
			r.method, r.auth, r.target = "POST", owner, update+"?action=updatesubscription"+c.req.target
			if r.body != "" {
				r.contentType = json
			}
			w := r.send(srv)
			if code := envelopeOf(t, w); code != c.code {
				t.Errorf("%d %q, want %q: %s", w.Code, code, c.code, w.Body)
			}
		})
	}
}

var linkPattern = regexp.MustCompile(`^https?://[^\s/?#@]+([/?#][^\s]*)?$`)

func TestLinks(t *testing.T) {
	link := func(t *testing.T, srv http.Handler, host string) string {
		t.Helper()
		r := httptest.NewRequest("POST", update+"?action=getpaymentlink&org_id=org_new&quantity=2", nil)
		r.Host = host
		r.Header.Set("Authorization", owner)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		var a struct{ Response string }
		if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil || w.Code != 200 {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		if !linkPattern.MatchString(a.Response) {
			t.Errorf("link %q is not an absolute http(s) URL", a.Response)
		}
		return a.Response
	}
	srv, _ := newAPI(t, api.Options{})
	if got := link(t, srv, "billing.example:8443"); !strings.HasPrefix(got, "http://billing.example:8443/checkout/chk_") {
		t.Errorf("link %q", got)
	}
	if got := link(t, srv, "evil@host/x"); !strings.HasPrefix(got, "http://localhost/checkout/") {
		t.Errorf("a Host that is not host[:port] gave %q", got)
	}
	pub, _ := newAPI(t, api.Options{PublicURL: "https://billing.example/base/"})
	if got := link(t, pub, "ignored"); !strings.HasPrefix(got, "https://billing.example/base/checkout/chk_") {
		t.Errorf("with PublicURL: %q", got)
	}
	for _, bad := range []string{"billing.example", "ftp://x", "https://u@x", "https://x/?q=1"} {
		store, _ := billing.Open(context.Background(), filepath.Join(t.TempDir(), "b.db"))
		if _, err := api.New(store, api.Options{PublicURL: bad}); err == nil {
			t.Errorf("PublicURL %q accepted", bad)
		}
		_ = store.Close()
	}
}

// TestAnswers: the shapes of the answers, member for member.
func TestAnswers(t *testing.T) {
	srv, _ := newAPI(t, api.Options{})
	for _, c := range []struct {
		req  req
		want string
	}{
		{req{target: describe + "?action=getorganization&org_id=org_acme", auth: member},
			`{"status":200,"response":{"organization":{"resources":12,"name":"Acme Corp","id":"org_acme","owner":"usr_owner"},"subscription":{"payment_exp":"2028-04","plan":"pro","quantity":"3","status":"active"}}}`},
		{req{target: describe + "?action=getorganization&org_id=org_new", auth: owner},
			`{"status":200,"response":{"organization":{"resources":0,"name":"New Co","id":"org_new","owner":"usr_owner"},"subscription":null}}`},
		{req{target: history + "?action=list_billing&org_id=org_new", auth: owner}, `{"status":200,"billing_history":[]}`},
		{req{target: history + "?action=list_billing&org_id=org_outsider", auth: outsider},
			`{"status":200,"billing_history":[{"status":"paid","id":"inv_out_0001","organization":"org_outsider","date":"2026-10-20","due_date":"2026-11-03","amount":"280.00"}]}`},
		{req{method: "POST", target: update + "?action=updatesubscription&org_id=org_acme&quantity=3", auth: owner}, `{"status":200}`},
		{req{method: "POST", target: update + "?action=cancelsubscription", body: `{"org_id":"org_acme"}`, contentType: "application/json", auth: owner}, `{"status":200}`},
	} {
		w := c.req.send(srv)
		if got := w.Body.String(); got != c.want {
			t.Errorf("%s %s:\n got %s\nwant %s", c.req.method, c.req.target, got, c.want)
		}
	}
}

// TestStoreFailure: a database that fails answers 500 internal_error, never a panic or a bare
// error.
func TestStoreFailure(t *testing.T) {
	srv, store := newAPI(t, api.Options{})
	_ = store.Close()
	w := req{target: describe + "?action=getorganization&org_id=org_acme", auth: owner}.send(srv)
	if w.Code != 500 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if code := envelopeOf(t, w); code != "internal_error" {
		t.Errorf("code %q", code)
	}
}

// TestChunkedBodyOverTheLimit: a body without Content-Length is cut at the limit and refused.
func TestChunkedBodyOverTheLimit(t *testing.T) {
	srv, _ := newAPI(t, api.Options{})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	pr, pw := io.Pipe()
	go func() {
		chunk := []byte(strings.Repeat(" ", 64<<10))
		for range 20 {
			if _, err := pw.Write(chunk); err != nil {
				return
			}
		}
		_ = pw.Close()
	}()
	r, _ := http.NewRequest("POST", ts.URL+update+"?action=cancelsubscription", pr)
	r.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	_ = pr.Close()
	if resp.StatusCode != 413 {
		t.Errorf("status %d", resp.StatusCode)
	}
}
