package control

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/internal/answer"
	"github.com/cloudplans/billing-mock/mock/internal/body"
	"github.com/cloudplans/billing-mock/mock/internal/session"
	"github.com/cloudplans/billing-mock/mock/internal/writer"
)

type faultsJSON struct {
	Status int            `json:"status"`
	Faults []session.Rule `json:"faults"`
}

type faultJSON struct {
	Status int          `json:"status"`
	Fault  session.Rule `json:"fault"`
}

// AddFault handles POST /_mock/faults: a JSON fault rule, checked against the contract.
func (h *Handler) AddFault(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	sess, ok := sessionOf(w, rec)
	if !ok {
		return
	}
	raw, e := body.Read(r)
	if e == nil && !contract.IsJSON(r.Header.Get("Content-Type")) {
		e = errcode.New(errcode.UnsupportedMediaType, "send the fault rule as application/json")
	}
	if e != nil {
		writer.Error(w, e)
		return
	}
	if _, err := contract.ParseObject(raw); err != nil {
		writer.Error(w, errcode.New(errcode.InvalidJSON, "the fault rule must be a JSON object: "+err.Error()))
		return
	}
	var rule session.Rule
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rule); err != nil {
		writer.Error(w, errcode.New(errcode.InvalidParameter, "fault rule: "+err.Error()+` (members: action, status, delay, drop, count, probability, seed)`))
		return
	}
	rule.Matched = 0
	if e := rule.Check(h.Examples.Statuses()); e != nil {
		writer.Error(w, e)
		return
	}
	if e := sess.Faults.Add(&rule); e != nil {
		writer.Error(w, e)
		return
	}
	out, _ := json.Marshal(faultJSON{Status: http.StatusCreated, Fault: rule})
	writer.JSON(w, http.StatusCreated, out)
}

// ListFaults handles GET /_mock/faults.
func (h *Handler) ListFaults(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	sess, ok := sessionOf(w, rec)
	if !ok {
		return
	}
	reply(w, faultsJSON{Status: http.StatusOK, Faults: sess.Faults.List()})
}

// DeleteFaults handles DELETE /_mock/faults (all) and DELETE /_mock/faults/{id} (one).
func (h *Handler) DeleteFaults(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	sess, ok := sessionOf(w, rec)
	if !ok {
		return
	}
	if e := sess.Faults.Delete(r.PathValue("id")); e != nil {
		writer.Error(w, e)
		return
	}
	reply(w, answer.Status{Status: http.StatusOK})
}

type requestsJSON struct {
	Status   int             `json:"status"`
	Requests []session.Entry `json:"requests"`
}

// ListRequests handles GET /_mock/requests?action=&org=&status=&limit=: the session's journal,
// newest first.
func (h *Handler) ListRequests(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	sess, ok := sessionOf(w, rec)
	if !ok {
		return
	}
	q := r.URL.Query()
	f := session.Filter{Action: q.Get("action"), Org: q.Get("org")}
	for name, dst := range map[string]*int{"status": &f.Status, "limit": &f.Limit} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				writer.Error(w, errcode.New(errcode.InvalidParameter, fmt.Sprintf("%s must be a whole number, got %q", name, v)))
				return
			}
			*dst = n
		}
	}
	reply(w, requestsJSON{Status: http.StatusOK, Requests: sess.Journal.List(f)})
}
