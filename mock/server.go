// Package mock is the stateful, in-memory mock of the Cloud Plans billing API: the six billing
// actions, hosted checkout and update-card pages, a control API under /_mock/ for tests and QA, and
// a dashboard.
//
// Every request is validated against the contract (openapi.yaml) before a handler sees it, and,
// unless Options.SkipResponseValidation is set, every answer is validated before it is sent: an
// answer that would break the contract is replaced by a 500 that says why, so the mock can never
// disagree with its own contract silently.
//
// A Server is the route table and the middleware chain (this file); each surface is a handler of
// its own package under internal/ (api, control, pages, dashboard), the sessions are
// internal/session's, and the billing rules are package state's. With Options.Proxy the Server
// is a validating proxy of another implementation instead (proxy.go, internal/proxy,
// internal/recorder): the same middleware chain, and a route table that forwards.
package mock

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/fixture"
	"github.com/cloudplans/billing-mock/mock/internal/api"
	"github.com/cloudplans/billing-mock/mock/internal/control"
	"github.com/cloudplans/billing-mock/mock/internal/cors"
	"github.com/cloudplans/billing-mock/mock/internal/dashboard"
	"github.com/cloudplans/billing-mock/mock/internal/docs"
	"github.com/cloudplans/billing-mock/mock/internal/examples"
	"github.com/cloudplans/billing-mock/mock/internal/link"
	"github.com/cloudplans/billing-mock/mock/internal/pages"
	"github.com/cloudplans/billing-mock/mock/internal/proxy"
	"github.com/cloudplans/billing-mock/mock/internal/query"
	"github.com/cloudplans/billing-mock/mock/internal/recorder"
	"github.com/cloudplans/billing-mock/mock/internal/scenario"
	"github.com/cloudplans/billing-mock/mock/internal/session"
	"github.com/cloudplans/billing-mock/mock/internal/spec"
	"github.com/cloudplans/billing-mock/mock/internal/writer"
)

// Server is the mock, an http.Handler. Make one with New.
type Server struct {
	sessions *session.Store
	mux      *http.ServeMux
	// exact answers the paths the mux would give one handler for every method (a clean path
	// without wildcards and with a handler for any method: the billing API's), without matching
	// patterns.
	exact map[string]func(rw *recording, r *http.Request)
	// catchAll answers, without matching patterns, the clean paths that start with none of
	// routePrefixes (the literal beginnings of the other routes' patterns): the mux gives those
	// to the "/" route (in proxy mode, the proxy). nil when there is no "/" route.
	catchAll      func(rw *recording, r *http.Request)
	routePrefixes []string
	api           *api.Handler
	cors          *cors.Policy
	query         query.Reader
	logger        *slog.Logger
	latency       Latency
	// proxy and recorder are set in proxy mode (Options.Proxy) only.
	proxy    *proxy.Handler
	recorder *recorder.Recorder
}

// handler answers one request of the route table, given the request's record.
type handler func(w http.ResponseWriter, r *http.Request, rec *session.Record)

