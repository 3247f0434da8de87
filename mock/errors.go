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

// Header values writeJSON shares between all answers instead of allocating them per answer. They
// are read-only: nothing in this package writes into a header's value slice, net/http never does
// (it reads them, copies them, or replaces or deletes a whole value), and each has len == cap, so
// that even an append to one (Header.Add) copies it rather than writing into it.
var (
	jsonContentType = []string{"application/json"}
	noStore         = []string{"no-store"}
	// contentLengths holds []string{strconv.Itoa(n)} for each n below contentLengthsCached, one
	// element each, so that most answers' Content-Length costs nothing. Read-only, as above.
	contentLengths = makeContentLengths(contentLengthsCached)
)

// contentLengthsCached is the number of Content-Length values kept ready: every answer of the
// billing API is smaller, but a long billing history.
const contentLengthsCached = 1024

// makeContentLengths returns the decimal forms of 0 to n-1, all cut out of one string.
func makeContentLengths(n int) []string {
	var digits []byte
	ends := make([]int, n)
	for i := range n {
		digits = strconv.AppendInt(digits, int64(i), 10)
		ends[i] = len(digits)
	}
	all := string(digits)
	out := make([]string, n)
	start := 0
	for i, end := range ends {
		out[i], start = all[start:end], end
	}
	return out
}

// contentLength is the Content-Length header value of a body of n bytes.
func contentLength(n int) []string {
	if n < len(contentLengths) {
		return contentLengths[n : n+1 : n+1] // shared, len == cap (see above)
	}
	return []string{strconv.Itoa(n)}
}

// writeJSON writes a JSON answer.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = contentLength(len(body))
	h["Cache-Control"] = noStore
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
