// Package reply writes JSON answers and the error envelope
// {"status": N, "error": {"code": "...", "message": "..."}} that every non-2xx answer of the
// provider is, on the billing API and on the webhook alike.
package reply

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// JSON writes v as the answer's JSON body with status.
func JSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil { // the answers are plain structs: unreachable
		status = http.StatusInternalServerError
		body = []byte(`{"status":500,"error":{"code":"internal_error","message":"the answer could not be encoded"}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// Error writes the error envelope with status, code and message.
func Error(w http.ResponseWriter, status int, code, message string) {
	JSON(w, status, envelope{Status: status, Error: errorBody{Code: code, Message: message}})
}

type envelope struct {
	Status int       `json:"status"`
	Error  errorBody `json:"error"`
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Quote shows a value a client sent in a message, cut to a readable length.
func Quote(s string) string {
	const max = 40
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}
