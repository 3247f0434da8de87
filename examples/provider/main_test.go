package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runMainEnv, set to 1, makes the test binary the provider: it runs main with its arguments
// (TestSignals, TestHookCommand).
const runMainEnv = "PROVIDER_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Args[0] = "provider"
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestParseFlags(t *testing.T) {
	env := func(string) string { return "" }
	c, err := parseFlags(nil, io.Discard, env)
	if err != nil || c.db != "billing.db" || c.addr != "127.0.0.1:8081" || c.demo || c.renewEvery != time.Minute {
		t.Errorf("defaults: %+v, %v", c, err)
	}
	c, err = parseFlags([]string{"-db", "x.db", "-addr", "127.0.0.1:0", "-demo", "-public-url", "https://b.example"}, io.Discard,
		func(k string) string { return map[string]string{WebhookSecretEnv: "s3cret"}[k] })
	if err != nil || c.db != "x.db" || c.addr != "127.0.0.1:0" || !c.demo || c.publicURL != "https://b.example" || c.webhookSecret != "s3cret" {
		t.Errorf("flags: %+v, %v", c, err)
	}
	for _, args := range [][]string{{"-nope"}, {"extra"}, {"-renew-every", "0s"}} {
		if _, err := parseFlags(args, io.Discard, env); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
	var usage strings.Builder
	if _, err := parseFlags([]string{"-h"}, &usage, env); err == nil || !strings.Contains(usage.String(), WebhookSecretEnv) || !strings.Contains(usage.String(), "-demo") {
		t.Errorf("-h: %v\n%s", err, usage.String())
	}
}

// serve runs the provider as main does and returns its URL; stop ends it and returns run's error.
func serve(t *testing.T, cfg config) (url string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, pw, slog.New(slog.DiscardHandler)); _ = pw.Close() }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if err != nil {
		cancel()
		t.Fatalf("no banner: %v (run: %v)", err, <-done)
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "billing provider listening on ")
	if !ok {
		t.Fatalf("banner %q", line)
	}
	return url, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("run did not return after the context ended")
			return nil
		}
	}
}

func get(t *testing.T, url, token string) int {
	t.Helper()
	r, _ := http.NewRequest("GET", url, nil)
	r.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func TestRun(t *testing.T) {
	db := filepath.Join(t.TempDir(), "billing.db")
	url, stop := serve(t, config{db: db, addr: "127.0.0.1:0", demo: true, renewEvery: time.Minute})
	if code := get(t, url+"/v1/organizations/billing/describe?action=getorganization&org_id=org_acme", "tok_owner"); code != 200 {
		t.Errorf("describe: %d", code)
	}
	if code := get(t, url+"/v1/organizations/billing/describe?pad="+strings.Repeat("x", 100<<10), "tok_owner"); code != 414 {
		t.Errorf("a 100 KB URL: %d, want the API's 414 (not the server's 431)", code)
	}
	if code := get(t, url+"/webhooks/payments", ""); code != 404 {
		t.Errorf("the webhook without a secret: %d, want 404", code)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// The same file again, without -demo: the data is still there; with a secret, the webhook is served.
	url, stop = serve(t, config{db: db, addr: "127.0.0.1:0", renewEvery: time.Minute, webhookSecret: testSecret})
	if code := get(t, url+"/v1/organizations/billing/history?action=list_billing&org_id=org_acme", "tok_member"); code != 200 {
		t.Errorf("history after a restart: %d", code)
	}
	if code := get(t, url+"/webhooks/payments", ""); code != 405 {
		t.Errorf("GET on the webhook: %d, want 405", code)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), config{db: db, addr: "256.0.0.1:1", renewEvery: time.Minute}, io.Discard, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("a bad address: no error")
	}
	if err := run(context.Background(), config{db: db, addr: "127.0.0.1:0", webhookSecret: "short", renewEvery: time.Minute}, io.Discard, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("a short webhook secret: no error")
	}
}

// TestSignals: the provider, started as a process, exits 0 soon after SIGINT or SIGTERM.
func TestSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-db", filepath.Join(t.TempDir(), "b.db"), "-addr", "127.0.0.1:0", "-demo")
			cmd.Env = append(os.Environ(), runMainEnv+"=1")
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil || !strings.HasPrefix(line, "billing provider listening on http://127.0.0.1:") {
				_ = cmd.Process.Kill()
				t.Fatalf("banner %q, %v", line, err)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case err := <-exited:
				if err != nil {
					t.Errorf("exit after %v: %v", sig, err)
				}
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("still running 10s after %v", sig)
			}
		})
	}
}
