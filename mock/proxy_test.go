package mock

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	billingmock "github.com/cloudplans/billing-mock"
	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/contracttest"
	"github.com/cloudplans/billing-mock/contracttest/broken"
)

// proxied is a validating proxy in front of an upstream, both served on 127.0.0.1.
type proxied struct {
	upstream, proxy *httptest.Server
	srv             *Server
}

// defaultRoles are the contract roles as Proxy.Roles takes them.
func defaultRoles() map[string]string {
	r := contracttest.DefaultRoles()
	return map[string]string{"token": r.Token, "member_token": r.MemberToken, "outsider_token": r.OutsiderToken,
		"org": r.Org, "fresh_org": r.FreshOrg, "outsider_org": r.OutsiderOrg}
}

// newProxied serves upstream and a proxy of it; p configures the proxy (its Upstream is set here).
func newProxied(t *testing.T, upstream http.Handler, p Proxy, opts Options) proxied {
	t.Helper()
	up := httptest.NewServer(upstream)
	t.Cleanup(up.Close)
	u, err := url.Parse(up.URL)
	require.NoError(t, err)
	p.Upstream = u
	if p.Roles == nil {
		p.Roles = defaultRoles()
	}
	opts.Proxy = &p
	srv := newTestServer(t, opts)
	px := httptest.NewServer(srv)
	t.Cleanup(px.Close)
	t.Cleanup(func() { _ = srv.Close() })
	return proxied{upstream: up, proxy: px, srv: srv}
}

// send makes one request to base and reads the whole answer.
func send(t *testing.T, method, target, token, body string, header map[string]string) resp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, err := http.NewRequest(method, target, rd)
	require.NoError(t, err)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(r)
	require.NoError(t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return resp{status: res.StatusCode, header: res.Header, body: data}
}

type violationsAnswer struct {
	Mode    string   `json:"mode"`
	Summary []string `json:"summary"`
	Actions []struct {
		Action             string `json:"action"`
		Exchanges          int    `json:"exchanges"`
		Violating          int    `json:"violating"`
		RequestViolations  int    `json:"request_violations"`
		ResponseViolations int    `json:"response_violations"`
	} `json:"actions"`
	Violations []struct {
		Action     string `json:"action"`
		Token      string `json:"token"`
		Status     int    `json:"status"`
		Violations []struct {
			Side, Kind, Location, Field, Expected, Got string
		} `json:"violations"`
	} `json:"violations"`
}