// New builds a Server: it loads the contract and seed (embedded ones unless given), builds the
// route table and parses the page templates, so that nothing of that is done per request.
func New(opts Options) (*Server, error) {
	if opts.ValidationCache < 0 {
		return nil, fmt.Errorf("mock: ValidationCache must be 0 (no cache) or more, not %d", opts.ValidationCache)
	}
	c := opts.Contract
	if c == nil {
		var err error
		if c, err = contract.Embedded(); err != nil {
			return nil, fmt.Errorf("mock: %w", err)
		}
	}
	seed := opts.Seed
	if seed == nil {
		var err error
		if seed, err = fixture.Default(); err != nil {
			return nil, fmt.Errorf("mock: default seed: %w", err)
		}
	}
	origins := opts.CORSOrigins
	if origins == nil {
		origins = DefaultCORSOrigins
	}
	policy, err := cors.New(origins)
	if err != nil {
		return nil, fmt.Errorf("mock: %w", err)
	}
	book, err := examples.Build(c)
	if err != nil {
		return nil, fmt.Errorf("mock: %w", err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	links := link.Base{Public: strings.TrimSuffix(opts.PublicURL, "/")}
	sessions := session.NewStore(seed, session.Limits{Sessions: opts.MaxSessions, Journal: opts.JournalSize,
		Faults: opts.MaxFaults, Links: opts.MaxPendingLinks, Invoices: opts.MaxInvoices})
	scenarios := &scenario.Book{}
	s := &Server{
		sessions: sessions,
		api: &api.Handler{Validator: contract.NewValidator(c, opts.ValidationCache), Examples: book, Links: links,
			Strict: !opts.SkipResponseValidation, Logger: logger, Query: query.NewReader()},
		cors:    policy,
		query:   query.NewReader(),
		logger:  logger,
		latency: opts.Latency,
	}
	ctl := &control.Handler{Sessions: sessions, Examples: book, Scenarios: scenarios}
	pg, err := pages.New(policy, links)
	if err != nil {
		return nil, fmt.Errorf("mock: %w", err)
	}
	dash, err := dashboard.New(sessions, scenarios, policy, links)
	if err != nil {
		return nil, fmt.Errorf("mock: %w", err)
	}
	if opts.Proxy == nil {
		served := spec.New(c.Source())
		tokens := make([]string, len(seed.Users))
		for i, u := range seed.Users {
			tokens[i] = u.Token
		}
		ref, err := docs.New(c, book, tokens, links)
		if err != nil {
			return nil, fmt.Errorf("mock: %w", err)
		}
		s.mux = s.mount(s.routeTable(c, ctl, pg, dash, served, ref))
		return s, nil
	}
	if err := s.newProxy(opts.Proxy, s.api.Validator, dash); err != nil {
		return nil, err
	}
	s.mux = s.mount(s.proxyRouteTable(ctl, dash))
	return s, nil
}

// route is one path of the route table, in net/http.ServeMux's syntax ({name} matches one segment,
// a trailing {$} the path itself only), and its handler for each method it answers. A path of the
// billing API has a handler for every other method too (other, which answers 405 itself).
type route struct {
	path  string
	on    on
	other handler
}

// on maps a method to its handler.
type on map[string]handler

// routeTable is every path the mock answers: the billing API's (each path of the contract), the
// control API's, the dashboard's and the hosted pages'. A path the table does not have is a 404, a
// known path with another method a 405 (both the envelope, validated as the contract's unrouted
// answers under /v1/).
func (s *Server) routeTable(c *contract.Contract, ctl *control.Handler, pg *pages.Handler, dash *dashboard.Handler, served *spec.Handler, ref *docs.Handler) []route {
	var routes []route
	for _, op := range c.Operations() {
		i := slices.IndexFunc(routes, func(rt route) bool { return rt.path == op.Path })
		if i < 0 {
			h := s.api.Path(op.Path)
			routes, i = append(routes, route{path: op.Path, on: on{}, other: h}), len(routes)
		}
		routes[i].on[op.Method] = routes[i].other
	}
	const get, head, post, put, del = http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete
	routes = append(routes, []route{
		// The control API (controlapi.yaml).
		{path: "/_mock/health", on: on{get: ctl.Health}},
		{path: "/_mock/reset", on: on{post: ctl.Reset}},
		{path: "/_mock/faults", on: on{get: ctl.ListFaults, post: ctl.AddFault, del: ctl.DeleteFaults}},
		{path: "/_mock/faults/{id}", on: on{del: ctl.DeleteFaults}},
		{path: "/_mock/requests", on: on{get: ctl.ListRequests}},
		{path: "/_mock/state", on: on{get: ctl.ExportState, put: ctl.ImportState}},
		{path: "/_mock/scenarios", on: on{get: ctl.ListScenarios}},
		{path: "/_mock/scenarios/{name}", on: on{post: ctl.LoadScenario}},
		{path: "/_mock/clock", on: on{get: ctl.Clock}},
		{path: "/_mock/clock/advance", on: on{post: ctl.AdvanceClock}},
		{path: "/_mock/checkouts/{id}/complete", on: on{post: ctl.CompleteLink(link.Payment)}},
		{path: "/_mock/checkouts/{id}/decline", on: on{post: ctl.DeclineLink(link.Payment)}},
		{path: "/_mock/card-updates/{id}/complete", on: on{post: ctl.CompleteLink(link.CardUpdate)}},
		{path: "/_mock/card-updates/{id}/decline", on: on{post: ctl.DeclineLink(link.CardUpdate)}},
		// The contract the mock validates with, and its reference page; / leads to the dashboard.
		{path: spec.YAMLPath, on: on{get: served.YAML, head: served.YAML}},
		{path: spec.JSONPath, on: on{get: served.JSON, head: served.JSON}},
		{path: docs.Path, on: on{get: ref.Page, head: ref.Page}},
		{path: docs.ScriptPath, on: on{get: ref.Script, head: ref.Script}},
		{path: "/{$}", on: on{get: toDashboard, head: toDashboard}},
		// The hosted pages.
		{path: link.Payment.Path + "{id}", on: on{get: pg.Checkout, head: pg.Checkout, post: pg.Submit(link.Payment)}},
		{path: link.CardUpdate.Path + "{id}", on: on{get: pg.CardUpdate, head: pg.CardUpdate, post: pg.Submit(link.CardUpdate)}},
	}...)
	return append(routes, dashboardRoutes(dash)...)
}

// dashboardRoutes are the dashboard's page and its forms' targets.
func dashboardRoutes(dash *dashboard.Handler) []route {
	const get, head, post = http.MethodGet, http.MethodHead, http.MethodPost
	return []route{
		{path: "/_mock", on: on{get: dash.Page, head: dash.Page}},
		{path: dashboard.Path + "{$}", on: on{get: dash.Page, head: dash.Page}},
		{path: dashboard.ActionPath + "advance", on: on{post: dash.Advance}},
		{path: dashboard.ActionPath + "scenario", on: on{post: dash.Scenario}},
		{path: dashboard.ActionPath + "reset", on: on{post: dash.Reset}},
		{path: dashboard.ActionPath + "faults/delete", on: on{post: dash.DeleteFaults}},
		{path: dashboard.ActionPath + "invoice", on: on{post: dash.EditInvoice}},
		{path: dashboard.ActionPath + "invoices/add", on: on{post: dash.AddInvoice}},
		{path: dashboard.ActionPath + "subscription", on: on{post: dash.EditSubscription}},
		{path: dashboard.ActionPath + "cancel", on: on{post: dash.CancelSubscription}},
		{path: dashboard.ActionPath + "state", on: on{post: dash.UploadState}},
		{path: dashboard.ActionPath + "scenario-file", on: on{get: dash.ScenarioFile, head: dash.ScenarioFile}},
	}
}

// toDashboard answers GET / with a redirect (302) to the dashboard.
func toDashboard(w http.ResponseWriter, r *http.Request, _ *session.Record) {
	http.Redirect(w, r, dashboard.Path, http.StatusFound)
}

// mount registers the route table on a ServeMux: one pattern per path and method, one for every
// method where the path has a handler for the others, and the unrouted answer (404 or 405) for
// every other request. The mux is served a *recording only. It also fills s.exact with the paths
// the mux sends, whatever the method, to one route's handler, and s.catchAll and s.routePrefixes
// with the "/" route's handler and where the other routes' paths begin.
func (s *Server) mount(routes []route) *http.ServeMux {
	mux := http.NewServeMux()
	s.exact = map[string]func(rw *recording, r *http.Request){}
	s.catchAll, s.routePrefixes = nil, nil
	prefixOnlySlash := false
	for _, rt := range routes {
		serve := func(rw *recording, r *http.Request) {
			handle := rt.on[r.Method]
			if handle == nil {
				handle = rt.other
			}
			if handle == nil { // HEAD, which a GET pattern matches too
				s.unrouted(rw, r)
				return
			}
			handle(&rw.Recorder, r, &rw.rec)
		}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serve(w.(*recording), r) })
		for m := range rt.on {
			mux.Handle(m+" "+rt.path, h)
		}
		if rt.other != nil {
			mux.Handle(rt.path, h)
			// A path without wildcards that is not a subtree ("/a/") matches itself only, and no
			// pattern is more specific than it and its methods' ones, which all lead to serve.
			if !strings.ContainsAny(rt.path, "{}") && !strings.HasSuffix(rt.path, "/") && cleanPath(rt.path) == rt.path {
				s.exact[rt.path] = serve
			}
		}
		if rt.path == "/" {
			s.catchAll = serve
			continue
		}
		// A pattern matches only paths that begin with its part before the first wildcard.
		prefix, _, _ := strings.Cut(rt.path, "{")
		prefixOnlySlash = prefixOnlySlash || prefix == "/"
		s.routePrefixes = append(s.routePrefixes, prefix)
	}
	if prefixOnlySlash { // a route such as "/{id}" may match any path
		s.catchAll = nil
	}
	if !slices.ContainsFunc(routes, func(rt route) bool { return rt.path == "/" }) {
		mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.unrouted(w.(*recording), r) }))
	}
	return mux
}

