package broken

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
)

// apiOnly applies broken to the billing API's requests (paths under /v1/) and passes every other
// request (a control API, hosted pages) to h untouched.
func apiOnly(h, broken http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/") {
			broken.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// answer is what the wrapped implementation answered, to rewrite before it is sent.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// record runs h on r and returns its answer.
func record(h http.Handler, r *http.Request) *answer {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return &answer{status: rec.Code, header: rec.Header().Clone(), body: rec.Body.Bytes()}
}

// send writes an answer.
func (a *answer) send(w http.ResponseWriter) {
	for k, v := range a.header {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// rewrite wraps h's billing API: fn may change each answer before it is sent. req holds the
// request's parameters (query string and JSON body).
func rewrite(h http.Handler, fn func(req request, a *answer)) http.Handler {
	return apiOnly(h, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := readRequest(r)
		a := record(h, req.r)
		fn(req, a)
		a.send(w)
	}))
}

// intercept wraps h's billing API: fn sees each request first and answers it itself when it
// returns true.
func intercept(h http.Handler, fn func(w http.ResponseWriter, req request) bool) http.Handler {
	return apiOnly(h, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := readRequest(r)
		if !fn(w, req) {
			h.ServeHTTP(w, req.r)
		}
	}))
}

// request is a billing API request with its parameters read from the query string and the JSON
// body, wherever the client put them. r can still be served: its body is kept.
type request struct {
	r      *http.Request
	body   []byte
	action string
	params map[string]any
}

func readRequest(r *http.Request) request {
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	req := request{r: r, body: body, action: r.URL.Query().Get("action"), params: map[string]any{}}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&m) == nil {
		for k, v := range m {
			req.params[k] = v
		}
	}
	for k, v := range r.URL.Query() {
		if k != "action" && len(v) > 0 {
			req.params[k] = v[0]
		}
	}
	return req
}

// org is the org_id the request names.
func (q request) org() string {
	s, _ := q.params["org_id"].(string)
	return s
}

// partition keys the state a stateful variant keeps: the client's X-Mock-Session when it sends
// one, so that the variant's state stays in the session it was made in, as the state of an
// implementation that isolates sessions does; "" for every request otherwise. No variant relies
// on the implementation honouring the header.
func (q request) partition() string { return q.r.Header.Get("X-Mock-Session") }

// token is the bearer token the request sends.
func (q request) token() string {
	return strings.TrimPrefix(q.r.Header.Get("Authorization"), "Bearer ")
}

// clone returns a copy of the request that can be served again (its own body reader).
func (q request) clone() *http.Request {
	r2 := q.r.Clone(q.r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(q.body))
	r2.ContentLength = int64(len(q.body))
	return r2
}

// with returns the request with one parameter replaced, where the client sent it (query string
// or JSON body).
func (q request) with(name, value string) request {
	r2 := q.clone()
	if query := r2.URL.Query(); query.Has(name) {
		query.Set(name, value)
		r2.URL.RawQuery = query.Encode()
	}
	body := q.body
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(q.body))
	dec.UseNumber()
	if dec.Decode(&m) == nil {
		if _, ok := m[name]; ok {
			m[name] = value
			body, _ = json.Marshal(m)
		}
	}
	r2.Body, r2.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	return readRequest(r2)
}

// as returns the request sent with another bearer token.
func (q request) as(token string) request {
	r2 := q.clone()
	r2.Header.Set("Authorization", "Bearer "+token)
	return readRequest(r2)
}

// editJSON decodes an answer's body, lets fn change it and encodes it again.
func (a *answer) editJSON(fn func(m map[string]any)) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(a.body))
	dec.UseNumber()
	if dec.Decode(&m) != nil {
		return
	}
	fn(m)
	a.body, _ = json.Marshal(m)
}

// writeJSON answers a status and a body.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// subscription is the subscription object of a describe answer, or nil.
func subscription(m map[string]any) map[string]any {
	resp, _ := m["response"].(map[string]any)
	s, _ := resp["subscription"].(map[string]any)
	return s
}

// invoices is the list of a history answer.
func invoices(m map[string]any) []any {
	list, _ := m["billing_history"].([]any)
	return list
}