func (p proxied) violations(t *testing.T) (violationsAnswer, []byte) {
	t.Helper()
	r := send(t, http.MethodGet, p.proxy.URL+"/_mock/violations", "", "", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var v violationsAnswer
	require.NoError(t, json.Unmarshal(r.body, &v), "%s", r.body)
	return v, r.body
}

// TestProxyCleanTraffic: clean answers pass byte for byte with Contract-Violations: 0, GET with a
// body is forwarded, and the violations report counts the exchanges, one summary line per action.
func TestProxyCleanTraffic(t *testing.T) {
	t.Parallel()
	for _, enforce := range []bool{false, true} {
		p := newProxied(t, newTestServer(t, Options{}), Proxy{Enforce: enforce}, Options{})
		for _, target := range []string{
			describePath + "?action=getorganization&org_id=org_acme",
			historyPath + "?action=list_billing&org_id=org_acme",
			describePath + "?action=getorganization&org_id=org_nope", // a 404, valid
			"/v1/organizations/billing/refund",                       // unrouted, valid
		} {
			direct := send(t, http.MethodGet, p.upstream.URL+target, "tok_owner", "", nil)
			via := send(t, http.MethodGet, p.proxy.URL+target, "tok_owner", "", nil)
			assert.Equal(t, direct.status, via.status, target)
			assert.Equal(t, string(direct.body), string(via.body), target)
			assert.Equal(t, "0", via.header.Get("Contract-Violations"), target)
			assert.Equal(t, direct.header.Get("Content-Type"), via.header.Get("Content-Type"), target)
		}
		// describe with org_id in a GET body (the docs' form; the mock's leniency): forwarded.
		r := send(t, http.MethodGet, p.proxy.URL+describePath+"?action=getorganization", "tok_owner", `{"org_id":"org_acme"}`, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		assert.Contains(t, string(r.body), `"id":"org_acme"`)
		assert.Equal(t, "0", r.header.Get("Contract-Violations"))

		v, _ := p.violations(t)
		assert.Equal(t, map[bool]string{false: "report", true: "enforce"}[enforce], v.Mode)
		assert.Contains(t, v.Summary, "getorganization: 3 exchanges, 0 with violations (0 in requests, 0 in answers)")
		assert.Contains(t, v.Summary, "list_billing: 1 exchange, 0 with violations (0 in requests, 0 in answers)")
		assert.Empty(t, v.Violations)
	}
}

// TestProxyBodyForwardedOnGet: the upstream gets a GET's body as it was sent.
func TestProxyBodyForwardedOnGet(t *testing.T) {
	t.Parallel()
	got := make(chan string, 1)
	mock := newTestServer(t, Options{})
	p := newProxied(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r.Method + " " + string(b)
		r.Body = io.NopCloser(bytes.NewReader(b))
		mock.ServeHTTP(w, r)
	}), Proxy{}, Options{})
	r := send(t, http.MethodGet, p.proxy.URL+describePath+"?action=getorganization", "tok_owner", `{"org_id":"org_acme"}`, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Equal(t, `GET {"org_id":"org_acme"}`, <-got)
}

// TestProxyForwardedFields: the upstream learns who asked (X-Forwarded-For, -Host, -Proto, as
// httputil.ReverseProxy says it) and gets none of the fields of the client's connection.
func TestProxyForwardedFields(t *testing.T) {
	t.Parallel()
	got := make(chan http.Header, 1)
	mock := newTestServer(t, Options{})
	p := newProxied(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
		mock.ServeHTTP(w, r)
	}), Proxy{}, Options{})
	r := send(t, http.MethodGet, p.proxy.URL+describePath+"?action=getorganization&org_id=org_acme", "tok_owner", "",
		map[string]string{"X-Forwarded-For": "10.0.0.1", "Connection": "X-Hop", "X-Hop": "1", "Proxy-Authorization": "Basic eA==", "X-Kept": "k"})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	h := <-got
	assert.Equal(t, []string{"10.0.0.1, 127.0.0.1"}, h["X-Forwarded-For"])
	assert.Equal(t, strings.TrimPrefix(p.proxy.URL, "http://"), h.Get("X-Forwarded-Host"))
	assert.Equal(t, "http", h.Get("X-Forwarded-Proto"))
	assert.Equal(t, "k", h.Get("X-Kept"))
	assert.Equal(t, "Bearer tok_owner", h.Get("Authorization"))
	for _, k := range []string{"X-Hop", "Proxy-Authorization"} {
		assert.NotContains(t, h, k)
	}
}

// TestProxyCompressingUpstream: an upstream that gzips whatever it may (as a real service behind
// a CDN does) is validated on the decoded answer, and the client gets that answer, whatever
// Accept-Encoding it sent.
func TestProxyCompressingUpstream(t *testing.T) {
	t.Parallel()
	mock := newTestServer(t, Options{})
	p := newProxied(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			mock.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		mock.ServeHTTP(rec, r)
		var zipped bytes.Buffer
		zw := gzip.NewWriter(&zipped)
		_, _ = zw.Write(rec.Body.Bytes())
		require.NoError(t, zw.Close())
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", strconv.Itoa(zipped.Len()))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(zipped.Bytes())
	}), Proxy{Enforce: true}, Options{})
	target := describePath + "?action=getorganization&org_id=org_acme"
	plain := send(t, http.MethodGet, p.upstream.URL+target, "tok_owner", "", map[string]string{"Accept-Encoding": "identity"})
	for _, accept := range []string{"gzip, deflate, br", "gzip", "identity"} {
		r := send(t, http.MethodGet, p.proxy.URL+target, "tok_owner", "", map[string]string{"Accept-Encoding": accept})
		require.Equal(t, http.StatusOK, r.status, "Accept-Encoding %q: %s", accept, r.body)
		assert.Equal(t, "0", r.header.Get("Contract-Violations"), accept)
		assert.Empty(t, r.header.Get("Content-Encoding"), accept)
		assert.Equal(t, string(plain.body), string(r.body), accept)
	}
	v, _ := p.violations(t)
	assert.Empty(t, v.Violations)
}

