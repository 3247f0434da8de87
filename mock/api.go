package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/mock/fixture"
	"github.com/cloudplans/billing-mock/mock/state"
)

// call is one validated API request, as an action handler sees it.
type call struct {
	state   *state.State
	session string
	user    string
	org     string
	// quantity is 0 for actions that take none.
	quantity int
	// req is the request, for the base of the links an action hands out (Server.baseURL), which
	// only the link actions build.
	req *http.Request
}

// actionFunc performs one action and returns the answer's body for a 200.
type actionFunc func(ctx context.Context, c call) (any, error)

func (s *Server) actionFuncs() map[string]actionFunc {
	return map[string]actionFunc{
		"getorganization":    s.describe,
		"list_billing":       s.history,
		"getpaymentlink":     s.paymentLink,
		"getupdatecardlink":  s.updateCardLink,
		"updatesubscription": s.updateSubscription,
		"cancelsubscription": s.cancelSubscription,
	}
}

// serveAPI answers a billing API request. The checks run in the contract's order: method (405),
// body size (413), media type (415), token (401), action and parameters (400), then the action,
// which checks the organization (404), the permission (403) and the state (409). Before them, a
// fault rule of the session or a Prefer header may answer instead (see answerInstead).
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	rec := recordOf(w)
	q := s.queryOf(r) // read without building a url.Values
	action := q.Get("action")
	rec.action = action
	op, err := s.contract.Find(r.Method, r.URL.Path)
	if err != nil {
		var re *contract.RouteError
		if errors.As(err, &re) && re.Status == http.StatusMethodNotAllowed {
			e := newError(http.StatusMethodNotAllowed, "method_not_allowed", re.Error())
			e.Header = http.Header{"Allow": {re.Allow}}
			s.respondError(w, r, "", e)
			return
		}
		s.notFound(w, r)
		return
	}
	session, aerr := sessionIDOf(r, q)
	if aerr != nil {
		s.respondError(w, r, action, aerr)
		return
	}
	rec.session = session
	rec.org = q.Get("org_id")
	if op.HasAction(action) && s.answerInstead(w, r, session, action) {
		return
	}
	c, aerr := s.prepare(w, r, q, session, op.ParameterLocation(action, "quantity") != "")
	if aerr != nil {
		s.respondError(w, r, action, aerr)
		return
	}
	rec.org = c.org
	fn, ok := s.actions[action]
	if !ok { // unreachable: the contract's validation accepted the action
		s.respondError(w, r, action, newError(http.StatusBadRequest, "unknown_action", "unknown action "+strconv.Quote(action)))
		return
	}
	payload, err := fn(r.Context(), c)
	if err != nil {
		s.respondError(w, r, action, asAPIError(err))
		return
	}
	body, err := encodeAnswer(payload)
	if err != nil {
		s.respondError(w, r, action, asAPIError(err))
		return
	}
	s.respond(w, r, action, http.StatusOK, body, nil)
}

// answerInstead applies the session's first matching fault rule (a delay, a dropped connection or a
// documented error status) and then a Prefer header (code=NNN, example=NAME): each answers with one
// of the contract's examples for the action, without touching state. It reports whether it answered.
func (s *Server) answerInstead(w http.ResponseWriter, r *http.Request, session, action string) bool {
	if rule, hit := s.sessions.session(session).faults.match(action); hit {
		if rule.delay > 0 {
			t := time.NewTimer(rule.delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				panic(http.ErrAbortHandler)
			}
		}
		if rule.Drop {
			recordOf(w).dropped = true
			panic(http.ErrAbortHandler) // net/http closes the connection without an answer
		}
		if rule.Status != 0 {
			s.answerExample(w, r, action, preference{code: rule.Status})
			return true
		}
	}
	pref, ok, perr := parsePrefer(r.Header.Get("Prefer"))
	if perr != nil {
		s.respondError(w, r, action, perr)
		return true
	}
	if ok {
		s.answerExample(w, r, action, pref)
		return true
	}
	return false
}

