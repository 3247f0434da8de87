package contracttest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// editJSON decodes a body, lets fn change it and encodes it again.
func editJSON(ans *recorded, fn func(m map[string]any)) {
	var m map[string]any
	if json.Unmarshal(ans.body, &m) != nil {
		return
	}
	fn(m)
	ans.body, _ = json.Marshal(m)
}

// datesInOrder gives the invoices of a history answer distinct dates from 2026-01-01 on, one day
// apart, in list order (step 1: oldest first), or all the same date (step 0).
func datesInOrder(m map[string]any, step int) {
	list, _ := m["billing_history"].([]any)
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, inv := range list {
		if inv, ok := inv.(map[string]any); ok {
			inv["date"] = day.AddDate(0, 0, i*step).Format(time.DateOnly)
		}
	}
}

// withBody returns a copy of r that sends body.
func withBody(r *http.Request, body []byte) *http.Request {
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	return r2
}

func sub(m map[string]any) map[string]any {
	resp, _ := m["response"].(map[string]any)
	s, _ := resp["subscription"].(map[string]any)
	return s
}

// brokenVariants are implementations with one bug each, built around the real mock.
func brokenVariants() []struct {
	name    string
	wrap    func(h http.Handler) http.Handler
	want    string
	timeout time.Duration
} {
	return []struct {
		name    string
		wrap    func(h http.Handler) http.Handler
		want    string
		timeout time.Duration
	}{
		{name: "drops subscription", want: "/response/subscription", wrap: func(h http.Handler) http.Handler {
			return rewrite(h, func(r *http.Request, a *recorded) {
				if isAction(r, "getorganization") && a.status == 200 {
					editJSON(a, func(m map[string]any) { delete(m["response"].(map[string]any), "subscription") })
				}
			})
		}},
		{name: "quantity as a number", want: "/response/subscription/quantity", wrap: func(h http.Handler) http.Handler {
			return rewrite(h, func(r *http.Request, a *recorded) {
				if isAction(r, "getorganization") && a.status == 200 {
					editJSON(a, func(m map[string]any) {
						if s := sub(m); s != nil {
							s["quantity"] = 3
						}
					})
				}
			})
		}},
		{name: "200 instead of 409", want: "status: expected 409, got 200", wrap: func(h http.Handler) http.Handler {
			return rewrite(h, func(r *http.Request, a *recorded) {
				if a.status == 409 {
					a.status, a.body = 200, []byte(`{"status":200}`)
				}
			})
		}},
		{name: "ignores auth", want: "status: expected 401", wrap: func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				r.Header.Set("Authorization", "Bearer tok_owner")
				h.ServeHTTP(w, r)
			})
		}},
		{name: "ignores ownership", want: "status: expected 403, got 200", wrap: func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.Contains(r.Header.Get("Authorization"), "tok_outsider") && r.URL.Query().Get("org_id") != "org_outsider" {
					r.Header.Set("Authorization", "Bearer tok_owner")
				}
				h.ServeHTTP(w, r)
			})
		}},
		{name: "skips an update", want: "/response/subscription/quantity", wrap: func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if isAction(r, "updatesubscription") && r.Header.Get("Authorization") == "Bearer tok_owner" {
					w.Header().Set("Content-Type", "application/json")
					_, _ = w.Write([]byte(`{"status":200}`))
					return
				}
				h.ServeHTTP(w, r)
			})
		}},
		{name: "accepts bad input", want: "status: expected 400, got 200", wrap: func(h http.Handler) http.Handler {
			return rewrite(h, func(r *http.Request, a *recorded) {
				if a.status == 400 {
					a.status, a.body = 200, []byte(`{"status":200}`)
				}
			})
		}},
		{name: "stale describe", want: "/response/subscription/quantity", wrap: func(h http.Handler) http.Handler {
			var mu sync.Mutex
			cache := map[string][]byte{}
			return rewrite(h, func(r *http.Request, a *recorded) {
				if !isAction(r, "getorganization") || a.status != 200 {
					return
				}
				key := r.Header.Get("X-Mock-Session") + " " + r.URL.Query().Get("org_id")
				mu.Lock()
				defer mu.Unlock()
				if old, ok := cache[key]; ok {
					a.body = old
				} else {
					cache[key] = a.body
				}
			})
		}},
		{name: "another org's describe", want: "the organization asked for", wrap: func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if isAction(r, "getorganization") && r.URL.Query().Get("org_id") == "org_new" {
					q := r.URL.Query()
					q.Set("org_id", "org_acme")
					r.URL.RawQuery = q.Encode()
				}
				h.ServeHTTP(w, r)
			})
		}},
		{name: "history of another org", want: "/billing_history/0/organization", wrap: func(h http.Handler) http.Handler {
			return rewrite(h, func(r *http.Request, a *recorded) {
				if isAction(r, "list_billing") && a.status == 200 {
					editJSON(a, func(m map[string]any) {
						list, _ := m["billing_history"].([]any)
						m["billing_history"] = append([]any{map[string]any{"status": "paid", "id": "inv_z", "organization": "org_other", "date": "2099-01-01", "due_date": "2099-01-02", "amount": "1.00"}}, list...)
					})
				}
			})
		}},
		{name: "history oldest first", want: "expected newest first (dates never increasing), got 2026-01-02 after 2026-01-01", wrap: func(h http.Handler) http.Handler {
			return rewrite(h, func(r *http.Request, a *recorded) {
				if isAction(r, "list_billing") && a.status == 200 {
					editJSON(a, func(m map[string]any) { datesInOrder(m, 1) })
				}
			})
		}},
		{name: "a 500 with another error code", want: "/error/code", wrap: func(h http.Handler) http.Handler {
			return rewrite(h, func(r *http.Request, a *recorded) {
				if a.status == 500 {
					a.body = []byte(`{"status":500,"error":{"code":"server_error","message":"down"}}`)
				}
			})
		}},
		{name: "a 500 that still updates", want: `"org's subscription is unchanged" (line`, wrap: func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !isAction(r, "updatesubscription") {
					h.ServeHTTP(w, r)
					return
				}
				body, _ := io.ReadAll(r.Body)
				first := httptest.NewRecorder()
				h.ServeHTTP(first, withBody(r, body))
				if first.Code == 500 { // the fault rule is used up: the same request now updates
					h.ServeHTTP(httptest.NewRecorder(), withBody(r, body))
				}
				for k, v := range first.Header() {
					w.Header()[k] = v
				}
				w.WriteHeader(first.Code)
				_, _ = w.Write(first.Body.Bytes())
			})
		}},
		{name: "history ignores a text body", want: "status: expected 415, got 200", wrap: func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if isAction(r, "list_billing") && strings.HasPrefix(r.Header.Get("Content-Type"), "text/") {
					r = withBody(r, nil)
					r.Header.Del("Content-Type")
				}
				h.ServeHTTP(w, r)
			})
		}},
		{name: "rejected request changes state", want: "changed the state", wrap: func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if isAction(r, "updatesubscription") && r.Header.Get("Authorization") == "Bearer tok_member" {
					r2 := r.Clone(r.Context())
					r2.Header.Set("Authorization", "Bearer tok_owner")
					h.ServeHTTP(httptest.NewRecorder(), r2)
				}
				h.ServeHTTP(w, r)
			})
		}},
		{name: "wrong content type", want: `header "Content-Type": expected application/json, got "text/plain"`, wrap: func(h http.Handler) http.Handler {
			return rewrite(h, func(r *http.Request, a *recorded) {
				if isAction(r, "list_billing") {
					a.header.Set("Content-Type", "text/plain")
				}
			})
		}},
		{name: "envelope status mismatch", want: "/status: expected 200, the HTTP status, got 201", wrap: func(h http.Handler) http.Handler {
			return rewrite(h, func(r *http.Request, a *recorded) {
				if isAction(r, "getorganization") && a.status == 200 {
					editJSON(a, func(m map[string]any) { m["status"] = 201 })
				}
			})
		}},
		{name: "a 5xx", want: "got 503", wrap: func(h http.Handler) http.Handler {
			return rewrite(h, func(r *http.Request, a *recorded) {
				if isAction(r, "list_billing") {
					a.status, a.body = 503, []byte(`{"status":503,"error":{"code":"internal_error","message":"down"}}`)
				}
			})
		}},
		{name: "not JSON", want: "expected a JSON document", wrap: func(h http.Handler) http.Handler {
			return rewrite(h, func(r *http.Request, a *recorded) {
				if isAction(r, "getorganization") {
					a.body = []byte("<html>oops</html>")
				}
			})
		}},
		{name: "null body", want: "contract: body", wrap: func(h http.Handler) http.Handler {
			return rewrite(h, func(r *http.Request, a *recorded) {
				if isAction(r, "getorganization") {
					a.body = []byte("null")
				}
			})
		}},
		{name: "array body", want: "contract: body", wrap: func(h http.Handler) http.Handler {
			return rewrite(h, func(r *http.Request, a *recorded) {
				if isAction(r, "list_billing") {
					a.body = []byte("[]")
				}
			})
		}},
		{name: "huge numbers", want: "contract:", wrap: func(h http.Handler) http.Handler {
			return rewrite(h, func(r *http.Request, a *recorded) {
				if isAction(r, "getorganization") && a.status == 200 {
					a.body = []byte(strings.Replace(string(a.body), `"status":200`, `"status":1e400`, 1))
				}
			})
		}},
		{name: "405 without Allow", want: `header "Allow": expected "POST", got none`, wrap: func(h http.Handler) http.Handler {
			return rewrite(h, func(r *http.Request, a *recorded) {
				if a.status == 405 {
					a.header.Del("Allow")
				}
			})
		}},
		{name: "wrong error code", want: "/error/code", wrap: func(h http.Handler) http.Handler {
			return rewrite(h, func(r *http.Request, a *recorded) {
				if a.status == 403 {
					a.body = []byte(`{"status":403,"error":{"code":"not_allowed","message":"no"}}`)
				}
			})
		}},
		{name: "hangs", want: "-timeout", timeout: 300 * time.Millisecond, wrap: func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if isAction(r, "list_billing") {
					select {
					case <-r.Context().Done():
					case <-time.After(5 * time.Second):
					}
					return
				}
				h.ServeHTTP(w, r)
			})
		}},
		{name: "drops the connection", want: "the request failed", wrap: func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if isAction(r, "cancelsubscription") {
					conn, _, err := w.(http.Hijacker).Hijack()
					if err == nil {
						conn.Close()
					}
					return
				}
				h.ServeHTTP(w, r)
			})
		}},
	}
}

// TestBrokenVariants runs the suite against implementations with one bug each: every one must
// fail with a message naming the bug.
func TestBrokenVariants(t *testing.T) {
	t.Parallel()
	for _, v := range brokenVariants() {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			base := serve(t, v.wrap(newMock(t)))
			rep := execute(t, Options{BaseURL: base, Timeout: v.timeout, RunID: "test"})
			out := text(t, rep)
			if rep.OK() || rep.Failed == 0 {
				t.Fatalf("the broken variant passed:\n%s", out)
			}
			if !strings.Contains(out, v.want) {
				t.Errorf("the report does not say %q:\n%s", v.want, out)
			}
			if !strings.Contains(out, "reproduce: curl ") {
				t.Errorf("the report has no curl command:\n%s", out)
			}
		})
	}
}
