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
	"strconv"
	"strings"
	"testing"

	"github.com/cloudplans/billing-mock/contracttest"
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
	otherCodes := mockURL(t, func(h http.Handler) http.Handler { // a decision broken: 401 codes of its own
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") == "" && strings.HasPrefix(r.URL.Path, "/v1/") {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"status":401,"error":{"code":"unauthenticated","message":"log in"}}`))
				return
			}
			h.ServeHTTP(w, r)
		})
	})
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
		{"bad level", []string{"-base-url", good, "-level", "strict"}, 2, ""},
		{"run matches nothing", []string{"-base-url", good, "-run", "^nomatch$"}, 2, ""},
		{"unreachable", []string{"-base-url", closed}, 2, ""},
		{"broken target", []string{"-base-url", broken}, 1, "failed"},
		{"mock", []string{"-base-url", good}, 0, " 0 failed, 0 skipped\n"},
		{"run filter", []string{"-base-url", good, "-run", "^read$"}, 0, "1 passed, 0 failed, 0 skipped\n"},
		{"a decision broken", []string{"-base-url", otherCodes, "-run", "^auth$"}, 1, "0 failures against the docs, 1 against decisions of this contract\n0 passed, 1 failed"},
		{"a decision broken, docs level", []string{"-base-url", otherCodes, "-level", "docs", "-run", "^auth$"}, 0, "findings against decisions left out (-level docs)\n1 passed"},
		{"full coverage", []string{"-base-url", good, "-min-coverage", "100"}, 0, " pairs exercised (100.0%)\n"},
		{"coverage gap", []string{"-base-url", good, "-run", "^read$", "-min-coverage", "100"}, 1, "ERROR coverage "},
		{"explore the mock", []string{"-explore", "-base-url", good, "-explore-steps", "300", "-seed", "3"}, 0, "0 divergences (-seed 3 repeats the run)\n"},
		{"explore strict", []string{"-explore", "-model-strict", "-base-url", good, "-explore-steps", "200", "-seed", "3"}, 0, "model-strict: yes"},
		{"explore a broken target", []string{"-explore", "-base-url", broken, "-seed", "3"}, 1, "the shrunk sequence as a scenario"},
		{"explore for a time", []string{"-explore", "-base-url", good, "-explore-steps", "1000000", "-explore-time", "300ms"}, 0, "0 divergences"},
		{"explore unreachable", []string{"-explore", "-base-url", closed}, 2, ""},
		{"explore steps without -explore", []string{"-base-url", good, "-explore-steps", "5"}, 2, ""},
		{"explore with -run", []string{"-explore", "-base-url", good, "-run", "read"}, 2, ""},
		{"explore zero steps", []string{"-explore", "-base-url", good, "-explore-steps", "0"}, 2, ""},
		{"explore a bad seed", []string{"-explore", "-base-url", good, "-seed", "-1"}, 2, ""},
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

// TestUsageMessages: usage errors are plain, name what is wrong and what would be right, and come
// before the run.
func TestUsageMessages(t *testing.T) {
	t.Parallel()
	good := mockURL(t, nil)
	dir := t.TempDir()
	config := func(text string) string {
		p := filepath.Join(dir, strconv.Itoa(len(text))+".yaml")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"host and port without a scheme", []string{"-base-url", "127.0.0.1:8080"}, `base URL "127.0.0.1:8080" has no scheme: did you mean http://127.0.0.1:8080?`},
		{"localhost without a scheme", []string{"-base-url", "localhost:8080"}, `did you mean http://localhost:8080?`},
		{"a config typo", []string{"-config", config("base_url: " + good + "\ntokn: x\n")}, `.yaml:2: unknown key "tokn" (known: base_url, token, member_token, outsider_token, org, fresh_org, outsider_org, hook, level)`},
		{"a config list", []string{"-config", config("token: [a, b]\n")}, ".yaml:1: token: expected a string"},
		{"a config that is a list", []string{"-config", config("- a\n")}, ".yaml:1: expected a mapping of keys"},
		{"-run matching nothing", []string{"-base-url", good, "-run", "^lifecycel$"}, `-run "^lifecycel$" matches no scenario; the scenarios are: auth, card-update, faults, input, lifecycle,`},
		{"-seed without -explore", []string{"-base-url", good, "-seed", "1"}, "-seed needs -explore"},
		{"-scenarios with -explore", []string{"-explore", "-base-url", good, "-scenarios", dir}, "-scenarios selects scenarios; -explore runs none"},
		{"a negative -explore-time", []string{"-explore", "-base-url", good, "-explore-time", "-1s"}, "-explore-time must not be negative"},
		{"an unwritable -junit", []string{"-base-url", "http://127.0.0.1:1", "-junit", filepath.Join(dir, "no", "such", "dir", "j.xml")}, "-junit: open " + filepath.Join(dir, "no", "such", "dir", "j.xml") + ": no such file or directory"},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		if code := runEnv(context.Background(), c.args, noEnv, &out, &errOut); code != exitUsage || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%s: exit %d, stderr %q, want %q", c.name, code, errOut.String(), c.want)
		}
		if strings.Contains(errOut.String(), "main.") || strings.Contains(errOut.String(), "contracttest.") {
			t.Errorf("%s: a Go type in %q", c.name, errOut.String())
		}
	}
}

