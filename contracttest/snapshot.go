package contracttest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// snapshot is what describe and history show of the roles' organizations at one moment.
type snapshot struct {
	// orgs are the organizations, in the roles' order: org, fresh_org, outsider_org.
	orgs  []string
	views map[string]*orgView
}

// orgView is one organization's describe and history answers.
type orgView struct {
	describe any
	history  any
}

// subscription is the organization's subscription object (nil when it has none).
func (v *orgView) subscription() map[string]any {
	s, _ := lookup(v.describe, "/response/subscription")
	m, _ := s.(map[string]any)
	return m
}

// invoices is the organization's history, newest first.
func (v *orgView) invoices() []map[string]any {
	list, _ := lookup(v.history, "/billing_history")
	arr, _ := list.([]any)
	out := make([]map[string]any, 0, len(arr))
	for _, e := range arr {
		m, _ := e.(map[string]any)
		out = append(out, m)
	}
	return out
}

// owners are the roles' organizations, each with its owner's token.
func (s *stepRunner) owners() []struct{ org, token string } {
	return []struct{ org, token string }{
		{s.roles.Org, s.roles.Token}, {s.roles.FreshOrg, s.roles.Token}, {s.roles.OutsiderOrg, s.roles.OutsiderToken},
	}
}

// snapshot reads describe and history of the roles' organizations, each with its owner's token.
// Every answer must be a valid 200 that keeps the per-answer invariants; anything else means the
// state cannot be compared (or the roles do not fit the target).
func (s *stepRunner) snapshot(ctx context.Context) (*snapshot, error) {
	snap := &snapshot{views: map[string]*orgView{}}
	for _, owner := range s.owners() {
		v := &orgView{}
		for _, read := range []struct {
			name, path, action string
			dest               *any
		}{
			{"describe", describePath, describeAction, &v.describe}, {"history", historyPath, historyAction, &v.history},
		} {
			key := read.name + " " + owner.org
			o := &outgoing{
				Method: http.MethodGet, Path: read.path,
				Query:  url.Values{"action": {read.action}, "org_id": {owner.org}},
				Header: http.Header{"Authorization": {"Bearer " + owner.token}},
			}
			ans, err := s.client.do(ctx, o)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
			if ans.Status != http.StatusOK {
				return nil, fmt.Errorf("%s: status: expected 200, got %d: %s (do the roles fit the target? FORMAT.md, \"What a real target needs\")", key, ans.Status, truncate(string(ans.Body), 200))
			}
			if problems := s.validate(ctx, o, read.action, ans); len(problems) > 0 {
				return nil, fmt.Errorf("%s: contract: %s", key, problems[0])
			}
			doc, err := decodeJSON(ans.Body)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
			if fds := invariants(o, read.action, doc); len(fds) > 0 {
				return nil, fmt.Errorf("%s: %s", key, fds[0].Message)
			}
			*read.dest = doc
		}
		snap.orgs = append(snap.orgs, owner.org)
		snap.views[owner.org] = v
	}
	return snap, nil
}

// diff lists what changed between two snapshots: one go-cmp report ("-" before, "+" after) per
// view that changed, headed by "describe <org>" or "history <org>" and the pointers that changed.
func (a *snapshot) diff(b *snapshot) []string {
	var out []string
	for _, org := range a.orgs {
		out = append(out, viewDiffs(org, a.views[org], b.views[org])...)
	}
	return out
}

// viewDiffs compares two views of one organization, subscription.status left out: it follows the
// due dates and the clock, which a client does not control (the past-due check holds it).
func viewDiffs(org string, a, b *orgView) []string {
	var out []string
	if d := compareJSON(a.describe, b.describe, false, []string{"/response/subscription/status"}); !d.empty() {
		out = append(out, fmt.Sprintf("describe %s (%s):\n%s", org, d.where(), d.Text))
	}
	if d := compareJSON(a.history, b.history, false, nil); !d.empty() {
		out = append(out, fmt.Sprintf("history %s (%s):\n%s", org, d.where(), d.Text))
	}
	return out
}
