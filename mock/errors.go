package mock

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/cloudplans/billing-mock/mock/state"
)

// apiError is an answer in the contract's error envelope.
type apiError struct {
	Status  int
	Code    string
	Message string
	// Header holds extra headers (Allow, WWW-Authenticate).
	Header http.Header
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func newError(status int, code, message string) *apiError {
	return &apiError{Status: status, Code: code, Message: message}
}

// stateStatus maps the state package's codes to HTTP statuses: the one table from code to status.
var stateStatus = map[state.Code]int{
	state.CodeForbidden:            http.StatusForbidden,
	state.CodeOrgNotFound:          http.StatusNotFound,
	state.CodeSubscriptionExists:   http.StatusConflict,
	state.CodeNoActiveSubscription: http.StatusConflict,
	state.CodeLinkNotFound:         http.StatusNotFound,
	state.CodeLinkClosed:           http.StatusConflict,
	state.CodeLinkExpired:          http.StatusGone,
	state.CodeInvalidCard:          http.StatusBadRequest,
}

// asAPIError turns any error of a handler into an envelope; an unexpected one is a 500.
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var se *state.Error
	if errors.As(err, &se) {
		if status, ok := stateStatus[se.Code]; ok {
			return newError(status, string(se.Code), se.Msg)
		}
	}
	return newError(http.StatusInternalServerError, "internal_error", "the mock failed: "+err.Error())
}

type errorBody struct {
	Status int `json:"status"`
	Error  struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (e *apiError) body() []byte {
	var b errorBody
	b.Status = e.Status
	b.Error.Code = e.Code
	b.Error.Message = e.Message
	data, _ := json.Marshal(b) // cannot fail: strings and ints
	return data
}

// writeJSON writes a JSON answer.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	h["Cache-Control"] = []string{"no-store"}
	w.WriteHeader(status)
	if sw, ok := w.(*statusWriter); ok {
		_, _ = sw.writeImmutable(body) // body is not changed after this
		return
	}
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, e *apiError) {
	for k, v := range e.Header {
		w.Header()[k] = v
	}
	writeJSON(w, e.Status, e.body())
}
