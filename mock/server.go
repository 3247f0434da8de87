// Package mock is the stateful, in-memory mock of the Cloud Plans billing API: the six billing
// actions, hosted checkout and update-card pages, and a control API under /_mock/ for tests and QA.
//
// Every request is validated against the contract (openapi.yaml) before a handler sees it, and,
// unless Options.SkipResponseValidation is set, every answer is validated before it is sent: an
// answer that would break the contract is replaced by a 500 that says why, so the mock can never
// disagree with its own contract silently. The state lives in package state; this package is the
// HTTP around it.
package mock

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/mock/fixture"
)

// Options configure a Server. The zero value serves the embedded contract and default seed.
type Options struct {
	// Contract validates requests and answers; nil means the embedded openapi.yaml.
	Contract *contract.Contract
	// Seed is what every session starts from; nil means the embedded fixtures/seed.yaml.
	Seed *fixture.Seed
	// PublicURL is the base of the links the mock hands out ("http://localhost:8080"); empty means
	// "http://" plus the request's Host.
	PublicURL string
	// CORSOrigins lists the browser origins allowed to call the mock: exact origins
	// ("http://localhost:5173"), "*" for any, or patterns with a port wildcard
	// ("http://localhost:*"). Nil means DefaultCORSOrigins.
	CORSOrigins []string
	// Logger gets one line per request; nil means no logging.
	Logger *slog.Logger
	// SkipResponseValidation turns off the validation of the mock's own answers.
	SkipResponseValidation bool
	// MaxSessions bounds the number of X-Mock-Session sessions kept; 0 means DefaultMaxSessions.
	MaxSessions int
	// JournalSize bounds each session's request journal; 0 means DefaultJournalSize.
	JournalSize int
	// MaxFaults bounds each session's fault rules; 0 means DefaultMaxFaults.
	MaxFaults int
	// MaxPendingLinks bounds the payment and update-card links each session remembers; 0 means
	// DefaultMaxPendingLinks. Handing out one more forgets the oldest (its page then answers 404
	// link_not_found): getpaymentlink documents no 429 or 503, so the mock never refuses a link.
	MaxPendingLinks int
	// MaxInvoices bounds the invoices the mock makes (quantity changes, checkouts, renewals) that
	// each organization of a session keeps; 0 means state.DefaultMaxMadeInvoices. Making one more
	// forgets the oldest made one; the invoices of the seed or an imported state are always kept.
	MaxInvoices int
	// ValidationCache is the number of "valid" verdicts of request and answer validation kept, keyed
	// by every input of the validation (see verdictCache); 0 means DefaultValidationCache, a negative
	// number turns the cache off (every request and answer is then validated in full).
	ValidationCache int
	// Latency delays every answer of the billing API and the hosted pages by a duration drawn
	// uniformly from [Latency.Min, Latency.Max]; the zero value adds none.
	Latency Latency
}

// Latency is a range of added delay; Min == Max for a fixed one.
type Latency struct {
	Min, Max time.Duration
}

// ParseLatency reads "250ms" (fixed) or "100ms-800ms" (a range).
func ParseLatency(s string) (Latency, error) {
	if s == "" || s == "0" {
		return Latency{}, nil
	}
	lo, hi, isRange := strings.Cut(s, "-")
	min, err := time.ParseDuration(strings.TrimSpace(lo))
	if err != nil {
		return Latency{}, fmt.Errorf("latency %q: want a duration like 250ms or a range like 100ms-800ms", s)
	}
	max := min
	if isRange {
		if max, err = time.ParseDuration(strings.TrimSpace(hi)); err != nil {
			return Latency{}, fmt.Errorf("latency %q: want a duration like 250ms or a range like 100ms-800ms", s)
		}
	}
	if min < 0 || max < min || max > time.Minute {
		return Latency{}, fmt.Errorf("latency %q: want 0 <= min <= max <= 1m", s)
	}
	return Latency{Min: min, Max: max}, nil
}

// DefaultMaxSessions is the number of sessions kept when Options.MaxSessions is 0. Beyond it, the
// least recently used session is dropped (and starts again from the seed if used again).
const DefaultMaxSessions = 1000

// DefaultCORSOrigins allows any page served from the local machine, on any port.
var DefaultCORSOrigins = []string{
	"http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*",
	"https://localhost:*", "https://127.0.0.1:*", "https://[::1]:*",
}

// MaxBodyBytes is the largest request body accepted (1 MiB); a larger one is a 413.
const MaxBodyBytes = 1 << 20

// MaxURLBytes is the longest URL (path and query string, as the request line carries it) the mock
// reads; a longer one is a 414 uri_too_long, on any path. RFC 9112 asks every server to take
// request lines of at least 8000 octets; the billing API's longest URL is a few hundred bytes.
const MaxURLBytes = 8 << 10