// ServeHTTP answers one request through the middleware chain, outermost first:
//
//   - recover: a panic is a 500 envelope (a connection a fault drops stays dropped);
//   - record: the request's writer and record are made, and its session named once; after the
//     answer, one log line and, for the billing API and the hosted pages, a journal entry;
//   - CORS: for a request from a browser (it has an Origin, or is a preflight), the CORS headers
//     go on the answer, and a preflight is answered here;
//   - URL length: a URL over MaxURLBytes is a 414, on any path, before the path is looked at;
//   - latency: Options.Latency delays the billing API and the hosted pages;
//   - route: the route table finds the handler, which gets the record.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer s.recoverPanic(w, r)
	rw := s.begin(w, r)
	defer s.end(rw, r, time.Now())
	if (r.Header.Get("Origin") != "" || r.Method == http.MethodOptions) && s.cors.Handle(&rw.Recorder, r) {
		return
	}
	if n := urlBytes(r); n > MaxURLBytes {
		s.api.Unrouted(&rw.Recorder, r, errcode.New(errcode.URITooLong,
			fmt.Sprintf("the URL is %d bytes; at most %d are accepted", n, MaxURLBytes)))
		return
	}
	if !s.delay(r) {
		return
	}
	s.route(rw, r)
}

// urlBytes is the length of r's URL as the request line carried it. The HTTP server's own limit
// (billing-mock's -max-header-bytes) is far above MaxURLBytes, so an over-long URL reaches the mock.
func urlBytes(r *http.Request) int {
	if r.RequestURI != "" {
		return len(r.RequestURI)
	}
	return len(r.URL.RequestURI()) // a request that did not come from a server
}

