package contracttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/contracttest/internal/model"
	"github.com/cloudplans/billing-mock/mock/fixture"
	"github.com/cloudplans/billing-mock/mock/state"
)

// unknownPlan stands, in a model started from a target's observed state, for the plan a new
// subscription gets: the target's default plan, which no answer shows until one is subscribed.
const unknownPlan = "(the target's default plan)"

// ledger is what one sequence's comparisons learned: which target invoice is which model invoice,
// which invoices each side has shown, and the target's choices the contract leaves open.
type ledger struct {
	strict bool
	// toTarget and toModel pair each model invoice id with the target's.
	toTarget, toModel map[string]string
	// seen are the ids each side has shown of each organization; owner the organization each
	// target id was shown in.
	seenModel, seenTarget map[string]map[string]bool
	owner                 map[string]string
	// plan is the target's default plan once a subscription showed it.
	plan string
	// defaultCard: the organization's card is the one its implementation gives by default, whose
	// expiry only -model-strict compares.
	defaultCard map[string]bool
}

func newLedger(strict bool, seed *fixture.Seed) *ledger {
	l := &ledger{strict: strict, toTarget: map[string]string{}, toModel: map[string]string{},
		seenModel: map[string]map[string]bool{}, seenTarget: map[string]map[string]bool{}, owner: map[string]string{}, defaultCard: map[string]bool{}}
	for _, o := range seed.Organizations {
		l.seenModel[o.ID], l.seenTarget[o.ID] = map[string]bool{}, map[string]bool{}
		for _, inv := range o.Invoices {
			l.toTarget[inv.ID], l.toModel[inv.ID] = inv.ID, inv.ID
			l.seenModel[o.ID][inv.ID], l.seenTarget[o.ID][inv.ID] = true, true
			l.owner[inv.ID] = o.ID
		}
	}
	return l
}

// mismatch is one difference between the model's answer and the target's.
type mismatch struct {
	rule Rule
	msg  string
}

// comparison collects the mismatches of one answer and the go-cmp report of model against target.
type comparison struct {
	found []mismatch
	diff  []string
}

func (c *comparison) add(rule Rule, format string, args ...any) {
	c.found = append(c.found, mismatch{rule, fmt.Sprintf(format, args...)})
}

// view adds a go-cmp report of what the model and the target show of one thing.
func (c *comparison) view(what string, modelView, targetView any) {
	if d := cmp.Diff(modelView, targetView); d != "" {
		c.diff = append(c.diff, what+" (- model, + target):\n"+d)
	}
}

// compareAnswer compares a target's answer with the model's: the status, the envelope, the error
// code (and a 405's Allow), and a 200 of describe or history in full (compareDescribe,
// compareHistory). org is the organization the request names.
func (l *ledger) compareAnswer(c *comparison, action, org string, want model.Answer, got *answer) {
	l.compareAnswerParts(c, action, org, want, got)
	if len(c.found) > 0 && len(c.diff) == 0 {
		var targetView any = string(got.Body)
		if doc, err := decodeJSON(got.Body); err == nil {
			targetView = doc
		}
		c.view("the answer", canonical(modelDoc(org, want)), canonical(targetView))
	}
}

// modelDoc is the model's answer in the contract's form, with the model's invoice ids; an error's
// message is left out.
func modelDoc(org string, want model.Answer) any {
	doc := map[string]any{"status": json.Number(strconv.Itoa(want.Status))}
	switch {
	case want.Status != http.StatusOK:
		doc["error"] = map[string]any{"code": want.Code}
	case want.Describe != nil:
		d := want.Describe
		var sub any
		if s := d.Subscription; s != nil {
			sub = map[string]any{"plan": s.Plan, "quantity": strconv.Itoa(s.Quantity), "payment_exp": s.PaymentExp, "status": string(s.Status)}
		}
		doc["response"] = map[string]any{"organization": map[string]any{"id": org, "name": d.Org.Name, "owner": d.Org.Owner, "resources": json.Number(strconv.Itoa(d.Org.Resources))}, "subscription": sub}
	case want.History != nil:
		list := make([]any, len(want.History))
		for i, inv := range want.History {
			list[i] = map[string]any{"id": inv.ID, "status": inv.Status, "organization": org, "date": inv.Date, "due_date": inv.DueDate, "amount": inv.Amount}
		}
		doc["billing_history"] = list
	case want.Link != "":
		doc["response"] = "(a link)"
	}
	return doc
}

