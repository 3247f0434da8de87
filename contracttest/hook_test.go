package contracttest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudplans/billing-mock/contracttest"
	"github.com/cloudplans/billing-mock/contracttest/internal/sidechannel"
	"github.com/cloudplans/billing-mock/mock"
)

// hookScript is a -hook that performs the state steps through the mock's control API at
// $CONTROL, as a service's test mode would: one JSON event on stdin, exit 0 when done.
const hookScript = `#!/bin/sh
event=$(cat)
field() { printf '%s' "$event" | sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
id=$(field link | sed 's/?.*//; s#.*/##')
exp=$(field payment_exp)
body='{}'; [ -n "$exp" ] && body="{\"payment_exp\":\"$exp\"}"
post() { curl -fsS -o /dev/null -H 'Content-Type: application/json' -d "$2" "$CONTROL$1"; }
case "$(field event)" in
capabilities) echo '["complete_checkout","decline_checkout","complete_card_update","decline_card_update","advance_clock"]' ;;
complete_checkout) post "/_mock/checkouts/$id/complete" "$body" ;;
decline_checkout) post "/_mock/checkouts/$id/decline" '{}' ;;
complete_card_update) post "/_mock/card-updates/$id/complete" "$body" ;;
decline_card_update) post "/_mock/card-updates/$id/decline" '{}' ;;
advance_clock) post /_mock/clock/advance "{\"by\":\"$(field by)\"}" ;;
*) echo "unsupported event: $event" >&2; exit 1 ;;
esac
`

// writeHook writes a hook script and returns the command that runs it.
func writeHook(t *testing.T, script string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hook.sh")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return "sh " + path
}

// newMock is a fresh mock.
func newMock(t *testing.T) *mock.Server {
	t.Helper()
	m, err := mock.New(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// serveURL serves h on 127.0.0.1 for the test and returns its URL.
func serveURL(t *testing.T, h http.Handler) string {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

// hiddenMock is the mock behind a proxy that hides its control API, and its control API's URL.
func hiddenMock(t *testing.T) (base, control string) {
	t.Helper()
	m := newMock(t)
	return serveURL(t, sidechannel.HideControl(m)), serveURL(t, m)
}

// TestHookCommand: the -hook protocol performs the state steps; nothing is skipped but what
// only the mock's control API can do, and the capabilities name their source.
func TestHookCommand(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	base, control := hiddenMock(t)
	rep, out := executeText(t, contracttest.Options{BaseURL: base, HookCommand: "CONTROL=" + control + " " + writeHook(t, hookScript)})
	if !rep.OK() || rep.Skipped != 2 {
		t.Fatalf("report:\n%s", out)
	}
	want := []contracttest.CapabilitySource{{contracttest.CompleteCheckout, "hook"}, {contracttest.DeclineCheckout, "hook"}, {contracttest.CompleteCardUpdate, "hook"}, {contracttest.DeclineCardUpdate, "hook"}, {contracttest.AdvanceClock, "hook"}}
	if !slices.Equal(rep.Capabilities, want) {
		t.Errorf("capabilities %v", rep.Capabilities)
	}
}

// TestHookSources: Go hooks win over the -hook command, which wins over the test-support
// protocol, per capability.
func TestHookSources(t *testing.T) {
	t.Parallel()
	hook := writeHook(t, `#!/bin/sh
case "$(cat)" in *capabilities*) echo '["complete_checkout","reset"]' ;; *) exit 1 ;; esac
`)
	rep, _ := executeText(t, contracttest.Options{BaseURL: serveURL(t, newMock(t)), HookCommand: hook, Run: regexp.MustCompile("^read$"),
		Hooks: contracttest.Hooks{Reset: func(context.Context) error { return nil }}})
	got := map[contracttest.Capability]string{}
	for _, c := range rep.Capabilities {
		got[c.Name] = c.Source
	}
	if got[contracttest.Reset] != "go" || got[contracttest.CompleteCheckout] != "hook" || got[contracttest.DeclineCheckout] != "http" || got[contracttest.Fault] != "http" || !rep.Isolated {
		t.Errorf("sources %v, isolated %v", got, rep.Isolated)
	}
}

// TestHookFailures: a hook that fails its capabilities event stops the run with a usage error; a
// hook that fails a state step fails that step with its stderr and a command that reproduces
// it; a hook that hangs is stopped at -timeout.
func TestHookFailures(t *testing.T) {
	t.Parallel()
	base, _ := hiddenMock(t)
	for _, c := range []struct{ script, want string }{
		{"echo nope", `answered "nope\n" to {"event":"capabilities"}: expected a JSON list of events`},
		{`echo '["fault"]'`, `lists "fault": a hook supplies only complete_checkout, decline_checkout, complete_card_update, decline_card_update, reset, advance_clock`},
		{"echo broken >&2; exit 3", "failed on capabilities: exit status 3; its stderr:\nbroken"},
	} {
		_, err := contracttest.Execute(t.Context(), contracttest.Options{BaseURL: base, HookCommand: writeHook(t, c.script)})
		var ue *contracttest.UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.script, err, c.want)
		}
	}
	failing := writeHook(t, `#!/bin/sh
case "$(cat)" in
*capabilities*) echo '["complete_checkout"]' ;;
*) echo "the payment provider said no" >&2; exit 1 ;;
esac
`)
	rep, out := executeText(t, contracttest.Options{BaseURL: base, HookCommand: failing, Run: regexp.MustCompile("^lifecycle$")})
	f := rep.Scenarios[0].Failures[0]
	if rep.OK() || f.Step != "pay" || f.Level != contracttest.LevelSetup || rep.ByLevel.Setup != 1 ||
		!strings.Contains(out, "failed on complete_checkout: exit status 1; its stderr:\n    the payment provider said no") ||
		!strings.Contains(f.Curl, `printf '%s\n' '{"event":"complete_checkout","link":"http://`) || !strings.HasSuffix(f.Curl, "| sh -c 'sh "+strings.TrimPrefix(failing, "sh ")+"'") {
		t.Errorf("a failing hook:\n%s\n%s", out, f.Curl)
	}
	hangs := writeHook(t, `#!/bin/sh
case "$(cat)" in *capabilities*) echo '["complete_checkout"]' ;; *) sleep 30 ;; esac
`)
	start := time.Now()
	rep, out = executeText(t, contracttest.Options{BaseURL: base, HookCommand: hangs, Timeout: 2 * time.Second, Run: regexp.MustCompile("^lifecycle$")})
	if rep.OK() || !strings.Contains(out, "no exit within 2s (-timeout)") || time.Since(start) > 10*time.Second {
		t.Errorf("a hanging hook (%s):\n%s", time.Since(start), out)
	}
}