// TestProxyHTTPSUpstream: an https upstream is reached through the Transport given (here the test
// server's, which trusts its certificate), validated as an http one is.
func TestProxyHTTPSUpstream(t *testing.T) {
	t.Parallel()
	up := httptest.NewTLSServer(newTestServer(t, Options{}))
	t.Cleanup(up.Close)
	u, err := url.Parse(up.URL)
	require.NoError(t, err)
	srv := newTestServer(t, Options{Proxy: &Proxy{Upstream: u, Transport: up.Client().Transport, Roles: defaultRoles()}})
	px := httptest.NewServer(srv)
	t.Cleanup(px.Close)
	target := describePath + "?action=getorganization&org_id=org_acme"
	direct := send(t, http.MethodGet, px.URL+target, "tok_owner", "", nil)
	require.Equal(t, http.StatusOK, direct.status, "%s", direct.body)
	assert.Equal(t, "0", direct.header.Get("Contract-Violations"))
	bad := send(t, http.MethodGet, px.URL+describePath+"?action=getorganization", "tok_owner", "", nil)
	assert.Equal(t, "1", bad.header.Get("Contract-Violations"), "%s", bad.body)
}

// TestProxyContractSuite: the whole contract suite passes through the proxy, in both modes, and
// the proxy finds no violation in the mock's answers (the suite's deliberately bad requests are
// request violations).
func TestProxyContractSuite(t *testing.T) {
	t.Parallel()
	for _, enforce := range []bool{false, true} {
		p := newProxied(t, newTestServer(t, Options{}), Proxy{Enforce: enforce}, Options{})
		rep := contracttest.Run(t, p.proxy.URL, contracttest.Options{RequireControl: true})
		require.Zero(t, rep.Skipped)
		v, body := p.violations(t)
		requests := 0
		for _, a := range v.Actions {
			assert.Zero(t, a.ResponseViolations, "%s: %s", a.Action, body)
			requests += a.RequestViolations
		}
		assert.NotZero(t, requests, "the suite sends bad requests on purpose")
	}
}

// brokenCase is a broken upstream, a request that meets its bug and the violation it must show.
type brokenCase struct {
	variant, target, action, field string
	status                         int
}

var brokenCases = []brokenCase{
	{"drops subscription", describePath + "?action=getorganization&org_id=org_acme", "getorganization", "/response/subscription", 200},
	{"quantity as a number", describePath + "?action=getorganization&org_id=org_acme", "getorganization", "/response/subscription/quantity", 200},
	{"a 5xx", historyPath + "?action=list_billing&org_id=org_acme", "list_billing", "", 503},
	{"wrong content type", historyPath + "?action=list_billing&org_id=org_acme", "list_billing", "Content-Type", 200},
	{"envelope status mismatch", describePath + "?action=getorganization&org_id=org_acme", "getorganization", "/status", 200},
}