// TestReportsWhenUnreachable: against an unreachable target the JSON and JUnit reports are
// written, each with the one error.
func TestReportsWhenUnreachable(t *testing.T) {
	t.Parallel()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + l.Addr().String()
	l.Close()
	junit := filepath.Join(t.TempDir(), "junit.xml")
	var out, errOut bytes.Buffer
	if code := runEnv(context.Background(), []string{"-base-url", closed, "-format", "json", "-junit", junit}, noEnv, &out, &errOut); code != exitUsage {
		t.Fatalf("exit %d", code)
	}
	var rep struct {
		Errors    []string `json:"errors"`
		Scenarios []any    `json:"scenarios"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0], "unreachable") || rep.Scenarios == nil {
		t.Errorf("JSON: %v %+v\n%s", err, rep, out.String())
	}
	data, err := os.ReadFile(junit)
	if err != nil || !bytes.Contains(data, []byte(`<testcase name="run"`)) || !bytes.Contains(data, []byte("unreachable")) || !bytes.Contains(data, []byte(`failures="1"`)) {
		t.Errorf("JUnit: %v\n%s", err, data)
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
	hookCfg := filepath.Join(t.TempDir(), "h.yaml")
	if err := os.WriteFile(hookCfg, []byte("hook: ./from-file.sh\nlevel: docs\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-config", hookCfg}, nil, "./from-file.sh"},
		{[]string{"-config", hookCfg}, map[string]string{"CONTRACTTEST_HOOK": "./from-env.sh"}, "./from-env.sh"},
		{[]string{"-config", hookCfg, "-hook", "./from-flag.sh"}, map[string]string{"CONTRACTTEST_HOOK": "./from-env.sh"}, "./from-flag.sh"},
	} {
		s, err := parseArgs(c.args, func(k string) string { return c.env[k] }, &bytes.Buffer{})
		if err != nil || s.opts.HookCommand != c.want || s.opts.Level != contracttest.LevelDocs {
			t.Errorf("%v %v: hook %q level %q (%v), want %q", c.args, c.env, s.opts.HookCommand, s.opts.Level, err, c.want)
		}
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

// TestExploreReports: a divergence shows in the JSON report (the exploration, its shrunk
// scenario, the failure with its curl) and in the JUnit file (a failed testcase "explore").
func TestExploreReports(t *testing.T) {
	t.Parallel()
	broken := mockURL(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("action") == "cancelsubscription" { // cancels nothing
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"status":200}`))
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	junit := filepath.Join(t.TempDir(), "junit.xml")
	var out, errOut bytes.Buffer
	if code := runEnv(context.Background(), []string{"-explore", "-base-url", broken, "-seed", "11", "-format", "json", "-junit", junit}, noEnv, &out, &errOut); code != exitFailed {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out.String(), errOut.String())
	}
	var rep contracttest.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	x := rep.Exploration
	if x == nil || x.Seed != 11 || x.Divergences != 1 || x.Divergence == nil || x.Divergence.ShrunkSteps < 1 || x.Divergence.ShrunkSteps > 6 {
		t.Fatalf("exploration %+v\n%s", x, out.String())
	}
	if _, err := contracttest.ParseScenario("explore.yaml", []byte(x.Divergence.Scenario)); err != nil || !strings.Contains(x.Divergence.Scenario, "cancelsubscription") {
		t.Errorf("the scenario: %v\n%s", err, x.Divergence.Scenario)
	}
	if len(rep.Scenarios) != 1 || len(rep.Scenarios[0].Failures) != 1 || !strings.HasPrefix(rep.Scenarios[0].Failures[0].Curl, "curl ") {
		t.Errorf("the failure: %+v", rep.Scenarios)
	}
	data, err := os.ReadFile(junit)
	if err != nil || !bytes.Contains(data, []byte(`<testcase name="explore"`)) || !bytes.Contains(data, []byte(`failures="1"`)) {
		t.Errorf("JUnit: %v\n%s", err, data)
	}
}
