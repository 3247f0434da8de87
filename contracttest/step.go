package contracttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cloudplans/billing-mock/contract"
)

// stepRunner runs the steps of one scenario: its client (and session) and its variables.
type stepRunner struct {
	*runner
	client *client
	vars   vars
}

// run runs one step and returns its failure, or nil.
func (s *stepRunner) run(ctx context.Context, st Step) *Failure {
	if st.Control != nil {
		return s.runControl(ctx, st)
	}
	return s.runRequest(ctx, st)
}

// build expands a request's templates.
func (s *stepRunner) build(r *Request) (*outgoing, error) {
	o := &outgoing{Method: r.Method, Query: url.Values{}, Header: http.Header{}}
	var err error
	if o.Path, err = s.vars.expand(r.Path); err != nil {
		return nil, fmt.Errorf("path: %w", err)
	}
	for _, k := range sortedKeys(r.Query) {
		for _, v := range r.Query[k] {
			ev, err := s.vars.expand(v)
			if err != nil {
				return nil, fmt.Errorf("query %s: %w", k, err)
			}
			o.Query.Add(k, ev)
		}
	}
	if r.Auth != "" {
		tok, err := s.vars.expand(r.Auth)
		if err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
		o.Header.Set("Authorization", "Bearer "+tok)
	}
	switch {
	case r.HasBody:
		v, err := s.vars.expandValue(r.Body)
		if err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
		if o.Body, err = jsonBody(v); err != nil {
			return nil, err
		}
		o.Header.Set("Content-Type", "application/json")
	case r.RawBody != nil:
		b, err := s.vars.expand(*r.RawBody)
		if err != nil {
			return nil, fmt.Errorf("raw_body: %w", err)
		}
		o.Body = []byte(b)
	case r.BodyBytes > 0:
		o.Body = paddedBody(r.BodyBytes)
		o.Header.Set("Content-Type", "application/json")
		o.bodyNote = fmt.Sprintf(`"$(printf '{\"padding\":\"%%s\"}' \"$(head -c %d /dev/zero | tr '\\0' x)\")"`, r.BodyBytes-len(`{"padding":""}`))
	}
	for _, k := range sortedKeys(r.Headers) {
		v, err := s.vars.expand(r.Headers[k])
		if err != nil {
			return nil, fmt.Errorf("header %s: %w", k, err)
		}
		o.Header.Set(k, v)
	}
	return o, nil
}

// runRequest sends an API request and checks the answer: status, contract, invariants,
// expectations; around a rejected request that could change state, that nothing changed.
func (s *stepRunner) runRequest(ctx context.Context, st Step) *Failure {
	o, err := s.build(st.Request)
	if err != nil {
		return &Failure{Messages: []string{"the scenario is broken: " + err.Error()}}
	}
	f := &Failure{Curl: s.client.curl(o)}
	want := expectedStatus(st.Expect)
	var before *snapshot
	if want >= 400 && want < 500 && !s.readOnly(o) {
		if before, err = s.snapshot(ctx); err != nil {
			f.Messages = append(f.Messages, "before the request, reading the state failed: "+err.Error())
			return f
		}
	}
	ans, err := s.client.do(ctx, o)
	if err != nil {
		f.Messages = append(f.Messages, err.Error())
		return f
	}
	f.Answer = truncate(string(ans.Body), 600)
	action := o.Query.Get("action")
	if ans.Status != want {
		f.Messages = append(f.Messages, fmt.Sprintf("status: expected %d, got %d", want, ans.Status))
	}
	problems := s.validate(ctx, o, action, ans)
	f.Problems = problems
	for _, p := range problems {
		f.Messages = append(f.Messages, "contract: "+p.String())
	}
	doc, jerr := decodeJSON(ans.Body)
	if jerr == nil && len(problems) == 0 {
		s.cov.add(o.Method, o.Path, action, ans.Status)
		if ans.Status == http.StatusOK {
			f.Messages = append(f.Messages, invariants(o, action, doc)...)
		}
	}
	if ans.Status == want && len(f.Messages) == 0 {
		if jerr != nil {
			f.Messages = append(f.Messages, "the answer is not JSON: "+jerr.Error())
		} else {
			s.expect(st.Expect, doc, f)
		}
	}
	if before != nil && len(f.Messages) == 0 {
		after, err := s.snapshot(ctx)
		if err != nil {
			f.Messages = append(f.Messages, "after the request, reading the state failed: "+err.Error())
		} else if d := before.diff(after); len(d) > 0 {
			f.Messages = append(f.Messages, fmt.Sprintf("the request was rejected with %d but changed the state (describe and history before and after differ)", ans.Status))
			f.Diff = d
		}
	}
	if len(f.Messages) == 0 {
		return nil
	}
	return f
}

