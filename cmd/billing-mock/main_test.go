package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	billingmock "github.com/cloudplans/billing-mock"
	"github.com/cloudplans/billing-mock/mock/fixture"
)

// run is runEnv with an empty environment, so that no BILLING_MOCK_ADDR of the machine reaches the
// tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runEnv(ctx, args, func(string) string { return "" }, nil, stdout, stderr)
}

// syncBuffer is a bytes.Buffer safe to read while the server writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// start runs the mock on a free loopback port and returns its base URL and a stop function that
// asserts a clean exit within 3 s.
func start(t *testing.T, args ...string) (string, *syncBuffer, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), stdout, stderr) }()
	listening := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], stderr, func() {
				cancel()
				select {
				case err := <-done:
					assert.NoError(t, err)
				case <-time.After(3 * time.Second):
					t.Error("the mock did not stop within 3 s")
				}
			}
		}
		select {
		case err := <-done:
			t.Fatalf("the mock exited: %v\n%s", err, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("no banner: %s", stdout.String())
	return "", nil, nil
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(r)
	require.NoError(t, err)
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func TestServesAndLogsAndStops(t *testing.T) {
	base, logs, stop := start(t, "-log-format", "json")
	defer stop()
	status, body := get(t, base+"/v1/organizations/billing/describe?action=getorganization&org_id=org_acme", "tok_owner")
	assert.Equal(t, 200, status)
	assert.Contains(t, body, `"quantity":"3"`)
	// One JSON log line per request, with the fields the issue names.
	line := ""
	for sc := bufio.NewScanner(strings.NewReader(logs.String())); sc.Scan(); {
		if strings.Contains(sc.Text(), `"path":"/v1/organizations/billing/describe"`) {
			line = sc.Text()
		}
	}
	for _, field := range []string{`"method":"GET"`, `"action":"getorganization"`, `"org":"org_acme"`, `"session":""`, `"status":200`, `"duration":`} {
		assert.Contains(t, line, field)
	}
}

func TestFixturesFlag(t *testing.T) {
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.yaml")
	require.NoError(t, os.WriteFile(seed, []byte(`plans: [{id: basic, unit_price: "5.00"}]
users: [{id: usr_qa, token: tok_qa}]
organizations: [{id: org_qa, name: QA, owner: usr_qa, resources: 1}]
`), 0o600))
	base, _, stop := start(t, "-fixtures", seed, "-quiet")
	defer stop()
	status, body := get(t, base+"/v1/organizations/billing/describe?action=getorganization&org_id=org_qa", "tok_qa")
	assert.Equal(t, 200, status, body)
	status, _ = get(t, base+"/v1/organizations/billing/describe?action=getorganization&org_id=org_acme", "tok_owner")
	assert.Equal(t, 401, status)
}

func TestRefusesBadFlagsAndSeeds(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.yaml")
	require.NoError(t, os.WriteFile(broken, []byte("plans: [{id: p, unit_price: \"1.00\"}]\nusers: []\norganizations:\n  - {id: o, name: O, owner: ghost}\n"), 0o600))
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-fixtures", broken}, `broken.yaml:4: organizations[0].owner: owner "ghost" is not one of the users`},
		{[]string{"-fixtures", filepath.Join(dir, "missing.yaml")}, "no such file"},
		{[]string{"-log-format", "xml"}, "-log-format must be text or json"},
		{[]string{"-cors-origins", "localhost"}, "CORS origin"},
		{[]string{"-addr", "256.0.0.1:1"}, "listen"},
		{[]string{"extra"}, "unexpected argument"},
		{[]string{"-latency", "fast"}, "-latency"},
		{[]string{"-record", dir}, "need -proxy URL"},
		{[]string{"-proxy-mode", "enforce"}, "need -proxy URL"},
		{[]string{"-proxy", "staging.example"}, "want the base URL"},
		{[]string{"-proxy", "http://127.0.0.1:1", "-proxy-mode", "strict"}, "want report or enforce"},
		{[]string{"-proxy", "http://127.0.0.1:1", "-proxy-roles", broken}, "-proxy-roles"},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		err := run(context.Background(), tt.args, io.Discard, &stderr)
		require.Error(t, err, "%v", tt.args)
		assert.Contains(t, err.Error(), tt.want)
	}
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"-h"}, io.Discard, &stderr)
	assert.True(t, errors.Is(err, flag.ErrHelp))
	for _, f := range []string{"-addr", "-fixtures", "-spec", "-cors-origins", "-public-url", "-log-format", "-quiet", "-strict", "-latency", "-journal-size", "-max-faults", "-max-pending-links", "-max-invoices", "-proxy", "-proxy-mode", "-proxy-roles", "-record", "-record-idle"} {
		assert.Contains(t, stderr.String(), f)
	}
}

