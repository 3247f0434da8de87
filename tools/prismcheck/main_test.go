package main

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cloudplans/billing-mock/contract"
)

func TestJudge(t *testing.T) {
	c, err := contract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	req := func(msg string) []violation {
		return []violation{{Location: []string{"request", "query"}, Message: msg}}
	}
	resp := []violation{{Location: []string{"response", "body"}, Message: "must match"}}
	const update = "/v1/organizations/billing/update"
	tests := []struct {
		name     string
		e        exchange
		failures int
		flagged  bool
	}{
		{"a clean 200", exchange{method: "POST", path: update, status: 200}, 0, false},
		{"a request violation on a 200", exchange{method: "POST", path: update, status: 200, violations: req("org_id is required")}, 1, false},
		{"a request violation on a 409", exchange{method: "POST", path: update, status: 409, code: "no_active_subscription", violations: req("x")}, 1, false},
		{"a request violation on a 404 org_not_found", exchange{method: "GET", path: "/v1/organizations/billing/describe", status: 404, code: "org_not_found", violations: req("x")}, 1, false},
		{"a request violation on a 400: Prism agrees", exchange{method: "POST", path: update, status: 400, code: "missing_parameter", violations: req("x")}, 0, true},
		{"an unknown path's 404 flagged", exchange{method: "POST", path: "/v1/organizations/billing/refund", status: 404, code: "not_found", violations: req("route not found")}, 0, true},
		{"an answer violation, even on a refusal", exchange{method: "POST", path: update, status: 400, code: "invalid_json", violations: resp}, 1, false},
		{"Prism's own answer", exchange{method: "GET", path: "/v1/organizations/billing/describe", status: 501, contentType: "application/problem+json"}, 1, false},
		{"the control API is not judged", exchange{method: "POST", path: "/_mock/reset", status: 200, violations: req("route not found")}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := judge(c, []exchange{tt.e})
			if len(v.failures) != tt.failures {
				t.Errorf("failures = %q, want %d", v.failures, tt.failures)
			}
			if (v.refusedFlagged == 1) != tt.flagged {
				t.Errorf("flagged = %d, want %v", v.refusedFlagged, tt.flagged)
			}
		})
	}
}

func TestUnproxyable(t *testing.T) {
	tests := []struct {
		method, ctype, body string
		want                string
	}{
		{"GET", "", "", ""},
		{"GET", "application/json", `{"org_id":"o"}`, "GET with a body"},
		{"POST", "application/json", `{"org_id":"o"}`, ""},
		{"POST", "application/json", `{"org_id": `, "does not parse"},
		{"POST", "text/plain", `{"org_id": `, ""},
		{"POST", "application/json", `{"org_id":"o","quantity":3}`, ""},
		{"POST", "application/json", `{"org_id":"o","quantity":3.0}`, "forward changed"},
		{"POST", "application/json", `{"org_id":"o","quantity":3e0}`, "forward changed"},
		{"POST", "application/json", `{"org_id":"o","quantity":12345678901234567890}`, "forward changed"},
		{"POST", "application/json", `{"org_id":"o","org_id":"p"}`, "forward changed"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, "/v1/organizations/billing/update", strings.NewReader(tt.body))
		r.Header.Set("Content-Type", tt.ctype)
		got := unproxyable(r, []byte(tt.body))
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s %s %q: %q, want %q", tt.method, tt.ctype, tt.body, got, tt.want)
		}
	}
}
