package control

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/fixture"
	"github.com/cloudplans/billing-mock/mock/internal/body"
	"github.com/cloudplans/billing-mock/mock/internal/session"
	"github.com/cloudplans/billing-mock/mock/internal/writer"
	"github.com/cloudplans/billing-mock/mock/state"
)

// The QA controls of the control API (controlapi.yaml): export and import a session's state, load a
// named scenario, read and advance the billing clock. Every call honours X-Mock-Session.

// stateLoadedJSON answers a state import or a scenario load: what the session now holds.
type stateLoadedJSON struct {
	Status        int    `json:"status"`
	Scenario      string `json:"scenario,omitempty"`
	Description   string `json:"description,omitempty"`
	Clock         string `json:"clock"`
	Organizations int    `json:"organizations"`
	Invoices      int    `json:"invoices"`
}

func stateLoaded(seed *fixture.Seed, scenario string) stateLoadedJSON {
	out := stateLoadedJSON{Status: http.StatusOK, Scenario: scenario, Description: seed.Description, Clock: formatClock(seed.Clock), Organizations: len(seed.Organizations)}
	for _, o := range seed.Organizations {
		out.Invoices += len(o.Invoices)
	}
	return out
}

// formatClock writes the billing clock in RFC 3339, with fractional seconds only when it has some.
func formatClock(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// ExportState answers the session's whole state as a seed file, the format -fixtures loads.
func (h *Handler) ExportState(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	sess, ok := sessionOf(w, rec)
	if !ok {
		return
	}
	st := sess.State()
	out, err := fixture.Marshal(st.Snapshot())
	if err != nil {
		writer.Error(w, errcode.From(err))
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/yaml")
	hdr.Set("Content-Length", strconv.Itoa(len(out)))
	hdr.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

// ImportState replaces the session's state with a seed file. A broken one is refused whole, with the
// line and the field, and the session keeps its state. The Content-Type is not checked: the body is
// read as YAML (JSON is YAML too), so `curl --data-binary @state.yaml` works as is.
func (h *Handler) ImportState(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	sess, ok := sessionOf(w, rec)
	if !ok {
		return
	}
	raw, e := body.Read(r)
	if e != nil {
		writer.Error(w, e)
		return
	}
	seed, err := h.Sessions.Import(sess.ID(), raw)
	if err != nil {
		writer.Error(w, session.InvalidFixture(err))
		return
	}
	reply(w, stateLoaded(seed, ""))
}

type scenarioJSON struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type scenariosJSON struct {
	Status    int            `json:"status"`
	Scenarios []scenarioJSON `json:"scenarios"`
}

// ListScenarios answers the embedded scenarios, by name.
func (h *Handler) ListScenarios(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	if _, ok := sessionOf(w, rec); !ok {
		return
	}
	list, err := h.Scenarios.List()
	if err != nil {
		writer.Error(w, errcode.From(err))
		return
	}
	out := scenariosJSON{Status: http.StatusOK, Scenarios: make([]scenarioJSON, len(list))}
	for i, sc := range list {
		out.Scenarios[i] = scenarioJSON{Name: sc.Name, Description: sc.Description}
	}
	reply(w, out)
}

// LoadScenario replaces the session's state with a named scenario.
func (h *Handler) LoadScenario(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	sess, ok := sessionOf(w, rec)
	if !ok {
		return
	}
	name := r.PathValue("name")
	seed, err := h.Scenarios.Seed(name)
	if err != nil {
		writer.Error(w, errcode.From(err))
		return
	}
	h.Sessions.Replace(sess.ID(), seed)
	reply(w, stateLoaded(seed, name))
}

type clockJSON struct {
	Status int    `json:"status"`
	Now    string `json:"now"`
}

// Clock answers the session's billing clock.
func (h *Handler) Clock(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	sess, ok := sessionOf(w, rec)
	if !ok {
		return
	}
	st := sess.State()
	reply(w, clockJSON{Status: http.StatusOK, Now: formatClock(st.Now())})
}

type renewalJSON struct {
	Org    string `json:"org"`
	ID     string `json:"id"`
	Date   string `json:"date"`
	Status string `json:"status"`
	Amount string `json:"amount"`
}

type advancedJSON struct {
	Status   int           `json:"status"`
	Now      string        `json:"now"`
	Renewals []renewalJSON `json:"renewals"`
}

// clockMove is a parsed advance: either By (> 0) or To.
type clockMove struct {
	By time.Duration
	To time.Time
}

// parseAdvance reads the advance body, {"by": "720h"} or {"to": "2027-01-01T00:00:00Z"}: exactly one
// of them, by a Go duration over zero, to an RFC 3339 time.
func parseAdvance(raw []byte) (clockMove, *errcode.Error) {
	bad := func(format string, args ...any) (clockMove, *errcode.Error) {
		return clockMove{}, errcode.New(errcode.InvalidParameter, fmt.Sprintf(format, args...))
	}
	if len(raw) == 0 {
		return bad(`send a JSON body: {"by": "720h"} (a Go duration over zero) or {"to": "2027-01-01T00:00:00Z"} (RFC 3339)`)
	}
	members, err := contract.ParseObject(raw)
	if err != nil {
		return clockMove{}, errcode.New(errcode.InvalidJSON, err.Error())
	}
	names := make([]string, 0, len(members))
	for name := range members {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names { // an unknown member is named before a value's type is looked at
		if name != "by" && name != "to" {
			return bad("the body takes only by or to, got member %s", strconv.Quote(name))
		}
	}
	var by, to *string
	for _, name := range names {
		var v string
		if json.Unmarshal(members[name], &v) != nil {
			return bad("%s must be a string", strconv.Quote(name))
		}
		if name == "by" {
			by = &v
		} else {
			to = &v
		}
	}
	switch {
	case by != nil && to != nil:
		return bad("give exactly one of by and to, not both")
	case by != nil:
		d, err := time.ParseDuration(*by)
		if err != nil {
			return bad(`by must be a Go duration such as "720h" (30 days) or "90m", got %s`, strconv.Quote(*by))
		}
		if d <= 0 {
			return bad("by must be over zero: the clock never goes backwards, got %s", strconv.Quote(*by))
		}
		return clockMove{By: d}, nil
	case to != nil:
		t, err := time.Parse(time.RFC3339Nano, *to)
		if err != nil {
			return bad(`to must be an RFC 3339 time such as "2027-01-01T00:00:00Z", got %s`, strconv.Quote(*to))
		}
		return clockMove{To: t}, nil
	default:
		return bad(`give exactly one of by ("720h") and to ("2027-01-01T00:00:00Z")`)
	}
}

// AdvanceClock moves the session's billing clock forward and answers the renewals it caused.
func (h *Handler) AdvanceClock(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	sess, ok := sessionOf(w, rec)
	if !ok {
		return
	}
	st := sess.State()
	raw, aerr := readJSON(r, "the body")
	var move clockMove
	if aerr == nil {
		move, aerr = parseAdvance(raw)
	}
	if aerr != nil {
		writer.Error(w, aerr)
		return
	}
	var (
		now      = move.To.UTC()
		renewals []state.Renewal
		err      error
	)
	if move.By > 0 {
		now, renewals, err = st.AdvanceBy(move.By)
	} else {
		renewals, err = st.AdvanceTo(move.To)
	}
	if err != nil {
		writer.Error(w, errcode.From(err))
		return
	}
	out := advancedJSON{Status: http.StatusOK, Now: formatClock(now), Renewals: make([]renewalJSON, len(renewals))}
	for i, rn := range renewals {
		out.Renewals[i] = renewalJSON{Org: rn.Org, ID: rn.Invoice.ID, Date: rn.Invoice.Date, Status: rn.Invoice.Status, Amount: rn.Invoice.Amount}
	}
	reply(w, out)
}
