package contracttest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/cloudplans/billing-mock/contracttest/internal/model"
	"github.com/cloudplans/billing-mock/mock/fixture"
	"github.com/cloudplans/billing-mock/mock/state"
)

// observedMember is the member's user id in a model started from observed state: no answer shows
// the target's.
const observedMember = "contracttest-member"

// endOfSequence names the reads of every organization at the end of a sequence.
const endOfSequence = "(the state at the end of the sequence)"

// lockstep runs one sequence against the target and the model, step by step.
type lockstep struct {
	*explorer
	s   *stepRunner
	m   *model.Model
	l   *ledger
	out *outcome
}

// run runs one sequence in its own session (when the target isolates) and returns what it showed:
// the first divergence, after which it stops.
func (e *explorer) run(ctx context.Context, session string, seq []xstep) *outcome {
	out := &outcome{seq: seq, answers: make([]stepAnswer, len(seq))}
	s := e.sequenceRunner(session)
	if f := s.resetState(ctx); f != nil {
		out.div = &divergence{index: -1, name: "(reset before the sequence)", failure: *f}
		return out
	}
	seed := e.seed
	if seed == nil {
		var f *Failure
		if seed, f = e.observeSeed(ctx, s); f != nil {
			out.div = &divergence{index: -1, name: "(read the state the model starts from)", failure: *f}
			return out
		}
	}
	x := &lockstep{explorer: e, s: s, m: model.New(seed, e.validator), l: newLedger(e.opts.ModelStrict, seed), out: out}
	out.model = x.m
	out.start = map[string]bool{}
	for _, o := range seed.Organizations {
		for _, inv := range o.Invoices {
			out.start[inv.ID] = true
		}
	}
	for i, st := range seq {
		if ctx.Err() != nil {
			return out
		}
		out.steps++
		if d := x.step(ctx, i, st); d != nil {
			out.div = d
			return out
		}
	}
	if d := x.observe(ctx, len(seq)-1, endOfSequence, exploreOrgs[:3], true); d != nil {
		out.div = d
	}
	return out
}

// step runs step i on both sides and compares; then, after a step that may change state, it reads
// the organizations it may have changed on both sides and compares them too.
func (x *lockstep) step(ctx context.Context, i int, st xstep) *divergence {
	name := st.name(i)
	if st.in == nil {
		return x.stateStep(ctx, i, st, name)
	}
	o, err := x.s.build(st.in.request())
	if err != nil { // unreachable: the generator writes only known variables
		return setupDivergence(i, name, "explore: "+err.Error())
	}
	want := x.m.Do(ctx, modelRequest(o), o.Body)
	x.out.answers[i] = stepAnswer{status: want.Status, code: want.Code, performed: true, answer: want}
	ans, err := x.s.client.do(ctx, o)
	x.out.requests++
	if err != nil {
		f := Failure{Curl: x.s.client.curl(o)}
		f.add(x.runner, docsRule, fmt.Sprintf("the model answers %d, the target did not answer: %v", want.Status, err))
		return &divergence{index: i, name: name, failure: f}
	}
	c := &comparison{}
	org := x.s.vars[st.in.org]
	x.l.compareAnswer(c, o.Query.Get("action"), org, want, ans)
	if len(c.found) > 0 {
		return x.diverged(i, name, c, o, ans, "", "")
	}
	if want.Link != "" {
		doc, _ := decodeJSON(ans.Body)
		link, _ := lookup(doc, "/response")
		x.s.vars[linkVar(i)] = fmt.Sprint(link)
	}
	if exploreActions[st.in.action].write && st.in.org != "unknown_org" {
		return x.observe(ctx, i, name, []string{st.in.org}, want.Status == http.StatusOK)
	}
	return nil
}

// linkVar is the variable that holds the link step i answered.
func linkVar(i int) string { return "link" + strconv.Itoa(i+1) }

