package state

import (
	"time"

	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/fixture"
)

// MaxRenewalsPerAdvance bounds the renewal invoices one clock change may create (a hundred years of
// one subscription), so that a typo ("to": "9999-01-01") cannot fill the memory or make a state too
// large to import back; advance in steps for more.
const MaxRenewalsPerAdvance = 1200

// Renewal is an invoice a subscription's renewal created while the clock moved.
type Renewal struct {
	Org     string
	Invoice fixture.Invoice
}

// AdvanceTo moves the billing clock forward to t and renews every subscription whose period ends
// on the way (renews_at ≤ t), in time order, each period in turn: the renewal adds an invoice for
// quantity × the plan's unit price, dated and due the renewal day, paid when the card on file is
// valid that day (through the end of its expiry month) and unpaid otherwise; the next period ends a
// month later (PeriodAfter(renews_at)). Renewals at the same instant go in organization order.
//
// Moving the clock backwards, past the year 9999, or over more than MaxRenewalsPerAdvance renewals
// is an error with code errcode.InvalidParameter and changes nothing. t equal to the clock changes
// nothing. Links expire on the new clock as usual.
func (s *State) AdvanceTo(t time.Time) ([]Renewal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.advance(t.UTC())
}

// AdvanceBy moves the billing clock forward by d (> 0), as AdvanceTo does, and returns the new clock.
func (s *State) AdvanceBy(d time.Duration) (time.Time, []Renewal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= 0 {
		return s.now, nil, errorf(errcode.InvalidParameter, "the clock never goes backwards: advance by more than zero, got %s", d)
	}
	t := s.now.Add(d)
	if t.Before(s.now) {
		return s.now, nil, errorf(errcode.InvalidParameter, "advancing by %s overflows the clock", d)
	}
	renewals, err := s.advance(t)
	return s.now, renewals, err
}

func (s *State) advance(t time.Time) ([]Renewal, error) {
	if t.Before(s.now) {
		return nil, errorf(errcode.InvalidParameter, "the clock never goes backwards: it is %s, and %s is earlier", s.now.Format(time.RFC3339Nano), t.Format(time.RFC3339Nano))
	}
	if t.Year() > 9999 {
		return nil, errorf(errcode.InvalidParameter, "the clock cannot go past the year 9999, got %s", t.Format(time.RFC3339))
	}
	if n := s.countRenewals(t, MaxRenewalsPerAdvance+1); n > MaxRenewalsPerAdvance {
		return nil, errorf(errcode.InvalidParameter, "moving the clock to %s would renew more than %d periods at once; advance in smaller steps", t.Format(time.RFC3339), MaxRenewalsPerAdvance)
	}
	renewals := []Renewal{}
	for {
		o := s.nextRenewal(t)
		if o == nil {
			break
		}
		sub := o.Subscription
		s.now = sub.RenewsAt.UTC()
		p, _ := s.plan(sub.Plan)
		inv := s.addInvoice(o, Cents(p.UnitPrice)*int64(sub.Quantity), cardValidOn(sub.PaymentExp, s.now))
		renewals = append(renewals, Renewal{Org: o.ID, Invoice: inv.invoice(invoiceIDPrefix(o.ID))})
		sub.RenewsAt = PeriodAfter(sub.RenewsAt)
	}
	s.now = t
	return renewals, nil
}

// nextRenewal returns the organization whose period ends first, at or before t (the first in
// organization order among equals), or nil.
func (s *State) nextRenewal(t time.Time) *org {
	var next *org
	for _, id := range s.orgOrder {
		o := s.orgs[id]
		if o.Subscription == nil || o.Subscription.RenewsAt.After(t) {
			continue
		}
		if next == nil || o.Subscription.RenewsAt.Before(next.Subscription.RenewsAt) {
			next = o
		}
	}
	return next
}

// countRenewals counts the renewals up to t, stopping at limit.
func (s *State) countRenewals(t time.Time, limit int) int {
	n := 0
	for _, id := range s.orgOrder {
		sub := s.orgs[id].Subscription
		if sub == nil {
			continue
		}
		for at := sub.RenewsAt; !at.After(t) && n < limit; at = PeriodAfter(at) {
			n++
		}
	}
	return n
}
