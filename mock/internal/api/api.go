// Package api is the billing API of the mock: the six actions of openapi.yaml, each request
// validated against the contract before the state sees it and each answer before it leaves.
//
// A request goes through Serve's steps in the contract's order: parse the query, let a fault rule
// or a Prefer header answer instead, read the body (413, 415), authenticate (401), validate (400),
// act on the session's state (404, 403, 409), encode, and validate the answer (a broken one is a
// 500 that names the problem). The steps that only read and check (readBody, validateRequest,
// validateAnswer) touch no state, so that a validating proxy can run them around a forwarded
// request.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/internal/strictjson"
	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/fixture"
	"github.com/cloudplans/billing-mock/mock/internal/answer"
	"github.com/cloudplans/billing-mock/mock/internal/body"
	"github.com/cloudplans/billing-mock/mock/internal/examples"
	"github.com/cloudplans/billing-mock/mock/internal/link"
	"github.com/cloudplans/billing-mock/mock/internal/query"
	"github.com/cloudplans/billing-mock/mock/internal/session"
	"github.com/cloudplans/billing-mock/mock/internal/writer"
	"github.com/cloudplans/billing-mock/mock/state"
)

// Handler answers the billing API.
type Handler struct {
	// Validator validates requests and answers against the contract.
	Validator *contract.Validator
	// Examples are the contract's answers, for fault rules and Prefer headers.
	Examples *examples.Book
	// Links is where the payment and update-card links it hands out point.
	Links link.Base
	// Strict: validate every answer before it is sent.
	Strict bool
	// Logger gets every answer that breaks the contract.
	Logger *slog.Logger
	// Query reads query strings.
	Query query.Reader
}

// Path returns the handler of one path of the contract: it answers each of the path's methods, and
// any other method with 405 and the methods the path has.
func (h *Handler) Path(path string) func(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	ops := map[string]*contract.Operation{}
	var methods []string
	for _, op := range h.Validator.Contract().Operations() {
		if op.Path == path {
			ops[op.Method] = op
			methods = append(methods, op.Method)
		}
	}
	slices.Sort(methods)
	allow := strings.Join(methods, ", ")
	return func(w http.ResponseWriter, r *http.Request, rec *session.Record) {
		op, ok := ops[r.Method]
		if !ok {
			rec.Action = h.Query.Of(r.URL.RawQuery).Get("action")
			e := errcode.New(errcode.MethodNotAllowed, fmt.Sprintf("%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, allow))
			e.Allow = allow
			h.Unrouted(w, r, e)
			return
		}
		h.Serve(w, r, rec, op)
	}
}

// Serve answers one request of operation op.
func (h *Handler) Serve(w http.ResponseWriter, r *http.Request, rec *session.Record, op *contract.Operation) {
	// Parse the query.
	q := h.Query.Of(r.URL.RawQuery)
	action := q.Get("action")
	rec.Action = action
	sess, e := rec.Session()
	if e != nil {
		h.fail(w, r, op, action, e)
		return
	}
	rec.Org = q.Get("org_id")
	// A fault rule of the session, or a Prefer header, may answer instead.
	if op.HasAction(action) && h.answerInstead(w, r, rec, op, sess, action) {
		return
	}
	// Read the body.
	raw, e := h.readBody(r)
	if e != nil {
		h.fail(w, r, op, action, e)
		return
	}
	rec.RequestBody = raw
	// Authenticate.
	st := sess.State()
	user, e := authenticate(r, st)
	if e != nil {
		h.fail(w, r, op, action, e)
		return
	}
	// Validate.
	if e := h.validateRequest(r.Context(), op, r, raw); e != nil {
		h.fail(w, r, op, action, e)
		return
	}
	in, e := parameters(q, raw, op.ParameterLocation(action, "quantity") != "")
	if e != nil {
		h.fail(w, r, op, action, e)
		return
	}
	rec.Org = in.org
	// Act.
	do, ok := actions[action]
	if !ok { // unreachable: the contract's validation accepted the action
		h.fail(w, r, op, action, errcode.New(errcode.UnknownAction, "unknown action "+strconv.Quote(action)))
		return
	}
	payload, err := do(h, call{r: r, session: sess, state: st, user: user, params: in})
	if err != nil {
		h.fail(w, r, op, action, errcode.From(err))
		return
	}
	// Encode, validate the answer, send it.
	out, err := answer.Encode(payload)
	if err != nil {
		h.fail(w, r, op, action, errcode.From(err))
		return
	}
	h.respond(w, r, op, action, http.StatusOK, out, nil)
}

// answerInstead applies the session's first matching fault rule (a delay, a dropped connection or a
// documented error status) and then a Prefer header (code=NNN, example=NAME): each answers with one
// of the contract's examples for the action, without touching state. It reports whether it answered.
func (h *Handler) answerInstead(w http.ResponseWriter, r *http.Request, rec *session.Record, op *contract.Operation, sess *session.Session, action string) bool {
	if rule, hit := sess.Faults.Match(action); hit {
		if d := rule.Wait(); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				panic(http.ErrAbortHandler)
			}
		}
		if rule.Drop {
			rec.Dropped = true
			panic(http.ErrAbortHandler) // net/http closes the connection without an answer
		}
		if rule.Status != 0 {
			h.answerExample(w, r, op, action, examples.Preference{Code: rule.Status})
			return true
		}
	}
	header := r.Header.Get("Prefer")
	if header == "" {
		return false
	}
	pref, ok, e := examples.ParsePrefer(header)
	if e != nil {
		h.fail(w, r, op, action, e)
		return true
	}
	if ok {
		h.answerExample(w, r, op, action, pref)
	}
	return ok
}