// answerExample answers with the contract's example for the action and the preferred status
// (default: the first status that has an example of that name, else 200).
func (s *Server) answerExample(w http.ResponseWriter, r *http.Request, action string, p preference) {
	status := p.code
	if status == 0 {
		status = http.StatusOK
		for _, st := range s.examples.statuses[action] {
			if _, err := s.examples.pick(action, st, p.example); err == nil && p.example != "" {
				status = st
				break
			}
		}
	}
	if !containsInt(s.examples.statuses[action], status) {
		s.respondError(w, r, action, newError(http.StatusBadRequest, "invalid_parameter",
			fmt.Sprintf("Prefer: code=%d is not documented for %s; its codes are %s", status, action, joinStatuses(s.examples.statuses[action]))))
		return
	}
	ex, aerr := s.examples.pick(action, status, p.example)
	if aerr != nil {
		s.respondError(w, r, action, aerr)
		return
	}
	var header http.Header
	if status == http.StatusUnauthorized {
		header = http.Header{"Www-Authenticate": {`Bearer realm="cloudplans"`}}
	}
	w.Header().Set("Preference-Applied", "code="+strconv.Itoa(status)+", example="+ex.name)
	s.respond(w, r, action, status, ex.body, header)
}

// prepare reads, authenticates and validates a request, and decodes its parameters; a quantity
// only when the action takes one (for the others it is an unknown query parameter, ignored).
func (s *Server) prepare(w http.ResponseWriter, r *http.Request, q queryValues, session string, takesQuantity bool) (call, *apiError) {
	body, aerr := readBody(r)
	if aerr != nil {
		return call{}, aerr
	}
	recordOf(w).requestBody = body
	// "application/json" is IsJSON's commonest yes; only another value needs the full check.
	if ct := r.Header.Get("Content-Type"); len(body) > 0 && ct != "application/json" && !contract.IsJSON(ct) {
		return call{}, newError(http.StatusUnsupportedMediaType, "unsupported_media_type",
			fmt.Sprintf("send the body as application/json, not %q", r.Header.Get("Content-Type")))
	}
	st := s.sessions.get(session)
	user, aerr := authenticate(r, st)
	if aerr != nil {
		return call{}, aerr
	}
	if err := s.validateRequest(r, body); err != nil {
		return call{}, validationError(err)
	}
	c := call{state: st, session: session, user: user, req: r}
	var members map[string]json.RawMessage
	if len(body) > 0 {
		members, _ = contract.ParseObject(body) // validated above
	}
	c.org = q.Get("org_id")
	if raw, ok := members["org_id"]; ok && c.org == "" {
		c.org = jsonString(raw)
	}
	// The quantity stays bytes until it is known good: converting it to a string that escapes (into
	// the error message) would cost an allocation per request.
	var qty []byte
	if v := q.Get("quantity"); v != "" && takesQuantity {
		qty = []byte(v)
	} else if raw, ok := members["quantity"]; ok && takesQuantity {
		qty = bytes.TrimSpace(raw)
	}
	if len(qty) > 0 {
		n, err := strconv.Atoi(string(qty))
		if err != nil || n < 1 || n > fixture.MaxQuantity { // unreachable after validation
			return call{}, newError(http.StatusBadRequest, "invalid_quantity", fmt.Sprintf("quantity must be an integer from 1 to %d, got %q", fixture.MaxQuantity, string(qty)))
		}
		c.quantity = n
	}
	return c, nil
}

// jsonString is what json.Unmarshal(raw, &s) leaves in a string s that starts empty: raw decoded
// when it is a JSON string literal, else "".
func jsonString(raw []byte) string {
	s, _ := contract.JSONString(raw)
	return s
}

