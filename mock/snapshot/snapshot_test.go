package snapshot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudplans/billing-mock/mock"
	"github.com/cloudplans/billing-mock/mock/fixture"
	"github.com/cloudplans/billing-mock/mock/snapshot"
)

// serve starts a mock serving seed (wrapped by wrap, when not nil) on a loopback port.
func serve(t *testing.T, seed *fixture.Seed, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	srv, err := mock.New(mock.Options{Seed: seed})
	require.NoError(t, err)
	var h http.Handler = srv
	if wrap != nil {
		h = wrap(h)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

// read answers a billing API read on base: its status and its body, decoded.
func read(t *testing.T, base, session, token, path, action, org string) (int, any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path+"?action="+action+"&org_id="+org, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	if session != "" {
		req.Header.Set("X-Mock-Session", session)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var v any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&v))
	return res.StatusCode, v
}

// load PUTs a seed into a session of base, as the README says to.
func load(t *testing.T, base, session string, yaml []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, base+"/_mock/state", bytes.NewReader(yaml))
	require.NoError(t, err)
	req.Header.Set("X-Mock-Session", session)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
}

func take(t *testing.T, opts snapshot.Options) []byte {
	t.Helper()
	seed, err := snapshot.Take(context.Background(), opts)
	require.NoError(t, err)
	out, err := fixture.Marshal(seed)
	require.NoError(t, err)
	return out
}

// TestRoundTripEveryScenario: a mock with each named scenario (and the default seed) loaded,
// snapshotted into YAML, loaded into a second mock, answers describe and history identically, for
// every organization, to its owner, member and outsider alike.
func TestRoundTripEveryScenario(t *testing.T) {
	t.Parallel()
	list, err := fixture.EmbeddedScenarios()
	require.NoError(t, err)
	names := []string{""}
	for _, sc := range list {
		names = append(names, sc.Name)
	}
	require.GreaterOrEqual(t, len(names), 6)
	for _, name := range names {
		t.Run("scenario="+name, func(t *testing.T) {
			t.Parallel()
			seed, err := fixture.Default()
			if name != "" {
				seed, err = fixture.EmbeddedScenario(name)
			}
			require.NoError(t, err)
			real := serve(t, seed, nil)
			copyOf := serve(t, nil, nil)
			// tok_owner reads org_acme and org_new, tok_outsider owns org_outsider: two snapshots.
			for _, shot := range []struct {
				orgs   []string
				tokens []string
			}{
				{[]string{"org_acme", "org_new"}, []string{"tok_owner", "tok_member", "tok_outsider"}},
				{[]string{"org_outsider"}, []string{"tok_outsider"}},
			} {
				out := take(t, snapshot.Options{BaseURL: real, Tokens: shot.tokens, Orgs: shot.orgs, Clock: seed.Clock})
				session := "copy-" + shot.orgs[0]
				load(t, copyOf, session, out)
				for _, org := range shot.orgs {
					for _, rd := range []struct{ path, action string }{
						{"/v1/organizations/billing/describe", "getorganization"},
						{"/v1/organizations/billing/history", "list_billing"},
					} {
						wantStatus, want := read(t, real, "", shot.tokens[0], rd.path, rd.action, org)
						gotStatus, got := read(t, copyOf, session, "tok_owner", rd.path, rd.action, org)
						require.Equal(t, http.StatusOK, wantStatus)
						assert.Equal(t, wantStatus, gotStatus)
						if diff := cmp.Diff(want, got); diff != "" {
							t.Errorf("%s %s differs (-service +copy):\n%s", rd.action, org, diff)
						}
					}
				}
			}
		})
	}
}

