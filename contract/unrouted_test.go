package contract

import (
	"context"
	"net/http"
	"testing"
)

// TestUnroutedWithoutExtension: a document without x-unrouted-responses (such as controlapi.yaml)
// still checks the status and media type of answers to unknown paths, and never panics.
func TestUnroutedWithoutExtension(t *testing.T) {
	t.Parallel()
	c, err := Load([]byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      responses:
        '200': {description: ok}
`))
	if err != nil {
		t.Fatal(err)
	}
	json := http.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name  string
		in    Response
		valid bool
	}{
		{"404 on an unknown path", Response{Method: "GET", Path: "/b", Status: 404, Header: json, Body: []byte(`{}`)}, true},
		{"200 on an unknown path", Response{Method: "GET", Path: "/b", Status: 200, Header: json, Body: []byte(`{}`)}, false},
		{"405 with Allow", Response{Method: "POST", Path: "/a", Status: 405, Header: http.Header{"Content-Type": {"application/json"}, "Allow": {"GET"}}, Body: []byte(`{}`)}, true},
		{"405 without Allow", Response{Method: "POST", Path: "/a", Status: 405, Header: json, Body: []byte(`{}`)}, false},
		{"404 as text", Response{Method: "GET", Path: "/b", Status: 404, Header: http.Header{"Content-Type": {"text/plain"}}, Body: []byte(`x`)}, false},
	}
	for _, tt := range tests {
		err := c.ValidateResponse(context.Background(), tt.in)
		if (err == nil) != tt.valid {
			t.Errorf("%s: got %v, want valid=%v", tt.name, err, tt.valid)
		}
	}
}