// stateStep performs a state step on both sides: only when the model can (an open link, a valid
// card), else on neither, so that both sides stay in step; then it compares the organizations it
// may have changed.
func (x *lockstep) stateStep(ctx context.Context, i int, st xstep, name string) *divergence {
	call := stateCall{op: st.op}
	var orgs []string
	var err error
	switch st.op {
	case ControlAdvanceClock:
		call.body = map[string]any{"by": st.by.String()}
		err = x.m.AdvanceBy(st.by)
		orgs = exploreOrgs[:3]
	default:
		from := x.out.answers[st.linkFrom]
		if from.answer.Link == "" {
			return nil // its link step was refused: there is no link
		}
		call.link = x.s.vars[linkVar(st.linkFrom)]
		if st.paymentExp != "" {
			call.body = map[string]any{"payment_exp": st.paymentExp}
		}
		switch st.op {
		case ControlCompleteCheckout:
			err = x.m.CompleteCheckout(from.answer.Link, st.paymentExp)
		case ControlDeclineCheckout:
			err = x.m.DeclineCheckout(from.answer.Link)
		case ControlCompleteCardUpdate:
			err = x.m.CompleteCardUpdate(from.answer.Link, st.paymentExp)
		case ControlDeclineCardUpdate:
			err = x.m.DeclineCardUpdate(from.answer.Link)
		}
		org := x.out.seq[st.linkFrom].in.org
		orgs = []string{org}
		if err == nil && (st.op == ControlCompleteCheckout || st.op == ControlCompleteCardUpdate) {
			x.l.defaultCard[x.s.vars[org]] = st.paymentExp == ""
		}
	}
	if err != nil {
		return nil // the model cannot perform it (a used or expired link, an expired card): skipped
	}
	x.out.answers[i] = stepAnswer{status: http.StatusOK, performed: true}
	f := &Failure{}
	x.s.perform(ctx, Expect{}, call, st.by, f)
	x.out.requests++
	if len(f.Findings) > 0 {
		f.Messages = append([]string{"the model performs this state step, the target does not"}, f.Messages...)
		f.Findings = append([]Finding{{Rule: docsRule, Message: f.Messages[0]}}, f.Findings...)
		return &divergence{index: i, name: name, failure: *f}
	}
	return x.observe(ctx, i, name, orgs, true)
}

// observe reads describe and, with history, history of organizations (their variables) on both
// sides, each as its owner, and compares them: the reads after step i. After a write the model
// refused, describe alone is read: a change it should not have made that shows only in the
// history shows in the next history read, at the latest at the end of the sequence.
func (x *lockstep) observe(ctx context.Context, i int, name string, orgs []string, history bool) *divergence {
	for _, v := range orgs {
		org := x.s.vars[v]
		d, h, err := x.m.View(org)
		if err != nil { // unreachable: the roles' organizations are in the model
			return setupDivergence(i, name, "explore: the model cannot read "+org+": "+err.Error())
		}
		for _, read := range []struct {
			action string
			want   model.Answer
		}{
			{describeAction, model.Answer{Status: http.StatusOK, Describe: &d}},
			{historyAction, model.Answer{Status: http.StatusOK, History: h}},
		} {
			if read.action == historyAction && !history {
				continue
			}
			o, err := x.s.build(ownerRead(v, read.action))
			if err != nil {
				return setupDivergence(i, name, "explore: "+err.Error())
			}
			ans, err := x.s.client.do(ctx, o)
			x.out.requests++
			if err != nil {
				f := Failure{Curl: x.s.client.curl(o)}
				f.add(x.runner, docsRule, fmt.Sprintf("the read of %s after the step did not answer: %v", org, err))
				return &divergence{index: i, name: name, failure: f, observed: v, read: read.action}
			}
			c := &comparison{}
			x.l.compareAnswer(c, read.action, org, read.want, ans)
			if len(c.found) > 0 {
				return x.diverged(i, name, c, o, ans, v, read.action)
			}
		}
	}
	return nil
}

// diverged is the divergence of a compared answer: its findings, the diff, the curl command of
// the request o that got it.
func (x *lockstep) diverged(i int, name string, c *comparison, o *outgoing, ans *answer, observed, read string) *divergence {
	f := Failure{Curl: x.s.client.curl(o)}
	when := "after this step"
	if i == len(x.out.seq)-1 && name == endOfSequence {
		when = "at the end of the sequence"
	}
	for _, m := range c.found {
		msg := m.msg
		if observed != "" {
			msg = fmt.Sprintf("%s, %s of %s as its owner: %s", when, read, x.s.vars[observed], msg)
		}
		f.add(x.runner, m.rule, msg)
	}
	if len(f.Findings) == 0 { // every finding was a decision left out by -level docs
		return nil
	}
	f.Diff = c.diff
	f.Answer = x.s.hints.answer(o, ans)
	return &divergence{index: i, name: name, failure: f, observed: observed, read: read}
}

func setupDivergence(i int, name, msg string) *divergence {
	f := Failure{}
	f.add(nil, setupRule, msg)
	return &divergence{index: i, name: name, failure: f}
}

// ownerRead is describe or history of an organization (its variable) as its owner.
func ownerRead(org, action string) *Request {
	token := "{{token}}"
	if org == "outsider_org" {
		token = "{{outsider_token}}"
	}
	path := describePath
	if action == historyAction {
		path = historyPath
	}
	return &Request{Method: http.MethodGet, Path: path, Query: map[string][]string{"action": {action}, "org_id": {"{{" + org + "}}"}}, Auth: token}
}

