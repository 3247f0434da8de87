package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudplans/billing-mock/mock"
	"github.com/cloudplans/billing-mock/mock/fixture"
	"github.com/cloudplans/billing-mock/mock/snapshot"
)

// snapshotSource is a mock with the default seed, for billing-mock snapshot to read; it stops at
// the end of the test.
func snapshotSource(t *testing.T) *httptest.Server {
	t.Helper()
	srv, err := mock.New(mock.Options{})
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts
}

// runSnapshotCommand runs billing-mock snapshot with args, the environment env (nothing else of
// the machine's) and stdin as its standard input; it returns what it wrote to stdout and stderr.
func runSnapshotCommand(env map[string]string, stdin string, args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	getenv := func(name string) string { return env[name] }
	err = runEnv(context.Background(), append([]string{"snapshot"}, args...), getenv, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// TestSnapshotCommand: billing-mock snapshot writes a seed that parses, and only on success; a
// refusal is a *refusedError (exit 1) with its reason, a usage error is not (exit 2).
func TestSnapshotCommand(t *testing.T) {
	t.Parallel()
	ts := snapshotSource(t)
	run := func(args ...string) (string, error) {
		out, _, err := runSnapshotCommand(nil, "", args...)
		return out, err
	}

	out, err := run("-base-url", ts.URL, "-token", "tok_owner", "-org", "org_acme", "-org", "org_new", "-clock", "2026-11-01")
	require.NoError(t, err)
	seed, err := fixture.Parse("out", []byte(out))
	require.NoError(t, err)
	assert.Len(t, seed.Organizations, 2)
	assert.Equal(t, "2026-11-01T00:00:00Z", seed.Clock.Format("2006-01-02T15:04:05Z07:00"))

	out, err = run("-base-url", ts.URL, "-token", "tok_outsider", "-org", "org_acme", "-clock", "2026-11-01")
	var refused *refusedError
	require.True(t, errors.As(err, &refused), "%v", err)
	assert.Contains(t, err.Error(), "snapshot: refused: token #1 cannot read org_acme: describe answered 403 forbidden")
	assert.Empty(t, out, "nothing on stdout when refused")

	for _, args := range [][]string{
		{"-token", "tok_owner", "-org", "org_acme"},
		{"-base-url", ts.URL, "-token", "tok_owner", "-org", "org_acme", "-clock", "tomorrow"},
		{"-base-url", ts.URL, "-token", "tok_owner", "-org", "org_acme", "-org", "org_acme"},
		{"-base-url", ts.URL, "-token", "tok_owner", "-org", "org_acme", "extra"},
	} {
		_, err := run(args...)
		require.Error(t, err, "%v", args)
		assert.False(t, errors.As(err, &refused), "%v: a usage error, not a refusal: %v", args, err)
	}
	_, err = run("-h")
	assert.ErrorIs(t, err, flag.ErrHelp)
	_, help, _ := runSnapshotCommand(nil, "", "-h")
	for _, want := range []string{"tok_owner", "tok_member_N", "-org may be repeated", "unit_price 1.00", "-clock", "-token-file", "BILLING_MOCK_TOKEN", "prefer -token-file"} {
		assert.True(t, strings.Contains(help, want), "-h says %q", want)
	}
}

// TestSnapshotTokenSources: the tokens come from -token, then -token-file (a file or "-" for
// stdin), else BILLING_MOCK_TOKEN, in that role order; a file that cannot be read or holds no token
// is a usage error (exit 2, nothing on stdout) whose message shows no token.
//
// The seed shows which tokens were used and in what order, by role: token #1 is tok_member, each
// further token that reads org_acme is tok_member_N and each that does not is tok_outsider_N (the
// mock's tok_outsider cannot read org_acme), so a lost, extra or reordered token changes the users.
func TestSnapshotTokenSources(t *testing.T) {
	t.Parallel()
	ts := snapshotSource(t)
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
		return path
	}
	commented := write("commented.txt", "# QA tokens for org_acme\n\n  tok_member  \n\t\n# the outsider, last\ntok_outsider\n")
	crlf := write("crlf.txt", "tok_member\r\ntok_outsider\r\n")
	onlyComments := write("comments.txt", "# nothing here yet\n\n   \n")
	empty := write("empty.txt", "")
	outsiderFirst := write("outsider.txt", "tok_outsider\n")
	owner := write("owner.txt", "tok_owner\n")
	twoOnALine := write("two.txt", "tok_owner\n# next\ntok_member tok_outsider\n")
	huge := write("huge.txt", strings.Repeat("a", maxTokenFileBytes+1))
	missing := filepath.Join(dir, "missing.txt")

	// The users of a seed read with org_acme's owner first, then the given tokens' roles.
	var (
		oneToken           = []string{"tok_owner", "tok_member", "tok_outsider"}
		ownerMemberOutside = []string{"tok_owner", "tok_member", "tok_member_2", "tok_outsider_2", "tok_outsider"}
	)
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		stdin string
		// On success, the seed's users' role tokens, in order; else the error.
		wantUsers   []string
		wantErr     string // a part of the error's message
		wantRefused bool   // the error is a refusal (exit 1), not a usage error (exit 2)
		wantIs      error
	}{
		{name: "one -token", args: []string{"-token", "tok_owner"}, wantUsers: oneToken},
		{name: "file with comments, blank lines and spaces", args: []string{"-token", "tok_owner", "-token-file", commented}, wantUsers: ownerMemberOutside},
		{name: "file alone", args: []string{"-token-file", owner}, wantUsers: oneToken},
		{name: "CRLF lines", args: []string{"-token", "tok_owner", "-token-file", crlf}, wantUsers: ownerMemberOutside},
		{name: "stdin via -", args: []string{"-token-file", "-"}, stdin: "tok_owner\n# then\ntok_member\ntok_outsider", wantUsers: ownerMemberOutside},
		// -token first: the outsider from the file comes after tok_owner, so it is token #2.
		{name: "both flags: -token first", args: []string{"-token-file", outsiderFirst, "-token", "tok_owner", "-token", "tok_member"},
			wantUsers: []string{"tok_owner", "tok_member", "tok_member_2", "tok_outsider_2", "tok_outsider"}},
		{name: "both flags: the file after every -token", args: []string{"-token", "tok_outsider", "-token-file", owner},
			wantErr: "token #1 cannot read org_acme", wantRefused: true},
		{name: "env var", env: map[string]string{tokenEnv: "tok_owner"}, wantUsers: oneToken},
		{name: "env var trimmed", env: map[string]string{tokenEnv: " tok_owner\n"}, wantUsers: oneToken},
		{name: "env var is token #1", env: map[string]string{tokenEnv: "tok_outsider"},
			wantErr: "token #1 cannot read org_acme", wantRefused: true},
		{name: "env var ignored with -token", args: []string{"-token", "tok_owner"}, env: map[string]string{tokenEnv: "tok_outsider"}, wantUsers: oneToken},
		{name: "env var ignored with -token-file", args: []string{"-token-file", owner}, env: map[string]string{tokenEnv: "tok_outsider"}, wantUsers: oneToken},
		{name: "env var ignored with -token-file -", args: []string{"-token-file", "-"}, stdin: "tok_owner\n", env: map[string]string{tokenEnv: "tok_member"}, wantUsers: oneToken},
		{name: "empty file, -token given", args: []string{"-token", "tok_owner", "-token-file", empty}, wantUsers: oneToken},
		{name: "missing file", args: []string{"-token-file", missing}, wantErr: "snapshot: -token-file: open " + missing, wantIs: fs.ErrNotExist},
		{name: "a directory", args: []string{"-token-file", dir}, wantErr: "snapshot: -token-file " + dir + ": reading"},
		{name: "empty file", args: []string{"-token-file", empty}, wantErr: "snapshot: -token-file " + empty + " holds no token"},
		{name: "only comments", args: []string{"-token-file", onlyComments}, wantErr: "holds no token"},
		{name: "empty stdin", args: []string{"-token-file", "-"}, wantErr: "snapshot: -token-file - (standard input) holds no token"},
		{name: "empty file, env var set", args: []string{"-token-file", empty}, env: map[string]string{tokenEnv: "tok_owner"}, wantErr: "holds no token"},
		{name: "two tokens on a line", args: []string{"-token-file", twoOnALine}, wantErr: "line 3 holds whitespace inside"},
		{name: "file too large", args: []string{"-token-file", huge}, wantErr: "is over 1048576 bytes"},
		{name: "second -token-file", args: []string{"-token-file", owner, "-token-file", commented}, wantErr: `invalid value "` + commented + `" for flag -token-file: may be given once`},
		{name: "second -token-file, same file", args: []string{"-token-file", owner, "-token-file", owner}, wantErr: "may be given once"},
		{name: "no token anywhere", wantErr: "snapshot: -base-url, a token (-token, -token-file or BILLING_MOCK_TOKEN) and -org are required"},
		{name: "empty env var", env: map[string]string{tokenEnv: "  "}, wantErr: "a token (-token, -token-file or BILLING_MOCK_TOKEN)"},
		{name: "a token twice across the flags", args: []string{"-token", "tok_owner", "-token-file", owner}, wantErr: "snapshot: token #2 is empty or given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"-base-url", ts.URL, "-org", "org_acme", "-clock", "2026-11-01"}, tt.args...)
			out, stderr, err := runSnapshotCommand(tt.env, tt.stdin, args...)
			if tt.wantErr == "" {
				require.NoError(t, err, "stderr: %s", stderr)
				seed, err := fixture.Parse("out", []byte(out))
				require.NoError(t, err)
				var users []string
				for _, u := range seed.Users {
					users = append(users, u.Token)
				}
				assert.Equal(t, tt.wantUsers, users)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.NotContains(t, err.Error(), "tok_", "no token in the message")
			var refused *refusedError
			assert.Equal(t, tt.wantRefused, errors.As(err, &refused), "refusal (exit 1) or usage error (exit 2): %v", err)
			if tt.wantIs != nil {
				assert.ErrorIs(t, err, tt.wantIs)
			}
			assert.Empty(t, out, "nothing on stdout on an error")
		})
	}
}

