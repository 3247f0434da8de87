package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/mock/errcode"
)

type faultsJSON struct {
	Status int         `json:"status"`
	Faults []faultRule `json:"faults"`
}

type faultJSON struct {
	Status int       `json:"status"`
	Fault  faultRule `json:"fault"`
}

// addFault handles POST /_mock/faults: a JSON fault rule, checked against the contract.
func (s *Server) addFault(w http.ResponseWriter, r *http.Request) {
	id, aerr := sessionID(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	recordOf(w).session = id
	body, aerr := readBody(r)
	if aerr == nil && !contract.IsJSON(r.Header.Get("Content-Type")) {
		aerr = errcode.New(errcode.UnsupportedMediaType, "send the fault rule as application/json")
	}
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if _, err := contract.ParseObject(body); err != nil {
		writeError(w, errcode.New(errcode.InvalidJSON, "the fault rule must be a JSON object: "+err.Error()))
		return
	}
	var rule faultRule
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rule); err != nil {
		writeError(w, errcode.New(errcode.InvalidParameter, "fault rule: "+err.Error()+` (members: action, status, delay, drop, count, probability, seed)`))
		return
	}
	rule.Matched = 0
	if aerr := s.validateFault(&rule); aerr != nil {
		writeError(w, aerr)
		return
	}
	if aerr := s.sessions.session(id).faults.add(&rule); aerr != nil {
		writeError(w, aerr)
		return
	}
	body, _ = json.Marshal(faultJSON{Status: http.StatusCreated, Fault: rule})
	writeJSON(w, http.StatusCreated, body)
}

func (s *Server) listFaults(w http.ResponseWriter, r *http.Request) {
	id, aerr := sessionID(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	controlJSON(w, faultsJSON{Status: http.StatusOK, Faults: s.sessions.session(id).faults.list()})
}

// deleteFaults handles DELETE /_mock/faults (all) and DELETE /_mock/faults/{id} (one).
func (s *Server) deleteFaults(w http.ResponseWriter, r *http.Request) {
	id, aerr := sessionID(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	rule := mux.Vars(r)["id"]
	if e := s.sessions.session(id).faults.delete(rule); e != nil {
		writeError(w, e)
		return
	}
	controlJSON(w, statusJSON{Status: http.StatusOK})
}

type requestsJSON struct {
	Status   int            `json:"status"`
	Requests []journalEntry `json:"requests"`
}

// listRequests handles GET /_mock/requests?action=&org=&status=&limit=: the session's journal,
// newest first.
func (s *Server) listRequests(w http.ResponseWriter, r *http.Request) {
	id, aerr := sessionID(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	q := r.URL.Query()
	f := journalFilter{action: q.Get("action"), org: q.Get("org")}
	for name, dst := range map[string]*int{"status": &f.status, "limit": &f.limit} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				writeError(w, errcode.New(errcode.InvalidParameter, fmt.Sprintf("%s must be a whole number, got %q", name, v)))
				return
			}
			*dst = n
		}
	}
	controlJSON(w, requestsJSON{Status: http.StatusOK, Requests: s.sessions.session(id).journal.list(f)})
}