// Server is the mock, an http.Handler. Make one with New.
type Server struct {
	contract  *contract.Contract
	seed      *fixture.Seed
	sessions  *sessions
	publicURL string
	cors      *corsPolicy
	logger    *slog.Logger
	strict    bool
	handler   http.Handler
	router    *mux.Router
	examples  *exampleBook
	latency   Latency
	pages     *pages
	actions   map[string]actionFunc
	// scenarios parses the embedded scenarios on first use, once (not in New: it would add ~10 ms
	// to start-up, for a feature many runs never use).
	scenarios func() (*scenarioBook, error)
	verdicts  *verdictCache
	// apiPaths are the billing API's fixed paths, answered without the router.
	apiPaths map[string]bool
	// scanQueries: the billing API reads its query parameters by scanning the query string (see
	// queryValues), which url.ParseQuery's parameter limit allows (queryScanExact).
	scanQueries bool
}

// New builds a Server: it loads the contract and seed (embedded ones unless given), builds the
// routes and parses the page templates, so that nothing of that is done per request.
func New(opts Options) (*Server, error) {
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
	maxSessions := opts.MaxSessions
	if maxSessions <= 0 {
		maxSessions = DefaultMaxSessions
	}
	origins := opts.CORSOrigins
	if origins == nil {
		origins = DefaultCORSOrigins
	}
	cors, err := newCORSPolicy(origins)
	if err != nil {
		return nil, fmt.Errorf("mock: %w", err)
	}
	pg, err := newPages()
	if err != nil {
		return nil, fmt.Errorf("mock: %w", err)
	}
	examples, err := buildExamples(c)
	if err != nil {
		return nil, fmt.Errorf("mock: %w", err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		contract:  c,
		seed:      seed,
		sessions:  newSessions(seed, maxSessions, sessionLimits{journal: opts.JournalSize, faults: opts.MaxFaults, links: opts.MaxPendingLinks, invoices: opts.MaxInvoices}),
		publicURL: strings.TrimSuffix(opts.PublicURL, "/"),
		cors:      cors,
		logger:    logger,
		strict:    !opts.SkipResponseValidation,
		pages:     pg,
		examples:  examples,
		scenarios: sync.OnceValues(loadScenarios),
		latency:   opts.Latency,
		// Asked once: GODEBUG is read at start-up.
		scanQueries: queryScanExact(),
	}
	cacheSize := opts.ValidationCache
	if cacheSize == 0 {
		cacheSize = DefaultValidationCache
	}
	s.verdicts = newVerdictCache(cacheSize)
	s.actions = s.actionFuncs()
	s.handler = s.recoverer(s.logRequests(s.cors.wrap(s.limitURL(s.delay(s.routes())))))
	return s, nil
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) routes() http.Handler {
	r := mux.NewRouter()
	s.router = r
	apiPaths := map[string]bool{}
	for _, op := range s.contract.Operations() {
		r.Path(op.Path).HandlerFunc(s.serveAPI)
		if !strings.Contains(op.Path, "{") {
			apiPaths[op.Path] = true
		}
	}
	s.apiPaths = apiPaths
	s.controlRoutes(r)
	s.dashboardRoutes(r)
	s.pageRoutes(r)
	r.NotFoundHandler = http.HandlerFunc(s.notFound)
	r.MethodNotAllowedHandler = http.HandlerFunc(s.methodNotAllowed)
	// The billing API's paths are fixed strings: a map finds them without walking the router's
	// regular expressions. The router sends exactly these paths to serveAPI too (a path that needs
	// cleaning is not in the map, so the router still redirects it).
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if s.apiPaths[req.URL.Path] {
			s.serveAPI(w, req)
			return
		}
		r.ServeHTTP(w, req)
	})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.respondError(w, r, "", newError(http.StatusNotFound, "not_found", fmt.Sprintf("no such path: %s (the billing API is under /v1/organizations/billing/)", r.URL.Path)))
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	allow := s.allowedMethods(r)
	e := newError(http.StatusMethodNotAllowed, "method_not_allowed", fmt.Sprintf("%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, allow))
	e.Header = http.Header{"Allow": {allow}}
	s.respondError(w, r, "", e)
}

// allowedMethods lists the methods of the control or page route a request's path matched.
func (s *Server) allowedMethods(r *http.Request) string {
	var methods []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		var match mux.RouteMatch
		if s.router.Match(probe, &match) && match.MatchErr == nil {
			methods = append(methods, m)
		}
	}
	return strings.Join(methods, ", ")
}