// TestProxyBrokenUpstream: in front of broken upstreams (contracttest/broken), each violation is
// reported for its action with its field, report mode passes the answer through unchanged, and
// enforce turns it into a 502 contract_violation that names the problem.
func TestProxyBrokenUpstream(t *testing.T) {
	t.Parallel()
	roles := contracttest.DefaultRoles()
	for _, bc := range brokenCases {
		t.Run(bc.variant, func(t *testing.T) {
			t.Parallel()
			upstream := broken.Find(bc.variant).Wrap(roles, newTestServer(t, Options{}))
			report := newProxied(t, upstream, Proxy{}, Options{})
			direct := send(t, http.MethodGet, report.upstream.URL+bc.target, "tok_owner", "", nil)
			via := send(t, http.MethodGet, report.proxy.URL+bc.target, "tok_owner", "", nil)
			require.Equal(t, bc.status, via.status, "%s", via.body)
			assert.Equal(t, string(direct.body), string(via.body))
			assert.NotEqual(t, "0", via.header.Get("Contract-Violations"))
			assert.NotContains(t, via.header, "Sl-Violations")

			v, body := report.violations(t)
			require.Len(t, v.Violations, 1, "%s", body)
			x := v.Violations[0]
			assert.Equal(t, bc.action, x.Action)
			assert.Equal(t, "owner", x.Token)
			var fields []string
			for _, p := range x.Violations {
				assert.Equal(t, "response", p.Side)
				fields = append(fields, p.Field)
			}
			assert.Contains(t, fields, bc.field, "%s", body)
			assert.Contains(t, strings.Join(v.Summary, "\n"), bc.action+": 1 exchange, 1 with violations (0 in requests, ")

			enforce := newProxied(t, broken.Find(bc.variant).Wrap(roles, newTestServer(t, Options{})), Proxy{Enforce: true}, Options{})
			e := send(t, http.MethodGet, enforce.proxy.URL+bc.target, "tok_owner", "", nil)
			require.Equal(t, http.StatusBadGateway, e.status, "%s", e.body)
			assert.Equal(t, "contract_violation", e.code(t))
			assert.Contains(t, e.json(t)["error"].(map[string]any)["message"], bc.field)
			assert.Equal(t, via.header.Get("Contract-Violations"), e.header.Get("Contract-Violations"))
		})
	}
}

// TestProxyUpstreamFailures: an unreachable upstream is a 502 upstream_unreachable, a slow one a
// 504 upstream_timeout, a body over the limit a 413, each the envelope.
func TestProxyUpstreamFailures(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed, _ := url.Parse("http://" + ln.Addr().String())
	require.NoError(t, ln.Close())
	srv := newTestServer(t, Options{Proxy: &Proxy{Upstream: closed}})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	r := send(t, http.MethodGet, ts.URL+describePath+"?action=getorganization&org_id=org_acme", "tok_owner", "", nil)
	require.Equal(t, http.StatusBadGateway, r.status, "%s", r.body)
	assert.Equal(t, "upstream_unreachable", r.code(t))
	assert.EqualValues(t, 502, r.json(t)["status"])
	assert.Equal(t, "0", r.header.Get("Contract-Violations"))
	// A request violation that quotes the Authorization header, and no upstream to answer it:
	// the token stays out of the report all the same.
	r = send(t, http.MethodGet, ts.URL+describePath+"?action=getorganization&org_id=org_acme", "", "", map[string]string{"Authorization": "Basic tok_s3cr3t"})
	require.Equal(t, http.StatusBadGateway, r.status, "%s", r.body)
	assert.Equal(t, "1", r.header.Get("Contract-Violations"))
	v := send(t, http.MethodGet, ts.URL+"/_mock/violations", "", "", nil)
	assert.Contains(t, string(v.body), `"field":"Authorization"`)
	assert.NotContains(t, string(v.body), "tok_s3cr3t")

	release := make(chan struct{})
	defer close(release)
	slow := newProxied(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}), Proxy{Timeout: 50 * time.Millisecond}, Options{})
	r = send(t, http.MethodGet, slow.proxy.URL+describePath+"?action=getorganization&org_id=org_acme", "tok_owner", "", nil)
	require.Equal(t, http.StatusGatewayTimeout, r.status, "%s", r.body)
	assert.Equal(t, "upstream_timeout", r.code(t))

	p := newProxied(t, newTestServer(t, Options{}), Proxy{}, Options{})
	big := `{"org_id":"org_acme","pad":"` + strings.Repeat("x", MaxBodyBytes) + `"}`
	r = send(t, http.MethodPost, p.proxy.URL+updatePath+"?action=updatesubscription", "tok_owner", big, nil)
	require.Equal(t, http.StatusRequestEntityTooLarge, r.status, "%s", r.body)
	assert.Equal(t, "payload_too_large", r.code(t))
}