// TestRoles: each token given becomes a role that reads what the token could read; the owner is
// tok_owner; and no token given appears in the output.
func TestRoles(t *testing.T) {
	t.Parallel()
	seed, err := fixture.Default()
	require.NoError(t, err)
	secrets := map[string]string{"tok_owner": "sk_live_owner_9f8e7d", "tok_member": "sk_live_member_1a2b3c", "tok_outsider": "sk_live_outsider_4d5e6f"}
	for i, u := range seed.Users {
		seed.Users[i].Token = secrets[u.Token]
	}
	real := serve(t, seed, nil)
	out := take(t, snapshot.Options{BaseURL: real, Orgs: []string{"org_acme"},
		Tokens: []string{secrets["tok_member"], secrets["tok_owner"], secrets["tok_outsider"]}, Clock: seed.Clock})
	for _, secret := range secrets {
		assert.NotContains(t, string(out), secret)
	}
	got, err := fixture.Parse("snapshot", out)
	require.NoError(t, err)
	assert.Equal(t, []fixture.User{
		{ID: "usr_owner", Token: "tok_owner"},
		{ID: "usr_member", Token: "tok_member"},
		{ID: "usr_member_2", Token: "tok_member_2"},
		{ID: "usr_outsider_2", Token: "tok_outsider_2"},
		{ID: "usr_outsider", Token: "tok_outsider"},
	}, got.Users)
	require.Len(t, got.Organizations, 1)
	assert.Equal(t, "usr_owner", got.Organizations[0].Owner)
	assert.Equal(t, []string{"usr_member", "usr_member_2"}, got.Organizations[0].Members)
	assert.Equal(t, time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC).Day(), got.Organizations[0].Subscription.RenewsAt.Day(),
		"renews_at: a monthly anniversary of the newest invoice (2026-10-15)")
	assert.True(t, got.Organizations[0].Subscription.RenewsAt.After(got.Clock))
}

// TestUnknownPlanGetsThePlaceholderPrice: a plan the seed's catalogue does not have gets
// PlaceholderPrice, and the seed's own plans stay.
func TestUnknownPlanGetsThePlaceholderPrice(t *testing.T) {
	t.Parallel()
	seed, err := fixture.Default()
	require.NoError(t, err)
	seed.Plans = append(seed.Plans, fixture.Plan{ID: "team", Name: "Team", UnitPrice: "99.00"})
	seed.Organizations[0].Subscription.Plan = "team"
	out := take(t, snapshot.Options{BaseURL: serve(t, seed, nil), Tokens: []string{"tok_owner"}, Orgs: []string{"org_acme"}, Clock: seed.Clock})
	got, err := fixture.Parse("snapshot", out)
	require.NoError(t, err)
	assert.Equal(t, []fixture.Plan{
		{ID: "pro", Name: "Cloud Plans Pro", UnitPrice: "12.00", Default: true},
		{ID: "enterprise", Name: "Cloud Plans Enterprise", UnitPrice: "40.00"},
		{ID: "team", Name: "team", UnitPrice: snapshot.PlaceholderPrice},
	}, got.Plans)
}