// answerExample answers with the contract's example for the action and the preference.
func (h *Handler) answerExample(w http.ResponseWriter, r *http.Request, op *contract.Operation, action string, p examples.Preference) {
	status, ex, e := h.Examples.Answer(action, p)
	if e != nil {
		h.fail(w, r, op, action, e)
		return
	}
	var header http.Header
	if status == http.StatusUnauthorized {
		header = http.Header{"Www-Authenticate": {`Bearer realm="cloudplans"`}}
	}
	w.Header().Set("Preference-Applied", "code="+strconv.Itoa(status)+", example="+ex.Name)
	h.respond(w, r, op, action, status, ex.Body, header)
}

// readBody reads the request's body (413 over body.Limit) and checks its media type (415 for a
// body that is not application/json).
func (h *Handler) readBody(r *http.Request) ([]byte, *errcode.Error) {
	raw, e := body.Read(r)
	if e != nil {
		return nil, e
	}
	// "application/json" is IsJSON's commonest yes; only another value needs the full check.
	if ct := r.Header.Get("Content-Type"); len(raw) > 0 && ct != "application/json" && !contract.IsJSON(ct) {
		return nil, errcode.New(errcode.UnsupportedMediaType, fmt.Sprintf("send the body as application/json, not %q", ct))
	}
	return raw, nil
}

// authenticate finds the user of the request's bearer token in st.
func authenticate(r *http.Request, st *state.State) (string, *errcode.Error) {
	header := r.Header.Get("Authorization")
	if header == "" {
		e := errcode.New(errcode.MissingToken, "send Authorization: Bearer <token>")
		e.Authenticate = `Bearer realm="cloudplans"`
		return "", e
	}
	token, ok := contract.BearerToken(header)
	if !ok {
		e := errcode.New(errcode.InvalidToken, `the Authorization header must be "Bearer <token>"`)
		e.Authenticate = `Bearer realm="cloudplans", error="invalid_request"`
		return "", e
	}
	user, ok := st.UserByToken(token)
	if !ok {
		e := errcode.New(errcode.InvalidToken, "the bearer token is not valid")
		e.Authenticate = `Bearer realm="cloudplans", error="invalid_token"`
		return "", e
	}
	return user, nil
}

// validateRequest checks the request against the contract: a 400 whose code says what kind of
// problem came first, and whose message lists them all (errcode.FromValidation).
func (h *Handler) validateRequest(ctx context.Context, op *contract.Operation, r *http.Request, raw []byte) *errcode.Error {
	if err := h.Validator.ValidateRequest(ctx, op, r, raw); err != nil {
		return errcode.FromValidation(err)
	}
	return nil
}

// params are a validated request's parameters.
type params struct {
	org string
	// quantity is 0 for actions that take none.
	quantity int
}

// parameters reads org_id and, when the action takes one, quantity from the query string or, when
// absent there, the JSON body (both were validated: where both are given they agree). For an
// action that takes no quantity, one in the query string is an unknown query parameter, ignored.
func parameters(q query.Values, raw []byte, takesQuantity bool) (params, *errcode.Error) {
	var members map[string]json.RawMessage
	if len(raw) > 0 {
		members, _ = contract.ParseObject(raw) // validated
	}
	p := params{org: q.Get("org_id")}
	if v, ok := members["org_id"]; ok && p.org == "" {
		p.org, _ = strictjson.String(v) // what json.Unmarshal leaves in a string: "" unless a string
	}
	// The quantity stays bytes until it is known good: converting it to a string that escapes (into
	// the error message) would cost an allocation per request.
	var qty []byte
	if v := q.Get("quantity"); v != "" && takesQuantity {
		qty = []byte(v)
	} else if v, ok := members["quantity"]; ok && takesQuantity {
		qty = bytes.TrimSpace(v)
	}
	if len(qty) > 0 {
		n, err := strconv.Atoi(string(qty))
		if err != nil || n < 1 || n > fixture.MaxQuantity { // unreachable after validation
			return params{}, errcode.New(errcode.InvalidQuantity, fmt.Sprintf("quantity must be an integer from 1 to %d, got %q", fixture.MaxQuantity, string(qty)))
		}
		p.quantity = n
	}
	return p, nil
}

