package proxy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cloudplans/billing-mock/mock/internal/session"
)

// Entry is one billing API exchange in the Log, its token named by its role.
type Entry struct {
	Time    time.Time `json:"time"`
	Session string    `json:"session"`
	Method  string    `json:"method"`
	Path    string    `json:"path"`
	Action  string    `json:"action"`
	Org     string    `json:"org"`
	// Token is the token's role (owner, member, outsider) or "token-" and a short hash of it.
	Token      string              `json:"token"`
	Status     int                 `json:"status"`
	Violations []session.Violation `json:"violations"`
}

// ActionCounts is what the Log counted for one action: its exchanges, those with a violation,
// and the violations of requests and of answers.
type ActionCounts struct {
	Action             string `json:"action"`
	Exchanges          int    `json:"exchanges"`
	Violating          int    `json:"violating"`
	RequestViolations  int    `json:"request_violations"`
	ResponseViolations int    `json:"response_violations"`
}

// Summary is one line for people.
func (c ActionCounts) Summary() string {
	exchanges := "exchanges"
	if c.Exchanges == 1 {
		exchanges = "exchange"
	}
	return fmt.Sprintf("%s: %d %s, %d with violations (%d in requests, %d in answers)",
		c.Action, c.Exchanges, exchanges, c.Violating, c.RequestViolations, c.ResponseViolations)
}

// DefaultLogSize is how many exchanges with violations a Log keeps.
const DefaultLogSize = 1000

// Log counts the proxy's exchanges per action and keeps the most recent ones that broke the
// contract. It is safe for concurrent use.
type Log struct {
	mu     sync.Mutex
	size   int
	recent []Entry // a ring of the exchanges with violations, next is the oldest once full
	next   int
	counts map[string]*ActionCounts
}

// NewLog returns a Log that keeps size exchanges with violations (0: DefaultLogSize).
func NewLog(size int) *Log {
	if size <= 0 {
		size = DefaultLogSize
	}
	return &Log{size: size, counts: map[string]*ActionCounts{}}
}

// actionKey names what an exchange is counted under: its action, else its method and path (a
// request without one, or to a path of no action).
func actionKey(e *Entry) string {
	if e.Action != "" {
		return e.Action
	}
	return e.Method + " " + e.Path
}

// Add counts an exchange and keeps it when it has violations.
func (l *Log) Add(e Entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := actionKey(&e)
	c := l.counts[key]
	if c == nil {
		if len(l.counts) >= maxKeys {
			key = "other"
			if c = l.counts[key]; c == nil {
				c = &ActionCounts{Action: key}
				l.counts[key] = c
			}
		} else {
			c = &ActionCounts{Action: key}
			l.counts[key] = c
		}
	}
	c.Exchanges++
	if len(e.Violations) == 0 {
		return
	}
	c.Violating++
	for _, v := range e.Violations {
		if v.Side == "request" {
			c.RequestViolations++
		} else {
			c.ResponseViolations++
		}
	}
	if len(l.recent) < l.size {
		l.recent = append(l.recent, e)
		return
	}
	l.recent[l.next] = e
	l.next = (l.next + 1) % l.size
}

// maxKeys bounds the keys counted: requests to made-up paths without an action are counted
// together as "other" beyond it.
const maxKeys = 256

// Clear forgets every exchange.
func (l *Log) Clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recent, l.next, l.counts = nil, 0, map[string]*ActionCounts{}
}

// Counts returns the counts of every action seen, by action name.
func (l *Log) Counts() []ActionCounts {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]ActionCounts, 0, len(l.counts))
	for _, c := range l.counts {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b ActionCounts) int { return strings.Compare(a.Action, b.Action) })
	return out
}

// Recent returns the exchanges with violations that match action ("": any), newest first, at
// most limit of them (0: all kept).
func (l *Log) Recent(action string, limit int) []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []Entry{}
	for i := range len(l.recent) {
		e := l.recent[(l.next-1-i+2*len(l.recent))%len(l.recent)]
		if action != "" && actionKey(&e) != action {
			continue
		}
		if out = append(out, e); limit > 0 && len(out) == limit {
			break
		}
	}
	return out
}

// Redactor names tokens in what the proxy reports: a token of a known role by the role's name,
// any other by "token-" and the first 8 hex digits of its SHA-256 (the same token always gets
// the same name, and the name does not give the token away).
type Redactor struct {
	roles map[string]string
}

// NewRedactor returns a Redactor that knows roles: token → role name.
func NewRedactor(roles map[string]string) *Redactor {
	return &Redactor{roles: roles}
}

// Name is how reports name token ("" for none).
func (rd *Redactor) Name(token string) string {
	if token == "" {
		return ""
	}
	if role, ok := rd.roles[token]; ok {
		return role
	}
	sum := sha256.Sum256([]byte(token))
	return "token-" + hex.EncodeToString(sum[:4])
}

// Violations returns found with the request's token, or its whole Authorization header when
// that holds no bearer token, replaced by the token's name wherever a problem quotes them.
func (rd *Redactor) Violations(found []session.Violation, authorization, token string) []session.Violation {
	secret, name := token, "<"+rd.Name(token)+">"
	if token == "" {
		secret, name = authorization, "<redacted>"
	}
	if secret == "" {
		return found
	}
	for i := range found {
		found[i].Got = strings.ReplaceAll(found[i].Got, secret, name)
		found[i].Expected = strings.ReplaceAll(found[i].Expected, secret, name)
	}
	return found
}

// Lines is the dashboard's view of the Log: a summary line per action, and one line per recent
// exchange with violations (newest first, at most recent of them).
func (l *Log) Lines(recent int) (summary, exchanges []string) {
	for _, c := range l.Counts() {
		summary = append(summary, c.Summary())
	}
	for _, e := range l.Recent("", recent) {
		msgs := make([]string, len(e.Violations))
		for i, v := range e.Violations {
			msgs[i] = v.Side + " " + v.String()
		}
		exchanges = append(exchanges, fmt.Sprintf("%s %s %s %s → %d: %s", e.Time.Format("15:04:05"), e.Method, e.Path, actionKey(&e), e.Status, strings.Join(msgs, "; ")))
	}
	return summary, exchanges
}
