package mock

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/cloudplans/billing-mock/mock/errcode"
)

// corsPolicy lets browser apps on allowed origins call the mock: it answers preflights (before any
// token check, since browsers send none) and puts Access-Control-Allow-Origin on every answer from
// an allowed origin, errors included.
type corsPolicy struct {
	any      bool
	exact    map[string]bool
	prefixes []string // "http://localhost:" for "http://localhost:*"
}

// corsAllowHeaders names each header a browser app sends; "*" would not cover Authorization.
const corsAllowHeaders = "Authorization, Content-Type, Prefer, X-Mock-Session"

func newCORSPolicy(origins []string) (*corsPolicy, error) {
	p := &corsPolicy{exact: make(map[string]bool)}
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

func (p *corsPolicy) allows(origin string) bool {
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

func (p *corsPolicy) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		allowed := p.allows(origin)
		h := w.Header()
		if origin != "" {
			h.Add("Vary", "Origin")
		}
		if allowed {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Expose-Headers", "Allow, Location, WWW-Authenticate")
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			if !allowed {
				writeError(w, errcode.New(errcode.Forbidden,
					fmt.Sprintf("origin %q may not call this mock; start it with -cors-origins to allow it", origin)))
				return
			}
			h.Add("Vary", "Access-Control-Request-Method, Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
