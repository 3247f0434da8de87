// Package proxy is billing-mock's validating proxy (-proxy URL): it forwards the billing API to
// an upstream implementation and validates each request and each answer, per action, with the
// contract.Validator the mock uses.
//
// An answer passes through with its status, headers and body unchanged (ModeReport), apart from a
// Contract-Violations header that counts the problems found and the CORS headers, which are the
// proxy's own policy's; in ModeEnforce an answer that breaks the contract becomes a 502
// contract_violation envelope that names the problems. The proxy answers itself, with the mock's
// envelope, a body over the mock's limit (413), an upstream it cannot reach (502
// upstream_unreachable), one that does not answer within Timeout (504 upstream_timeout) and an
// answer over MaxAnswerBytes (502 upstream_answer_too_large).
//
// Everything that is not the billing API (the hosted pages, links, the test-support calls the
// proxy does not answer itself) is forwarded untouched and not validated. Tokens never leave the
// proxy in what it reports: the Log and the journal name a token by its role (Redactor).
package proxy

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/internal/strictjson"
	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/internal/body"
	"github.com/cloudplans/billing-mock/mock/internal/query"
	"github.com/cloudplans/billing-mock/mock/internal/session"
	"github.com/cloudplans/billing-mock/mock/internal/upstream"
	"github.com/cloudplans/billing-mock/mock/internal/writer"
)

// Mode says what the proxy does with an answer that breaks the contract.
type Mode string

const (
	// ModeReport passes every answer on unchanged and reports its violations.
	ModeReport Mode = "report"
	// ModeEnforce turns an answer that breaks the contract into a 502 contract_violation.
	ModeEnforce Mode = "enforce"
)

// ParseMode reads -proxy-mode.
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case ModeReport, ModeEnforce:
		return Mode(s), nil
	}
	return "", fmt.Errorf("want report or enforce, not %q", s)
}

// ViolationsHeader is the header of every answer of the proxy: the number of violations found in
// the request and its answer (the list is in the journal and GET /_mock/violations).
const ViolationsHeader = "Contract-Violations"

// DefaultTimeout bounds one upstream exchange: below billing-mock's 30 s write timeout, so that
// the proxy's 504 reaches the client before the server gives up on it.
const DefaultTimeout = 25 * time.Second

// MaxAnswerBytes is the largest upstream answer the proxy reads (and validates).
const MaxAnswerBytes = 16 << 20

// Handler is the validating proxy. Its fields are its dependencies; Upstream, Validator, Client,
// Log and Redactor are required.
type Handler struct {
	// Upstream is the base URL requests are forwarded to; its path, if any, prefixes theirs.
	Upstream *url.URL
	// Mode is ModeReport or ModeEnforce ("" is ModeReport).
	Mode Mode
	// Validator validates requests and answers against the contract.
	Validator *contract.Validator
	// Client sends the forwarded requests to Upstream.
	Client *upstream.Client
	// Timeout bounds each upstream exchange; 0 means DefaultTimeout.
	Timeout time.Duration
	// Log collects the violations of every billing API exchange.
	Log *Log
	// Redactor names tokens by their role in what the proxy reports.
	Redactor *Redactor
	// Observer, when set, sees every exchange (the recorder of -record).
	Observer Observer
	// Logger gets a line for each upstream failure; nil logs nothing.
	Logger *slog.Logger
	// Query reads query strings.
	Query query.Reader
}

// Observer sees each exchange the proxy passed on, after its answer was written.
type Observer interface {
	Observe(x *Exchange)
}

// Exchange is one forwarded request and the answer the client got, as an Observer sees it. It
// holds the token in the clear (the recorder maps it to a role variable); nothing the proxy
// reports holds it.
type Exchange struct {
	Time    time.Time
	Session string
	Method  string
	Path    string
	Query   string
	// Header is the request's header as the client sent it.
	Header http.Header
	Body   []byte
	// Oversize is the size of a body over the limit, which the proxy refused unread (a 413).
	Oversize int64
	// Own: the answer is the proxy's own 5xx (an upstream that failed, an enforced violation),
	// not one the upstream gave.
	Own bool
	// Token is the request's bearer token ("" when none).
	Token, Action, Org string
	Status             int
	Answer             []byte
	// API: the request was to the billing API (and validated).
	API bool
}

