package api_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cloudplans/billing-mock/examples/provider/api"
)

// FuzzServe sends whatever a client could: every answer is JSON with the status member equal to
// the HTTP status, an error is the envelope, and nothing is a 5xx (the store is healthy).
func FuzzServe(f *testing.F) {
	f.Add(uint8(0), describe, "action=getorganization&org_id=org_acme", "", "Bearer tok_owner", []byte(nil))
	f.Add(uint8(1), update, "action=updatesubscription", "application/json", "Bearer tok_owner", []byte(`{"org_id":"org_acme","quantity":4}`))
	f.Add(uint8(1), update, "action=getpaymentlink&org_id=org_new&quantity=2", "", "Bearer tok_owner", []byte(nil))
	f.Add(uint8(0), history, "action=list_billing&org_id=org_acme", "text/plain", "bearer tok_member", []byte("x"))
	f.Add(uint8(1), update, "action=cancelsubscription&org_id=org_acme&org_id=org_new", "application/json; charset=utf-8", "Bearer tok_owner", []byte(`{"org_id":"org_acme","org_id":"x"}`))
	f.Add(uint8(2), "/x", "%zz", "application/json", "Basic x", []byte(`[`))
	srv, _ := newAPI(f, api.Options{})
	methods := []string{"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"}
	f.Fuzz(func(t *testing.T, m uint8, path, query, contentType, auth string, body []byte) {
		r, err := http.NewRequest(methods[int(m)%len(methods)], "http://billing.test/", bytes.NewReader(body))
		if err != nil {
			t.Skip()
		}
		r.URL.Path, r.URL.RawQuery = path, query
		r.Header.Set("Content-Type", contentType)
		r.Header.Set("Authorization", auth)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %q ?%q: %d %s", r.Method, path, query, w.Code, w.Body)
		}
		envelopeOf(t, w)
	})
}
