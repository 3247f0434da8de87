package contracttest

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// updatePath is the path of the four actions that change billing.
const updatePath = "/v1/organizations/billing/update"

// change is what a successful step must change, by the contract's rules (decision D20): one
// organization, in one way; nothing else anywhere.
type change struct {
	org  string
	kind changeKind
	// quantity is the new quantity (update) or the one asked for (checkout).
	quantity int
	// paymentExp is the card expiry a checkout or card update gave ("" for the default).
	paymentExp string
	// what names the change in messages: "updatesubscription of org_acme to 4".
	what string
}

type changeKind int

const (
	// changesNothing: a link handed out (pending until completed), a declined link.
	changesNothing changeKind = iota
	changeQuantity
	changeCancel
	changeCheckout
	changeCard
)

// apiChange is the change a request must make when it succeeds as the step expects (2xx), or nil
// when the step changes nothing the runner can predict.
func (s *stepRunner) apiChange(o *outgoing, want int) *change {
	if o.Method != http.MethodPost || o.Path != updatePath || want < 200 || want >= 300 {
		return nil
	}
	org := orgOf(o)
	if org == "" {
		return nil
	}
	action := o.Query.Get("action")
	switch action {
	case "updatesubscription":
		q, ok := quantityOf(o)
		if !ok {
			return nil
		}
		return &change{org: org, kind: changeQuantity, quantity: q, what: fmt.Sprintf("updatesubscription of %s to %d", org, q)}
	case "cancelsubscription":
		return &change{org: org, kind: changeCancel, what: "cancelsubscription of " + org}
	case "getpaymentlink", "getupdatecardlink":
		return &change{org: org, kind: changesNothing, what: action + " for " + org + " (a link changes nothing until it is completed)"}
	}
	return nil
}

// stateChange is the change a state step must make, or nil (a reset, the clock, fault rules, a
// link no step of the scenario answered).
func (s *stepRunner) stateChange(c stateCall) *change {
	l, known := s.links[c.link]
	if !known {
		return nil
	}
	switch c.op {
	case ControlCompleteCheckout:
		if l.checkout {
			return &change{org: l.org, kind: changeCheckout, quantity: l.quantity, paymentExp: c.paymentExp(), what: fmt.Sprintf("paying the checkout of %s for %d", l.org, l.quantity)}
		}
	case ControlCompleteCardUpdate:
		if !l.checkout {
			return &change{org: l.org, kind: changeCard, paymentExp: c.paymentExp(), what: "saving a card for " + l.org}
		}
	case ControlDeclineCheckout, ControlDeclineCardUpdate:
		return &change{org: l.org, kind: changesNothing, what: c.op + " for " + l.org}
	}
	return nil
}

// verifyChange checks that the state after a step differs from the state before by exactly the
// change: the other organizations are as they were, the organization's describe changed as the
// change says, and its history gained exactly the one new invoice the change makes, first.
func (s *stepRunner) verifyChange(f *Failure, before, after *snapshot, ch *change) {
	effects := decision(decEffects)
	for _, org := range before.orgs {
		if org == ch.org {
			continue
		}
		if d := viewDiffs(org, before.views[org], after.views[org]); len(d) > 0 {
			f.add(s.runner, effects, fmt.Sprintf("%s changed %s, another organization (- before, + after)", ch.what, org))
			f.Diff = append(f.Diff, d...)
		}
	}
	b, a := before.views[ch.org], after.views[ch.org]
	if b == nil || a == nil {
		return // not a role's organization: the other organizations were checked
	}
	want, ok := expectedDescribe(b, a, ch)
	if !ok {
		return // the change cannot apply to this state (a step of the scenario expects otherwise)
	}
	if d := compareJSON(want, a.describe, false, []string{"/response/subscription/status"}); !d.empty() {
		f.add(s.runner, effects, fmt.Sprintf("describe %s after %s: expected exactly that change; differs at %s", ch.org, ch.what, d.where()))
		f.Diff = append(f.Diff, fmt.Sprintf("describe %s (- expected, + got):\n%s", ch.org, d.Text))
	}
	if ch.kind == changeCancel {
		delete(s.units, ch.org) // a new subscription may be on another plan
	}
	oldQty, _ := strconv.Atoi(str(b.subscription()["quantity"]))
	makesInvoice := ch.kind == changeCheckout || ch.kind == changeQuantity && ch.quantity != oldQty
	if !makesInvoice {
		if d := compareJSON(b.history, a.history, false, nil); !d.empty() {
			f.add(s.runner, effects, fmt.Sprintf("history %s after %s: expected no change; differs at %s", ch.org, ch.what, d.where()))
			f.Diff = append(f.Diff, fmt.Sprintf("history %s (- before, + after):\n%s", ch.org, d.Text))
		}
		return
	}
	s.verifyNewInvoice(f, b, a, ch, oldQty)
}

