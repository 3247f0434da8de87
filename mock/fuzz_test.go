package mock

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzServeAPI sends arbitrary requests to the mock: whatever a client sends, the answer is never a
// 5xx, always JSON in the error envelope or a documented success, and its status member matches.
// The mock validates its own answers, so any answer off the contract would be a 500 here.
func FuzzServeAPI(f *testing.F) {
	s, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	paths := []string{describePath, historyPath, updatePath, "/_mock/health", "/_mock/checkouts/x/complete", "/checkout/x", "/nope"}
	methods := []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}
	f.Add(uint8(0), uint8(0), "action=getorganization&org_id=org_acme", "", "application/json", "Bearer tok_owner")
	f.Add(uint8(2), uint8(1), "action=updatesubscription", `{"org_id":"org_acme","quantity":4}`, "application/json", "Bearer tok_owner")
	f.Add(uint8(2), uint8(1), "action=getpaymentlink&org_id=org_new&quantity=1e3", `{"quantity":1.0}`, "application/json", "Bearer tok_owner")
	f.Add(uint8(2), uint8(1), "action=cancelsubscription&org_id=%ff", "\xff\x00", "application/json", "Bearer tok_member")
	f.Add(uint8(1), uint8(0), "action=list_billing&org_id=org_acme&org_id=org_acme", "[]", "text/plain", "bearer tok_outsider")
	f.Fuzz(func(t *testing.T, pathIdx, methodIdx uint8, query, body, ctype, auth string) {
		path := paths[int(pathIdx)%len(paths)]
		method := methods[int(methodIdx)%len(methods)]
		r := httptest.NewRequest(method, "http://mock.test"+path, strings.NewReader(body))
		r.URL.RawQuery = query
		r.Header.Set("Content-Type", ctype)
		r.Header.Set("Authorization", auth)
		r.Header.Set(SessionHeader, "fuzz")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s %q: %d %s", method, path, query, body, rec.Code, rec.Body)
		}
		if !strings.HasPrefix(path, "/v1/") || method == "HEAD" || rec.Code == http.StatusNoContent {
			return
		}
		var env struct {
			Status int `json:"status"`
		}
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("%s %s: content type %q", method, path, rec.Header().Get("Content-Type"))
		}
		if err := json.NewDecoder(bytes.NewReader(rec.Body.Bytes())).Decode(&env); err != nil || env.Status != rec.Code {
			t.Fatalf("%s %s: status member %d, HTTP %d, err %v: %s", method, path, env.Status, rec.Code, err, rec.Body)
		}
	})
}