func (l *ledger) compareAnswerParts(c *comparison, action, org string, want model.Answer, got *answer) {
	doc, err := decodeJSON(got.Body)
	ct := got.Header.Get("Content-Type")
	status, _ := lookup(doc, "/status")
	code, _ := lookup(doc, "/error/code")
	if got.Status != want.Status || (want.Status != http.StatusOK && code != want.Code) {
		c.add(decision(decErrors), "status: the model answers %s, the target %s", statusText(want.Status, want.Code), statusText(got.Status, code))
		c.view("status and error code", map[string]any{"status": want.Status, "code": want.Code}, map[string]any{"status": got.Status, "code": code})
		return
	}
	switch {
	case !strings.HasPrefix(strings.ToLower(ct), "application/json"):
		c.add(docsRule, "the answer's Content-Type is %q, not application/json", ct)
		return
	case err != nil:
		c.add(docsRule, "the answer is not JSON: %v", err)
		return
	case !numberIs(status, got.Status):
		c.add(decision(decEnvelopeStatus), "body /status: expected %d, the HTTP status, got %s", got.Status, show(status))
		return
	}
	if want.Status == http.StatusMethodNotAllowed && !slices.Equal(contract.MethodList(got.Header.Get("Allow")), contract.MethodList(want.Allow)) {
		c.add(decision(decErrors), "header Allow: the model answers %q, the target %q", want.Allow, got.Header.Get("Allow"))
		return
	}
	switch {
	case want.Describe != nil:
		l.compareDescribe(c, org, *want.Describe, doc)
	case want.History != nil:
		l.compareHistory(c, org, want.History, doc)
	case want.Link != "":
		if link, _ := lookup(doc, "/response"); link == nil || link == "" {
			c.add(docsRule, "body /response: expected the link, got %s", show(link))
		} else if _, ok := link.(string); !ok {
			c.add(docsRule, "body /response: expected the link as a string, got %s", show(link))
		}
	}
}

// statusText is a status with its error code, if any: "409 subscription_exists".
func statusText(status int, code any) string {
	if s, ok := code.(string); ok && s != "" {
		return strconv.Itoa(status) + " " + s
	}
	if code != nil && code != "" {
		return strconv.Itoa(status) + " with error code " + show(code)
	}
	return strconv.Itoa(status)
}

// numberIs reports whether a JSON value is the number n.
func numberIs(v any, n int) bool {
	num, ok := v.(json.Number)
	return ok && num.String() == strconv.Itoa(n)
}