// TestScenarioFlag: -scenario starts the default session and every new one from a named scenario;
// an unknown name, or -scenario with -fixtures, is a startup error.
func TestScenarioFlag(t *testing.T) {
	t.Parallel()
	base, _, stop := start(t, "-scenario", "past-due", "-quiet")
	defer stop()
	for _, session := range []string{"", "qa-1"} {
		r, err := http.NewRequest(http.MethodGet, base+"/v1/organizations/billing/describe?action=getorganization&org_id=org_acme", nil)
		require.NoError(t, err)
		r.Header.Set("Authorization", "Bearer tok_owner")
		r.Header.Set("X-Mock-Session", session)
		res, err := http.DefaultClient.Do(r)
		require.NoError(t, err)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		assert.Equal(t, 200, res.StatusCode)
		assert.Contains(t, string(body), `"status":"past_due"`, "session %q", session)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-scenario", "nope"}, `-scenario: no scenario "nope"; the scenarios are: canceled, card-expiring, many-invoices, no-subscription, past-due`},
		{[]string{"-scenario", "past-due", "-fixtures", "seed.yaml"}, "-scenario and -fixtures"},
	} {
		err := run(context.Background(), tt.args, io.Discard, io.Discard)
		require.Error(t, err)
		assert.Contains(t, err.Error(), tt.want)
	}
}

// TestBannerDescribesTheSeed: the banner lists the tokens and organizations of the seed served,
// so a scenario or a QA seed shows its own.
func TestBannerDescribesTheSeed(t *testing.T) {
	t.Parallel()
	def, err := fixture.Default()
	require.NoError(t, err)
	var b bytes.Buffer
	printBanner(&b, "http://127.0.0.1:8080", "default fixtures", def)
	for _, want := range []string{"tok_owner", "owner of org_acme, org_new", "tok_member", "member of org_acme", "tok_outsider", "org_new        no subscription; 0 invoices",
		"org_acme       plan pro, 3 instances; 4 invoices", "org_outsider   plan enterprise, 7 instances; 1 invoice\n",
		"curl -H 'Authorization: Bearer tok_owner' 'http://127.0.0.1:8080/v1/organizations/billing/describe?action=getorganization&org_id=org_acme'",
		"API reference: http://127.0.0.1:8080/_mock/docs"} {
		assert.Contains(t, b.String(), want)
	}
	qa, err := fixture.Parse("qa.yaml", []byte("plans: [{id: p, unit_price: \"1.00\"}]\nusers: [{id: usr_qa, token: tok_qa}]\norganizations: [{id: org_qa, name: QA, owner: usr_qa, resources: 0}]\n"))
	require.NoError(t, err)
	b.Reset()
	printBanner(&b, "http://h", "qa.yaml", qa)
	assert.Contains(t, b.String(), "Seed: qa.yaml")
	assert.Contains(t, b.String(), "Bearer tok_qa' 'http://h/v1/organizations/billing/describe?action=getorganization&org_id=org_qa'")
	assert.NotContains(t, b.String(), "tok_owner")
	one, err := fixture.Parse("one.yaml", []byte("plans: [{id: p, unit_price: \"1.00\"}]\nusers: [{id: usr_qa, token: tok_qa}]\n"+
		"organizations: [{id: org_qa, name: QA, owner: usr_qa, resources: 0, subscription: {plan: p, quantity: 1, payment_exp: \"2030-01\", renews_at: 2026-12-01T00:00:00Z}}]\n"))
	require.NoError(t, err)
	b.Reset()
	printBanner(&b, "http://h", "one.yaml", one)
	assert.Contains(t, b.String(), "org_qa         plan p, 1 instance; 0 invoices\n")
}