// TestProxyPassThrough: hosted pages and links pass through untouched, CORS is the proxy's own
// policy (a preflight is answered, an answer has one Allow-Origin), and the journal has the
// exchanges with their violations.
func TestProxyPassThrough(t *testing.T) {
	t.Parallel()
	p := newProxied(t, newTestServer(t, Options{}), Proxy{}, Options{})
	link := send(t, http.MethodPost, p.proxy.URL+updatePath+"?action=getpaymentlink&org_id=org_new&quantity=2", "tok_owner", "", nil)
	require.Equal(t, http.StatusOK, link.status, "%s", link.body)
	page := link.json(t)["response"].(string)
	require.True(t, strings.HasPrefix(page, p.upstream.URL+"/checkout/"), "the link is the upstream's, untouched: %s", page)
	u, _ := url.Parse(page)
	direct := send(t, http.MethodGet, page, "", "", nil)
	via := send(t, http.MethodGet, p.proxy.URL+u.RequestURI(), "", "", nil)
	require.Equal(t, http.StatusOK, via.status)
	assert.Equal(t, string(direct.body), string(via.body))
	assert.Contains(t, via.header.Get("Content-Type"), "text/html")

	origin := map[string]string{"Origin": "http://localhost:5173"}
	pre := send(t, http.MethodOptions, p.proxy.URL+describePath, "", "", map[string]string{"Origin": "http://localhost:5173",
		"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"})
	assert.Equal(t, http.StatusNoContent, pre.status, "%s", pre.body)
	assert.Equal(t, "http://localhost:5173", pre.header.Get("Access-Control-Allow-Origin"))
	r := send(t, http.MethodGet, p.proxy.URL+describePath+"?action=getorganization&org_id=org_acme", "tok_owner", "", origin)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, []string{"http://localhost:5173"}, r.header.Values("Access-Control-Allow-Origin"))

	// A request that breaks the contract: the journal keeps its violations.
	bad := send(t, http.MethodGet, p.proxy.URL+describePath+"?action=getorganization", "tok_owner", "", nil)
	require.Equal(t, http.StatusBadRequest, bad.status)
	assert.Equal(t, "1", bad.header.Get("Contract-Violations"))
	j := send(t, http.MethodGet, p.proxy.URL+"/_mock/requests?limit=1", "", "", nil)
	require.Equal(t, http.StatusOK, j.status)
	var journal struct {
		Requests []struct {
			Action     string
			Violations []struct{ Side, Kind, Field string }
		}
	}
	require.NoError(t, json.Unmarshal(j.body, &journal))
	require.Len(t, journal.Requests, 1)
	assert.Equal(t, "getorganization", journal.Requests[0].Action)
	require.Len(t, journal.Requests[0].Violations, 1, "%s", j.body)
	assert.Equal(t, "request", journal.Requests[0].Violations[0].Side)
	assert.Equal(t, "org_id", journal.Requests[0].Violations[0].Field)

	dash := send(t, http.MethodGet, p.proxy.URL+"/_mock/", "", "", nil)
	require.Equal(t, http.StatusOK, dash.status)
	assert.Contains(t, string(dash.body), `data-testid="violations"`)
	assert.Contains(t, string(dash.body), "getorganization: 2 exchanges, 1 with violations (1 in requests, 0 in answers)")

	clear := send(t, http.MethodDelete, p.proxy.URL+"/_mock/violations", "", "", nil)
	require.Equal(t, http.StatusOK, clear.status)
	v, _ := p.violations(t)
	assert.Empty(t, v.Summary)
}