// readOnly reports whether a request cannot change state on a correct implementation: a GET to a
// documented GET operation.
func (s *stepRunner) readOnly(o *outgoing) bool {
	if o.Method != http.MethodGet {
		return false
	}
	_, err := s.contract.Find(http.MethodGet, o.Path)
	return err == nil
}

// validate checks an answer against the contract.
func (s *stepRunner) validate(ctx context.Context, o *outgoing, action string, ans *answer) []contract.Problem {
	err := s.contract.ValidateResponse(ctx, contract.Response{
		Method: o.Method, Path: o.Path, Action: action, Status: ans.Status, Header: ans.Header, Body: ans.Body,
	})
	if err == nil {
		return nil
	}
	var verr *contract.ValidationError
	if errors.As(err, &verr) {
		return verr.Problems
	}
	return []contract.Problem{{Kind: contract.Invalid, Location: contract.InBody, Got: err.Error()}}
}

// expect compares a decoded answer with a step's expectations and captures its variables.
func (s *stepRunner) expect(e Expect, doc any, f *Failure) {
	if e.HasBody {
		want, err := s.vars.expandValue(e.Body)
		if err != nil {
			f.Messages = append(f.Messages, "the scenario is broken: expect.body: "+err.Error())
			return
		}
		if d := compareJSON(want, doc, !e.Exact, e.Ignore); !d.empty() {
			mode := "a superset of"
			if e.Exact {
				mode = "exactly"
			}
			f.Messages = append(f.Messages, fmt.Sprintf("body: expected %s %s; differs at %s", mode, show(want), d.where()))
			f.Diff = append(f.Diff, d.Text)
		}
	}
	for _, p := range sortedKeys(e.Len) {
		wantS, err := s.vars.expand(e.Len[p])
		if err != nil {
			f.Messages = append(f.Messages, "the scenario is broken: expect.len: "+err.Error())
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(wantS))
		if err != nil {
			f.Messages = append(f.Messages, fmt.Sprintf("the scenario is broken: expect.len %s: %q is not an integer", p, wantS))
			continue
		}
		v, ok := lookup(doc, p)
		arr, isArr := v.([]any)
		switch {
		case !ok:
			f.Messages = append(f.Messages, fmt.Sprintf("body %s: expected an array of %d, got nothing", p, n))
		case !isArr:
			f.Messages = append(f.Messages, fmt.Sprintf("body %s: expected an array of %d, got %s", p, n, show(v)))
		case len(arr) != n:
			f.Messages = append(f.Messages, fmt.Sprintf("body %s: expected an array of %d, got %d elements", p, n, len(arr)))
		}
	}
	for _, p := range sortedKeys(e.Each) {
		want, err := s.vars.expandValue(e.Each[p])
		if err != nil {
			f.Messages = append(f.Messages, "the scenario is broken: expect.each: "+err.Error())
			continue
		}
		v, _ := lookup(doc, p)
		arr, ok := v.([]any)
		if !ok {
			f.Messages = append(f.Messages, fmt.Sprintf("body %s: expected an array, got %s", p, show(v)))
			continue
		}
		for i, el := range arr {
			if d := compareJSON(want, el, true, nil); !d.empty() {
				at := fmt.Sprintf("%s/%d", p, i)
				f.Messages = append(f.Messages, fmt.Sprintf("body %s: expected to contain %s; differs at %s", at, show(want), prefixPointers(at, d.Pointers)))
				f.Diff = append(f.Diff, at+":\n"+d.Text)
			}
		}
	}
	for _, name := range sortedKeys(e.Capture) {
		p := e.Capture[name]
		inner, isLen := strings.CutPrefix(p, "len(")
		if isLen {
			inner = strings.TrimSuffix(inner, ")")
		}
		v, ok := lookup(doc, inner)
		if !ok {
			f.Messages = append(f.Messages, fmt.Sprintf("capture %s: the answer has nothing at %s", name, inner))
			continue
		}
		if isLen {
			arr, ok := v.([]any)
			if !ok {
				f.Messages = append(f.Messages, fmt.Sprintf("capture %s: expected an array at %s, got %s", name, inner, show(v)))
				continue
			}
			s.vars[name] = strconv.Itoa(len(arr))
			continue
		}
		s.vars[name] = captureValue(v)
	}
}