// call is one validated request, as an action sees it.
type call struct {
	r       *http.Request
	session *session.Session
	state   *state.State
	user    string
	params
}

// actions are the six actions; each acts on the state and returns its 200 answer.
var actions = map[string]func(h *Handler, c call) (any, error){
	"getorganization":    (*Handler).describe,
	"list_billing":       (*Handler).history,
	"getpaymentlink":     (*Handler).paymentLink,
	"getupdatecardlink":  (*Handler).updateCardLink,
	"updatesubscription": (*Handler).updateSubscription,
	"cancelsubscription": (*Handler).cancelSubscription,
}

func (h *Handler) describe(c call) (any, error) {
	d, err := c.state.Describe(c.user, c.org)
	if err != nil {
		return nil, err
	}
	return answer.DescribeOf(d), nil
}

func (h *Handler) history(c call) (any, error) {
	invoices, err := c.state.History(c.user, c.org)
	if err != nil {
		return nil, err
	}
	return answer.HistoryOf(c.org, invoices), nil
}

func (h *Handler) paymentLink(c call) (any, error) {
	chk, err := c.state.CreateCheckout(c.user, c.org, c.quantity)
	if err != nil {
		return nil, err
	}
	c.session.RememberLink(chk.ID)
	return answer.Link{Status: http.StatusOK, Response: link.Payment.URL(h.Links.Of(c.r), chk.ID, c.session.ID())}, nil
}

func (h *Handler) updateCardLink(c call) (any, error) {
	upd, err := c.state.CreateCardUpdate(c.user, c.org)
	if err != nil {
		return nil, err
	}
	c.session.RememberLink(upd.ID)
	return answer.Link{Status: http.StatusOK, Response: link.CardUpdate.URL(h.Links.Of(c.r), upd.ID, c.session.ID())}, nil
}

func (h *Handler) updateSubscription(c call) (any, error) {
	if err := c.state.UpdateQuantity(c.user, c.org, c.quantity); err != nil {
		return nil, err
	}
	return answer.Status{Status: http.StatusOK}, nil
}

func (h *Handler) cancelSubscription(c call) (any, error) {
	if err := c.state.Cancel(c.user, c.org); err != nil {
		return nil, err
	}
	return answer.Status{Status: http.StatusOK}, nil
}

// fail answers with the error envelope.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, op *contract.Operation, action string, e *errcode.Error) {
	h.respond(w, r, op, action, e.Status(), e.Body(), writer.ErrorHeader(e))
}

// Unrouted answers, with e, a request under /v1/ that no operation of the contract answers: an
// unknown path (404), a method the path does not have (405), or a refusal made before routing (a
// 414 for an over-long URL). The answer is validated as the contract's x-unrouted-responses.
// Elsewhere e is answered as it is.
func (h *Handler) Unrouted(w http.ResponseWriter, r *http.Request, e *errcode.Error) {
	if !strings.HasPrefix(r.URL.Path, "/v1/") {
		writer.Error(w, e)
		return
	}
	h.respond(w, r, nil, "", e.Status(), e.Body(), writer.ErrorHeader(e))
}

// jsonHeader is the header an answer without extra headers is validated with. It is read-only.
var jsonHeader = http.Header{"Content-Type": {"application/json"}}

// respond validates an answer (unless Strict is off) and writes it. An answer that breaks the
// contract becomes a 500 naming the problem: a bug of the mock, never hidden.
func (h *Handler) respond(w http.ResponseWriter, r *http.Request, op *contract.Operation, action string, status int, out []byte, header http.Header) {
	if h.Strict {
		hdr := jsonHeader
		if len(header) > 0 {
			hdr = http.Header{"Content-Type": {"application/json"}}
			for k, v := range header {
				hdr[k] = v
			}
		}
		if err := h.validateAnswer(r.Context(), op, r, action, status, hdr, out); err != nil {
			h.Logger.Error("the mock's answer breaks the contract", slog.String("error", err.Error()))
			writer.Error(w, errcode.New(errcode.Internal, "the mock's answer broke its own contract (a bug of the mock): "+err.Error()))
			return
		}
	}
	for k, v := range header {
		w.Header()[k] = v
	}
	writer.JSON(w, status, out)
}

// validateAnswer checks an answer to r against the contract (op nil: r matched no operation).
// The 200 answers of the link actions never repeat (each holds a new link), so they are validated
// without the verdict cache, where they would only take the room of verdicts that repeat.
func (h *Handler) validateAnswer(ctx context.Context, op *contract.Operation, r *http.Request, action string, status int, header http.Header, out []byte) error {
	in := contract.Response{Method: r.Method, Path: r.URL.Path, Action: action, Status: status, Header: header, Body: out}
	if op != nil && status == http.StatusOK && (action == "getpaymentlink" || action == "getupdatecardlink") {
		return op.ValidateResponse(ctx, in)
	}
	return h.Validator.ValidateResponse(ctx, op, in)
}
