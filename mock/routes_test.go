package mock

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files of this package")

// routeProbePaths are paths of every kind the route table knows, and near misses: fixed and
// {id} paths, trailing slashes, unclean paths (redirected), other cases, extra segments.
var routeProbePaths = []string{
	"/", "/v1", "/v1/", "/v1/organizations/billing", describePath, historyPath, updatePath,
	describePath + "/", "/V1/organizations/billing/describe", "/v1/organizations/billing/refund",
	"/v1/organizations/billing/./describe", "/v1/organizations/billing/../billing/history?x=1",
	"//v1//organizations", "/v1/organizations/billing//update", "/_mock/../v1/organizations/billing/describe",
	"/_mock", "/_mock/", "/_mock//", "/_mock/health", "/_mock/health/", "/_mock/reset", "/_mock/faults",
	"/_mock/faults/", "/_mock/faults/flt_1", "/_mock/faults/flt_1/x", "/_mock/requests", "/_mock/state",
	"/_mock/scenarios", "/_mock/scenarios/", "/_mock/scenarios/nope", "/_mock/scenarios/past-due/x",
	"/_mock/clock", "/_mock/clock/advance", "/_mock/clock/advance/", "/_mock/checkouts/chk_x/complete",
	"/_mock/checkouts/chk_x/decline", "/_mock/checkouts//complete", "/_mock/checkouts/chk_x",
	"/_mock/card-updates/crd_x/complete", "/_mock/card-updates/crd_x/decline",
	"/_mock/card-updates/crd_x/cancel", "/_mock/dashboard/advance", "/_mock/dashboard/scenario",
	"/_mock/dashboard/invoice", "/_mock/dashboard/scenario-file",
	"/_mock/dashboard/reset", "/_mock/dashboard/faults/delete", "/_mock/dashboard/", "/_mock/nope",
	"/checkout/chk_x", "/checkout/chk_x/", "/checkout/", "/checkout", "/update-card/crd_x",
	"/update-card/", "/favicon.ico", "/../../etc/passwd", "/a/./b/../c?q=1&r=2",
	"/openapi.yaml", "/openapi.json", "/openapi.yml", "/openapi.yaml/", "/_mock/docs", "/_mock/docs/",
	"/_mock/docs/try.js", "/_mock/docs/nope.js", "//openapi.json",
	// Escaped characters: routes match the decoded path, so an escaped slash is a slash.
	"/_mock/faults/flt%2F1", "/_mock/faults/flt%201", "/checkout/chk%2Fx", "/checkout/chk%20x",
	"/v1/organizations/billing%2Fdescribe", "/_mock/%2E%2E/health", "/_mock/health%2F", "/%5Fmock/health",
}

var routeProbeMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "get"}

// TestRouteTable holds what every method on every path answers (status, Location, Allow, the kind
// of body and the error code) to testdata/routes.golden; go test ./mock -run RouteTable -update
// rewrites it.
func TestRouteTable(t *testing.T) {
	s := newTestServer(t, Options{})
	var b strings.Builder
	for _, p := range routeProbePaths {
		for _, m := range routeProbeMethods {
			r := httptest.NewRequest(http.MethodGet, p, nil)
			r.Method = m
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			kind, code := "-", "-"
			switch ct := w.Header().Get("Content-Type"); {
			case strings.HasPrefix(ct, "application/json"):
				kind = "json"
				var env struct {
					Error struct{ Code string } `json:"error"`
				}
				if json.Unmarshal(w.Body.Bytes(), &env) == nil && env.Error.Code != "" {
					code = env.Error.Code
				}
			case strings.HasPrefix(ct, "text/html"):
				kind = "html"
			case ct != "":
				kind = ct
			}
			fmt.Fprintf(&b, "%-8s %-55s %d %-4s %-22s allow=%q location=%q\n", m, p, w.Code, kind, code,
				w.Header().Get("Allow"), w.Header().Get("Location"))
		}
	}
	const golden = "testdata/routes.golden"
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(b.String()), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	require.Equal(t, string(want), b.String(), "go test ./mock -run RouteTable -update rewrites %s", golden)
}

// TestExactRoutesAnswerAsTheMux: the paths route answers without the mux (s.exact: the billing
// API's) get, for every method and every probe of the billing API, the answer the mux's route
// would give.
func TestExactRoutesAnswerAsTheMux(t *testing.T) {
	fast := newTestServer(t, Options{})
	viaMux := newTestServer(t, Options{})
	viaMux.exact = nil
	require.ElementsMatch(t, []string{describePath, historyPath, updatePath}, mapKeys(fast.exact))
	probes := append([]string{describePath + "?action=getorganization&org_id=org_acme",
		historyPath + "?action=list_billing&org_id=org_acme", updatePath + "?action=updatesubscription&org_id=org_acme&quantity=4",
		describePath + "?action=list_billing", "/v1/organizations/billing%2Fhistory?action=list_billing&org_id=org_acme"},
		routeProbePaths...)
	for _, p := range probes {
		if !strings.HasPrefix(p, "/v1") { // the same mux answers both (the dashboard's pages show times)
			continue
		}
		for _, m := range routeProbeMethods {
			answer := func(s *Server) *httptest.ResponseRecorder {
				r := httptest.NewRequest(http.MethodGet, p, nil)
				r.Method = m
				r.Header.Set("Authorization", "Bearer tok_owner")
				w := httptest.NewRecorder()
				s.ServeHTTP(w, r)
				return w
			}
			want, got := answer(viaMux), answer(fast)
			require.Equal(t, want.Code, got.Code, "%s %s", m, p)
			require.Equal(t, want.Header(), got.Header(), "%s %s", m, p)
			require.Equal(t, want.Body.String(), got.Body.String(), "%s %s", m, p)
		}
	}
}

func mapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// TestCatchAllAsTheMux: a clean path route gives to s.catchAll (no route but "/" begins like it)
// is one the mux gives to the "/" route for every method; in proxy mode the billing API's paths
// are such paths, and without a "/" route (the mock's table) there is no catchAll.
func TestCatchAllAsTheMux(t *testing.T) {
	mockSrv := newTestServer(t, Options{})
	assert.Nil(t, mockSrv.catchAll)
	up, err := url.Parse("http://127.0.0.1:1")
	require.NoError(t, err)
	srv := newTestServer(t, Options{Proxy: &Proxy{Upstream: up}})
	require.NotNil(t, srv.catchAll)
	for _, p := range []string{describePath, historyPath, updatePath, "/checkout/chk_1", "/favicon.ico"} {
		assert.False(t, srv.nearRoute(p), p)
	}
	paths := append([]string{"/_mockx", "/_mock/violationsx", "/_mock/violations/", "/_", "/v1/x/{y}", "/%5Fmock"}, routeProbePaths...)
	for _, rt := range srv.routePrefixes {
		paths = append(paths, rt, rt+"x", rt+"/", strings.TrimSuffix(rt, "/"), rt[:len(rt)-1])
	}
	checked := 0
	for _, p := range paths {
		target, _, _ := strings.Cut(p, "?")
		for _, m := range routeProbeMethods {
			r := httptest.NewRequest(http.MethodGet, "http://mock.test"+strings.ReplaceAll(target, "{", "%7B"), nil)
			r.Method = m
			if cleanPath(r.URL.Path) != r.URL.Path || srv.nearRoute(r.URL.Path) {
				continue
			}
			r.URL.RawPath = ""
			_, pattern := srv.mux.Handler(r)
			assert.Equal(t, "/", pattern, "%s %s", m, r.URL.Path)
			checked++
		}
	}
	assert.Greater(t, checked, 50)
}