// expectedDescribe is the describe answer the change must leave, from the one before it: false
// when the change cannot apply to that state.
func expectedDescribe(b, a *orgView, ch *change) (any, bool) {
	want := cloneJSON(b.describe)
	resp, _ := lookup(want, "/response")
	r, _ := resp.(map[string]any)
	old := b.subscription()
	got := a.subscription()
	switch ch.kind {
	case changeQuantity:
		if old == nil {
			return nil, false
		}
		r["subscription"].(map[string]any)["quantity"] = strconv.Itoa(ch.quantity)
	case changeCancel:
		if old == nil {
			return nil, false
		}
		r["subscription"] = nil
	case changeCheckout:
		if old != nil {
			return nil, false
		}
		sub := map[string]any{"quantity": strconv.Itoa(ch.quantity), "payment_exp": ch.paymentExp, "plan": got["plan"]}
		if got != nil {
			if ch.paymentExp == "" {
				sub["payment_exp"] = got["payment_exp"]
			}
			if st, ok := got["status"]; ok {
				sub["status"] = st
			}
		}
		r["subscription"] = sub
	case changeCard:
		if old == nil {
			return nil, false
		}
		exp := ch.paymentExp
		if exp == "" && got != nil {
			exp = str(got["payment_exp"])
		}
		r["subscription"].(map[string]any)["payment_exp"] = exp
	}
	return want, true
}

// verifyNewInvoice checks the history after a change that makes an invoice: exactly one new id,
// first in the list, the invoices that were there unchanged and in their order, and the new
// invoice dated and due the day it is made, for the amount the change says. It learns the
// target's billing day and the plan's unit price from it.
func (s *stepRunner) verifyNewInvoice(f *Failure, b, a *orgView, ch *change, oldQty int) {
	effects := decision(decEffects)
	had := map[string]bool{}
	for _, inv := range b.invoices() {
		had[str(inv["id"])] = true
	}
	list := a.invoices()
	var fresh []int
	for i, inv := range list {
		if !had[str(inv["id"])] {
			fresh = append(fresh, i)
		}
	}
	if len(fresh) != 1 {
		ids := make([]string, len(fresh))
		for i, j := range fresh {
			ids[i] = str(list[j]["id"])
		}
		got := "none"
		if len(ids) > 0 {
			got = fmt.Sprintf("%d: %s", len(ids), strings.Join(ids, ", "))
		}
		f.add(s.runner, effects, fmt.Sprintf("history %s after %s: expected exactly one new invoice, got %s", ch.org, ch.what, got))
		return
	}
	at, inv := fresh[0], list[fresh[0]]
	id := str(inv["id"])
	if at != 0 {
		f.add(s.runner, decision(decHistoryOrder), fmt.Sprintf("history %s after %s: the new invoice %s is at /billing_history/%d, expected first (newest first: it is the most recently created)", ch.org, ch.what, id, at))
	}
	rest := slices.Delete(slices.Clone(list), at, at+1)
	if d := compareJSON(anyList(b.invoices()), anyList(rest), false, nil); !d.empty() {
		f.add(s.runner, effects, fmt.Sprintf("history %s after %s: the invoices that were there changed; differs at %s", ch.org, ch.what, d.where()))
		f.Diff = append(f.Diff, fmt.Sprintf("history %s without %s (- before, + after):\n%s", ch.org, id, d.Text))
	}
	date, due := str(inv["date"]), str(inv["due_date"])
	if date != due {
		f.add(s.runner, effects, fmt.Sprintf("the new invoice %s: date %s, due_date %s: expected dated and due the day it is made", id, date, due))
	}
	s.day, s.dayExact = date, true
	cents, ok := parseCents(str(inv["amount"]))
	if !ok {
		return // the schema check says what is wrong with it
	}
	delta := ch.quantity - oldQty
	if ch.kind == changeCheckout {
		delta = ch.quantity
		if st := str(inv["status"]); st != "paid" {
			f.add(s.runner, effects, fmt.Sprintf("the new invoice %s of %s: status %s, expected paid (the checkout was paid)", id, ch.what, st))
		}
	}
	switch {
	case delta > 0 && cents <= 0:
		f.add(s.runner, effects, fmt.Sprintf("the new invoice %s of %s: amount %s, expected a charge (positive) for %d more instances", id, ch.what, inv["amount"], delta))
	case delta < 0 && cents >= 0:
		f.add(s.runner, decision(decAmount), fmt.Sprintf("the new invoice %s of %s: amount %s, expected a credit (negative) for %d fewer instances", id, ch.what, inv["amount"], -delta))
	case cents%int64(delta) != 0:
		f.add(s.runner, effects, fmt.Sprintf("the new invoice %s of %s: amount %s is not %d × a unit price", id, ch.what, inv["amount"], delta))
	default:
		unit := cents / int64(delta)
		if known, ok := s.units[ch.org]; ok && ch.kind == changeQuantity && known != unit {
			f.add(s.runner, effects, fmt.Sprintf("the new invoice %s of %s: amount %s, expected %d × the unit price %s = %s", id, ch.what, inv["amount"], delta, formatCents(known), formatCents(known*int64(delta))))
		}
		s.units[ch.org] = unit
	}
}