// compareDescribe compares a describe answer: the organization, and its subscription's presence,
// plan, quantity, payment_exp and status.
func (l *ledger) compareDescribe(c *comparison, org string, want state.Description, doc any) {
	id, _ := lookup(doc, "/response/organization/id")
	name, _ := lookup(doc, "/response/organization/name")
	if id != org || name != want.Org.Name {
		c.add(docsRule, "describe %s: the organization is %s named %s, expected %q named %q", org, show(id), show(name), org, want.Org.Name)
		c.view("describe "+org+" organization", map[string]any{"id": org, "name": want.Org.Name}, map[string]any{"id": id, "name": name})
		return
	}
	sub, present := lookup(doc, "/response/subscription")
	got, _ := sub.(map[string]any)
	switch {
	case !present:
		c.add(docsRule, "describe %s: /response/subscription is absent, expected an object or null", org)
		return
	case sub != nil && got == nil:
		c.add(docsRule, "describe %s: /response/subscription is %s, expected an object or null", org, show(sub))
		return
	}
	var modelView, targetView map[string]any
	if want.Subscription != nil {
		s := want.Subscription
		modelView = map[string]any{"plan": s.Plan, "quantity": strconv.Itoa(s.Quantity), "payment_exp": s.PaymentExp, "status": string(s.Status)}
		if s.Plan == unknownPlan && l.plan != "" {
			modelView["plan"] = l.plan
		}
	}
	if got != nil {
		targetView = map[string]any{"plan": got["plan"], "quantity": got["quantity"], "payment_exp": got["payment_exp"], "status": got["status"]}
		if modelView != nil && modelView["plan"] == unknownPlan {
			if p, ok := got["plan"].(string); ok {
				l.plan = p
				modelView["plan"] = p
			}
		}
		if modelView != nil && l.defaultCard[org] && !l.strict {
			modelView["payment_exp"] = got["payment_exp"]
		}
	}
	if modelView == nil && targetView == nil {
		return
	}
	if modelView == nil || targetView == nil || !sameView(modelView, targetView) {
		what := "the subscription differs"
		switch {
		case modelView == nil:
			what = "the model has no subscription, the target has one"
		case targetView == nil:
			what = "the model has a subscription, the target none"
		case modelView["status"] != targetView["status"]:
			what = fmt.Sprintf("subscription.status %s, expected %s", show(targetView["status"]), modelView["status"])
		default:
			var parts []string
			for _, k := range sortedKeys(modelView) {
				if modelView[k] != targetView[k] {
					parts = append(parts, fmt.Sprintf("subscription.%s %s, expected %s", k, show(targetView[k]), show(modelView[k])))
				}
			}
			what = strings.Join(parts, "; ")
		}
		c.add(docsRule, "describe %s: %s", org, what)
		c.view("describe "+org+" /response/subscription", modelView, targetView)
	}
}

// sameView compares two subscription views: the same keys, each with the same string (a
// json.Number, a quantity sent as a number, is not equal to a string).
func sameView(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || v != w {
			return false
		}
	}
	return true
}

// invoiceView is what is compared of one invoice: its id as the model knows it, its status, the
// sign of its amount, whether it is new, and, with -model-strict, its amount and dates.
type invoiceView struct {
	ID, Status, Sign string
	New              bool
	Amount, Date     string
	DueDate          string
}

// compareHistory compares a history answer: its length, ids, order, each invoice's status, which
// invoices are new and the sign of each new amount, each due on or after its date, each of the
// organization asked for, and every id unique across organizations. Exact amounts, dates and ids
// only with -model-strict.
func (l *ledger) compareHistory(c *comparison, org string, want []fixture.Invoice, doc any) {
	list, _ := lookup(doc, "/billing_history")
	arr, ok := list.([]any)
	if !ok {
		c.add(docsRule, "history %s: /billing_history is %s, expected an array", org, show(list))
		return
	}
	if l.seenTarget[org] == nil {
		l.seenTarget[org], l.seenModel[org] = map[string]bool{}, map[string]bool{}
	}
	modelView := make([]invoiceView, len(want))
	for i, inv := range want {
		modelView[i] = invoiceView{ID: inv.ID, Status: inv.Status, Sign: sign(inv.Amount), New: !l.seenModel[org][inv.ID]}
		if l.strict {
			modelView[i].Amount, modelView[i].Date, modelView[i].DueDate = inv.Amount, inv.Date, inv.DueDate
		}
	}
	targetView := make([]invoiceView, len(arr))
	ids := map[string]int{}
	prevDate := ""
	for i, e := range arr {
		m, _ := e.(map[string]any)
		tid, date, due := str(m["id"]), str(m["date"]), str(m["due_date"])
		v := invoiceView{ID: tid, Status: str(m["status"]), Sign: sign(str(m["amount"])), New: !l.seenTarget[org][tid]}
		if mid, ok := l.toModel[tid]; ok && !l.strict {
			v.ID = mid
		}
		if l.strict {
			v.Amount, v.Date, v.DueDate = str(m["amount"]), date, due
		}
		targetView[i] = v
		switch {
		case m["organization"] != org:
			c.add(decision(decIDs), "history %s: /billing_history/%d/organization is %s: another organization's invoice", org, i, show(m["organization"]))
		case due < date:
			c.add(decision(decDates), "history %s: /billing_history/%d/due_date %s: expected on or after its date %s", org, i, due, date)
		case i > 0 && date > prevDate: // dates are YYYY-MM-DD: they compare as strings
			c.add(decision(decHistoryOrder), "history %s: /billing_history/%d/date %s after %s: expected newest first", org, i, date, prevDate)
		case l.owner[tid] != "" && l.owner[tid] != org:
			c.add(decision(decInvoiceIDs), "history %s: /billing_history/%d/id %s is an invoice of %s: ids are unique across organizations", org, i, tid, l.owner[tid])
		}
		if j, dup := ids[tid]; dup {
			c.add(decision(decInvoiceIDs), "history %s: /billing_history/%d/id %s is also /billing_history/%d: each invoice once", org, i, tid, j)
		}
		ids[tid] = i
		prevDate = date
	}
	// Pair the new invoices of both sides by position: the model's new invoice at a place is the
	// target's new one there.
	if !l.strict && len(arr) == len(want) {
		for i := range want {
			mid, tid := want[i].ID, str(arr[i].(map[string]any)["id"])
			if modelView[i].New && targetView[i].New && l.toTarget[mid] == "" && l.toModel[tid] == "" {
				l.toTarget[mid], l.toModel[tid] = tid, mid
				targetView[i].ID = mid
			}
		}
	}
	if len(c.found) == 0 && !slices.Equal(modelView, targetView) {
		c.add(historyRule(modelView, targetView), "history %s: %s", org, historyDifference(modelView, targetView))
	}
	if len(c.found) > 0 {
		c.view("history "+org, modelView, targetView)
		return
	}
	for i := range want {
		tid := str(arr[i].(map[string]any)["id"])
		l.seenModel[org][want[i].ID], l.seenTarget[org][tid] = true, true
		l.owner[tid] = org
	}
}