// readBody reads the body, a larger one than MaxBodyBytes being a 413. It reads as
// io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes)) would (readAtMost), without allocating
// the wrapper, and into a buffer of the announced size when there is one.
func readBody(r *http.Request) ([]byte, *apiError) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > MaxBodyBytes {
		return nil, tooLarge()
	}
	data, over, err := readAtMost(r.Body, MaxBodyBytes, r.ContentLength)
	if over {
		return nil, tooLarge()
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) { // a limit set before ours
			return nil, tooLarge()
		}
		return nil, newError(http.StatusBadRequest, "invalid_json", "the body could not be read: "+err.Error())
	}
	return data, nil
}

// readAtMost reads r to its end, as io.ReadAll does, unless r holds more than limit bytes: then it
// stops once it has read limit+1 of them and reports over, where http.MaxBytesReader would return
// its error (nothing more: the writer it would tell, a statusWriter, does not listen). An error of
// r before that is returned as is. size is how many bytes r announced (-1: unknown): the buffer
// starts with room for them and for seeing the end, so an honest body needs one allocation. Without
// a size it makes io.ReadAll's calls of r; with one, larger ones (which changes nothing for a
// reader whose data and errors do not depend on how much each call asks for).
func readAtMost(r io.Reader, limit, size int64) (data []byte, over bool, err error) {
	start := int64(512) // io.ReadAll's
	if size >= 0 {
		start = size + 1
	}
	b := make([]byte, 0, min(start, limit+1))
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // let append pick the next capacity, as io.ReadAll does
		}
		n, err := r.Read(b[len(b):min(int64(cap(b)), limit+1)])
		b = b[:len(b)+n]
		if int64(len(b)) > limit {
			return nil, true, nil
		}
		if err == io.EOF {
			return b, false, nil
		}
		if err != nil {
			return nil, false, err
		}
	}
}

func tooLarge() *apiError {
	return newError(http.StatusRequestEntityTooLarge, "payload_too_large", fmt.Sprintf("the body is over %d bytes", MaxBodyBytes))
}

// authenticate finds the user of the request's bearer token.
func authenticate(r *http.Request, st *state.State) (string, *apiError) {
	header := r.Header.Get("Authorization")
	if header == "" {
		e := newError(http.StatusUnauthorized, "missing_token", "send Authorization: Bearer <token>")
		e.Header = http.Header{"Www-Authenticate": {`Bearer realm="cloudplans"`}}
		return "", e
	}
	token, ok := contract.BearerToken(header)
	if !ok {
		e := newError(http.StatusUnauthorized, "invalid_token", `the Authorization header must be "Bearer <token>"`)
		e.Header = http.Header{"Www-Authenticate": {`Bearer realm="cloudplans", error="invalid_request"`}}
		return "", e
	}
	user, ok := st.UserByToken(token)
	if !ok {
		e := newError(http.StatusUnauthorized, "invalid_token", "the bearer token is not valid")
		e.Header = http.Header{"Www-Authenticate": {`Bearer realm="cloudplans", error="invalid_token"`}}
		return "", e
	}
	return user, nil
}

// validationError turns the contract's verdict on a request into a 400 whose code says what kind of
// problem came first, and whose message lists them all.
func validationError(err error) *apiError {
	var verr *contract.ValidationError
	if !errors.As(err, &verr) {
		return newError(http.StatusBadRequest, "invalid_parameter", err.Error())
	}
	first := verr.Problems[0]
	code := "invalid_parameter"
	switch {
	case first.Field == "action" && first.Kind == contract.Missing:
		code = "missing_action"
	case first.Field == "action" && first.Kind == contract.Invalid:
		code = "unknown_action"
	case first.Kind == contract.Conflicting:
		code = "conflicting_parameter"
	case first.Kind == contract.Malformed:
		code = "invalid_json"
	case first.Kind == contract.Missing:
		code = "missing_parameter"
	case first.Kind == contract.Undocumented: // a member the action does not take, quantity included
		code = "invalid_parameter"
	case strings.TrimPrefix(first.Field, "/") == "quantity" || strings.HasPrefix(first.Field, "/quantity"):
		code = "invalid_quantity"
	}
	msgs := make([]string, len(verr.Problems))
	for i, p := range verr.Problems {
		msgs[i] = p.String()
	}
	return newError(http.StatusBadRequest, code, strings.Join(msgs, "; "))
}

