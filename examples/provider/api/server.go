// Package api serves the Cloud Plans billing API over HTTP on a billing.Store, as the contract
// (openapi.yaml of the billing contract kit) states it: six actions at three paths, chosen by the
// action query parameter, every non-2xx answer the error envelope
// {"status": N, "error": {"code": "...", "message": "..."}}.
//
// A request is checked in the contract's order and the first failure answers: URL length (414
// uri_too_long), path (404 not_found), method (405 method_not_allowed, with Allow), body size
// (413), content type (415), token (401), action and parameters (400), organization (404
// org_not_found), permission (403), state (409). The billing rules themselves are the billing package's.
package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/cloudplans/billing-mock/examples/provider/billing"
	"github.com/cloudplans/billing-mock/examples/provider/internal/reply"
)

// Options configure a Server. The zero value builds links from each request's Host and discards
// the log.
type Options struct {
	// PublicURL is the base of the payment and update-card links ("https://billing.example");
	// empty means the request's scheme and Host.
	PublicURL string
	// Log receives one record per request that failed on the server's side (a 500).
	Log *slog.Logger
}

// Server is the billing API as an http.Handler.
type Server struct {
	billing   *billing.Store
	publicURL string
	log       *slog.Logger
}

// New returns the billing API over store.
func New(store *billing.Store, opts Options) (*Server, error) {
	s := &Server{billing: store, log: opts.Log}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if opts.PublicURL != "" {
		u, err := url.Parse(opts.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("public URL %q: want an absolute http(s) URL without user, query or fragment", opts.PublicURL)
		}
		s.publicURL = strings.TrimSuffix(u.String(), "/")
	}
	return s, nil
}

// action is one of the six actions: the parameters it takes, where, and what it does.
type action struct {
	name      string
	params    []param  // in the order they are checked
	accepts   location // where its parameters may come
	canonical location // where the contract says they go
	serve     func(s *Server, ctx context.Context, r *http.Request, user string, in input) (any, error)
}

func (a *action) paramList() string {
	names := make([]string, len(a.params))
	for i, p := range a.params {
		names[i] = p.String()
	}
	return strings.Join(names, ", ")
}

// route is one of the contract's paths: its method and its actions.
type route struct {
	method  string
	actions []*action
}

// Every parameter is accepted in both places (in the same place twice, or in both, only with one
// value), except on history, which takes no body. The canonical places are the contract's.
var routes = map[string]route{
	"/v1/organizations/billing/describe": {http.MethodGet, []*action{
		{name: "getorganization", params: []param{orgID}, accepts: inQuery | inBody, canonical: inQuery, serve: (*Server).describe},
	}},
	"/v1/organizations/billing/history": {http.MethodGet, []*action{
		{name: "list_billing", params: []param{orgID}, accepts: inQuery, canonical: inQuery, serve: (*Server).history},
	}},
	"/v1/organizations/billing/update": {http.MethodPost, []*action{
		{name: "getpaymentlink", params: []param{orgID, quantity}, accepts: inQuery | inBody, canonical: inQuery, serve: (*Server).paymentLink},
		{name: "getupdatecardlink", params: []param{orgID}, accepts: inQuery | inBody, canonical: inBody, serve: (*Server).updateCardLink},
		{name: "updatesubscription", params: []param{orgID, quantity}, accepts: inQuery | inBody, canonical: inBody, serve: (*Server).updateSubscription},
		{name: "cancelsubscription", params: []param{orgID}, accepts: inQuery | inBody, canonical: inBody, serve: (*Server).cancelSubscription},
	}},
}

// ServeHTTP answers one request of the billing API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	answer, e := s.handle(r)
	if e != nil {
		writeError(w, e)
		return
	}
	reply.JSON(w, http.StatusOK, answer)
}

// MaxURLBytes is the longest URL (path and query string, as sent) the API reads (8 KiB); a longer
// one is a 414 on any path. The HTTP server's header limit must be larger for the 414 to be
// answered here rather than by the server.
const MaxURLBytes = 8 << 10

