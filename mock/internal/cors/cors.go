// Package cors is the mock's CORS policy: which browser origins may call it, the preflight answer,
// and the headers on every answer to an allowed origin.
package cors

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/internal/writer"
)

// Policy lets browser apps on allowed origins call the mock: Handle answers preflights (before any
// token check, since browsers send none) and puts Access-Control-Allow-Origin on every answer to
// an allowed origin, errors included.
type Policy struct {
	any      bool
	exact    map[string]bool
	prefixes []string // "http://localhost:" for "http://localhost:*"
}

// allowHeaders names each header a browser app sends; "*" would not cover Authorization.
const allowHeaders = "Authorization, Content-Type, Prefer, X-Mock-Session"

// exposeHeaders names each header of the mock's answers that browser code may read beyond the
// CORS-safelisted ones: Preference-Applied says which example a Prefer header or fault rule chose,
// ETag revalidates the served contract.
const exposeHeaders = "Allow, ETag, Location, Preference-Applied, WWW-Authenticate"

// New returns the policy that allows origins: exact origins ("http://localhost:5173"), "*" for any,
// or patterns with a port wildcard ("http://localhost:*", which also allows the default port).
func New(origins []string) (*Policy, error) {
	p := &Policy{exact: make(map[string]bool)}
	for _, o := range origins {
		o = strings.TrimSpace(o)
		switch {
		case o == "":
		case o == "*":
			p.any = true
		case strings.HasSuffix(o, ":*"):
			p.prefixes = append(p.prefixes, strings.TrimSuffix(o, "*"))
		case strings.HasPrefix(o, "http://") || strings.HasPrefix(o, "https://"):
			p.exact[strings.TrimSuffix(o, "/")] = true
		default:
			return nil, fmt.Errorf("CORS origin %q: want scheme://host[:port], scheme://host:* or *", o)
		}
	}
	return p, nil
}

// Allows reports whether a browser page on origin may call the mock.
func (p *Policy) Allows(origin string) bool {
	if origin == "" {
		return false
	}
	if p.any || p.exact[origin] {
		return true
	}
	for _, prefix := range p.prefixes {
		if port, ok := strings.CutPrefix(origin, prefix); ok && port != "" && isPort(port) {
			return true
		}
		if origin == strings.TrimSuffix(prefix, ":") { // the default port
			return true
		}
	}
	return false
}

func isPort(s string) bool {
	if len(s) > 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Handle puts the CORS headers of r's origin on w and answers a preflight: 204 with the methods and
// headers allowed, or 403 for an origin not allowed. It reports whether it answered.
func (p *Policy) Handle(w http.ResponseWriter, r *http.Request) (answered bool) {
	origin := r.Header.Get("Origin")
	allowed := p.Allows(origin)
	h := w.Header()
	if origin != "" {
		h.Add("Vary", "Origin")
	}
	if allowed {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Expose-Headers", exposeHeaders)
	}
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	if !allowed {
		writer.Error(w, errcode.New(errcode.Forbidden,
			fmt.Sprintf("origin %q may not call this mock; start it with -cors-origins to allow it", origin)))
		return true
	}
	h.Add("Vary", "Access-Control-Request-Method, Access-Control-Request-Headers")
	h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
	h.Set("Access-Control-Allow-Headers", allowHeaders)
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
	return true
}
