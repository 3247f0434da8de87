package mock

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/mock/state"
)

// controlPrefix is where the control API lives.
const controlPrefix = "/_mock"

// controlRoutes mounts the control API (controlapi.yaml) under /_mock. Every call honours
// X-Mock-Session.
func (s *Server) controlRoutes(r *mux.Router) {
	r.HandleFunc(controlPrefix+"/health", s.health).Methods(http.MethodGet)
	r.HandleFunc(controlPrefix+"/reset", s.reset).Methods(http.MethodPost)
	r.HandleFunc(controlPrefix+"/faults", s.addFault).Methods(http.MethodPost)
	r.HandleFunc(controlPrefix+"/faults", s.listFaults).Methods(http.MethodGet)
	r.HandleFunc(controlPrefix+"/faults", s.deleteFaults).Methods(http.MethodDelete)
	r.HandleFunc(controlPrefix+"/faults/{id}", s.deleteFaults).Methods(http.MethodDelete)
	r.HandleFunc(controlPrefix+"/requests", s.listRequests).Methods(http.MethodGet)
	r.HandleFunc(controlPrefix+"/state", s.exportState).Methods(http.MethodGet)
	r.HandleFunc(controlPrefix+"/state", s.importState).Methods(http.MethodPut)
	r.HandleFunc(controlPrefix+"/scenarios", s.listScenarios).Methods(http.MethodGet)
	r.HandleFunc(controlPrefix+"/scenarios/{name}", s.loadScenario).Methods(http.MethodPost)
	r.HandleFunc(controlPrefix+"/clock", s.getClock).Methods(http.MethodGet)
	r.HandleFunc(controlPrefix+"/clock/advance", s.advanceClock).Methods(http.MethodPost)
	r.HandleFunc(controlPrefix+"/checkouts/{id}/complete", s.completeLink(paymentLinks)).Methods(http.MethodPost)
	r.HandleFunc(controlPrefix+"/checkouts/{id}/decline", s.declineLink(paymentLinks)).Methods(http.MethodPost)
	r.HandleFunc(controlPrefix+"/card-updates/{id}/complete", s.completeLink(cardLinks)).Methods(http.MethodPost)
	r.HandleFunc(controlPrefix+"/card-updates/{id}/decline", s.declineLink(cardLinks)).Methods(http.MethodPost)
}

// controlState returns the state of the request's session, or writes the error.
func (s *Server) controlState(w http.ResponseWriter, r *http.Request) (*state.State, string, bool) {
	id, aerr := sessionID(r)
	if aerr != nil {
		writeError(w, aerr)
		return nil, "", false
	}
	recordOf(w).session = id
	return s.sessions.get(id), id, true
}

func controlJSON(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeError(w, asAPIError(err))
		return
	}
	writeJSON(w, http.StatusOK, body)
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

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	st, id, ok := s.controlState(w, r)
	if !ok {
		return
	}
	controlJSON(w, healthJSON{Status: http.StatusOK, Service: "cloudplans-billing-mock", Session: id, Sessions: s.sessions.count(), Clock: st.Now().Format("2006-01-02T15:04:05Z07:00"), Capabilities: capabilities})
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request) {
	_, id, ok := s.controlState(w, r)
	if !ok {
		return
	}
	s.sessions.reset(id)
	controlJSON(w, statusJSON{Status: http.StatusOK})
}

// completeBody is the optional body of the complete calls.
type completeBody struct {
	// PaymentExp is the card's expiry, "YYYY-MM"; empty means three years ahead.
	PaymentExp string `json:"payment_exp"`
}

func decodeComplete(w http.ResponseWriter, r *http.Request) (completeBody, bool) {
	var b completeBody
	body, aerr := readBody(r)
	if aerr == nil && len(body) > 0 {
		if !contract.IsJSON(r.Header.Get("Content-Type")) {
			aerr = newError(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json")
		} else if members, err := contract.ParseObject(body); err != nil {
			aerr = newError(http.StatusBadRequest, "invalid_json", err.Error())
		} else {
			for name, raw := range members {
				if name != "payment_exp" || json.Unmarshal(raw, &b.PaymentExp) != nil {
					aerr = newError(http.StatusBadRequest, "invalid_parameter", fmt.Sprintf("the body takes only payment_exp, a string YYYY-MM (got member %q)", name))
				}
			}
		}
	}
	if aerr != nil {
		writeError(w, aerr)
		return b, false
	}
	return b, true
}

type subscriptionResultJSON struct {
	Status       int              `json:"status"`
	ID           string           `json:"id"`
	Outcome      string           `json:"outcome"`
	Subscription subscriptionJSON `json:"subscription"`
}

type outcomeJSON struct {
	Status  int    `json:"status"`
	ID      string `json:"id"`
	Outcome string `json:"outcome"`
}

// completeLink handles POST .../{id}/complete: what the page's complete button does.
func (s *Server) completeLink(k linkKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, _, ok := s.controlState(w, r)
		if !ok {
			return
		}
		b, ok := decodeComplete(w, r)
		if !ok {
			return
		}
		id := mux.Vars(r)["id"]
		sub, err := k.complete(st, id, b.PaymentExp)
		if err != nil {
			writeError(w, asAPIError(err))
			return
		}
		controlJSON(w, subscriptionResultJSON{Status: http.StatusOK, ID: id, Outcome: k.completed, Subscription: subscriptionView(sub)})
	}
}

// declineLink handles POST .../{id}/decline: what the page's decline button does.
func (s *Server) declineLink(k linkKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, _, ok := s.controlState(w, r)
		if !ok {
			return
		}
		id := mux.Vars(r)["id"]
		if err := k.decline(st, id); err != nil {
			writeError(w, asAPIError(err))
			return
		}
		controlJSON(w, outcomeJSON{Status: http.StatusOK, ID: id, Outcome: k.declined})
	}
}