// recording is a request's writer and record, allocated together.
type recording struct {
	writer.Recorder
	rec session.Record
}

// journaled reports whether a request goes into its session's journal (and is delayed by
// Options.Latency): the billing API and the hosted pages do, the control API, the dashboard and
// preflights do not.
func journaled(r *http.Request) bool {
	if r.Method == http.MethodOptions {
		return false
	}
	p := r.URL.Path
	return strings.HasPrefix(p, "/v1/") || strings.HasPrefix(p, link.Payment.Path) || strings.HasPrefix(p, link.CardUpdate.Path)
}

// begin makes the request's writer and record, and names its session: X-Mock-Session, or the
// session query parameter that hosted-page links carry.
func (s *Server) begin(w http.ResponseWriter, r *http.Request) *recording {
	rw := &recording{Recorder: writer.Recorder{ResponseWriter: w}}
	if journaled(r) {
		rw.Keep = session.JournalBodyLimit + 1 // one more than the journal keeps, to tell it was cut
	}
	id := r.Header.Get(session.Header)
	if id == "" && urlBytes(r) <= MaxURLBytes { // the query of a 414 is not read
		id = s.query.Of(r.URL.RawQuery).Get("session")
	}
	s.sessions.Begin(&rw.rec, id)
	return rw
}