// prefixPointers renders pointers inside the element at prefix.
func prefixPointers(prefix string, pointers []string) string {
	out := make([]string, len(pointers))
	for i, p := range pointers {
		if p == "/" {
			p = ""
		}
		out[i] = prefix + p
	}
	return bodyDiff{Pointers: out}.where()
}

// linkID returns the last path segment of a link.
func linkID(link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil {
		return "", fmt.Errorf("link %q: %w", link, err)
	}
	seg := u.Path[strings.LastIndex(u.Path, "/")+1:]
	if seg == "" {
		return "", fmt.Errorf("link %q has no id as its last path segment", link)
	}
	return seg, nil
}

// runControl calls the control API.
func (s *stepRunner) runControl(ctx context.Context, st Step) *Failure {
	c := st.Control
	call := controlCalls[c.Op]
	o := &outgoing{Method: call.method, Path: call.path, Header: http.Header{}}
	if call.link {
		link, err := s.vars.expand(c.Link)
		if err != nil {
			return &Failure{Messages: []string{"the scenario is broken: link: " + err.Error()}}
		}
		id, err := linkID(link)
		if err != nil {
			return &Failure{Messages: []string{err.Error()}}
		}
		o.Path = fmt.Sprintf(o.Path, url.PathEscape(id))
	}
	if c.HasBody {
		v, err := s.vars.expandValue(c.Body)
		if err != nil {
			return &Failure{Messages: []string{"the scenario is broken: body: " + err.Error()}}
		}
		if o.Body, err = jsonBody(v); err != nil {
			return &Failure{Messages: []string{err.Error()}}
		}
		o.Header.Set("Content-Type", "application/json")
	}
	f := &Failure{Curl: s.client.curl(o)}
	ans, err := s.client.do(ctx, o)
	if err != nil {
		f.Messages = append(f.Messages, "control "+c.Op+": "+err.Error())
		return f
	}
	f.Answer = truncate(string(ans.Body), 600)
	want := st.Expect.Status
	if want == 0 {
		want = call.status
	}
	if ans.Status != want {
		f.Messages = append(f.Messages, fmt.Sprintf("control %s: status: expected %d, got %d", c.Op, want, ans.Status))
		return f
	}
	doc, err := decodeJSON(ans.Body)
	if err != nil {
		f.Messages = append(f.Messages, "control "+c.Op+": the answer is not JSON: "+err.Error())
		return f
	}
	s.expect(st.Expect, doc, f)
	if len(f.Messages) == 0 {
		return nil
	}
	return f
}

// orgOf returns the org_id a request names, in the query string or the JSON body.
func orgOf(o *outgoing) string {
	if v := o.Query.Get("org_id"); v != "" {
		return v
	}
	var body struct {
		OrgID string `json:"org_id"`
	}
	if len(o.Body) > 0 && json.Unmarshal(o.Body, &body) == nil {
		return body.OrgID
	}
	return ""
}
