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
// internal/session's, and the billing rules are package state's.
package mock

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
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
	"github.com/cloudplans/billing-mock/mock/internal/examples"
	"github.com/cloudplans/billing-mock/mock/internal/link"
	"github.com/cloudplans/billing-mock/mock/internal/pages"
	"github.com/cloudplans/billing-mock/mock/internal/query"
	"github.com/cloudplans/billing-mock/mock/internal/router"
	"github.com/cloudplans/billing-mock/mock/internal/scenario"
	"github.com/cloudplans/billing-mock/mock/internal/session"
	"github.com/cloudplans/billing-mock/mock/internal/writer"
)

// Server is the mock, an http.Handler. Make one with New.
type Server struct {
	sessions *session.Store
	routes   *router.Table[handler]
	api      *api.Handler
	cors     *cors.Policy
	query    query.Reader
	logger   *slog.Logger
	latency  Latency
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
	s.routes = router.New(s.routeTable(c, ctl, pg, dash))
	return s, nil
}

// routeTable is every path the mock answers: the billing API's (each path of the contract, every
// method: its handler answers 405 for the methods the path does not have), the control API's, the
// dashboard's and the hosted pages'. A path the table does not have is a 404, a known path with
// another method a 405 (both the envelope, validated as the contract's unrouted answers under
// /v1/).
func (s *Server) routeTable(c *contract.Contract, ctl *control.Handler, pg *pages.Handler, dash *dashboard.Handler) []router.Route[handler] {
	var routes []router.Route[handler]
	var paths []string
	for _, op := range c.Operations() {
		if !slices.Contains(paths, op.Path) {
			paths = append(paths, op.Path)
			routes = append(routes, router.Route[handler]{Path: op.Path, Handler: s.api.Path(op.Path)})
		}
	}
	get, post, put, del := []string{http.MethodGet}, []string{http.MethodPost}, []string{http.MethodPut}, []string{http.MethodDelete}
	getHead := []string{http.MethodGet, http.MethodHead}
	return append(routes, []router.Route[handler]{
		// The control API (controlapi.yaml).
		{Methods: get, Path: "/_mock/health", Handler: ctl.Health},
		{Methods: post, Path: "/_mock/reset", Handler: ctl.Reset},
		{Methods: post, Path: "/_mock/faults", Handler: ctl.AddFault},
		{Methods: get, Path: "/_mock/faults", Handler: ctl.ListFaults},
		{Methods: del, Path: "/_mock/faults", Handler: ctl.DeleteFaults},
		{Methods: del, Path: "/_mock/faults/{id}", Handler: ctl.DeleteFaults},
		{Methods: get, Path: "/_mock/requests", Handler: ctl.ListRequests},
		{Methods: get, Path: "/_mock/state", Handler: ctl.ExportState},
		{Methods: put, Path: "/_mock/state", Handler: ctl.ImportState},
		{Methods: get, Path: "/_mock/scenarios", Handler: ctl.ListScenarios},
		{Methods: post, Path: "/_mock/scenarios/{name}", Handler: ctl.LoadScenario},
		{Methods: get, Path: "/_mock/clock", Handler: ctl.Clock},
		{Methods: post, Path: "/_mock/clock/advance", Handler: ctl.AdvanceClock},
		{Methods: post, Path: "/_mock/checkouts/{id}/complete", Handler: ctl.CompleteLink(link.Payment)},
		{Methods: post, Path: "/_mock/checkouts/{id}/decline", Handler: ctl.DeclineLink(link.Payment)},
		{Methods: post, Path: "/_mock/card-updates/{id}/complete", Handler: ctl.CompleteLink(link.CardUpdate)},
		{Methods: post, Path: "/_mock/card-updates/{id}/decline", Handler: ctl.DeclineLink(link.CardUpdate)},
		// The dashboard.
		{Methods: getHead, Path: "/_mock", Handler: dash.Page},
		{Methods: getHead, Path: dashboard.Path, Handler: dash.Page},
		{Methods: post, Path: dashboard.ActionPath + "advance", Handler: dash.Advance},
		{Methods: post, Path: dashboard.ActionPath + "scenario", Handler: dash.Scenario},
		{Methods: post, Path: dashboard.ActionPath + "reset", Handler: dash.Reset},
		{Methods: post, Path: dashboard.ActionPath + "faults/delete", Handler: dash.DeleteFaults},
		// The hosted pages.
		{Methods: getHead, Path: link.Payment.Path + "{id}", Handler: pg.Checkout},
		{Methods: post, Path: link.Payment.Path + "{id}", Handler: pg.Submit(link.Payment)},
		{Methods: getHead, Path: link.CardUpdate.Path + "{id}", Handler: pg.CardUpdate},
		{Methods: post, Path: link.CardUpdate.Path + "{id}", Handler: pg.Submit(link.CardUpdate)},
	}...)
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
	s.route(&rw.Recorder, r, &rw.rec)
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

// route hands the request to the handler the route table finds, or answers a redirect to the clean
// path, a 404 or a 405.
func (s *Server) route(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	m := s.routes.Find(r)
	switch m.Status {
	case 0:
		m.Handler(w, r, rec)
	case http.StatusMovedPermanently:
		w.Header().Set("Location", m.Location)
		w.WriteHeader(http.StatusMovedPermanently)
	case http.StatusMethodNotAllowed:
		e := errcode.New(errcode.MethodNotAllowed, fmt.Sprintf("%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, m.Allow))
		e.Allow = m.Allow
		s.api.Unrouted(w, r, e)
	default:
		s.api.Unrouted(w, r, errcode.New(errcode.NotFound, fmt.Sprintf("no such path: %s (the billing API is under /v1/organizations/billing/)", r.URL.Path)))
	}
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