// TestMaxInvoicesFlag: -max-invoices reaches the sessions (an organization keeps that many of the
// invoices the mock made, besides its seed's), and a bound below 1 is a startup error.
func TestMaxInvoicesFlag(t *testing.T) {
	t.Parallel()
	base, _, stop := start(t, "-max-invoices", "2", "-quiet")
	defer stop()
	call := func(method, target string) string {
		r, err := http.NewRequest(method, base+"/v1/organizations/billing/"+target, nil)
		require.NoError(t, err)
		r.Header.Set("Authorization", "Bearer tok_owner")
		res, err := http.DefaultClient.Do(r)
		require.NoError(t, err)
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		require.Equal(t, 200, res.StatusCode, "%s", body)
		return string(body)
	}
	seeded := strings.Count(call(http.MethodGet, "history?action=list_billing&org_id=org_acme"), `"id":`)
	for _, q := range []string{"4", "5", "6"} {
		call(http.MethodPost, "update?action=updatesubscription&org_id=org_acme&quantity="+q)
	}
	history := call(http.MethodGet, "history?action=list_billing&org_id=org_acme")
	assert.Equal(t, seeded+2, strings.Count(history, `"id":`))
	assert.NotContains(t, history, `"inv_acme_m0001"`, "the oldest made invoice is forgotten")
	assert.Contains(t, history, `"inv_acme_m0003"`)

	err := run(context.Background(), []string{"-max-invoices", "0"}, io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-max-invoices must be at least 1")
}

// TestListenAddress: -addr wins over BILLING_MOCK_ADDR, which wins over the loopback default; the
// container image relies on the variable (BILLING_MOCK_ADDR=0.0.0.0:8080).
func TestListenAddress(t *testing.T) {
	t.Parallel()
	env := func(addr string) func(string) string {
		return func(key string) string {
			if key == addrEnv {
				return addr
			}
			return ""
		}
	}
	tests := []struct {
		name string
		args []string
		env  string
		want string
	}{
		{"default", nil, "", "127.0.0.1:8080"},
		{"environment", nil, "0.0.0.0:8080", "0.0.0.0:8080"},
		{"flag over environment", []string{"-addr", "127.0.0.1:9999"}, "0.0.0.0:8080", "127.0.0.1:9999"},
		{"flag", []string{"-addr", "[::1]:0"}, "", "[::1]:0"},
	}
	for _, tt := range tests {
		c, err := parseFlags(tt.args, env(tt.env), io.Discard)
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.want, c.addr, tt.name)
	}

	// And the server really listens there: port 0 from the environment picks a free one.
	ctx, cancel := context.WithCancel(context.Background())
	stdout := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- runEnv(ctx, []string{"-quiet"}, env("127.0.0.1:0"), nil, stdout, io.Discard) }()
	require.Eventually(t, func() bool {
		return regexp.MustCompile(`^billing-mock listening on http://127\.0\.0\.1:[1-9][0-9]*\n$`).MatchString(stdout.String())
	}, 5*time.Second, 10*time.Millisecond, "banner: %q", stdout.String())
	cancel()
	require.NoError(t, <-done)
}

// TestVersionFlag: -version prints one line from the build information and starts no server.
func TestVersionFlag(t *testing.T) {
	t.Parallel()
	var stdout bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-version", "-addr", "256.0.0.1:1"}, &stdout, io.Discard))
	assert.Regexp(t, `^billing-mock \S+ \(go1\.[^,]+, [a-z0-9]+/[a-z0-9]+(, [^)]*)?\)\n$`, stdout.String())
}

// TestSpecFlagIsServed: the -spec file is the contract served at /openapi.yaml (as written) and
// /openapi.json, and the one the reference page shows.
func TestSpecFlagIsServed(t *testing.T) {
	t.Parallel()
	text := strings.Replace(string(billingmock.OpenAPI()), "version: 1.0.0", "version: 1.1.0-local", 1)
	file := filepath.Join(t.TempDir(), "edited.yaml")
	require.NoError(t, os.WriteFile(file, []byte(text), 0o644))
	base, _, stop := start(t, "-spec", file, "-quiet")
	defer stop()
	get := func(path string) (string, string) {
		res, err := http.Get(base + path)
		require.NoError(t, err)
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, res.StatusCode, path)
		return res.Header.Get("Content-Type"), string(body)
	}
	ct, body := get("/openapi.yaml")
	assert.Equal(t, "application/yaml", ct)
	assert.Equal(t, text, body)
	ct, body = get("/openapi.json")
	assert.Equal(t, "application/json", ct)
	assert.Contains(t, body, `"version": "1.1.0-local"`)
	_, body = get("/_mock/docs")
	assert.Contains(t, body, "version 1.1.0-local")
}
