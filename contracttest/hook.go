package contracttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// hookEvent is one event of the -hook protocol, sent as one line of compact JSON on the hook's
// stdin (FORMAT.md, "Provider states").
type hookEvent struct {
	Event      Capability `json:"event"`
	Link       string     `json:"link,omitempty"`
	PaymentExp string     `json:"payment_exp,omitempty"`
	By         string     `json:"by,omitempty"`
	Seconds    int64      `json:"seconds,omitempty"`
}

// capabilitiesEvent asks a hook which events it supports.
const capabilitiesEvent Capability = "capabilities"

// hookable are the capabilities a hook may supply: not the mock's own fault and prefer.
var hookable = []Capability{CompleteCheckout, DeclineCheckout, CompleteCardUpdate, DeclineCardUpdate, Reset, AdvanceClock}

// maxHookOutput bounds what is kept of a hook's stdout and stderr.
const maxHookOutput = 64 << 10

// commandHook runs a -hook command once per event, each call bounded by timeout.
type commandHook struct {
	command string
	timeout time.Duration
}

// line is an event as the hook reads it: compact JSON, no HTML escaping, then a newline.
func (e hookEvent) line() []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(e) // a struct of strings always encodes
	return b.Bytes()
}

// reproduce is a shell command that sends the event to the hook again.
func (h *commandHook) reproduce(e hookEvent) string {
	return "printf '%s\\n' " + shellQuote(strings.TrimSuffix(string(e.line()), "\n")) + " | sh -c " + shellQuote(h.command)
}

// run starts the hook with one event and returns its stdout. A non-zero exit, a timeout or a
// failure to start is an error that carries the hook's stderr.
func (h *commandHook) run(ctx context.Context, e hookEvent) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", h.command)
	cmd.Stdin = bytes.NewReader(e.line())
	var stdout, stderr limitedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	killGroup(cmd)
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	msg := fmt.Sprintf("the hook (%s) failed on %s", h.command, e.Event)
	var exit *exec.ExitError
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		msg += fmt.Sprintf(": no exit within %s (-timeout)", h.timeout)
	case errors.As(err, &exit):
		msg += fmt.Sprintf(": exit status %d", exit.ExitCode())
	default:
		msg += ": " + err.Error()
	}
	if s := strings.TrimSpace(stderr.String()); s != "" {
		msg += "; its stderr:\n" + s
	}
	return nil, errors.New(msg)
}

// capabilities asks the hook which events it supports: it prints a JSON list of their names.
func (h *commandHook) capabilities(ctx context.Context) ([]Capability, error) {
	out, err := h.run(ctx, hookEvent{Event: capabilitiesEvent})
	if err != nil {
		return nil, err
	}
	var names []string
	if err := json.Unmarshal(bytes.TrimSpace(out), &names); err != nil {
		return nil, fmt.Errorf(`the hook (%s) answered %q to {"event":"capabilities"}: expected a JSON list of events, as ["complete_checkout"]`, h.command, truncate(string(out), 200))
	}
	var caps []Capability
	for _, n := range names {
		c := Capability(n)
		if !slices.Contains(hookable, c) {
			return nil, fmt.Errorf("the hook (%s) lists %q: a hook supplies only %s", h.command, n, capabilityList(hookable))
		}
		if !slices.Contains(caps, c) {
			caps = append(caps, c)
		}
	}
	return caps, nil
}

// limitedBuffer keeps the first maxHookOutput bytes written to it.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := maxHookOutput - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
