package router

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFind(t *testing.T) {
	t.Parallel()
	table := New([]Route[string]{
		{Methods: []string{"GET", "HEAD"}, Path: "/a", Handler: "get a"},
		{Methods: []string{"POST"}, Path: "/a", Handler: "post a"},
		{Path: "/any", Handler: "any"},
		{Methods: []string{"DELETE"}, Path: "/a/{id}", Handler: "delete a/id"},
		{Methods: []string{"POST"}, Path: "/a/{id}/done", Handler: "done"},
		{Methods: []string{"GET"}, Path: "/a/fixed", Handler: "fixed"},
		{Methods: []string{"PUT"}, Path: "/a/{id}", Handler: "put a/id"},
	})
	tests := []struct {
		method, target string
		want           Match[string]
		id             string
	}{
		{"GET", "/a", Match[string]{Handler: "get a"}, ""},
		{"HEAD", "/a", Match[string]{Handler: "get a"}, ""},
		{"POST", "/a", Match[string]{Handler: "post a"}, ""},
		{"PUT", "/a", Match[string]{Status: 405, Allow: "GET, POST"}, ""},
		{"get", "/a", Match[string]{Status: 405, Allow: "GET, POST"}, ""},
		{"PATCH", "/any", Match[string]{Handler: "any"}, ""},
		{"DELETE", "/a/x1", Match[string]{Handler: "delete a/id"}, "x1"},
		{"PUT", "/a/x1", Match[string]{Handler: "put a/id"}, "x1"},
		{"GET", "/a/x1", Match[string]{Status: 405, Allow: "PUT, DELETE"}, ""},
		{"GET", "/a/fixed", Match[string]{Handler: "fixed"}, ""},
		{"DELETE", "/a/fixed", Match[string]{Handler: "delete a/id"}, "fixed"},
		{"POST", "/a/x1/done", Match[string]{Handler: "done"}, "x1"},
		{"POST", "/a//done", Match[string]{Status: 301, Location: "/a/done"}, ""},
		{"POST", "/a/done", Match[string]{Status: 405, Allow: "PUT, DELETE"}, ""},
		{"GET", "/a/", Match[string]{Status: 404}, ""},
		{"GET", "/b", Match[string]{Status: 404}, ""},
		{"GET", "/x/../a?q=1", Match[string]{Status: 301, Location: "/a?q=1"}, ""},
		{"GET", "/a/./", Match[string]{Status: 301, Location: "/a/"}, ""},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, tt.target, nil)
		r.Method = tt.method
		got := table.Find(r)
		assert.Equal(t, tt.want, got, "%s %s", tt.method, tt.target)
		assert.Equal(t, tt.id, r.PathValue("id"), "%s %s", tt.method, tt.target)
	}
}
