// Package control is the mock's control API (controlapi.yaml), under /_mock: health, reset, fault
// rules, the request journal, the QA controls (a session's state, the named scenarios, the billing
// clock) and the hosted links' buttons. Every call acts on the request's session (X-Mock-Session)
// and answers JSON, errors in the billing API's envelope.
package control

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/internal/answer"
	"github.com/cloudplans/billing-mock/mock/internal/body"
	"github.com/cloudplans/billing-mock/mock/internal/examples"
	"github.com/cloudplans/billing-mock/mock/internal/link"
	"github.com/cloudplans/billing-mock/mock/internal/scenario"
	"github.com/cloudplans/billing-mock/mock/internal/session"
	"github.com/cloudplans/billing-mock/mock/internal/writer"
)

// Handler answers the control API.
type Handler struct {
	// Sessions holds the sessions.
	Sessions *session.Store
	// Examples documents each action's statuses, which fault rules are checked against.
	Examples *examples.Book
	// Scenarios are the named scenarios a session can load.
	Scenarios *scenario.Book
}

// sessionOf returns the request's session, or writes the error.
func sessionOf(w http.ResponseWriter, rec *session.Record) (*session.Session, bool) {
	sess, e := rec.Session()
	if e != nil {
		writer.Error(w, e)
		return nil, false
	}
	return sess, true
}

// reply writes v as a JSON answer with status 200.
func reply(w http.ResponseWriter, v any) {
	out, err := json.Marshal(v)
	if err != nil {
		writer.Error(w, errcode.From(err))
		return
	}
	writer.JSON(w, http.StatusOK, out)
}

// readJSON reads a request's body, which, when present, must be JSON: a 413 over body.Limit, a 415
// for another media type.
func readJSON(r *http.Request, what string) ([]byte, *errcode.Error) {
	raw, e := body.Read(r)
	if e == nil && len(raw) > 0 && !contract.IsJSON(r.Header.Get("Content-Type")) {
		e = errcode.New(errcode.UnsupportedMediaType, "send "+what+" as application/json")
	}
	return raw, e
}

type healthJSON struct {
	Status       int      `json:"status"`
	Service      string   `json:"service"`
	Session      string   `json:"session"`
	Sessions     int      `json:"sessions"`
	Clock        string   `json:"clock"`
	Capabilities []string `json:"capabilities"`
}

// capabilities are the state steps the control API performs, in the names of the contract
// runner's test-support protocol (controlapi.yaml, tag test-support): all of them.
var capabilities = []string{"complete_checkout", "decline_checkout", "complete_card_update", "decline_card_update", "reset", "advance_clock", "fault", "prefer"}

// Health handles GET /_mock/health: 200 while the mock serves.
func (h *Handler) Health(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	sess, ok := sessionOf(w, rec)
	if !ok {
		return
	}
	reply(w, healthJSON{Status: http.StatusOK, Service: "cloudplans-billing-mock", Session: sess.ID(), Sessions: h.Sessions.Count(),
		Clock: sess.State().Now().Format("2006-01-02T15:04:05Z07:00"), Capabilities: capabilities})
}

// Reset handles POST /_mock/reset: the session back to the seed, its journal and fault rules
// cleared.
func (h *Handler) Reset(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	sess, ok := sessionOf(w, rec)
	if !ok {
		return
	}
	h.Sessions.Reset(sess.ID())
	reply(w, answer.Status{Status: http.StatusOK})
}

// completeBody is the optional body of the complete calls.
type completeBody struct {
	// PaymentExp is the card's expiry, "YYYY-MM"; empty means three years ahead.
	PaymentExp string `json:"payment_exp"`
}

// decodeComplete reads the optional body of a complete call.
func decodeComplete(r *http.Request) (completeBody, *errcode.Error) {
	var b completeBody
	raw, e := readJSON(r, "the body")
	if e != nil || len(raw) == 0 {
		return b, e
	}
	members, err := contract.ParseObject(raw)
	if err != nil {
		return b, errcode.New(errcode.InvalidJSON, err.Error())
	}
	for name, v := range members {
		if name != "payment_exp" || json.Unmarshal(v, &b.PaymentExp) != nil {
			e = errcode.New(errcode.InvalidParameter, fmt.Sprintf("the body takes only payment_exp, a string YYYY-MM (got member %q)", name))
		}
	}
	return b, e
}

type linkResultJSON struct {
	Status       int                  `json:"status"`
	ID           string               `json:"id"`
	Outcome      string               `json:"outcome"`
	Subscription *answer.Subscription `json:"subscription,omitempty"`
}

// CompleteLink handles POST .../{id}/complete for links of kind k: what the page's complete button
// does.
func (h *Handler) CompleteLink(k link.Kind) func(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	return func(w http.ResponseWriter, r *http.Request, rec *session.Record) {
		sess, ok := sessionOf(w, rec)
		if !ok {
			return
		}
		b, e := decodeComplete(r)
		if e != nil {
			writer.Error(w, e)
			return
		}
		id := r.PathValue("id")
		sub, err := k.Complete(sess.State(), id, b.PaymentExp)
		if err != nil {
			writer.Error(w, errcode.From(err))
			return
		}
		view := answer.SubscriptionOf(sub)
		reply(w, linkResultJSON{Status: http.StatusOK, ID: id, Outcome: k.Completed, Subscription: &view})
	}
}

// DeclineLink handles POST .../{id}/decline for links of kind k: what the page's decline button
// does.
func (h *Handler) DeclineLink(k link.Kind) func(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	return func(w http.ResponseWriter, r *http.Request, rec *session.Record) {
		sess, ok := sessionOf(w, rec)
		if !ok {
			return
		}
		id := r.PathValue("id")
		if err := k.Decline(sess.State(), id); err != nil {
			writer.Error(w, errcode.From(err))
			return
		}
		reply(w, linkResultJSON{Status: http.StatusOK, ID: id, Outcome: k.Declined})
	}
}