// stateInvariants are the rules a whole snapshot keeps: invoice ids unique across the
// organizations, and subscription.status following the due dates.
func (s *stepRunner) stateInvariants(snap *snapshot) []Finding {
	var out []Finding
	owner := map[string]string{}
	for _, org := range snap.orgs {
		for _, inv := range snap.views[org].invoices() {
			id := str(inv["id"])
			if other, dup := owner[id]; dup && other != org {
				out = append(out, Finding{decision(decInvoiceIDs), fmt.Sprintf("invoice id %s is in the history of %s and of %s: ids are unique across organizations", id, other, org)})
			}
			owner[id] = org
		}
	}
	for _, org := range snap.orgs {
		out = append(out, s.pastDue(org, snap.views[org])...)
	}
	return out
}

// pastDue checks subscription.status, when present, against the history: past_due exactly when
// an unpaid charge (a positive amount) is due on or before today. The runner never knows today
// for certain: it is no earlier than the newest invoice's date (no invoice is dated later than
// its day) and than the day a change showed, plus what the clock advanced since; and, right
// after a change showed it, no later than the day after.
func (s *stepRunner) pastDue(org string, v *orgView) []Finding {
	sub := v.subscription()
	status, present := sub["status"].(string)
	if sub == nil || !present {
		return nil
	}
	earliest := s.day
	for _, inv := range v.invoices() {
		earliest = max(earliest, str(inv["date"]))
	}
	latest := ""
	if s.dayExact {
		latest = addDays(s.day, 1)
	}
	var dueBy, unpaid []string // unpaid charges due by the earliest possible today; all unpaid charges
	var dueByLatest bool
	for _, inv := range v.invoices() {
		cents, ok := parseCents(str(inv["amount"]))
		if inv["status"] != "unpaid" || !ok || cents <= 0 {
			continue
		}
		unpaid = append(unpaid, str(inv["id"]))
		due := str(inv["due_date"])
		if due <= earliest {
			dueBy = append(dueBy, fmt.Sprintf("%s (due %s)", inv["id"], due))
		}
		if latest == "" || due <= latest {
			dueByLatest = true
		}
	}
	rule := decision(decPastDue)
	switch {
	case status == "active" && len(dueBy) > 0:
		return []Finding{{rule, fmt.Sprintf("describe %s: subscription.status active, expected past_due: the unpaid %s is due, and today is %s or later", org, strings.Join(dueBy, ", "), earliest)}}
	case status == "past_due" && len(unpaid) == 0:
		return []Finding{{rule, fmt.Sprintf("describe %s: subscription.status past_due, expected active: the history has no unpaid charge", org)}}
	case status == "past_due" && !dueByLatest:
		return []Finding{{rule, fmt.Sprintf("describe %s: subscription.status past_due, expected active: no unpaid charge (%s) is due by %s, and today is %s at the latest", org, strings.Join(unpaid, ", "), latest, latest)}}
	}
	return nil
}

// advanceDay moves the day the target's clock is known not to precede by a clock advance.
func (s *stepRunner) advanceDay(by time.Duration) {
	if s.day != "" {
		s.day = addDays(s.day, int(by/(24*time.Hour)))
	}
	s.dayExact = false
}

// addDays adds n days to a YYYY-MM-DD date ("" stays "").
func addDays(date string, n int) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

// parseCents reads an amount ("36.00", "-12.00") as cents.
func parseCents(amount string) (int64, bool) {
	neg := strings.HasPrefix(amount, "-")
	whole, frac, ok := strings.Cut(strings.TrimPrefix(amount, "-"), ".")
	if !ok || len(frac) != 2 {
		return 0, false
	}
	w, err1 := strconv.ParseInt(whole, 10, 64)
	c, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || c < 0 {
		return 0, false
	}
	v := w*100 + c
	if neg {
		v = -v
	}
	return v, true
}

// formatCents writes cents as an amount ("-12.00").
func formatCents(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

// str is a JSON value as a string ("" when it is not one).
func str(v any) string {
	s, _ := v.(string)
	return s
}

func anyList(list []map[string]any) []any {
	out := make([]any, len(list))
	for i, m := range list {
		out[i] = m
	}
	return out
}

// cloneJSON copies a decoded JSON value deeply.
func cloneJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := maps.Clone(x)
		for k, e := range out {
			out[k] = cloneJSON(e)
		}
		return out
	case []any:
		out := slices.Clone(x)
		for i, e := range out {
			out[i] = cloneJSON(e)
		}
		return out
	}
	return v
}