// TestSnapshotRedactsTokens: a service that quotes the token it refuses, or answers off the
// contract with the token in its body, gets a refusal whose message shows the token's number only.
func TestSnapshotRedactsTokens(t *testing.T) {
	t.Parallel()
	const secret, other = "sk_live_c0ffee", "sk_live_c0ffee_and_more"
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"quoted in an error", http.StatusUnauthorized, `{"status":401,"error":{"code":"invalid_token","message":"token ` + other + ` is revoked"}}`, "token token #2 is revoked"},
		{"in an answer off the contract", http.StatusOK, `{"status":"` + secret + `"}`, `got string "token #1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			service := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			defer service.Close()
			out, stderr, err := runSnapshotCommand(map[string]string{tokenEnv: "ignored"}, secret+"\n"+other+"\n",
				"-base-url", service.URL, "-org", "org_acme", "-token-file", "-")
			require.Error(t, err)
			var refused *refusedError
			require.True(t, errors.As(err, &refused), "%v", err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "sk_live", "no token in the message")
			assert.NotContains(t, stderr, "sk_live")
			assert.Empty(t, out)
		})
	}
}

// TestRedactTokens: each whole token becomes its number, the longer of two that start at one place
// wins, a short token leaves words that hold it alone, and a number written is not replaced again.
func TestRedactTokens(t *testing.T) {
	t.Parallel()
	assert.NoError(t, redactTokens(nil, []string{"a"}))
	base := errors.New(`expected abc, got "abcdef" (abc_def, x) at 1 of 2: x`)
	err := redactTokens(base, []string{"abc", "abcdef", "", "x", "1", "abc_def"})
	assert.Equal(t, `expected token #1, got "token #2" (token #6, token #4) at token #5 of 2: token #4`, err.Error())
	assert.ErrorIs(t, err, base)
	var usage *snapshot.OptionsError
	assert.ErrorAs(t, redactTokens(&snapshot.OptionsError{Msg: "m"}, nil), &usage, "still a usage error")
}

// FuzzParseTokenLines: whatever the input, each token read is a trimmed, non-empty line that is no
// comment and holds no whitespace, and the tokens are the input's such lines in order.
func FuzzParseTokenLines(f *testing.F) {
	for _, seed := range []string{"", "tok\n", "# c\n\n tok_a \r\ntok_b", "a b\n", "#\n#x\n x\t\n", "\u00a0tok\u2028"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		tokens, err := parseTokenLines(strings.NewReader(text))
		if err != nil {
			return
		}
		var want []string
		for _, line := range strings.Split(text, "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				want = append(want, line)
			}
		}
		assert.Equal(t, want, tokens)
		for _, tok := range tokens {
			if tok == "" || strings.HasPrefix(tok, "#") || strings.ContainsFunc(tok, unicode.IsSpace) {
				t.Fatalf("token %q of %q", tok, text)
			}
		}
	})
}