// TestProxyRedactsTokens: no token appears in the journal, the violations report or the log;
// a role's token is named by its role, another by a short hash.
func TestProxyRedactsTokens(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil)) // the handler serializes its writes
	const secret = "tok_s3cr3t_value"
	p := newProxied(t, newTestServer(t, Options{}), Proxy{}, Options{Logger: logger})
	for _, auth := range []string{"Bearer " + secret, "Basic " + secret, "Bearer tok_owner", "Bearer " + secret + " x"} {
		r := send(t, http.MethodGet, p.proxy.URL+describePath+"?action=getorganization", "", "", map[string]string{"Authorization": auth})
		require.NotZero(t, r.status)
	}
	v, vbody := p.violations(t)
	j := send(t, http.MethodGet, p.proxy.URL+"/_mock/requests", "", "", nil)
	dash := send(t, http.MethodGet, p.proxy.URL+"/_mock/", "", "", nil)
	// The dashboard's own panels show the local seed's tokens (its share commands); its
	// violations section shows the traffic's.
	section := string(dash.body)
	if i := strings.Index(section, `data-testid="violations"`); i >= 0 {
		section = section[i:]
		section = section[:strings.Index(section, "</section>")]
	}
	assert.Contains(t, section, "&lt;redacted&gt;")
	for what, out := range map[string]string{"violations": string(vbody), "journal": string(j.body), "log": logs.String(), "dashboard": section} {
		assert.NotContains(t, out, secret, what)
		assert.NotContains(t, out, "tok_owner", what)
	}
	var names []string
	for _, x := range v.Violations {
		names = append(names, x.Token)
	}
	assert.Contains(t, names, "owner")
	assert.Contains(t, strings.Join(names, " "), "token-")
}

// TestProxyRecordReplays: the contract suite's own traffic through the proxy with recording,
// replayed as scenarios against a fresh mock, is green. The recording also runs the recorder
// under the concurrency of the suite's parallel scenarios.
func TestProxyRecordReplays(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if d := os.Getenv("RECORD_KEEP"); d != "" {
		dir = d // to read the files after a failure
	}
	p := newProxied(t, newTestServer(t, Options{}), Proxy{RecordDir: dir, RecordIdle: time.Hour}, Options{})
	contracttest.Run(t, p.proxy.URL, contracttest.Options{RequireControl: true})
	require.NoError(t, p.srv.Close())
	files, err := filepath.Glob(filepath.Join(dir, "flow-*.yaml"))
	require.NoError(t, err)
	require.Greater(t, len(files), 20, "the suite's traffic is many flows")
	all := ""
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		all += string(data)
	}
	for _, want := range []string{"control: complete_checkout", "auth: '{{token}}'", "'{{fresh_org}}'", "capture:", "link: '{{link"} {
		assert.Contains(t, all, want)
	}
	assert.NotContains(t, all, "tok_owner")

	// Under the race detector (make test) a replay of all of them takes over a minute (each flow
	// replays its session's earlier changes first): every third flow is replayed there, and
	// go test without -race replays them all.
	replay := dir
	if raceEnabled {
		replay = t.TempDir()
		for i, f := range files {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			if i%3 == 0 {
				require.NoError(t, os.WriteFile(filepath.Join(replay, filepath.Base(f)), data, 0o644))
			}
		}
	}
	replayed, err := filepath.Glob(filepath.Join(replay, "flow-*.yaml"))
	require.NoError(t, err)
	fresh := httptest.NewServer(newTestServer(t, Options{}))
	defer fresh.Close()
	rep := contracttest.Run(t, fresh.URL, contracttest.Options{Scenarios: os.DirFS(replay), RequireControl: true})
	assert.Equal(t, len(replayed), rep.Passed)
}

