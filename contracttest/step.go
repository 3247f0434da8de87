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
	"time"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/internal/plural"
)

// stepRunner runs the steps of one scenario: its client (and session), its variables, and what
// its steps taught it about the target.
type stepRunner struct {
	*runner
	client *client
	vars   vars
	// links maps each link an API step answered to what it is for.
	links map[string]linkInfo
	// units maps an organization to its plan's unit price in cents, once a change showed it.
	units map[string]int64
	// day is a date the target's billing day is known not to precede ("" none yet); dayExact says
	// that a change just showed it (the target's today, give or take a midnight).
	day      string
	dayExact bool
	// last is the state the previous step left, when it read it after it was done: the state
	// before this step, if nothing was sent in between.
	last, prev *snapshot
}

// linkInfo is what a link is for: a checkout (org, quantity) or a card update (org).
type linkInfo struct {
	checkout bool
	org      string
	quantity int
}

// run runs one step and returns its failure, or nil.
func (s *stepRunner) run(ctx context.Context, st Step) *Failure {
	s.prev, s.last = s.last, nil
	if st.Control != nil {
		return s.runState(ctx, st)
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
		o.padded = true
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

// send sends a step's request: over HTTP, or, in tests, by running its reproduce command.
func (s *stepRunner) send(ctx context.Context, o *outgoing, curl string) (*answer, error) {
	if s.opts.replay != nil {
		return s.opts.replay(ctx, curl)
	}
	return s.client.do(ctx, o)
}

// runRequest sends an API request and checks the answer: status, contract, invariants,
// expectations; around a rejected request that could change state, that nothing changed; around
// a change, that it shows as exactly that change.
func (s *stepRunner) runRequest(ctx context.Context, st Step) *Failure {
	o, err := s.build(st.Request)
	if err != nil {
		f := &Failure{}
		f.add(s.runner, setupRule, "the scenario is broken: "+err.Error())
		return f.orNil()
	}
	f := &Failure{Curl: s.client.curl(o)}
	want := expectedStatus(st.Expect)
	rejected := want >= 400 && want < 500 && !s.readOnly(o)
	ch := s.apiChange(o, want)
	var before *snapshot
	if rejected || ch != nil {
		var sf *Failure
		if before, sf = s.stateBefore(ctx, "before the request"); sf != nil {
			f.merge(sf)
			return f
		}
	}
	ans, err := s.send(ctx, o, f.Curl)
	if err != nil {
		f.add(s.runner, docsRule, err.Error())
		return f
	}
	action := o.Query.Get("action")
	f.Answer = s.hints.answer(o, ans)
	if ans.Status != want {
		f.add(s.runner, st.Rule, fmt.Sprintf("status: expected %d, got %d", want, ans.Status))
	}
	problems := s.validate(ctx, o, action, ans)
	f.Problems = problems
	for _, p := range problems {
		f.add(s.runner, problemRule(ans.Status, p), "contract: "+p.String())
	}
	doc, jerr := decodeJSON(ans.Body)
	if jerr == nil && len(problems) == 0 {
		s.cov.add(o.Method, o.Path, action, ans.Status)
		if ans.Status == http.StatusOK {
			for _, fd := range invariants(o, action, doc) {
				f.add(s.runner, fd.Rule, fd.Message)
			}
		}
	}
	if ans.Status == want && len(f.Findings) == 0 {
		if jerr != nil {
			f.add(s.runner, problemRule(ans.Status, contract.Problem{Kind: contract.Malformed}), "the answer is not JSON: "+jerr.Error())
		} else {
			s.expect(st.Rule, st.Expect, doc, f)
			s.learnLink(o, action, doc)
		}
	}
	if before != nil && len(f.Findings) == 0 {
		s.checkAfter(ctx, f, before, ch, func(after *snapshot) {
			if rejected {
				if d := before.diff(after); len(d) > 0 {
					f.add(s.runner, decision(decRejected), fmt.Sprintf("the request was rejected with %d but changed the state (describe and history before and after differ)", ans.Status))
					f.Diff = append(f.Diff, d...)
				}
			}
		})
	}
	return f.orNil()
}

// stateBefore is the state before a step: what the previous step read when it was done, if it
// was the last thing sent, else a new snapshot.
func (s *stepRunner) stateBefore(ctx context.Context, when string) (*snapshot, *Failure) {
	if s.prev != nil {
		return s.prev, nil
	}
	return s.snapshot(ctx, when)
}

// checkAfter reads the state after a step, checks its invariants and, for a change, that it
// shows as exactly that change; more runs further checks on the state after.
func (s *stepRunner) checkAfter(ctx context.Context, f *Failure, before *snapshot, ch *change, more func(after *snapshot)) {
	after, sf := s.snapshot(ctx, "after the step")
	if sf != nil {
		f.merge(sf)
		return
	}
	s.last = after
	if ch != nil {
		s.verifyChange(f, before, after, ch)
	}
	if more != nil {
		more(after)
	}
	for _, fd := range s.stateInvariants(after) {
		f.add(s.runner, fd.Rule, fd.Message)
	}
}

// orNil returns the failure when it found something, else nil.
func (f *Failure) orNil() *Failure {
	if len(f.Findings) == 0 {
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

// expect compares a decoded answer with a step's expectations and captures its variables. The
// findings break the step's rule.
func (s *stepRunner) expect(rule Rule, e Expect, doc any, f *Failure) {
	broken := func(msg string) { f.add(s.runner, setupRule, "the scenario is broken: "+msg) }
	if e.HasBody {
		want, err := s.vars.expandValue(e.Body)
		if err != nil {
			broken("expect.body: " + err.Error())
			return
		}
		if d := compareJSON(want, doc, !e.Exact, e.Ignore); !d.empty() {
			mode := "a superset of"
			if e.Exact {
				mode = "exactly"
			}
			f.add(s.runner, rule, fmt.Sprintf("body: expected %s %s; differs at %s", mode, show(want), d.where()))
			f.Diff = append(f.Diff, d.Text)
		}
	}
	for _, p := range sortedKeys(e.Len) {
		wantS, err := s.vars.expand(e.Len[p])
		if err != nil {
			broken("expect.len: " + err.Error())
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(wantS))
		if err != nil {
			broken(fmt.Sprintf("expect.len %s: %q is not an integer", p, wantS))
			continue
		}
		v, ok := lookup(doc, p)
		arr, isArr := v.([]any)
		switch {
		case !ok:
			f.add(s.runner, rule, fmt.Sprintf("body %s: expected an array of %d, got nothing", p, n))
		case !isArr:
			f.add(s.runner, rule, fmt.Sprintf("body %s: expected an array of %d, got %s", p, n, show(v)))
		case len(arr) != n:
			f.add(s.runner, rule, fmt.Sprintf("body %s: expected an array of %d, got %s", p, n, plural.Count(len(arr), "element")))
		}
	}
	for _, p := range sortedKeys(e.Each) {
		want, err := s.vars.expandValue(e.Each[p])
		if err != nil {
			broken("expect.each: " + err.Error())
			continue
		}
		v, _ := lookup(doc, p)
		arr, ok := v.([]any)
		if !ok {
			f.add(s.runner, rule, fmt.Sprintf("body %s: expected an array, got %s", p, show(v)))
			continue
		}
		for i, el := range arr {
			if d := compareJSON(want, el, true, nil); !d.empty() {
				at := fmt.Sprintf("%s/%d", p, i)
				f.add(s.runner, rule, fmt.Sprintf("body %s: expected to contain %s; differs at %s", at, show(want), prefixPointers(at, d.Pointers)))
				f.Diff = append(f.Diff, at+":\n"+d.Text)
			}
		}
	}
	for _, p := range sortedKeys(e.At) {
		want, err := s.vars.expandValue(e.At[p])
		if err != nil {
			broken("expect.at: " + err.Error())
			continue
		}
		v, ok := lookup(doc, p)
		if !ok {
			f.add(s.runner, rule, fmt.Sprintf("body %s: expected %s, got nothing", p, show(want)))
			continue
		}
		if d := compareJSON(want, v, true, nil); !d.empty() {
			f.add(s.runner, rule, fmt.Sprintf("body %s: expected to contain %s; differs at %s", p, show(want), prefixPointers(p, d.Pointers)))
			f.Diff = append(f.Diff, p+":\n"+d.Text)
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
			f.add(s.runner, rule, fmt.Sprintf("capture %s: the answer has nothing at %s", name, inner))
			continue
		}
		if isLen {
			arr, ok := v.([]any)
			if !ok {
				f.add(s.runner, rule, fmt.Sprintf("capture %s: expected an array at %s, got %s", name, inner, show(v)))
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

// stateCall is a state step with its templates expanded.
type stateCall struct {
	op   string
	link string
	body any // nil when the step has none
}

// paymentExp is the card expiry the step gives ("" for the implementation's default).
func (c stateCall) paymentExp() string {
	m, _ := c.body.(map[string]any)
	exp, _ := m["payment_exp"].(string)
	return exp
}

// advanceBy is the duration an advance_clock step gives.
func (c stateCall) advanceBy() (time.Duration, error) {
	m, _ := c.body.(map[string]any)
	raw, _ := m["by"].(string)
	d, err := time.ParseDuration(raw)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("advance_clock: by %q is not a positive Go duration (744h)", raw)
	}
	return d, nil
}

// runState performs a state step through the source of its capability (a Go hook, the -hook
// command or the test-support protocol), with the state checks around it: a checkout, a card
// update or a decline shows as exactly that change.
func (s *stepRunner) runState(ctx context.Context, st Step) *Failure {
	c := st.Control
	call := stateCall{op: c.Op}
	f := &Failure{}
	var err error
	if c.Link != "" {
		if call.link, err = s.vars.expand(c.Link); err != nil {
			f.add(s.runner, setupRule, "the scenario is broken: link: "+err.Error())
			return f
		}
	}
	if c.HasBody {
		if call.body, err = s.vars.expandValue(c.Body); err != nil {
			f.add(s.runner, setupRule, "the scenario is broken: body: "+err.Error())
			return f
		}
	}
	var by time.Duration
	if c.Op == ControlAdvanceClock {
		if by, err = call.advanceBy(); err != nil {
			f.add(s.runner, setupRule, "the scenario is broken: "+err.Error())
			return f
		}
	}
	ch := s.stateChange(call)
	var before *snapshot
	if ch != nil {
		var sf *Failure
		if before, sf = s.stateBefore(ctx, "before the state step"); sf != nil {
			f.merge(sf)
			return f
		}
	}
	s.perform(ctx, st.Expect, call, by, f)
	if len(f.Findings) > 0 {
		return f
	}
	if c.Op == ControlAdvanceClock {
		s.advanceDay(by) // time moved for every organization: no change to compare, the invariants hold
	}
	if ch != nil || c.Op == ControlAdvanceClock {
		s.checkAfter(ctx, f, before, ch, nil)
	}
	return f.orNil()
}

// perform performs a state step through the source of its capability: a Go hook, the -hook
// command or the test-support protocol (whose answer must be expect's status and body).
func (s *stepRunner) perform(ctx context.Context, expect Expect, call stateCall, by time.Duration, f *Failure) {
	switch s.caps[controlCalls[call.op].needs] {
	case "go":
		if err := s.goHook(ctx, call, by); err != nil {
			f.add(s.runner, setupRule, fmt.Sprintf("%s (Options.Hooks): %v", call.op, err))
		}
	case "hook":
		ev := s.hookEvent(call, by)
		f.Curl = s.hook.reproduce(ev)
		if _, err := s.hook.run(ctx, ev); err != nil {
			f.add(s.runner, setupRule, err.Error())
		}
	default:
		s.httpState(ctx, expect, call, f)
	}
}

// goHook calls the Go hook of a state step.
func (s *stepRunner) goHook(ctx context.Context, call stateCall, by time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, s.client.timeout)
	defer cancel()
	h := s.opts.Hooks
	switch call.op {
	case ControlCompleteCheckout:
		return h.CompleteCheckout(ctx, call.link, call.paymentExp())
	case ControlDeclineCheckout:
		return h.DeclineCheckout(ctx, call.link)
	case ControlCompleteCardUpdate:
		return h.CompleteCardUpdate(ctx, call.link, call.paymentExp())
	case ControlDeclineCardUpdate:
		return h.DeclineCardUpdate(ctx, call.link)
	case ControlReset:
		return h.Reset(ctx)
	case ControlAdvanceClock:
		return h.AdvanceClock(ctx, by)
	}
	return fmt.Errorf("no Go hook performs %s", call.op)
}

// hookEvent is the -hook event of a state step.
func (s *stepRunner) hookEvent(call stateCall, by time.Duration) hookEvent {
	ev := hookEvent{Event: controlCalls[call.op].needs, Link: call.link, PaymentExp: call.paymentExp()}
	if by > 0 {
		ev.By, ev.Seconds = by.String(), int64(by/time.Second)
	}
	return ev
}

// httpState performs a state step through the test-support protocol and checks its answer.
func (s *stepRunner) httpState(ctx context.Context, expect Expect, call stateCall, f *Failure) {
	cc := controlCalls[call.op]
	o := &outgoing{Method: cc.method, Path: cc.path, Header: http.Header{}}
	if cc.link {
		id, err := linkID(call.link)
		if err != nil {
			f.add(s.runner, setupRule, err.Error())
			return
		}
		o.Path = fmt.Sprintf(o.Path, url.PathEscape(id))
	}
	if call.body != nil {
		body, err := jsonBody(call.body)
		if err != nil {
			f.add(s.runner, setupRule, err.Error())
			return
		}
		o.Body = body
		o.Header.Set("Content-Type", "application/json")
	}
	f.Curl = s.client.curl(o)
	ans, err := s.send(ctx, o, f.Curl)
	if err != nil {
		f.add(s.runner, setupRule, "control "+call.op+": "+err.Error())
		return
	}
	f.Answer = s.hints.answer(o, ans)
	want := expect.Status
	if want == 0 {
		want = cc.status
	}
	if ans.Status != want {
		f.add(s.runner, setupRule, fmt.Sprintf("control %s: status: expected %d, got %d", call.op, want, ans.Status))
		return
	}
	doc, err := decodeJSON(ans.Body)
	if err != nil {
		f.add(s.runner, setupRule, "control "+call.op+": the answer is not JSON: "+err.Error())
		return
	}
	s.expect(setupRule, expect, doc, f)
}

// learnLink remembers what a link answered by getpaymentlink or getupdatecardlink is for.
func (s *stepRunner) learnLink(o *outgoing, action string, doc any) {
	if action != "getpaymentlink" && action != "getupdatecardlink" {
		return
	}
	link, _ := lookup(doc, "/response")
	if l, ok := link.(string); ok {
		q, _ := quantityOf(o)
		s.links[l] = linkInfo{checkout: action == "getpaymentlink", org: orgOf(o), quantity: q}
	}
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

// quantityOf returns the quantity a request names, in the query string or the JSON body.
func quantityOf(o *outgoing) (int, bool) {
	if v := o.Query.Get("quantity"); v != "" {
		n, err := strconv.Atoi(v)
		return n, err == nil
	}
	var body struct {
		Quantity *int `json:"quantity"`
	}
	if len(o.Body) > 0 && json.Unmarshal(o.Body, &body) == nil && body.Quantity != nil {
		return *body.Quantity, true
	}
	return 0, false
}
