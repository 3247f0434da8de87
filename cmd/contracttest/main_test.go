package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cloudplans/billing-mock/mock"
)

func mockURL(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	srv, err := mock.New(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = srv
	if wrap != nil {
		h = wrap(srv)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

func noEnv(string) string { return "" }

func TestExitCodes(t *testing.T) {
	t.Parallel()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + l.Addr().String()
	l.Close()
	broken := mockURL(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Header.Set("Authorization", "Bearer tok_owner") // ignores auth
			h.ServeHTTP(w, r)
		})
	})
	good := mockURL(t, nil)
	cases := []struct {
		name string
		args []string
		want int
		out  string
	}{
		{"bad flag", []string{"-nope"}, 2, ""},
		{"bad format", []string{"-base-url", good, "-format", "xml"}, 2, ""},
		{"bad regexp", []string{"-base-url", good, "-run", "("}, 2, ""},
		{"bad base URL", []string{"-base-url", "127.0.0.1:1"}, 2, ""},
		{"unreachable", []string{"-base-url", closed}, 2, ""},
		{"broken target", []string{"-base-url", broken}, 1, "failed"},
		{"mock", []string{"-base-url", good}, 0, " 0 failed, 0 skipped\n"},
		{"run filter", []string{"-base-url", good, "-run", "^read$"}, 0, "1 passed, 0 failed, 0 skipped\n"},
		{"full coverage", []string{"-base-url", good, "-min-coverage", "100"}, 0, " pairs exercised (100.0%)\n"},
		{"coverage gap", []string{"-base-url", good, "-run", "^read$", "-min-coverage", "100"}, 1, "ERROR coverage "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			if got := runEnv(context.Background(), c.args, noEnv, &out, &errOut); got != c.want {
				t.Fatalf("exit %d, want %d\n%s\n%s", got, c.want, out.String(), errOut.String())
			}
			if !strings.Contains(out.String(), c.out) {
				t.Errorf("output lacks %q:\n%s", c.out, out.String())
			}
		})
	}
}

func TestJSONAndJUnit(t *testing.T) {
	t.Parallel()
	junit := filepath.Join(t.TempDir(), "junit.xml")
	var out bytes.Buffer
	if code := runEnv(context.Background(), []string{"-base-url", mockURL(t, nil), "-format", "json", "-junit", junit}, noEnv, &out, &out); code != 0 {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
	var rep map[string]any
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep["failed"] != float64(0) {
		t.Fatalf("json: %v %v", err, rep["failed"])
	}
	if data, err := os.ReadFile(junit); err != nil || !bytes.Contains(data, []byte("<testsuite ")) {
		t.Fatalf("junit: %v", err)
	}
}

// TestPrecedence: flag > environment > config file > defaults.
func TestPrecedence(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(cfg, []byte("base_url: http://file\ntoken: file_tok\norg: file_org\nfresh_org: file_fresh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CONTRACTTEST_TOKEN": "env_tok", "CONTRACTTEST_ORG": "env_org"}
	s, err := parseArgs([]string{"-config", cfg, "-org", "flag_org"}, func(k string) string { return env[k] }, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	r := s.opts.Roles
	if s.opts.BaseURL != "http://file" || r.Token != "env_tok" || r.Org != "flag_org" || r.FreshOrg != "file_fresh" || r.MemberToken != "" {
		t.Errorf("got %+v %s", r, s.opts.BaseURL)
	}
	if _, err := parseArgs([]string{"-config", filepath.Join(t.TempDir(), "none")}, noEnv, &bytes.Buffer{}); err == nil {
		t.Error("a missing config file was accepted")
	}
}

// TestVersionFlag: -version prints one line from the build information, exits 0 and sends nothing
// (the base URL here is not even valid).
func TestVersionFlag(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := runEnv(context.Background(), []string{"-version", "-base-url", "::not a url"}, noEnv, &out, &errOut); code != exitPassed {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	if !regexp.MustCompile(`^contracttest \S+ \(go1\.[^,]+, [a-z0-9]+/[a-z0-9]+(, [^)]*)?\)\n$`).MatchString(out.String()) {
		t.Errorf("-version printed %q", out.String())
	}
}