func (s *Server) handle(r *http.Request) (any, *apiError) {
	uri := r.RequestURI
	if uri == "" { // a request built in process, not read from a connection
		uri = r.URL.RequestURI()
	}
	if len(uri) > MaxURLBytes {
		return nil, fail(http.StatusRequestURITooLong, "uri_too_long", "the URL is %d bytes, over %d", len(uri), MaxURLBytes)
	}
	rt, ok := routes[r.URL.Path]
	if !ok {
		return nil, fail(http.StatusNotFound, "not_found", "no such path: %s", quote(r.URL.Path))
	}
	if r.Method != rt.method {
		e := fail(http.StatusMethodNotAllowed, "method_not_allowed", "%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, rt.method)
		e.header = http.Header{"Allow": {rt.method}}
		return nil, e
	}
	body, e := readBody(r)
	if e != nil {
		return nil, e
	}
	if len(body) > 0 {
		if e := checkContentType(r.Header.Get("Content-Type")); e != nil {
			return nil, e
		}
	}
	user, e := s.authenticate(r)
	if e != nil {
		return nil, e
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badRequest("invalid_parameter", "the query string is malformed: %v", err)
	}
	act, e := rt.action(q)
	if e != nil {
		return nil, e
	}
	in, e := parseParams(act, q, body)
	if e != nil {
		return nil, e
	}
	answer, err := act.serve(s, r.Context(), r, user, in)
	if err != nil {
		return nil, s.refusal(r, err)
	}
	return answer, nil
}

func (rt route) action(q url.Values) (*action, *apiError) {
	names, e := queryValues(q, "action")
	if e != nil {
		return nil, e
	}
	if len(names) == 0 || names[0] == "" {
		return nil, badRequest("missing_action", "the action query parameter is required; this path takes %s", rt.actionList())
	}
	for _, a := range rt.actions {
		if a.name == names[0] {
			return a, nil
		}
	}
	return nil, badRequest("unknown_action", "unknown action %s; this path takes %s", quote(names[0]), rt.actionList())
}

func (rt route) actionList() string {
	names := make([]string, len(rt.actions))
	for i, a := range rt.actions {
		names[i] = a.name
	}
	return strings.Join(names, ", ")
}

// MaxBodyBytes is the largest request body the API reads (1 MiB); a larger one is a 413.
const MaxBodyBytes = 1 << 20

func readBody(r *http.Request) ([]byte, *apiError) {
	tooLarge := fail(http.StatusRequestEntityTooLarge, "payload_too_large", "the body is over %d bytes", MaxBodyBytes)
	if r.ContentLength > MaxBodyBytes {
		return nil, tooLarge
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, badRequest("invalid_json", "the body could not be read: %v", err)
	}
	if len(body) > MaxBodyBytes {
		return nil, tooLarge
	}
	return body, nil
}

// checkContentType accepts application/json in any case, alone or with charset=utf-8.
func checkContentType(ct string) *apiError {
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil && mt == "application/json" {
		cs, hasCharset := params["charset"]
		if len(params) == 0 || (len(params) == 1 && hasCharset && strings.EqualFold(cs, "utf-8")) {
			return nil
		}
	}
	return fail(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json, not %s", quote(ct))
}

// b64token is RFC 6750's token syntax.
var b64token = regexp.MustCompile(`^[A-Za-z0-9\-._~+/]+=*$`)

func (s *Server) authenticate(r *http.Request) (string, *apiError) {
	values := r.Header.Values("Authorization")
	if len(values) == 0 {
		e := fail(http.StatusUnauthorized, "missing_token", "send Authorization: Bearer <token>")
		e.header = http.Header{"Www-Authenticate": {"Bearer"}}
		return "", e
	}
	invalid := fail(http.StatusUnauthorized, "invalid_token", "send Authorization: Bearer <token> with a valid token")
	invalid.header = http.Header{"Www-Authenticate": {`Bearer error="invalid_token"`}}
	scheme, token, _ := strings.Cut(values[0], " ")
	token = strings.TrimLeft(token, " ")
	if len(values) > 1 || !strings.EqualFold(scheme, "Bearer") || !b64token.MatchString(token) {
		return "", invalid
	}
	user, err := s.billing.Authenticate(r.Context(), token)
	if billing.CodeOf(err) == billing.CodeInvalidToken {
		invalid.message = "the bearer token is not valid"
		return "", invalid
	}
	if err != nil {
		return "", s.refusal(r, err)
	}
	return user, nil
}

// refusal maps an error of the billing package to the contract's answer; anything but a refusal
// is a 500, logged.
func (s *Server) refusal(r *http.Request, err error) *apiError {
	var be *billing.Error
	if errors.As(err, &be) {
		switch be.Code {
		case billing.CodeOrgNotFound:
			return fail(http.StatusNotFound, string(be.Code), "%s", be.Message)
		case billing.CodeForbidden:
			return fail(http.StatusForbidden, string(be.Code), "%s", be.Message)
		case billing.CodeSubscriptionExists, billing.CodeNoActiveSubscription:
			return fail(http.StatusConflict, string(be.Code), "%s", be.Message)
		case billing.CodeInvalidArgument:
			return badRequest("invalid_parameter", "%s", be.Message)
		}
	}
	s.log.Error("billing API request failed", "method", r.Method, "path", r.URL.Path, "action", r.URL.Query().Get("action"), "err", err)
	return fail(http.StatusInternalServerError, "internal_error", "the billing service failed; try again")
}

// linkBase is the scheme and host of the links: PublicURL, else the request's own, else (a Host
// header that is not a plain host[:port]) the address the request came in on.
func (s *Server) linkBase(r *http.Request) string {
	if s.publicURL != "" {
		return s.publicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if !plainHost.MatchString(host) {
		host = "localhost"
		if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			host = a.String()
		}
	}
	return scheme + "://" + host
}

var plainHost = regexp.MustCompile(`^([A-Za-z0-9\-.]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$`)
