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

// FuzzControlInputs sends arbitrary bodies to the control calls that parse one: fault rules, state
// imports, clock advances and link completions. Whatever comes, the answer is JSON, never a 5xx,
// and a refused input leaves the session's state as it was.
func FuzzControlInputs(f *testing.F) {
	s, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	targets := []struct{ method, path string }{
		{"POST", "/_mock/faults"},
		{"PUT", "/_mock/state"},
		{"POST", "/_mock/clock/advance"},
		{"POST", "/_mock/checkouts/chk_x/complete"},
		{"POST", "/_mock/card-updates/crd_x/complete"},
	}
	f.Add(uint8(0), `{"action":"getorganization","status":500,"count":1}`, "application/json")
	f.Add(uint8(0), `{"action":"*","delay":"1ms","probability":0.5,"seed":7}`, "application/json")
	f.Add(uint8(1), "plans: [{id: p, unit_price: \"1.00\"}]\nusers: []\norganizations: []\n", "application/yaml")
	f.Add(uint8(2), `{"by":"720h"}`, "application/json")
	f.Add(uint8(2), `{"to":"0001-01-01T00:00:00Z"}`, "application/json")
	f.Add(uint8(3), `{"payment_exp":"2030-01"}`, "application/json")
	f.Add(uint8(4), `{"payment_exp":[]}`, "text/plain")
	f.Fuzz(func(t *testing.T, which uint8, body, ctype string) {
		target := targets[int(which)%len(targets)]
		before := exportState(t, s)
		r := httptest.NewRequest(target.method, "http://mock.test"+target.path, strings.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		r.Header.Set(SessionHeader, "fuzz-control")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", target.method, target.path, body, rec.Code, rec.Body)
		}
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("%s %s: content type %q", target.method, target.path, rec.Header().Get("Content-Type"))
		}
		if rec.Code >= 400 && target.path != "/_mock/faults" && exportState(t, s) != before {
			t.Fatalf("%s %s refused with %d but changed the state", target.method, target.path, rec.Code)
		}
		// Keep the rules from piling up to the limit, which would hide other paths.
		s.sessions.Get("fuzz-control").Faults.Remove("")
	})
}

// exportState exports the fuzz session's state.
func exportState(t *testing.T, h http.Handler) string {
	r := httptest.NewRequest("GET", "http://mock.test/_mock/state", nil)
	r.Header.Set(SessionHeader, "fuzz-control")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK {
		t.Fatalf("export: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}
