package contract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cloudplans/billing-mock/contract"
)

// ParseObject never panics, and what it parses survives a round trip: the members, encoded again
// as an object, parse to the same members.
func FuzzParseObject(f *testing.F) {
	for _, seed := range []string{
		`{}`,
		`{"org_id":"org_acme","quantity":3}`,
		` { "a" : [1, {"b": null}] , "c": "\u00e9\ud83d\ude00" } `,
		`{"a":1,"a":2}`,
		`{"a":1,"\u0061":2}`,
		`{"a":1}}`,
		`{"a":1} {}`,
		`{"a":1,}`,
		`{"a" 1}`,
		`{"a":1 "b":2}`,
		`[]`,
		`"x"`,
		`null`,
		`3.5e2`,
		``,
		`{`,
		"{\"\xff\":1}",
		"{\"a\":\"\xff\"}",
		`{"quantity":1e400}`,
		`{"a":-0,"b":1E+2,"c":0.5}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		members, err := contract.ParseObject(data)
		if err != nil {
			if members != nil {
				t.Fatalf("members %v with error %v", members, err)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("ParseObject accepted invalid JSON %q", data)
		}
		var again bytes.Buffer
		again.WriteByte('{')
		i := 0
		for name, raw := range members {
			if !json.Valid(raw) {
				t.Fatalf("member %q has invalid JSON %q", name, raw)
			}
			if i > 0 {
				again.WriteByte(',')
			}
			i++
			key, err := json.Marshal(name)
			if err != nil {
				t.Fatal(err)
			}
			again.Write(key)
			again.WriteByte(':')
			again.Write(raw)
		}
		again.WriteByte('}')
		back, err := contract.ParseObject(again.Bytes())
		if err != nil {
			t.Fatalf("re-encoded %q does not parse: %v (from %q)", again.Bytes(), err, data)
		}
		if len(back) != len(members) {
			t.Fatalf("round trip of %q: %d members, then %d", data, len(members), len(back))
		}
		for name, raw := range members {
			if got, ok := back[name]; !ok || !bytes.Equal(got, raw) {
				t.Fatalf("round trip of %q: member %q = %q, then %q", data, name, raw, got)
			}
		}
	})
}

// ValidateRequest never panics on any query string, body and Content-Type, and answers nil, a
// *ValidationError with problems, or a *RouteError.
func FuzzValidateRequest(f *testing.F) {
	c, err := contract.Embedded()
	if err != nil {
		f.Fatal(err)
	}
	paths := []struct{ method, path string }{
		{"GET", describePath}, {"GET", historyPath}, {"POST", updatePath}, {"POST", describePath}, {"GET", "/nope"},
	}
	for _, seed := range []struct {
		path         uint8
		query        string
		body         string
		contentType  string
		authenticate bool
	}{
		{0, "action=getorganization&org_id=org_acme", "", "", true},
		{0, "action=getorganization", `{"org_id":"org_acme"}`, "application/json", true},
		{1, "action=list_billing&org_id=org_acme", `{}`, "application/json", true},
		{2, "action=getpaymentlink&org_id=o&quantity=3", `{"quantity":3}`, "Application/JSON; charset=utf-8", true},
		{2, "action=updatesubscription&quantity=1e3&quantity=3", `{"quantity":3.0,"quantity":3}`, "application/json", true},
		{2, "action=cancelsubscription&org_id=%zz;org_id=a", `{"org_id":["a"]}`, "text/plain", false},
		{2, "action=getpaymentlink&quantity=99999999999999999999", `{"quantity":-0}`, "application/json", true},
		{2, "action=getpaymentlink&quantity=", `{"quantity":1e400}`, "application/json", true},
		{3, "action=getorganization", "", "", true},
		{4, "", "x", "application/json; =", true},
	} {
		f.Add(seed.path, seed.query, []byte(seed.body), seed.contentType, seed.authenticate)
	}
	f.Fuzz(func(t *testing.T, pathIndex uint8, query string, body []byte, contentType string, authenticate bool) {
		p := paths[int(pathIndex)%len(paths)]
		r := httptest.NewRequest(p.method, p.path, nil)
		r.URL.RawQuery = query
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		if authenticate {
			r.Header.Set("Authorization", bearer)
		}
		err := c.ValidateRequest(context.Background(), r, body)
		if err == nil {
			return
		}
		var verr *contract.ValidationError
		var rerr *contract.RouteError
		switch {
		case errors.As(err, &verr):
			if len(verr.Problems) == 0 {
				t.Fatalf("a ValidationError without problems for %q %q", query, body)
			}
			_ = verr.Error()
		case errors.As(err, &rerr):
			if rerr.Status != http.StatusNotFound && rerr.Status != http.StatusMethodNotAllowed {
				t.Fatalf("RouteError status %d", rerr.Status)
			}
		default:
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
	})
}

// Regression rows for what the fuzzers and the tests above found; see also the "trailing brace"
// and "duplicate member" rows of TestValidateResponseRejects.
func TestParseObject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body    string
		members []string
		dup     string
		fails   bool
	}{
		{body: `{}`},
		{body: ` {"a":1, "b" : "x"} `, members: []string{"a", "b"}},
		{body: `{"a":1,"a":1}`, dup: "a"},
		{body: `{"a":1,"\u0061":2}`, dup: "a"},
		{body: `{"a":1}}`, fails: true},
		{body: `{"a":1}]`, fails: true},
		{body: `{"a":1} {}`, fails: true},
		{body: `[]`, fails: true},
		{body: `null`, fails: true},
		{body: ``, fails: true},
		{body: `{"a":1,}`, fails: true},
	}
	for _, tt := range tests {
		members, err := contract.ParseObject([]byte(tt.body))
		var dup *contract.DuplicateMemberError
		switch {
		case tt.dup != "":
			if !errors.As(err, &dup) || dup.Name != tt.dup {
				t.Errorf("ParseObject(%q) = %v, want a duplicate %q", tt.body, err, tt.dup)
			}
		case tt.fails:
			if err == nil || errors.As(err, &dup) {
				t.Errorf("ParseObject(%q) = %v, %v; want a parse error", tt.body, members, err)
			}
		default:
			if err != nil || len(members) != len(tt.members) {
				t.Errorf("ParseObject(%q) = %v, %v", tt.body, members, err)
			}
			for _, m := range tt.members {
				if _, ok := members[m]; !ok {
					t.Errorf("ParseObject(%q): no member %q", tt.body, m)
				}
			}
		}
	}
}

// ValidateResponse never panics on any answer, and answers nil or a *ValidationError with problems.
func FuzzValidateResponse(f *testing.F) {
	c, err := contract.Embedded()
	if err != nil {
		f.Fatal(err)
	}
	routes := []struct{ method, path, action string }{
		{"GET", describePath, "getorganization"}, {"GET", historyPath, "list_billing"},
		{"POST", updatePath, "getpaymentlink"}, {"POST", updatePath, "cancelsubscription"},
		{"POST", updatePath, ""}, {"POST", describePath, ""}, {"GET", "/nope", ""},
	}
	f.Add(uint8(0), 200, []byte(describeBody), "application/json", "")
	f.Add(uint8(1), 200, []byte(historyBody), "application/json", "")
	f.Add(uint8(2), 200, []byte(linkBody), "application/json", "")
	f.Add(uint8(3), 409, []byte(errorBody(409, "no_active_subscription")), "application/json", "")
	f.Add(uint8(4), 200, []byte(`{"status":200}}`), "application/json", "")
	f.Add(uint8(5), 405, []byte(errorBody(405, "method_not_allowed")), "application/json", "GET")
	f.Add(uint8(6), 404, []byte(`{"status":404,"error":{"code":"not_found","message":"m","code":"x"}}`), "application/json", "")
	f.Add(uint8(0), 200, []byte(`{"status":1e999}`), "text/plain", "")
	f.Fuzz(func(t *testing.T, route uint8, status int, body []byte, contentType, allow string) {
		r := routes[int(route)%len(routes)]
		err := c.ValidateResponse(context.Background(), contract.Response{
			Method: r.method, Path: r.path, Action: r.action, Status: status,
			Header: http.Header{"Content-Type": {contentType}, "Allow": {allow}}, Body: body,
		})
		if err == nil {
			if !json.Valid(body) {
				t.Fatalf("accepted invalid JSON %q", body)
			}
			return
		}
		var verr *contract.ValidationError
		if !errors.As(err, &verr) || len(verr.Problems) == 0 {
			t.Fatalf("unexpected error %T: %v", err, err)
		}
		_ = verr.Error()
	})
}