// validateRequest is the contract's ValidateRequest, through the verdict cache when there is one.
func (s *Server) validateRequest(r *http.Request, body []byte) error {
	validate := func() error { return s.contract.ValidateRequest(r.Context(), r, body) }
	if s.verdicts == nil {
		return validate()
	}
	buf := s.verdicts.getBuf()
	defer s.verdicts.putBuf(buf)
	key, ok := requestKey(*buf, r, body)
	*buf = key
	if !ok {
		return validate()
	}
	return s.verdicts.check(key, validate)
}

// validateResponse is the contract's ValidateResponse, through the verdict cache when there is one.
func (s *Server) validateResponse(r *http.Request, action string, status int, h http.Header, body []byte) error {
	validate := func() error {
		return s.contract.ValidateResponse(r.Context(), contract.Response{
			Method: r.Method, Path: r.URL.Path, Action: action, Status: status, Header: h, Body: body,
		})
	}
	if s.verdicts == nil || (status == http.StatusOK && uniqueAnswers[action]) {
		return validate()
	}
	buf := s.verdicts.getBuf()
	defer s.verdicts.putBuf(buf)
	key, ok := responseKey(*buf, r.Method, r.URL.Path, action, status, h, body)
	*buf = key
	if !ok {
		return validate()
	}
	return s.verdicts.check(key, validate)
}

// uniqueAnswers are the actions whose 200 answers never repeat (each holds a new link id): their
// verdicts are not cached, since no key would ever be seen again and each would only take a slot
// and bring the next emptying of the cache closer for the verdicts that do repeat.
var uniqueAnswers = map[string]bool{"getpaymentlink": true, "getupdatecardlink": true}

// jsonHeader is the header an answer without extra headers is validated with.
var jsonHeader = http.Header{"Content-Type": {"application/json"}}

// respondError answers with the error envelope.
func (s *Server) respondError(w http.ResponseWriter, r *http.Request, action string, e *apiError) {
	s.respond(w, r, action, e.Status, e.body(), e.Header)
}

// respond writes an answer, after checking it against the contract unless that is turned off. An
// answer that breaks the contract becomes a 500 naming the problem: a bug of the mock, never hidden.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, action string, status int, body []byte, header http.Header) {
	if s.strict && strings.HasPrefix(r.URL.Path, "/v1/") {
		h := jsonHeader // read-only: the validation does not change it
		if len(header) > 0 {
			h = http.Header{"Content-Type": {"application/json"}}
			for k, v := range header {
				h[k] = v
			}
		}
		err := s.validateResponse(r, action, status, h, body)
		if err != nil {
			s.logger.Error("the mock's answer breaks the contract", slog.String("error", err.Error()))
			e := newError(http.StatusInternalServerError, "internal_error", "the mock's answer broke its own contract (a bug of the mock): "+err.Error())
			writeError(w, e)
			return
		}
	}
	for k, v := range header {
		w.Header()[k] = v
	}
	writeJSON(w, status, body)
}

// The answers' bodies, in the contract's shapes.

type organizationJSON struct {
	Resources int    `json:"resources"`
	Name      string `json:"name"`
	ID        string `json:"id"`
	Owner     string `json:"owner"`
}

type subscriptionJSON struct {
	PaymentExp string `json:"payment_exp"`
	Plan       string `json:"plan"`
	Quantity   string `json:"quantity"`
	Status     string `json:"status"`
}

type describeJSON struct {
	Status   int `json:"status"`
	Response struct {
		Organization organizationJSON  `json:"organization"`
		Subscription *subscriptionJSON `json:"subscription"`
	} `json:"response"`
}

