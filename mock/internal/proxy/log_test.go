package proxy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/mock/internal/session"
)

// TestLogKeepsTheNewestAndCountsAll: the ring keeps the newest exchanges with violations, newest
// first, and the counts cover every exchange, per action.
func TestLogKeepsTheNewestAndCountsAll(t *testing.T) {
	t.Parallel()
	l := NewLog(3)
	bad := []session.Violation{{Side: "response", Problem: contract.Problem{Kind: contract.Missing, Field: "/x"}}, {Side: "request"}}
	for i := range 5 {
		l.Add(Entry{Action: "getorganization", Org: fmt.Sprint(i), Violations: bad})
		l.Add(Entry{Action: "list_billing"})
	}
	l.Add(Entry{Method: "GET", Path: "/v1/x"})
	var orgs []string
	for _, e := range l.Recent("", 0) {
		orgs = append(orgs, e.Org)
	}
	assert.Equal(t, []string{"4", "3", "2"}, orgs)
	assert.Len(t, l.Recent("getorganization", 2), 2)
	assert.Empty(t, l.Recent("list_billing", 0))
	assert.Equal(t, []ActionCounts{
		{Action: "GET /v1/x", Exchanges: 1},
		{Action: "getorganization", Exchanges: 5, Violating: 5, RequestViolations: 5, ResponseViolations: 5},
		{Action: "list_billing", Exchanges: 5},
	}, l.Counts())
	summary, lines := l.Lines(1)
	assert.Equal(t, "getorganization: 5 exchanges, 5 with violations (5 in requests, 5 in answers)", summary[1])
	assert.Len(t, lines, 1)
	l.Clear()
	assert.Empty(t, l.Counts())
}

// TestLogBoundsItsKeys: made-up paths without an action are counted as "other" past maxKeys.
func TestLogBoundsItsKeys(t *testing.T) {
	t.Parallel()
	l := NewLog(0)
	for i := range maxKeys + 10 {
		l.Add(Entry{Method: "GET", Path: fmt.Sprintf("/v1/%d", i)})
	}
	counts := l.Counts()
	assert.Len(t, counts, maxKeys+1)
	assert.Contains(t, counts, ActionCounts{Action: "other", Exchanges: 10})
}

// TestRedactor: a role's token is its role, another a stable short hash; problems that quote the
// token, or a whole Authorization header without one, are scrubbed.
func TestRedactor(t *testing.T) {
	t.Parallel()
	rd := NewRedactor(map[string]string{"tok_owner": "owner"})
	assert.Equal(t, "owner", rd.Name("tok_owner"))
	assert.Equal(t, rd.Name("tok_other"), rd.Name("tok_other"))
	assert.Regexp(t, `^token-[0-9a-f]{8}$`, rd.Name("tok_other"))
	assert.Equal(t, "", rd.Name(""))
	for _, tt := range []struct{ auth, token, want string }{
		{"Bearer tok_other", "tok_other", "got <" + rd.Name("tok_other") + "> here"},
		{"Basic s3cret", "", "got <redacted> here"},
		{"", "", "got  here"},
	} {
		secret := strings.TrimPrefix(strings.TrimPrefix(tt.auth, "Bearer "), "Basic ")
		if tt.token == "" {
			secret = tt.auth
		}
		out := rd.Violations([]session.Violation{{Problem: contract.Problem{Got: "got " + secret + " here", Expected: secret}}}, tt.auth, tt.token)
		assert.Equal(t, tt.want, out[0].Got, tt.auth)
		if secret != "" {
			assert.NotContains(t, out[0].Expected, secret)
		}
	}
}