// Serve forwards one request. Billing API requests (under /v1/) are validated with their answers;
// the others are passed on as they are.
func (h *Handler) Serve(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	api := strings.HasPrefix(r.URL.Path, "/v1/")
	q := h.Query.Of(r.URL.RawQuery)
	x := &Exchange{Session: rec.SessionID(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Header: r.Header, API: api, Action: q.Get("action"), Org: q.Get("org_id")}
	x.Token, _ = contract.BearerToken(r.Header.Get("Authorization"))
	if api {
		rec.Action, rec.Org = x.Action, x.Org
	}
	raw, e := body.Read(r)
	if e != nil {
		x.Oversize = max(r.ContentLength, body.Limit+1)
		h.refuse(w, x, rec, e, nil)
		return
	}
	x.Body = raw
	if x.Org == "" && len(raw) > 0 {
		x.Org = bodyOrg(raw)
	}
	var op *contract.Operation
	var found []session.Violation
	authorization := r.Header.Get("Authorization")
	if api {
		rec.RequestBody, rec.Org = raw, x.Org
		var rerr error
		if op, rerr = h.Validator.Contract().Find(r.Method, r.URL.Path); rerr == nil {
			found = h.sideProblems("request", h.Validator.ValidateRequest(r.Context(), op, r, raw))
			found = h.Redactor.Violations(found, authorization, x.Token)
		}
	}
	action := x.Action
	resp, e := h.forward(r, raw)
	if e != nil {
		h.refuse(w, x, rec, e, found)
		return
	}
	if api {
		in := contract.Response{Method: r.Method, Path: r.URL.Path, Action: action, Status: resp.Status, Header: resp.Header, Body: resp.Body}
		var verr error
		if op != nil && resp.Status == http.StatusOK && (action == "getpaymentlink" || action == "getupdatecardlink") {
			verr = op.ValidateResponse(r.Context(), in) // a new link each time: not worth a cache slot
		} else {
			verr = h.Validator.ValidateResponse(r.Context(), op, in)
		}
		answerProblems := h.Redactor.Violations(h.sideProblems("response", verr), authorization, x.Token)
		found = append(found, answerProblems...)
		if h.mode() == ModeEnforce && len(answerProblems) > 0 {
			h.refuse(w, x, rec, violationError(resp.Status, found), found)
			return
		}
	}
	dst := w.Header()
	head := r.Method == http.MethodHead // its Content-Length is the upstream's, of the GET
	for k, vs := range resp.Header {
		if upstream.HopByHop(k) || strings.HasPrefix(k, "Access-Control-") || (k == "Content-Length" && !head) {
			continue
		}
		if prior := dst[k]; len(prior) > 0 {
			dst[k] = append(prior, vs...)
		} else {
			dst[k] = vs[:len(vs):len(vs)] // shared, full: an Add by a later writer copies it
		}
	}
	if !head && bodyAllowed(resp.Status) {
		dst.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	}
	dst.Set(ViolationsHeader, strconv.Itoa(len(found)))
	w.WriteHeader(resp.Status)
	if !head && bodyAllowed(resp.Status) {
		writer.WriteFinal(w, resp.Body) // the answer's, which nothing changes
	}
	x.Status, x.Answer = resp.Status, resp.Body
	h.done(rec, x, found)
}

// refuse answers with the proxy's own envelope e (a 413, a 502 or a 504), counting found.
func (h *Handler) refuse(w http.ResponseWriter, x *Exchange, rec *session.Record, e *errcode.Error, found []session.Violation) {
	w.Header().Set(ViolationsHeader, strconv.Itoa(len(found)))
	writer.Error(w, e)
	x.Status, x.Answer, x.Own = e.Status(), e.Body(), e.Status() >= 500
	h.done(rec, x, found)
}

// done notes an exchange's violations in the record (for the journal) and the Log, and shows it
// to the Observer.
func (h *Handler) done(rec *session.Record, x *Exchange, found []session.Violation) {
	x.Time = time.Now()
	if x.API {
		rec.Violations = found
		h.Log.Add(Entry{Time: x.Time.UTC(), Session: x.Session, Method: x.Method, Path: x.Path, Action: x.Action,
			Org: x.Org, Token: h.Redactor.Name(x.Token), Status: x.Status, Violations: found})
	}
	if h.Observer != nil {
		h.Observer.Observe(x)
	}
}

// forward sends the request to the upstream and reads its whole answer.
func (h *Handler) forward(r *http.Request, raw []byte) (*upstream.Response, *errcode.Error) {
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	target := strings.TrimSuffix(h.Upstream.EscapedPath(), "/") + r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	out := &upstream.Request{Method: r.Method, Target: target, Header: r.Header, Extra: forwarded(r), Body: raw}
	resp, err := h.Client.Do(r.Context(), out, time.Now().Add(timeout), MaxAnswerBytes)
	if err != nil {
		return nil, h.upstreamError(r, err)
	}
	return resp, nil
}

// upstreamError is the envelope for a failed upstream exchange: a 504 past the timeout, a 502
// otherwise. A client that went away gets nothing (net/http drops the connection).
func (h *Handler) upstreamError(r *http.Request, err error) *errcode.Error {
	if r.Context().Err() != nil {
		panic(http.ErrAbortHandler)
	}
	host := h.Upstream.Host
	if h.Logger != nil {
		h.Logger.Warn("upstream failed", slog.String("upstream", host), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	}
	switch {
	case errors.Is(err, upstream.ErrTimeout):
		return errcode.New(errcode.UpstreamTimeout, fmt.Sprintf("the upstream %s did not answer within the proxy's timeout", host))
	case errors.Is(err, upstream.ErrTooLarge):
		return errcode.New(errcode.UpstreamAnswerTooLarge, fmt.Sprintf("the upstream's answer is over %d bytes, the most the proxy reads", MaxAnswerBytes))
	}
	return errcode.New(errcode.UpstreamUnreachable, fmt.Sprintf("the upstream %s could not be reached: %v", host, err))
}

// sideProblems turns a validation error into violations of one side ("request" or "response").
func (h *Handler) sideProblems(side string, err error) []session.Violation {
	if err == nil {
		return nil
	}
	var verr *contract.ValidationError
	if !errors.As(err, &verr) {
		return []session.Violation{{Side: side, Problem: contract.Problem{Kind: contract.Invalid, Got: err.Error()}}}
	}
	out := make([]session.Violation, len(verr.Problems))
	for i, p := range verr.Problems {
		out[i] = session.Violation{Side: side, Problem: p}
	}
	return out
}

// violationError is the enforce mode's 502: the upstream's status and every problem found.
func violationError(status int, found []session.Violation) *errcode.Error {
	var msgs []string
	for _, v := range found {
		msgs = append(msgs, v.Side+" "+v.String())
	}
	return errcode.New(errcode.ContractViolation, fmt.Sprintf("the upstream's %d answer breaks the contract: %s", status, strings.Join(msgs, "; ")))
}

// forwarded are the fields that say who asked the proxy, as httputil.ReverseProxy sends them:
// X-Forwarded-For with the client's address appended, and the host and scheme it asked for
// (X-Forwarded-Host, X-Forwarded-Proto).
func forwarded(r *http.Request) []upstream.Field {
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	fields := make([]upstream.Field, 0, 3)
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		if prior := r.Header["X-Forwarded-For"]; len(prior) > 0 {
			ip = strings.Join(prior, ", ") + ", " + ip
		}
		fields = append(fields, upstream.Field{Name: "X-Forwarded-For", Value: ip})
	}
	return append(fields, upstream.Field{Name: "X-Forwarded-Host", Value: r.Host}, upstream.Field{Name: "X-Forwarded-Proto", Value: proto})
}

// bodyAllowed reports whether an answer with status may have a body (RFC 9110: not 1xx, 204, 304).
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// bodyOrg is the org_id member of a JSON body, "" when there is none.
func bodyOrg(raw []byte) string {
	members, err := contract.ParseObject(raw)
	if err != nil {
		return ""
	}
	v, ok := members["org_id"]
	if !ok {
		return ""
	}
	s, _ := strictjson.String(v) // "" unless a string
	return s
}
