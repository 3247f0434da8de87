// Package router finds the route of a request in a table of routes: fixed paths, and paths with
// {name} segments that match one non-empty segment each. It cleans paths as gorilla/mux does (a
// path that is not clean is redirected, 301, to its clean form) and tells an unknown path (404)
// from a known path with another method (405, with the methods it has).
package router

import (
	"net/http"
	"path"
	"strings"
)

// Route is one entry of a table: the methods it answers (nil: every method), its path, and its
// handler.
type Route[H any] struct {
	Methods []string
	Path    string
	Handler H
}

// Table is a route table. It is immutable and safe for concurrent use.
type Table[H any] struct {
	routes []route[H]
	// fixed indexes the routes of each fixed path, in table order.
	fixed map[string][]int
}

type route[H any] struct {
	Route[H]
	segments []string // for a path with {name} segments; nil for a fixed one
}

// New returns the table of routes, in their order: where two routes match a request, the first
// one answers, but a fixed path is matched before any path with {name} segments.
func New[H any](routes []Route[H]) *Table[H] {
	t := &Table[H]{fixed: make(map[string][]int)}
	for i, r := range routes {
		rt := route[H]{Route: r}
		if strings.Contains(r.Path, "{") {
			rt.segments = strings.Split(r.Path, "/")
		} else {
			t.fixed[r.Path] = append(t.fixed[r.Path], i)
		}
		t.routes = append(t.routes, rt)
	}
	return t
}

// Match is the outcome of Find.
type Match[H any] struct {
	// Handler is the route's, when Status is 0.
	Handler H
	// Status is 0 when a route matched; else http.StatusMovedPermanently (Location is the clean
	// path, with the query), http.StatusNotFound, or http.StatusMethodNotAllowed (Allow lists, of
	// GET, POST, PUT and DELETE, those the path has).
	Status   int
	Location string
	Allow    string
}

// Find returns the route of r, setting each {name} segment of its path as r's path value name.
func (t *Table[H]) Find(r *http.Request) Match[H] {
	p := r.URL.Path
	if ids, ok := t.fixed[p]; ok {
		for _, i := range ids {
			if t.routes[i].allows(r.Method) {
				return Match[H]{Handler: t.routes[i].Handler}
			}
		}
	}
	if clean := cleanPath(p); clean != p {
		u := *r.URL
		u.Path = clean
		return Match[H]{Status: http.StatusMovedPermanently, Location: u.String()}
	}
	pathMatched := false
	for i := range t.routes {
		rt := &t.routes[i]
		vars, ok := rt.match(p)
		if !ok {
			continue
		}
		if !rt.allows(r.Method) {
			pathMatched = true
			continue
		}
		for name, value := range vars {
			r.SetPathValue(name, value)
		}
		return Match[H]{Handler: rt.Handler}
	}
	if !pathMatched {
		return Match[H]{Status: http.StatusNotFound}
	}
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		for i := range t.routes {
			if _, ok := t.routes[i].match(p); ok && t.routes[i].allows(m) {
				allow = append(allow, m)
				break
			}
		}
	}
	return Match[H]{Status: http.StatusMethodNotAllowed, Allow: strings.Join(allow, ", ")}
}

// match reports whether the route's path matches p, and the values of its {name} segments.
func (rt *route[H]) match(p string) (map[string]string, bool) {
	if rt.segments == nil {
		return nil, rt.Path == p
	}
	segs := strings.Split(p, "/")
	if len(segs) != len(rt.segments) {
		return nil, false
	}
	var vars map[string]string
	for i, want := range rt.segments {
		if name, ok := strings.CutPrefix(want, "{"); ok && strings.HasSuffix(name, "}") {
			if segs[i] == "" {
				return nil, false
			}
			if vars == nil {
				vars = make(map[string]string, 1)
			}
			vars[strings.TrimSuffix(name, "}")] = segs[i]
		} else if segs[i] != want {
			return nil, false
		}
	}
	return vars, true
}

// allows reports whether the route answers method (exactly: "get" is not GET).
func (rt *route[H]) allows(method string) bool {
	if rt.Methods == nil {
		return true
	}
	for _, m := range rt.Methods {
		if m == method {
			return true
		}
	}
	return false
}

// cleanPath is p in canonical form: rooted, without . and .. elements or double slashes, keeping a
// trailing slash.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		np += "/"
	}
	return np
}