// sessionID returns the request's session id (X-Mock-Session, or the session query parameter that
// hosted-page links carry).
func sessionID(r *http.Request) (string, *apiError) {
	return sessionIDOf(r, queryValues{parsed: r.URL.Query()})
}

// sessionIDOf is sessionID with the request's query string already at hand. A session id that is
// too long or not printable ASCII is a 400.
func sessionIDOf(r *http.Request, q queryValues) (string, *apiError) {
	id := r.Header.Get(SessionHeader)
	if id == "" {
		id = q.Get("session")
	}
	if len(id) > maxSessionIDLen {
		return "", newError(http.StatusBadRequest, "invalid_parameter", fmt.Sprintf("%s is over %d characters", SessionHeader, maxSessionIDLen))
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '!' || id[i] > '~' {
			return "", newError(http.StatusBadRequest, "invalid_parameter", SessionHeader+" must be printable ASCII without spaces")
		}
	}
	return id, nil
}

// maxScannedParams is the most query parameters queryOf reads by scanning the raw query string;
// a query string with more is parsed by url.ParseQuery.
const maxScannedParams = 16

// queryValues answers url.Values.Get for one request's query string. The billing API reads three
// or four parameters of a query string of as many: instead of building a url.Values (a map and a
// slice per parameter), Get scans the raw string, exactly as url.ParseQuery would parse it (pairs
// split on "&", a pair holding ";" or an undecodable key or value skipped, the first remaining
// value of the key returned). Where a scan could differ from url.ParseQuery (a query string over
// its parameter limit), queryOf parses it instead.
type queryValues struct {
	raw    string
	parsed url.Values // non-nil: raw is not scanned, parsed answers
}

// queryOf returns the request's query values: scanned when s.scanQueries allows it and the query
// string has at most maxScannedParams parameters, else parsed once by url.ParseQuery.
func (s *Server) queryOf(r *http.Request) queryValues {
	raw := r.URL.RawQuery
	if !s.scanQueries || strings.Count(raw, "&") >= maxScannedParams {
		return queryValues{parsed: r.URL.Query()}
	}
	return queryValues{raw: raw}
}

// Get returns the first value of key, or "", as url.Values.Get on url.ParseQuery's answer does.
func (q queryValues) Get(key string) string {
	if q.parsed != nil {
		return q.parsed.Get(key)
	}
	rest := q.raw
	for rest != "" {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		// QueryUnescape returns its argument, unallocated, when there is nothing to decode.
		if k, err := url.QueryUnescape(k); err != nil || k != key {
			continue
		}
		if v, err := url.QueryUnescape(v); err == nil {
			return v
		}
	}
	return ""
}

// queryScanExact reports whether url.ParseQuery accepts maxScannedParams parameters, as it does
// unless GODEBUG urlmaxqueryparams sets a lower limit: only then does queryValues's scan of a
// query string of at most that many parameters find what url.ParseQuery finds. New asks once.
func queryScanExact() bool {
	_, err := url.ParseQuery(strings.Repeat("&", maxScannedParams-1))
	return err == nil
}

