package mock

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/fixture"
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

// exportState answers the session's whole state as a seed file, the format -fixtures loads.
func (s *Server) exportState(w http.ResponseWriter, r *http.Request) {
	st, _, ok := s.controlState(w, r)
	if !ok {
		return
	}
	body, err := fixture.Marshal(st.Snapshot())
	if err != nil {
		writeError(w, errcode.From(err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/yaml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// importState replaces the session's state with a seed file. A broken one is refused whole, with the
// line and the field, and the session keeps its state. The Content-Type is not checked: the body is
// read as YAML (JSON is YAML too), so `curl --data-binary @state.yaml` works as is.
func (s *Server) importState(w http.ResponseWriter, r *http.Request) {
	_, id, ok := s.controlState(w, r)
	if !ok {
		return
	}
	body, aerr := readBody(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	seed, err := fixture.Parse("state", body)
	if err != nil {
		writeError(w, invalidFixture(err))
		return
	}
	s.sessions.replace(id, s.sessions.newState(seed))
	controlJSON(w, stateLoaded(seed, ""))
}

// invalidFixture is the 400 of a refused state file: "line 14: organizations[0].subscription.
// quantity: must be an integer from 1 to 10000, got 0".
func invalidFixture(err error) *errcode.Error {
	msg := err.Error()
	var fe *fixture.Error
	if errors.As(err, &fe) {
		msg = fe.Msg
		if fe.Field != "" {
			msg = fe.Field + ": " + msg
		}
		if fe.Line > 0 {
			msg = fmt.Sprintf("line %d: %s", fe.Line, msg)
		}
	}
	return errcode.New(errcode.InvalidFixture, "the state was not loaded: "+msg)
}

type scenarioJSON struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type scenariosJSON struct {
	Status    int            `json:"status"`
	Scenarios []scenarioJSON `json:"scenarios"`
}

// listScenarios answers the embedded scenarios, by name.
func (s *Server) listScenarios(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := s.controlState(w, r); !ok {
		return
	}
	list, err := s.scenarioList()
	if err != nil {
		writeError(w, errcode.From(err))
		return
	}
	out := scenariosJSON{Status: http.StatusOK, Scenarios: make([]scenarioJSON, len(list))}
	for i, sc := range list {
		out.Scenarios[i] = scenarioJSON{Name: sc.Name, Description: sc.Description}
	}
	controlJSON(w, out)
}

// loadScenario replaces the session's state with a named scenario.
func (s *Server) loadScenario(w http.ResponseWriter, r *http.Request) {
	_, id, ok := s.controlState(w, r)
	if !ok {
		return
	}
	name := mux.Vars(r)["name"]
	seed, err := s.scenarioSeed(name)
	if err != nil {
		writeError(w, errcode.From(err))
		return
	}
	s.sessions.replace(id, s.sessions.newState(seed))
	controlJSON(w, stateLoaded(seed, name))
}

type clockJSON struct {
	Status int    `json:"status"`
	Now    string `json:"now"`
}

func (s *Server) getClock(w http.ResponseWriter, r *http.Request) {
	st, _, ok := s.controlState(w, r)
	if !ok {
		return
	}
	controlJSON(w, clockJSON{Status: http.StatusOK, Now: formatClock(st.Now())})
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
func parseAdvance(body []byte) (clockMove, *errcode.Error) {
	bad := func(format string, args ...any) (clockMove, *errcode.Error) {
		return clockMove{}, errcode.New(errcode.InvalidParameter, fmt.Sprintf(format, args...))
	}
	if len(body) == 0 {
		return bad(`send a JSON body: {"by": "720h"} (a Go duration over zero) or {"to": "2027-01-01T00:00:00Z"} (RFC 3339)`)
	}
	members, err := contract.ParseObject(body)
	if err != nil {
		return clockMove{}, errcode.New(errcode.InvalidJSON, err.Error())
	}
	var by, to *string
	for name, raw := range members {
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return bad("%s must be a string", strconv.Quote(name))
		}
		switch name {
		case "by":
			by = &v
		case "to":
			to = &v
		default:
			return bad("the body takes only by or to, got member %s", strconv.Quote(name))
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

// advanceClock moves the session's billing clock forward and answers the renewals it caused.
func (s *Server) advanceClock(w http.ResponseWriter, r *http.Request) {
	st, _, ok := s.controlState(w, r)
	if !ok {
		return
	}
	body, aerr := readBody(r)
	if aerr == nil && len(body) > 0 && !contract.IsJSON(r.Header.Get("Content-Type")) {
		aerr = errcode.New(errcode.UnsupportedMediaType, "send the body as application/json")
	}
	var move clockMove
	if aerr == nil {
		move, aerr = parseAdvance(body)
	}
	if aerr != nil {
		writeError(w, aerr)
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
		writeError(w, errcode.From(err))
		return
	}
	out := advancedJSON{Status: http.StatusOK, Now: formatClock(now), Renewals: make([]renewalJSON, len(renewals))}
	for i, rn := range renewals {
		out.Renewals[i] = renewalJSON{Org: rn.Org, ID: rn.Invoice.ID, Date: rn.Invoice.Date, Status: rn.Invoice.Status, Amount: rn.Invoice.Amount}
	}
	controlJSON(w, out)
}
