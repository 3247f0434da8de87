package contracttest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// restore puts the roles' organizations back as a scenario found them, for a target without
// reset: it cancels a subscription the scenario started, puts a quantity back and, with the
// capabilities for it, a card expiry and a subscription the scenario cancelled. It returns a
// failure naming what it could not put back, or nil. Invoices stay: no API removes them.
func (s *stepRunner) restore(ctx context.Context, found *snapshot) *Failure {
	now, f := s.snapshot(ctx, "after the scenario")
	if f != nil {
		return f
	}
	f = &Failure{}
	for _, owner := range s.owners() {
		was, is := found.views[owner.org].subscription(), now.views[owner.org].subscription()
		fail := func(format string, args ...any) {
			f.add(s.runner, setupRule, fmt.Sprintf("could not put %s back as the scenario found it: ", owner.org)+fmt.Sprintf(format, args...))
		}
		switch {
		case was == nil && is != nil:
			if err := s.restoreCall(ctx, owner.token, "cancelsubscription", owner.org, nil); err != nil {
				fail("cancel the subscription it started: %v", err)
			}
		case was != nil && is == nil:
			q, _ := strconv.Atoi(str(was["quantity"]))
			if err := s.resubscribe(ctx, owner.token, owner.org, q, str(was["payment_exp"])); err != nil {
				fail("subscribe it again: %v", err)
			}
		case was != nil:
			if q := str(was["quantity"]); q != str(is["quantity"]) {
				n, _ := strconv.Atoi(q)
				if err := s.restoreCall(ctx, owner.token, "updatesubscription", owner.org, &n); err != nil {
					fail("put its quantity back to %s: %v", q, err)
				}
			}
			if exp := str(was["payment_exp"]); exp != str(is["payment_exp"]) {
				if err := s.restoreCard(ctx, owner.token, owner.org, exp); err != nil {
					fail("put its card expiry back to %s: %v", exp, err)
				}
			}
		}
	}
	f.settle()
	return f.orNil()
}

// restoreCall calls an update action with its parameters where the contract puts them (a JSON
// body) and returns its link, if it answers one. It must answer 200.
func (s *stepRunner) restoreCall(ctx context.Context, token, action, org string, quantity *int) error {
	_, err := s.restoreLink(ctx, token, action, org, quantity)
	return err
}

func (s *stepRunner) restoreLink(ctx context.Context, token, action, org string, quantity *int) (string, error) {
	body := map[string]any{"org_id": org}
	if quantity != nil {
		body["quantity"] = *quantity
	}
	data, err := jsonBody(body)
	if err != nil {
		return "", err
	}
	o := &outgoing{Method: http.MethodPost, Path: updatePath, Query: url.Values{"action": {action}}, Body: data,
		Header: http.Header{"Authorization": {"Bearer " + token}, "Content-Type": {"application/json"}}}
	if action == "getpaymentlink" {
		// The contract's place for getpaymentlink's parameters is the query string.
		o.Query.Set("org_id", org)
		o.Query.Set("quantity", strconv.Itoa(*quantity))
		o.Body = nil
		o.Header.Del("Content-Type")
	}
	ans, err := s.client.do(ctx, o)
	if err != nil {
		return "", err
	}
	if ans.Status != http.StatusOK {
		return "", fmt.Errorf("%s answered %d: %s", action, ans.Status, truncate(string(ans.Body), 200))
	}
	doc, err := decodeJSON(ans.Body)
	if err != nil {
		return "", fmt.Errorf("%s: %w", action, err)
	}
	link, _ := lookup(doc, "/response")
	return str(link), nil
}

// resubscribe subscribes an organization again, through a payment link and complete_checkout.
func (s *stepRunner) resubscribe(ctx context.Context, token, org string, quantity int, exp string) error {
	if _, ok := s.caps[CompleteCheckout]; !ok {
		return fmt.Errorf("that needs %s, which the run does not have", CompleteCheckout)
	}
	link, err := s.restoreLink(ctx, token, "getpaymentlink", org, &quantity)
	if err != nil {
		return err
	}
	return s.restoreState(ctx, ControlCompleteCheckout, link, exp)
}

// restoreCard saves a card of that expiry through an update-card link and complete_card_update.
func (s *stepRunner) restoreCard(ctx context.Context, token, org, exp string) error {
	if _, ok := s.caps[CompleteCardUpdate]; !ok {
		return fmt.Errorf("that needs %s, which the run does not have", CompleteCardUpdate)
	}
	link, err := s.restoreLink(ctx, token, "getupdatecardlink", org, nil)
	if err != nil {
		return err
	}
	return s.restoreState(ctx, ControlCompleteCardUpdate, link, exp)
}

// restoreState performs a state step for restore and returns its first finding as an error.
func (s *stepRunner) restoreState(ctx context.Context, op, link, exp string) error {
	f := &Failure{}
	s.perform(ctx, Expect{}, stateCall{op: op, link: link, body: map[string]any{"payment_exp": exp}}, 0, f)
	if len(f.Findings) > 0 {
		return fmt.Errorf("%s", f.Findings[0].Message)
	}
	return nil
}