// end writes the request's log line and journal entry (a dropped connection included, with status
// 0), and passes a panic on.
func (s *Server) end(rw *recording, r *http.Request, start time.Time) {
	v := recover()
	elapsed := time.Since(start)
	rec := &rw.rec
	status := rw.Status()
	if rec.Dropped {
		status = 0
	}
	ctx := r.Context()
	if s.logger.Enabled(ctx, slog.LevelInfo) {
		s.logger.LogAttrs(ctx, slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("action", rec.Action),
			slog.String("org", rec.Org),
			slog.String("session", rec.SessionID()),
			slog.Int("status", status),
			slog.Duration("duration", elapsed),
		)
	}
	if rw.Keep > 0 && (v == nil || rec.Dropped) {
		rec.JournalSession().Journal.Add(session.Entry{
			Time: start.UTC(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			Action: rec.Action, Org: rec.Org, Status: status,
			DurationMS:  float64(elapsed.Microseconds()) / 1000,
			RequestBody: rec.RequestBody, ResponseBody: rw.Body(), // Add keeps or copies them
			Violations: rec.Violations,
		})
	}
	if v != nil {
		panic(v)
	}
}

// delay waits Options.Latency before a journaled request is answered; it reports false when the
// client went away meanwhile.
func (s *Server) delay(r *http.Request) bool {
	if s.latency.Max <= 0 || !journaled(r) {
		return true
	}
	d := s.latency.Min
	if span := s.latency.Max - s.latency.Min; span > 0 {
		d += time.Duration(rand.Int64N(int64(span) + 1))
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// route hands the request to the handler of its route. A path that is not clean (with . or ..
// elements, or double slashes) is redirected, 301, to its clean form first. Routes match the decoded
// path: an escaped slash (%2F) is a slash.
//
// A path of s.exact (clean, so never redirected) is answered by its handler directly, as the mux
// would answer it: the billing API's requests skip the mux's pattern matching. So is a clean path
// that only the "/" route can match (s.catchAll: in proxy mode, every forwarded request).
func (s *Server) route(rw *recording, r *http.Request) {
	if serve, ok := s.exact[r.URL.Path]; ok {
		r.URL.RawPath = ""
		serve(rw, r)
		return
	}
	if clean := cleanPath(r.URL.Path); clean != r.URL.Path {
		u := *r.URL
		u.Path, u.RawPath = clean, ""
		rw.Header().Set("Location", u.String())
		rw.WriteHeader(http.StatusMovedPermanently)
		return
	}
	r.URL.RawPath = ""
	if s.catchAll != nil && !s.nearRoute(r.URL.Path) {
		s.catchAll(rw, r)
		return
	}
	s.mux.ServeHTTP(rw, r)
}

// nearRoute reports whether a route other than "/" may match path, or redirect it (the mux sends
// "/a" to a subtree "/a/"): whether path, with a slash added, begins with one of routePrefixes.
func (s *Server) nearRoute(path string) bool {
	for _, prefix := range s.routePrefixes {
		if strings.HasPrefix(path, prefix) || (len(prefix) == len(path)+1 && strings.HasPrefix(prefix, path) && prefix[len(path)] == '/') {
			return true
		}
	}
	return false
}

// unrouted answers a request that matches no route: a 405 where its path has routes of other
// methods (Allow lists those of GET, POST, PUT and DELETE it has), else a 404.
func (s *Server) unrouted(rw *recording, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		probe := r.WithContext(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		s.api.Unrouted(&rw.Recorder, r, errcode.New(errcode.NotFound, fmt.Sprintf("no such path: %s (the billing API is under /v1/organizations/billing/)", r.URL.Path)))
		return
	}
	e := errcode.New(errcode.MethodNotAllowed, fmt.Sprintf("%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", ")))
	e.Allow = strings.Join(allow, ", ")
	s.api.Unrouted(&rw.Recorder, r, e)
}

// cleanPath is p in canonical form: rooted, without . and .. elements or double slashes, keeping a
// trailing slash.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		np += "/"
	}
	return np
}

// recoverPanic turns a panic into a 500 envelope; it is a last resort, never the way an error is
// answered. http.ErrAbortHandler (a dropped connection) goes on to net/http.
func (s *Server) recoverPanic(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	s.logger.Error("panic", slog.Any("value", v), slog.String("path", r.URL.Path))
	writer.Error(w, errcode.New(errcode.Internal, "the mock failed; this is a bug"))
}
