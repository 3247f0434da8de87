package mock

import (
	"net/http"
	"strconv"

	"github.com/cloudplans/billing-mock/mock/errcode"
)

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

// writeError answers with the error envelope, and the Allow or WWW-Authenticate header it carries.
func writeError(w http.ResponseWriter, e *errcode.Error) {
	for k, v := range errorHeader(e) {
		w.Header()[k] = v
	}
	writeJSON(w, e.Status(), e.Body())
}

// errorHeader is the extra header of an error answer, nil when it has none.
func errorHeader(e *errcode.Error) http.Header {
	if e.Allow == "" && e.Authenticate == "" {
		return nil
	}
	h := http.Header{}
	if e.Allow != "" {
		h["Allow"] = []string{e.Allow}
	}
	if e.Authenticate != "" {
		h["Www-Authenticate"] = []string{e.Authenticate}
	}
	return h
}
