package mock

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/mock/fixture"
	"github.com/cloudplans/billing-mock/mock/internal/body"
	"github.com/cloudplans/billing-mock/mock/internal/session"
)

// Options configure a Server. The zero value serves the embedded contract and default seed, and
// validates every request and answer in full (no verdict cache).
type Options struct {
	// Contract validates requests and answers; nil means the embedded openapi.yaml.
	Contract *contract.Contract
	// Seed is what every session starts from; nil means the embedded fixtures/seed.yaml.
	Seed *fixture.Seed
	// PublicURL is the base of the links the mock hands out ("http://localhost:8080"); empty means
	// "http://" plus the request's Host.
	PublicURL string
	// CORSOrigins lists the browser origins allowed to call the mock: exact origins
	// ("http://localhost:5173"), "*" for any, or patterns with a port wildcard
	// ("http://localhost:*"). Nil means DefaultCORSOrigins.
	CORSOrigins []string
	// Logger gets one line per request; nil means no logging.
	Logger *slog.Logger
	// SkipResponseValidation turns off the validation of the mock's own answers.
	SkipResponseValidation bool
	// MaxSessions bounds the number of X-Mock-Session sessions kept; 0 means DefaultMaxSessions.
	MaxSessions int
	// JournalSize bounds each session's request journal; 0 means DefaultJournalSize.
	JournalSize int
	// MaxFaults bounds each session's fault rules; 0 means DefaultMaxFaults.
	MaxFaults int
	// MaxPendingLinks bounds the payment and update-card links each session remembers; 0 means
	// DefaultMaxPendingLinks. Handing out one more forgets the oldest (its page then answers 404
	// link_not_found): getpaymentlink documents no 429 or 503, so the mock never refuses a link.
	MaxPendingLinks int
	// MaxInvoices bounds the invoices the mock makes (quantity changes, checkouts, renewals) that
	// each organization of a session keeps; 0 means state.DefaultMaxMadeInvoices. Making one more
	// forgets the oldest made one; the invoices of the seed or an imported state are always kept.
	MaxInvoices int
	// ValidationCache is the number of "valid" verdicts of request and answer validation kept, keyed
	// on every input of the validation (see contract.Validator); 0 keeps none, so that every request
	// and answer is validated in full. billing-mock's -validation-cache gives it, with the same
	// meaning of 0; its default is DefaultValidationCache. A negative number is an error.
	ValidationCache int
	// Latency delays every answer of the billing API and the hosted pages by a duration drawn
	// uniformly from [Latency.Min, Latency.Max]; the zero value adds none.
	Latency Latency
	// Proxy, when set, makes the Server a validating proxy of another implementation instead of
	// the mock (billing-mock -proxy).
	Proxy *Proxy
}

// Proxy configures the validating proxy. The billing API goes to Upstream, each request and
// answer validated against the contract; the Server answers GET and DELETE /_mock/violations,
// GET /_mock/requests (the exchanges, with their violations) and the dashboard itself, and
// forwards every other request (hosted pages, links, the test-support protocol) untouched.
type Proxy struct {
	// Upstream is the implementation's base URL (http or https).
	Upstream *url.URL
	// Enforce turns an answer that breaks the contract into a 502 contract_violation; otherwise
	// (report mode) every answer passes through unchanged.
	Enforce bool
	// Transport, when set, sends the forwarded requests, whatever Upstream's scheme. When nil, an
	// http Upstream is spoken to directly over kept-alive HTTP/1.1 connections, and an https one
	// through a dedicated net/http Transport (TLS, HTTP/2).
	Transport http.RoundTripper
	// Timeout bounds each upstream exchange (a 504 upstream_timeout past it); 0 means 25 s.
	Timeout time.Duration
	// Roles are the role variables of the contract scenarios (token, member_token,
	// outsider_token, org, fresh_org, outsider_org) and their values: reports name a role's token
	// by its role (owner, member, outsider), any other token by a short hash, and the recorder
	// writes both roles' tokens and organizations as the variables.
	Roles map[string]string
	// RecordDir, when set, is where each observed flow is written as a contract scenario
	// (billing-mock -record; see Server.Close).
	RecordDir string
	// RecordIdle ends a flow that saw no request for that long; 0 means 30 s.
	RecordIdle time.Duration
}

// The defaults of Options (and of billing-mock's flags).
const (
	// DefaultValidationCache is the verdict cache's size billing-mock uses unless
	// -validation-cache says otherwise.
	DefaultValidationCache = 4096
	// DefaultMaxSessions is the number of sessions kept when Options.MaxSessions is 0. Beyond it,
	// the least recently used session is dropped (and starts again from the seed if used again).
	DefaultMaxSessions = session.DefaultMaxSessions
	// DefaultJournalSize is the number of requests each session's journal keeps.
	DefaultJournalSize = session.DefaultJournalSize
	// DefaultMaxFaults is the number of fault rules a session may hold.
	DefaultMaxFaults = session.DefaultMaxFaults
	// DefaultMaxPendingLinks is the number of payment and update-card links a session remembers.
	DefaultMaxPendingLinks = session.DefaultMaxPendingLinks
	// MaxBodyBytes is the largest request body accepted (1 MiB); a larger one is a 413.
	MaxBodyBytes = body.Limit
	// MaxURLBytes is the longest URL (path and query string, as the request line carries it) the
	// mock reads; a longer one is a 414 uri_too_long, on any path. RFC 9112 asks every server to
	// take request lines of at least 8000 octets; the billing API's longest URL is a few hundred
	// bytes.
	MaxURLBytes = 8 << 10
	// SessionHeader names the session a request belongs to. Requests without it share the default
	// session.
	SessionHeader = session.Header
)

// DefaultCORSOrigins allows any page served from the local machine, on any port.
var DefaultCORSOrigins = []string{
	"http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*",
	"https://localhost:*", "https://127.0.0.1:*", "https://[::1]:*",
}

// Latency is a range of added delay; Min == Max for a fixed one.
type Latency struct {
	Min, Max time.Duration
}

// ParseLatency reads "250ms" (fixed) or "100ms-800ms" (a range).
func ParseLatency(s string) (Latency, error) {
	if s == "" || s == "0" {
		return Latency{}, nil
	}
	lo, hi, isRange := strings.Cut(s, "-")
	min, err := time.ParseDuration(strings.TrimSpace(lo))
	if err != nil {
		return Latency{}, fmt.Errorf("latency %q: want a duration like 250ms or a range like 100ms-800ms", s)
	}
	max := min
	if isRange {
		if max, err = time.ParseDuration(strings.TrimSpace(hi)); err != nil {
			return Latency{}, fmt.Errorf("latency %q: want a duration like 250ms or a range like 100ms-800ms", s)
		}
	}
	if min < 0 || max < min || max > time.Minute {
		return Latency{}, fmt.Errorf("latency %q: want 0 <= min <= max <= 1m", s)
	}
	return Latency{Min: min, Max: max}, nil
}