type invoiceJSON struct {
	Status       string `json:"status"`
	ID           string `json:"id"`
	Organization string `json:"organization"`
	Date         string `json:"date"`
	DueDate      string `json:"due_date"`
	Amount       string `json:"amount"`
}

type historyJSON struct {
	Status         int           `json:"status"`
	BillingHistory []invoiceJSON `json:"billing_history"`
}

type linkJSON struct {
	Status   int    `json:"status"`
	Response string `json:"response"`
}

type statusJSON struct {
	Status int `json:"status"`
}

func (s *Server) describe(_ context.Context, c call) (any, error) {
	d, err := c.state.Describe(c.user, c.org)
	if err != nil {
		return nil, err
	}
	out := describeJSON{Status: http.StatusOK}
	out.Response.Organization = organizationJSON{Resources: d.Org.Resources, Name: d.Org.Name, ID: d.Org.ID, Owner: d.Org.Owner}
	if sub := d.Subscription; sub != nil {
		status := "active"
		if d.PastDue {
			status = "past_due"
		}
		v := subscriptionView(*sub)
		v.Status = status
		out.Response.Subscription = &v
	}
	return out, nil
}

func (s *Server) history(_ context.Context, c call) (any, error) {
	invoices, err := c.state.History(c.user, c.org)
	if err != nil {
		return nil, err
	}
	out := historyJSON{Status: http.StatusOK, BillingHistory: make([]invoiceJSON, len(invoices))}
	for i, inv := range invoices {
		out.BillingHistory[i] = invoiceJSON{Status: inv.Status, ID: inv.ID, Organization: c.org, Date: inv.Date, DueDate: inv.DueDate, Amount: inv.Amount}
	}
	return out, nil
}

func (s *Server) paymentLink(_ context.Context, c call) (any, error) {
	chk, err := c.state.CreateCheckout(c.user, c.org, c.quantity)
	if err != nil {
		return nil, err
	}
	s.rememberLink(c, chk.ID)
	return linkJSON{Status: http.StatusOK, Response: pageLink(s.baseURL(c.req), checkoutPath, chk.ID, c.session)}, nil
}

func (s *Server) updateCardLink(_ context.Context, c call) (any, error) {
	upd, err := c.state.CreateCardUpdate(c.user, c.org)
	if err != nil {
		return nil, err
	}
	s.rememberLink(c, upd.ID)
	return linkJSON{Status: http.StatusOK, Response: pageLink(s.baseURL(c.req), updateCardPath, upd.ID, c.session)}, nil
}

// rememberLink counts a link handed out in the call's session; beyond -max-pending-links the
// session's oldest link is forgotten, so that no client can make a session grow without bound.
func (s *Server) rememberLink(c call, id string) {
	if old, full := s.sessions.session(c.session).links.push(id); full {
		c.state.ForgetLink(old)
	}
}

func (s *Server) updateSubscription(_ context.Context, c call) (any, error) {
	if err := c.state.UpdateQuantity(c.user, c.org, c.quantity); err != nil {
		return nil, err
	}
	return statusJSON{Status: http.StatusOK}, nil
}

func (s *Server) cancelSubscription(_ context.Context, c call) (any, error) {
	if err := c.state.Cancel(c.user, c.org); err != nil {
		return nil, err
	}
	return statusJSON{Status: http.StatusOK}, nil
}

// The hosted pages' paths; the link's last segment is the checkout or card-update id.
const (
	checkoutPath   = "/checkout/"
	updateCardPath = "/update-card/"
)

// pageLink is the absolute link to a hosted page; a link handed out in a session carries it.
func pageLink(base, prefix, id, session string) string {
	if session == "" {
		return base + prefix + id
	}
	return base + prefix + id + "?session=" + url.QueryEscape(session) // one concatenation
}

func subscriptionView(sub fixture.Subscription) subscriptionJSON {
	return subscriptionJSON{PaymentExp: sub.PaymentExp, Plan: sub.Plan, Quantity: strconv.Itoa(sub.Quantity), Status: "active"}
}