// rewrite answers what the mock answers, with fn applied to the bodies of one action's answers.
func rewrite(action string, fn func(body string) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			body := rec.Body.String()
			if r.URL.Query().Get("action") == action {
				body = fn(body)
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.Code)
			_, _ = io.WriteString(w, body)
		})
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	seed, err := fixture.Default()
	require.NoError(t, err)
	plain := serve(t, seed, nil)
	tests := []struct {
		name   string
		base   string
		opts   snapshot.Options
		refuse string
	}{
		{"an answer that breaks the contract",
			serve(t, seed, rewrite("getorganization", func(b string) string { return strings.Replace(b, `"quantity":"3"`, `"quantity":3`, 1) })),
			snapshot.Options{Tokens: []string{"tok_owner"}, Orgs: []string{"org_acme"}},
			`getorganization org_acme: the answer breaks the contract: [\s\S]*/response/subscription/quantity: expected type string, got number 3`},
		{"more invoices than the mock keeps", plain,
			snapshot.Options{Tokens: []string{"tok_owner"}, Orgs: []string{"org_acme"}, MaxInvoices: 3},
			`org_acme has 4 invoices; the mock keeps at most 3 per organization`},
		{"the first token cannot read the organization", plain,
			snapshot.Options{Tokens: []string{"tok_outsider"}, Orgs: []string{"org_acme"}},
			`token #1 cannot read org_acme: describe answered 403 forbidden: `},
		{"a token the service does not know", plain,
			snapshot.Options{Tokens: []string{"tok_owner", "tok_nobody"}, Orgs: []string{"org_acme"}},
			`token #2 cannot read org_acme: describe answered 401 invalid_token`},
		{"an organization that does not exist", plain,
			snapshot.Options{Tokens: []string{"tok_owner"}, Orgs: []string{"org_gone"}},
			`token #1 cannot read org_gone: describe answered 404 `},
		{"a status the mock would not answer",
			serve(t, seed, rewrite("getorganization", func(b string) string { return strings.Replace(b, `"status":"active"`, `"status":"past_due"`, 1) })),
			snapshot.Options{Tokens: []string{"tok_owner"}, Orgs: []string{"org_acme"}, Clock: seed.Clock},
			`describe org_acme on the mock would differ \(-service \+mock\)[\s\S]*-[^\n]*Status:[^\n]*"past_due",\n[^\n]*\+[^\n]*Status:[^\n]*"active"`},
		{"a history order the mock would not answer",
			serve(t, seed, rewrite("list_billing", func(b string) string { return strings.Replace(b, `"date":"2026-10-15"`, `"date":"2026-06-15"`, 1) })),
			snapshot.Options{Tokens: []string{"tok_owner"}, Orgs: []string{"org_acme"}, Clock: seed.Clock},
			`history org_acme on the mock would differ \(-service \+mock\); the mock lists invoices by date, newest first`},
		{"the clock makes the status differ", plain,
			snapshot.Options{Tokens: []string{"tok_owner"}, Orgs: []string{"org_acme"}, Clock: seed.Clock.AddDate(0, 1, 0)},
			`describe org_acme on the mock would differ[\s\S]*clock is 2026-12-01T09:00:00Z[\s\S]*-[^\n]*Status:[^\n]*"active",\n[^\n]*\+[^\n]*Status:[^\n]*"past_due"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.opts.BaseURL = tt.base
			seed, err := snapshot.Take(context.Background(), tt.opts)
			assert.Nil(t, seed)
			var refusal *snapshot.Refusal
			require.True(t, errors.As(err, &refusal), "want a refusal, got %v", err)
			assert.Regexp(t, tt.refuse, err.Error())
		})
	}
}

func TestBadOptions(t *testing.T) {
	t.Parallel()
	for _, opts := range []snapshot.Options{
		{BaseURL: "ftp://x", Tokens: []string{"t"}, Orgs: []string{"o"}},
		{BaseURL: "http://127.0.0.1:1", Orgs: []string{"o"}},
		{BaseURL: "http://127.0.0.1:1", Tokens: []string{"t"}},
		{BaseURL: "http://127.0.0.1:1", Tokens: []string{"t", "t"}, Orgs: []string{"o"}},
		{BaseURL: "http://127.0.0.1:1", Tokens: []string{"t"}, Orgs: []string{"o", "o"}},
	} {
		_, err := snapshot.Take(context.Background(), opts)
		var usage *snapshot.OptionsError
		assert.True(t, errors.As(err, &usage), "want an options error, got %v", err)
	}
}

// TestHiddenOrganizations: a service that answers 404 to a token that may not see an organization
// (rather than 403) makes that token an outsider too, since token #1 showed that it exists.
func TestHiddenOrganizations(t *testing.T) {
	t.Parallel()
	seed, err := fixture.Default()
	require.NoError(t, err)
	hide := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") == "Bearer tok_outsider" && r.URL.Query().Get("org_id") == "org_acme" {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotFound)
				_, _ = io.WriteString(w, `{"status":404,"error":{"code":"org_not_found","message":"organization org_acme does not exist"}}`)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	out := take(t, snapshot.Options{BaseURL: serve(t, seed, hide), Tokens: []string{"tok_owner", "tok_outsider"}, Orgs: []string{"org_acme"}, Clock: seed.Clock})
	got, err := fixture.Parse("snapshot", out)
	require.NoError(t, err)
	assert.Equal(t, []string{"usr_member"}, got.Organizations[0].Members)
	assert.Contains(t, got.Users, fixture.User{ID: "usr_outsider_2", Token: "tok_outsider_2"})

	_, err = snapshot.Take(context.Background(), snapshot.Options{BaseURL: serve(t, seed, hide), Tokens: []string{"tok_outsider"}, Orgs: []string{"org_acme"}})
	assert.ErrorContains(t, err, "token #1 cannot read org_acme: describe answered 404 org_not_found", "token #1 must read it")
}