// historyDifference says first what differs between two histories.
func historyDifference(m, t []invoiceView) string {
	newOf := func(vs []invoiceView) int {
		n := 0
		for _, v := range vs {
			if v.New {
				n++
			}
		}
		return n
	}
	if a, b := newOf(m), newOf(t); a != b {
		return fmt.Sprintf("%d new invoice(s) in the model, %d in the target", a, b)
	}
	if len(m) != len(t) {
		return fmt.Sprintf("%d invoices in the model, %d in the target", len(m), len(t))
	}
	for i := range m {
		switch {
		case m[i].ID != t[i].ID:
			return fmt.Sprintf("/billing_history/%d is %s in the model, %s in the target (ids or order differ)", i, m[i].ID, t[i].ID)
		case m[i].Status != t[i].Status:
			return fmt.Sprintf("/billing_history/%d/status is %s in the model, %s in the target", i, m[i].Status, t[i].Status)
		case m[i].Sign != t[i].Sign:
			return fmt.Sprintf("/billing_history/%d/amount is a %s in the model, a %s in the target", i, m[i].Sign, t[i].Sign)
		case m[i] != t[i]:
			return fmt.Sprintf("/billing_history/%d differs (-model-strict: amounts, dates and ids)", i)
		}
	}
	return "the invoices differ"
}

// historyRule is the rule a history difference breaks: the order among invoices, else what a
// change does.
func historyRule(m, t []invoiceView) Rule {
	if len(m) == len(t) {
		a, b := make([]string, len(m)), make([]string, len(t))
		for i := range m {
			a[i], b[i] = m[i].ID, t[i].ID
		}
		slices.Sort(a)
		slices.Sort(b)
		if slices.Equal(a, b) && !slices.EqualFunc(m, t, func(x, y invoiceView) bool { return x.ID == y.ID }) {
			return decision(decHistoryOrder)
		}
	}
	return decision(decEffects)
}

// sign is "charge", "credit" or "zero" for an amount ("-12.00" is a credit).
func sign(amount string) string {
	switch {
	case strings.HasPrefix(amount, "-"):
		return "credit"
	case strings.Trim(amount, "0.") == "":
		return "zero"
	}
	return "charge"
}
