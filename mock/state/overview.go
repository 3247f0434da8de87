package state

import (
	"slices"
	"time"

	"github.com/cloudplans/billing-mock/mock/fixture"
)

// Overview is a whole session as the dashboard shows it, with the billing rules applied by the
// same code that answers the API: each organization's subscription with its status, its invoices
// in history order with the ones that make it past due marked, and the open links, each marked
// when it has expired.
type Overview struct {
	// Now is the billing clock; NextPeriod, the end of a billing period that starts now.
	Now, NextPeriod time.Time
	// Plans are the plans a subscription may have; Users, who calls the API with which token.
	Plans []fixture.Plan
	Users []fixture.User
	// Orgs are the organizations, in the order the state was loaded with.
	Orgs        []OrgView
	Checkouts   []LinkView[fixture.Checkout]
	CardUpdates []LinkView[fixture.CardUpdate]
}

// OrgView is an organization in an Overview.
type OrgView struct {
	// Org is the organization without its subscription and invoices.
	Org fixture.Organization
	// Subscription is nil when the organization has none.
	Subscription *Subscription
	// CardExpired: the card on file (valid through the end of its expiry month) has expired.
	CardExpired bool
	// Invoices are newest first, as History answers them.
	Invoices []InvoiceView
	// Unpaid counts the unpaid invoices, credits included.
	Unpaid int
}

// InvoiceView is an invoice in an Overview.
type InvoiceView struct {
	fixture.Invoice
	// Overdue: an unpaid charge whose due date has come, what makes a subscription past due.
	Overdue bool
}

// LinkView is an open payment or update-card link in an Overview.
type LinkView[L any] struct {
	Link L
	// Expired: the link's time has passed; its page refuses it.
	Expired bool
}

// Overview returns the session's overview, sorted as Snapshot sorts.
func (s *State) Overview() Overview {
	s.mu.RLock()
	defer s.mu.RUnlock()
	today := dayOf(s.now)
	v := Overview{Now: s.now, NextPeriod: PeriodAfter(s.now), Plans: slices.Clone(s.plans), Users: slices.Clone(s.users)}
	for _, id := range s.orgOrder {
		o := s.orgs[id]
		ov := OrgView{Org: o.Organization}
		ov.Org.Invoices, ov.Org.Subscription = nil, nil
		if o.Subscription != nil {
			sub := s.subscriptionOf(o)
			ov.Subscription = &sub
			ov.CardExpired = !s.cardValid(sub.PaymentExp)
		}
		for _, inv := range o.Invoices {
			due, owed := loadedOwed(inv)
			ov.Invoices = append(ov.Invoices, InvoiceView{Invoice: inv, Overdue: owed && due <= today})
		}
		prefix := invoiceIDPrefix(o.ID)
		for _, m := range o.made {
			ov.Invoices = append(ov.Invoices, InvoiceView{Invoice: m.invoice(prefix), Overdue: m.owed() && m.date <= today})
		}
		newestFirst(ov.Invoices, func(inv InvoiceView) string { return inv.Date })
		for _, inv := range ov.Invoices {
			if inv.Status == "unpaid" {
				ov.Unpaid++
			}
		}
		v.Orgs = append(v.Orgs, ov)
	}
	seed := s.snapshotLinks()
	for _, c := range seed.Checkouts {
		v.Checkouts = append(v.Checkouts, LinkView[fixture.Checkout]{Link: c, Expired: expired(c.ExpiresAt, s.now)})
	}
	for _, c := range seed.CardUpdates {
		v.CardUpdates = append(v.CardUpdates, LinkView[fixture.CardUpdate]{Link: c, Expired: expired(c.ExpiresAt, s.now)})
	}
	return v
}