// baseURL is where the links the mock hands out point.
func (s *Server) baseURL(r *http.Request) string {
	if s.publicURL != "" {
		return s.publicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// requestRecord collects, for the request log, what the handlers learn about a request.
type requestRecord struct {
	action, org, session string
	// requestBody is the body as read; the journal keeps it by reference (see journal.add), so
	// nothing may change it once it is recorded (nothing does: the contract's validation, ParseObject
	// included, only reads it).
	requestBody []byte
	// dropped: a fault closed the connection without an answer.
	dropped bool
}

// recordOf returns the record of the request whose answer w writes: the one logRequests made,
// found by unwrapping w down to its statusWriter. Every wrapper between logRequests and the
// handlers (cors, delay, the router) passes logRequests's writer on unchanged; a writer that
// wrapped it would need an Unwrap method. For a writer logRequests did not make (a handler called
// on its own, as some tests do) it returns a throwaway record, so callers need not check.
//
// The record is reached through the writer, not the request's context, because storing it in the
// context costs a copy of the request and a context node per request.
func recordOf(w http.ResponseWriter) *requestRecord {
	for range maxUnwrap {
		switch x := w.(type) {
		case *statusWriter:
			if x.rec != nil {
				return x.rec
			}
			w = x.ResponseWriter
		case interface{ Unwrap() http.ResponseWriter }:
			w = x.Unwrap()
		default:
			return &requestRecord{}
		}
	}
	return &requestRecord{}
}

// maxUnwrap bounds recordOf's walk down a chain of writers (a writer that unwraps to itself must not
// hang it).
const maxUnwrap = 16

// statusWriter remembers the status written and, when capture is set, the start of the body.
type statusWriter struct {
	http.ResponseWriter
	status  int
	capture bool
	// body is what the journal keeps of the answer: at most journalBodyLimit+1 bytes (one more than
	// it keeps, to tell that it was cut). It is never changed in place once written: appends go to a
	// buffer of statusWriter's own, and writeImmutable's slice has no spare capacity.
	body []byte
	// rec is the request's record (recordingWriter's own), for recordOf; nil in a bare statusWriter.
	rec *requestRecord
}

// recordingWriter is a statusWriter and its request's record, allocated together.
type recordingWriter struct {
	statusWriter
	rec requestRecord
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.capture && len(w.body) <= journalBodyLimit {
		w.body = append(w.body, b[:min(len(b), journalBodyLimit+1-len(w.body))]...)
	}
	return w.ResponseWriter.Write(b)
}

// writeImmutable is Write for a whole body its caller never changes afterwards (writeJSON's): the
// journal keeps it by reference instead of copying it, unless its array is large (see keepBody):
// then Write copies the part the journal keeps.
func (w *statusWriter) writeImmutable(b []byte) (int, error) {
	if !w.capture || w.body != nil || cap(b) > maxSharedBody {
		return w.Write(b)
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n := min(len(b), journalBodyLimit+1)
	w.body = b[:n:n]
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// journaled reports whether a request goes into its session's journal: the billing API and the
// hosted pages do, the control API and preflights do not.
func journaled(r *http.Request) bool {
	if r.Method == http.MethodOptions {
		return false
	}
	p := r.URL.Path
	return strings.HasPrefix(p, "/v1/") || strings.HasPrefix(p, checkoutPath) || strings.HasPrefix(p, updateCardPath)
}

// logRequests writes one structured line per request and records journaled ones in their
// session's journal, a dropped connection included.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// One allocation for the writer and the record.
		rw := &recordingWriter{statusWriter: statusWriter{ResponseWriter: w, capture: journaled(r)}}
		rec, sw := &rw.rec, &rw.statusWriter
		sw.rec = rec // the handlers find it through the writer (recordOf)
		ctx := r.Context()
		defer func() {
			v := recover()
			elapsed := time.Since(start)
			status := sw.status
			if rec.dropped {
				status = 0
			}
			if s.logger.Enabled(ctx, slog.LevelInfo) {
				s.logger.LogAttrs(ctx, slog.LevelInfo, "request",
					slog.String("method", r.Method),
					slog.String("path", r.URL.Path),
					slog.String("action", rec.action),
					slog.String("org", rec.org),
					slog.String("session", rec.session),
					slog.Int("status", status),
					slog.Duration("duration", elapsed),
				)
			}
			if sw.capture && (v == nil || rec.dropped) {
				s.sessions.session(rec.session).journal.add(journalEntry{
					Time: start.UTC(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
					Action: rec.action, Org: rec.org, Status: status,
					DurationMS:  float64(elapsed.Microseconds()) / 1000,
					RequestBody: rec.requestBody, ResponseBody: sw.body, // add keeps or copies them
				})
			}
			if v != nil {
				panic(v)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// delay adds Options.Latency to the billing API and the hosted pages.
func (s *Server) delay(next http.Handler) http.Handler {
	if s.latency.Max <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if journaled(r) {
			d := s.latency.Min
			if span := s.latency.Max - s.latency.Min; span > 0 {
				d += time.Duration(rand.Int64N(int64(span) + 1))
			}
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// limitURL answers a URL over MaxURLBytes with a 414 envelope before the path is looked at, in the
// session its X-Mock-Session header names (the query string is not read). The HTTP server's own
// limit (cmd/billing-mock's -max-header-bytes) is far above it, so such a request reaches here.
func (s *Server) limitURL(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uri := r.RequestURI
		if uri == "" { // a request that did not come from a server
			uri = r.URL.RequestURI()
		}
		if len(uri) <= MaxURLBytes {
			next.ServeHTTP(w, r)
			return
		}
		if session, err := sessionIDOf(r, queryValues{parsed: url.Values{}}); err == nil {
			recordOf(w).session = session
		}
		s.respondError(w, r, "", newError(http.StatusRequestURITooLong, "uri_too_long",
			fmt.Sprintf("the URL is %d bytes; at most %d are accepted", len(uri), MaxURLBytes)))
	})
}

// recoverer turns a panic into a 500 envelope; it is a last resort, never the way an error is
// answered.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger.Error("panic", slog.Any("value", v), slog.String("path", r.URL.Path))
				writeError(w, newError(http.StatusInternalServerError, "internal_error", "the mock failed; this is a bug"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}
