// Package writer writes the mock's answers: JSON with the headers every JSON answer carries, and the
// error envelope. Recorder, the ResponseWriter of one request, records the status and the start of
// the body for the journal.
//
// Writing costs no allocation per answer: the header values are shared slices (read-only: nothing
// writes into a header's value slice, and each has len == cap, so that even Header.Add copies it),
// and a body the caller never changes afterwards is kept by the Recorder by reference.
package writer

import (
	"net/http"
	"strconv"

	"github.com/cloudplans/billing-mock/mock/errcode"
)

// The shared header values (see the package comment).
var (
	jsonContentType = []string{"application/json"}
	noStore         = []string{"no-store"}
	// contentLengths holds []string{strconv.Itoa(n)} for each n below contentLengthsCached, one
	// element each, all cut out of one string.
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
		return contentLengths[n : n+1 : n+1]
	}
	return []string{strconv.Itoa(n)}
}

// JSON writes a JSON answer: Content-Type application/json, its Content-Length, Cache-Control
// no-store, the status and body. body must not change afterwards.
func JSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = contentLength(len(body))
	h["Cache-Control"] = noStore
	w.WriteHeader(status)
	WriteFinal(w, body)
}

// WriteFinal writes body, the whole rest of an answer, which must not change afterwards: a
// Recorder keeps it by reference rather than copying it.
func WriteFinal(w http.ResponseWriter, body []byte) {
	if rw, ok := w.(*Recorder); ok {
		_, _ = rw.writeImmutable(body)
		return
	}
	_, _ = w.Write(body)
}

// Error writes an error answer: the envelope, and the Allow or WWW-Authenticate header e carries.
func Error(w http.ResponseWriter, e *errcode.Error) {
	for k, v := range ErrorHeader(e) {
		w.Header()[k] = v
	}
	JSON(w, e.Status(), e.Body())
}

// ErrorHeader is the header an error answer adds to a JSON answer's, nil when it adds none.
func ErrorHeader(e *errcode.Error) http.Header {
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

// Recorder is the ResponseWriter of one request: it passes everything on, and records the status
// written and up to Keep bytes of the body. The body it records is never changed in place: appends
// go to a buffer of its own, and a body JSON hands it is kept by reference only when its array is
// at most twice Keep bytes long (a larger one is copied, so that a record never pins a large array).
type Recorder struct {
	http.ResponseWriter
	// Keep is how many bytes of the body to record; 0 records none.
	Keep   int
	status int
	body   []byte
}

// Status is the status written: 200 once a body is written without one, 0 before anything is.
func (w *Recorder) Status() int { return w.status }

// Body is what was recorded of the body: at most Keep bytes. It must not be changed.
func (w *Recorder) Body() []byte { return w.body }

// WriteHeader records the status and writes it.
func (w *Recorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

// Write records the start of b and writes it.
func (w *Recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if len(w.body) < w.Keep {
		w.body = append(w.body, b[:min(len(b), w.Keep-len(w.body))]...)
	}
	return w.ResponseWriter.Write(b)
}

// writeImmutable is Write for a whole body its caller never changes afterwards: it is recorded by
// reference, cut to Keep bytes, unless its array is large (then Write copies the part kept).
func (w *Recorder) writeImmutable(b []byte) (int, error) {
	if w.Keep == 0 || w.body != nil || cap(b) > 2*w.Keep {
		return w.Write(b)
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n := min(len(b), w.Keep)
	w.body = b[:n:n]
	return w.ResponseWriter.Write(b)
}

// Unwrap returns the ResponseWriter w writes to (for http.ResponseController).
func (w *Recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
