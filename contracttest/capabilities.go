package contracttest

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/cloudplans/billing-mock/contract"
)

// healthPath is where the test-support protocol answers which capabilities the target has.
const healthPath = "/_mock/health"

// detect finds the run's capabilities and whether scenarios may be isolated. Per capability, a
// Go hook (Options.Hooks) wins over the -hook command, which wins over the test-support protocol
// (the capabilities GET /_mock/health lists). Scenarios are isolated, and run in parallel, only
// when the health answer echoes the X-Mock-Session it was asked with: the target then promises
// that each session is a separate copy of the state. A dial failure means the target is
// unreachable.
func (r *runner) detect(ctx context.Context) error {
	r.caps = map[Capability]string{}
	probe := "contracttest-probe-" + r.runID
	ans, err := r.client.withSession(probe).do(ctx, &outgoing{Method: http.MethodGet, Path: healthPath})
	if err != nil && unreachable(err) {
		return fmt.Errorf("%w: %s: %v", ErrUnreachable, r.client.base, err)
	}
	if err == nil {
		r.readHealth(ans, probe)
	}
	if r.hook != nil {
		caps, err := r.hook.capabilities(ctx)
		if err != nil {
			return &UsageError{Err: fmt.Errorf("-hook: %w", err)}
		}
		for _, c := range caps {
			r.caps[c] = "hook"
		}
	}
	for _, c := range hookable {
		if r.opts.Hooks.has(c) {
			r.caps[c] = "go"
		}
	}
	return nil
}

// readHealth reads a health answer: a 200 JSON object, whose capabilities member lists what
// the test-support protocol performs (unknown names are left out) and whose session member
// echoes the probe's session when the target isolates sessions.
func (r *runner) readHealth(ans *answer, probe string) {
	if ans.Status != http.StatusOK || !contract.IsJSON(ans.Header.Get("Content-Type")) {
		return
	}
	v, err := decodeJSON(ans.Body)
	if err != nil {
		return
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return
	}
	r.control = true
	r.isolated = obj["session"] == probe
	list, _ := obj["capabilities"].([]any)
	for _, e := range list {
		if name, ok := e.(string); ok && slices.Contains(AllCapabilities(), Capability(name)) {
			r.caps[Capability(name)] = "http"
		}
	}
}
