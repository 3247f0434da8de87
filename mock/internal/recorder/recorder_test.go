package recorder

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/cloudplans/billing-mock/mock/internal/proxy"
)

func TestPlainJSON(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in    string
		plain bool
	}{
		{`{"org_id":"o","quantity":3}`, true},
		{`{"a":{"b":[1,2]}}`, true},
		{`{"quantity":3.0}`, false},
		{`{"quantity":1e400}`, false},
		{`{"quantity":-0}`, false},
		{`{"org_id":"a","org_id":"b"}`, false},
		{`[1]`, false},
		{`null`, false},
		{`{`, false},
	} {
		_, plain := plainJSON([]byte(tt.in))
		assert.Equal(t, tt.plain, plain, tt.in)
	}
}

var roles = map[string]string{"token": "tok_o", "org": "org_a", "member_token": "tok_m"}

func x(session, token, org, method, path, query, answer string, status int) *proxy.Exchange {
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return &proxy.Exchange{Session: session, Token: token, Org: org, Method: method, Path: path, Query: query,
		Header: h, Status: status, Answer: []byte(answer), API: len(path) > 3 && path[:4] == "/v1/", Action: actionOf(query)}
}

func actionOf(q string) string {
	for _, a := range []string{"getorganization", "getpaymentlink", "list_billing"} {
		if len(q) >= 7+len(a) && q[:7+len(a)] == "action="+a {
			return a
		}
	}
	return ""
}

// TestFlows: a change of token or organization ends a flow, a reset ends it and clears the
// setup; a link is captured only where a later step uses it, and used there by its variable; a
// token of no role that was not refused leaves its flow out.
func TestFlows(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rec, err := New(Options{Dir: dir, Roles: roles, Idle: time.Hour})
	require.NoError(t, err)
	const d = "/v1/organizations/billing/describe"
	const u = "/v1/organizations/billing/update"
	rec.Observe(x("s", "tok_o", "org_a", "GET", d, "action=getorganization&org_id=org_a", `{"status":200,"response":{"organization":{"id":"org_a"}}}`, 200))
	rec.Observe(x("s", "tok_o", "org_a", "POST", u, "action=getpaymentlink&org_id=org_a&quantity=2", `{"status":200,"response":"http://h/checkout/chk_1?session=s"}`, 200))
	rec.Observe(x("s", "tok_m", "org_a", "GET", d, "action=getorganization&org_id=org_a", `{"status":200}`, 200)) // flow 2
	rec.Observe(x("s", "", "", "POST", "/_mock/checkouts/chk_1/complete", "", `{"status":200}`, 200))
	rec.Observe(x("s", "tok_x", "org_a", "GET", d, "action=getorganization&org_id=org_a", `{"status":200}`, 200)) // left out
	rec.Observe(x("s", "tok_x", "org_a", "GET", d, "action=getorganization&org_id=org_a", `{"status":401}`, 401)) // same key: same flow
	rec.Observe(x("s", "", "", "POST", "/_mock/reset", "", `{"status":200}`, 200))
	rec.Observe(x("s", "tok_bad", "org_b", "GET", d, "action=getorganization&org_id=org_b", `{"status":401,"error":{"code":"invalid_token","message":"m"}}`, 401))
	require.NoError(t, rec.Close())
	read := func(n string) string {
		data, err := os.ReadFile(filepath.Join(dir, n))
		require.NoError(t, err)
		return string(data)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	assert.Len(t, files, 3, "%v", files)
	one := read("flow-0001.yaml")
	assert.Contains(t, one, "auth: '{{token}}'")
	assert.NotContains(t, one, "capture", "no later step of this flow uses the link")
	two := read("flow-0002.yaml")
	assert.Contains(t, two, "setup: getpaymentlink org")
	assert.Contains(t, two, "link1: /response")
	assert.Contains(t, two, "link: '{{link1}}'")
	assert.Contains(t, two, "- complete_checkout")
	three := read("flow-0003.yaml")
	assert.NotContains(t, three, "setup:", "a reset clears the setup")
	assert.Contains(t, three, "auth: '{{unknown_token}}'")
	assert.Contains(t, three, "code: invalid_token")
	assert.NotContains(t, three, "message")

	again, err := New(Options{Dir: dir, Roles: roles})
	require.NoError(t, err)
	again.Observe(x("", "tok_o", "org_a", "GET", d, "action=getorganization&org_id=org_a", `{"status":200}`, 200))
	require.NoError(t, again.Close())
	_, err = os.Stat(filepath.Join(dir, "flow-0004.yaml"))
	assert.NoError(t, err, "a second recorder in the same directory adds files")
}

// TestIdleFlush: a quiet session's flow is written without a shutdown.
func TestIdleFlush(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rec, err := New(Options{Dir: dir, Roles: roles, Idle: 20 * time.Millisecond})
	require.NoError(t, err)
	defer rec.Close()
	rec.Observe(x("", "tok_o", "org_a", "GET", "/v1/organizations/billing/describe", "action=getorganization&org_id=org_a", `{"status":200}`, 200))
	require.Eventually(t, func() bool {
		_, err := os.Stat(filepath.Join(dir, "flow-0001.yaml"))
		return err == nil
	}, 5*time.Second, 10*time.Millisecond)
}

// FuzzPlainJSON: a body plainJSON accepts comes back from the scenario's YAML as the same JSON
// (the runner sends the YAML value as JSON), so that a recorded body is the body sent.
func FuzzPlainJSON(f *testing.F) {
	for _, s := range []string{`{"org_id":"o","quantity":3}`, `{"a":{"b":[1,"x",null,true]}}`, `{"q":"3"}`, `{"n":-12}`, `{"s":"{{x}}"}`, `{"y":"yes","n":"2031-06"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, ok := plainJSON([]byte(raw))
		if !ok {
			return
		}
		out, err := yaml.Marshal(v)
		require.NoError(t, err)
		var back any
		require.NoError(t, yaml.Unmarshal(out, &back))
		var want any
		require.NoError(t, json.Unmarshal([]byte(raw), &want))
		gotJSON, err := json.Marshal(back)
		require.NoError(t, err, "%s", out)
		wantJSON, _ := json.Marshal(want)
		assert.JSONEq(t, string(wantJSON), string(gotJSON), "yaml:\n%s", out)
	})
}
