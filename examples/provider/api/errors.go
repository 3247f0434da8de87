package api

import (
	"fmt"
	"net/http"

	"github.com/cloudplans/billing-mock/examples/provider/internal/reply"
)

// apiError is a non-2xx answer: its status, the envelope's code and message, and the headers that
// go with it (Allow, WWW-Authenticate).
type apiError struct {
	status  int
	code    string
	message string
	header  http.Header
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message) }

func fail(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func badRequest(code, format string, args ...any) *apiError {
	return fail(http.StatusBadRequest, code, format, args...)
}

func writeError(w http.ResponseWriter, e *apiError) {
	for k, v := range e.header {
		w.Header()[k] = v
	}
	reply.Error(w, e.status, e.code, e.message)
}

var quote = reply.Quote
