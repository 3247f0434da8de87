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

// snapshot reads describe and history of the roles' organizations, each with its owner's token,
// when ("before the request") a step needs to compare the state. Every answer must be a valid 200
// that keeps the per-answer invariants; otherwise the failure says which read broke which rule
// (a 401, 403 or 404 means that the roles do not fit the target: a setup failure), with a curl
// command that reproduces the read.
func (s *stepRunner) snapshot(ctx context.Context, when string) (*snapshot, *Failure) {
	snap := &snapshot{views: map[string]*orgView{}}
	for _, owner := range s.owners() {
		v := &orgView{}
		for _, read := range []struct {
			name, path, action string
			dest               *any
		}{
			{"describe", describePath, describeAction, &v.describe}, {"history", historyPath, historyAction, &v.history},
		} {
			o := &outgoing{
				Method: http.MethodGet, Path: read.path,
				Query:  url.Values{"action": {read.action}, "org_id": {owner.org}},
				Header: http.Header{"Authorization": {"Bearer " + owner.token}},
			}
			doc, f := s.read(ctx, o, read.action)
			if f != nil {
				for i := range f.Findings {
					f.Findings[i].Message = fmt.Sprintf("%s, %s %s: %s", when, read.name, owner.org, f.Findings[i].Message)
					f.Messages[i] = f.Findings[i].Message
				}
				return nil, f
			}
			*read.dest = doc
		}
		snap.orgs = append(snap.orgs, owner.org)
		snap.views[owner.org] = v
	}
	return snap, nil
}

// read sends one read of a snapshot and checks it: a valid 200 that keeps the invariants.
func (s *stepRunner) read(ctx context.Context, o *outgoing, action string) (any, *Failure) {
	f := &Failure{Curl: s.client.curl(o)}
	ans, err := s.client.do(ctx, o)
	if err != nil {
		f.add(s.runner, docsRule, err.Error())
		return nil, f
	}
	f.Answer = s.hints.answer(o, ans)
	switch ans.Status {
	case http.StatusOK:
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		f.add(s.runner, setupRule, fmt.Sprintf("status: expected 200, got %d (do the roles fit the target? FORMAT.md, \"What a real target needs\")", ans.Status))
		return nil, f
	default:
		f.add(s.runner, docsRule, fmt.Sprintf("status: expected 200, got %d", ans.Status))
	}
	for _, p := range s.validate(ctx, o, action, ans) {
		f.add(s.runner, problemRule(ans.Status, p), "contract: "+p.String())
	}
	doc, err := decodeJSON(ans.Body)
	if err != nil && len(f.Findings) == 0 {
		f.add(s.runner, docsRule, "the answer is not JSON: "+err.Error())
	}
	if len(f.Findings) > 0 {
		return nil, f
	}
	for _, fd := range invariants(o, action, doc) {
		f.add(s.runner, fd.Rule, fd.Message)
	}
	if len(f.Findings) > 0 {
		return nil, f
	}
	return doc, nil
}

// merge adds the findings of a failed state read to a step's failure: the read's curl reproduces
// them, in place of the step's own when the step has none, else named in the last finding.
func (f *Failure) merge(g *Failure) {
	if f.Curl == "" {
		f.Curl, f.Answer = g.Curl, g.Answer
	} else if n := len(g.Findings); n > 0 && g.Curl != "" {
		g.Findings[n-1].Message += "\n(the read that found it: " + g.Curl + ")"
		g.Messages[n-1] = g.Findings[n-1].Message
	}
	f.Findings = append(f.Findings, g.Findings...)
	f.Messages = append(f.Messages, g.Messages...)
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
