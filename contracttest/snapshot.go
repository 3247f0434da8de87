package contracttest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// snapshot is what describe and history show of the known organizations, by "describe <org>" and
// "history <org>".
type snapshot struct {
	keys  []string
	views map[string]any
}

// snapshot reads describe and history of the three organizations of the roles, each with its
// owner's token. Every answer must be a valid 200.
func (s *stepRunner) snapshot(ctx context.Context) (*snapshot, error) {
	snap := &snapshot{views: map[string]any{}}
	for _, owner := range []struct{ org, token string }{
		{s.roles.Org, s.roles.Token}, {s.roles.FreshOrg, s.roles.Token}, {s.roles.OutsiderOrg, s.roles.OutsiderToken},
	} {
		for _, read := range []struct{ name, path, action string }{
			{"describe", describePath, describeAction}, {"history", historyPath, historyAction},
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
				return nil, fmt.Errorf("%s: status: expected 200, got %d: %s", key, ans.Status, truncate(string(ans.Body), 200))
			}
			if problems := s.validate(ctx, o, read.action, ans); len(problems) > 0 {
				return nil, fmt.Errorf("%s: contract: %s", key, problems[0])
			}
			doc, err := decodeJSON(ans.Body)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
			if msgs := invariants(o, read.action, doc); len(msgs) > 0 {
				return nil, fmt.Errorf("%s: %s", key, strings.Join(msgs, "; "))
			}
			snap.keys = append(snap.keys, key)
			snap.views[key] = doc
		}
	}
	return snap, nil
}

// diff lists what changed between two snapshots: one go-cmp report ("-" before, "+" after) per
// view that changed, headed by "describe <org>" or "history <org>" and the pointers that changed.
func (a *snapshot) diff(b *snapshot) []string {
	var out []string
	for _, k := range a.keys {
		if d := compareJSON(a.views[k], b.views[k], false, nil); !d.empty() {
			out = append(out, fmt.Sprintf("%s (%s):\n%s", k, d.where(), d.Text))
		}
	}
	return out
}