// TestProxyControlAnswersMatchControlAPI: the proxy's own control answers (the violations, with
// some; the journal, with violations) match controlapi.yaml, and the mock answers 404 there.
func TestProxyControlAnswersMatchControlAPI(t *testing.T) {
	t.Parallel()
	spec, err := contract.Load(billingmock.ControlAPI())
	require.NoError(t, err)
	upstream := broken.Find("quantity as a number").Wrap(contracttest.DefaultRoles(), newTestServer(t, Options{}))
	p := newProxied(t, upstream, Proxy{}, Options{})
	send(t, http.MethodGet, p.proxy.URL+describePath+"?action=getorganization&org_id=org_acme", "tok_owner", "", nil)
	send(t, http.MethodGet, p.proxy.URL+describePath+"?action=getorganization", "tok_nobody", "", nil)
	mockOnly := httptest.NewServer(newTestServer(t, Options{}))
	defer mockOnly.Close()
	for _, call := range []struct {
		base, method, target string
		status               int
	}{
		{p.proxy.URL, "GET", "/_mock/violations", 200},
		{p.proxy.URL, "GET", "/_mock/violations?action=getorganization&limit=1", 200},
		{p.proxy.URL, "GET", "/_mock/violations?limit=x", 400},
		{p.proxy.URL, "GET", "/_mock/requests", 200},
		{p.proxy.URL, "DELETE", "/_mock/violations", 200},
		{mockOnly.URL, "GET", "/_mock/violations", 404},
	} {
		r := send(t, call.method, call.base+call.target, "", "", nil)
		require.Equal(t, call.status, r.status, "%s %s: %s", call.method, call.target, r.body)
		if call.method == "GET" && call.target == "/_mock/violations" && call.status == 200 {
			assert.Contains(t, string(r.body), `"field":"/response/subscription/quantity"`)
		}
		path, _, _ := strings.Cut(call.target, "?")
		err := spec.ValidateResponse(context.Background(), contract.Response{
			Method: call.method, Path: path, Status: r.status, Header: r.header, Body: r.body,
		})
		assert.NoError(t, err, "%s %s", call.method, call.target)
	}
}

// TestProxyRoutes: in proxy mode the violations, the journal and the dashboard (its forms too)
// are the proxy's own; every other path, the rest of the control API included, is forwarded.
func TestProxyRoutes(t *testing.T) {
	t.Parallel()
	p := newProxied(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Upstream", r.Method+" "+r.URL.RequestURI())
		w.WriteHeader(http.StatusTeapot)
	}), Proxy{}, Options{})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tt := range []struct {
		method, target string
		forwarded      bool
	}{
		{"GET", "/_mock/violations", false},
		{"DELETE", "/_mock/violations", false},
		{"GET", "/_mock/requests?limit=1", false},
		{"GET", "/_mock/", false},
		{"GET", "/_mock", false},
		{"POST", "/_mock/dashboard/reset", false},
		{"POST", "/_mock/requests", true},
		{"GET", "/_mock/health", true},
		{"POST", "/_mock/reset", true},
		{"POST", "/_mock/checkouts/chk_1/complete", true},
		{"GET", "/checkout/chk_1?session=s", true},
		{"GET", describePath + "?action=getorganization&org_id=org_acme", true},
		{"PATCH", describePath, true},
		{"GET", "/favicon.ico", true},
	} {
		r, err := http.NewRequest(tt.method, p.proxy.URL+tt.target, nil)
		require.NoError(t, err)
		res, err := client.Do(r)
		require.NoError(t, err)
		res.Body.Close()
		got := res.Header.Get("X-Upstream")
		if tt.forwarded {
			assert.Equal(t, tt.method+" "+tt.target, got, tt.target)
			assert.Equal(t, http.StatusTeapot, res.StatusCode, tt.target)
		} else {
			assert.Empty(t, got, tt.target)
		}
	}
}