// modelRequest is the request the model answers: the same method, path, query, headers and body.
func modelRequest(o *outgoing) *http.Request {
	r, _ := http.NewRequest(o.Method, "http://model"+o.Path, bytes.NewReader(o.Body)) // a valid URL
	r.URL.RawQuery = o.Query.Encode()
	r.Header = o.Header.Clone()
	return r
}

// observeSeed builds the model's start from the target's state: describe and history of the roles'
// organizations, each as its owner. What no answer shows is assumed: the member's user id, plan
// prices (one unit each; amounts are compared only with -model-strict), the default plan (the
// first subscription shows it), a subscription's renewal a period after its newest invoice, and
// the clock (ExploreOptions.Clock, else the Date header of the first answer).
func (e *explorer) observeSeed(ctx context.Context, s *stepRunner) (*fixture.Seed, *Failure) {
	seed := &fixture.Seed{Clock: e.opts.Clock}
	if seed.Clock.IsZero() {
		if o, err := s.build(ownerRead("org", describeAction)); err == nil {
			if ans, err := s.client.do(ctx, o); err == nil {
				seed.Clock, _ = http.ParseTime(ans.Header.Get("Date"))
			}
		}
	}
	plans := map[string]bool{}
	for _, v := range exploreOrgs[:3] {
		var docs [2]any
		for k, action := range []string{describeAction, historyAction} {
			o, err := s.build(ownerRead(v, action))
			if err != nil {
				f := &Failure{}
				f.add(nil, setupRule, err.Error())
				return nil, f
			}
			doc, f := s.read(ctx, o, action)
			if f != nil {
				f.Messages = append([]string{"explore: the state the model starts from cannot be read"}, f.Messages...)
				return nil, f
			}
			docs[k] = doc
		}
		org := fixture.Organization{ID: s.vars[v]}
		org.Name = str(must(lookup(docs[0], "/response/organization/name")))
		org.Owner = str(must(lookup(docs[0], "/response/organization/owner")))
		if n, err := strconv.Atoi(fmt.Sprint(must(lookup(docs[0], "/response/organization/resources")))); err == nil {
			org.Resources = n
		}
		if v == "org" {
			org.Members = []string{observedMember}
		}
		list, _ := lookup(docs[1], "/billing_history")
		arr, _ := list.([]any)
		newest := ""
		for _, e := range slices.Backward(arr) {
			m, _ := e.(map[string]any)
			inv := fixture.Invoice{ID: str(m["id"]), Status: str(m["status"]), Date: str(m["date"]), DueDate: str(m["due_date"]), Amount: str(m["amount"])}
			org.Invoices = append(org.Invoices, inv)
			if sign(inv.Amount) == "charge" && inv.Date > newest {
				newest = inv.Date
			}
		}
		if sub, _ := lookup(docs[0], "/response/subscription"); sub != nil {
			m, _ := sub.(map[string]any)
			q, _ := strconv.Atoi(str(m["quantity"]))
			plan := str(m["plan"])
			plans[plan] = true
			org.Subscription = &fixture.Subscription{Plan: plan, Quantity: q, PaymentExp: str(m["payment_exp"]), RenewsAt: renewal(newest)}
		}
		seed.Organizations = append(seed.Organizations, org)
	}
	if seed.Clock.IsZero() {
		seed.Clock = time.Now().UTC()
	}
	seed.Clock = seed.Clock.UTC()
	for i := range seed.Organizations {
		if sub := seed.Organizations[i].Subscription; sub != nil {
			if sub.RenewsAt.IsZero() {
				sub.RenewsAt = state.PeriodAfter(seed.Clock)
			}
			for !sub.RenewsAt.After(seed.Clock) {
				sub.RenewsAt = state.PeriodAfter(sub.RenewsAt)
			}
		}
	}
	seed.Plans = append(seed.Plans, fixture.Plan{ID: unknownPlan, Name: unknownPlan, UnitPrice: "1.00", Default: true})
	for _, p := range sortedKeys(plans) {
		if p != unknownPlan {
			seed.Plans = append(seed.Plans, fixture.Plan{ID: p, Name: p, UnitPrice: "1.00"})
		}
	}
	owner, outsider := seed.Organizations[0].Owner, seed.Organizations[2].Owner
	seed.Users = []fixture.User{{ID: owner, Token: e.roles.Token}, {ID: observedMember, Token: e.roles.MemberToken}}
	if outsider != owner {
		seed.Users = append(seed.Users, fixture.User{ID: outsider, Token: e.roles.OutsiderToken})
	}
	return seed, nil
}

// renewal is when a subscription whose newest charge is dated newest renews: a period later.
func renewal(newest string) time.Time {
	d, err := time.Parse(time.DateOnly, newest)
	if err != nil {
		return time.Time{}
	}
	return state.PeriodAfter(d)
}

func must(v any, _ bool) any { return v }
