package state

import (
	"slices"
	"strconv"
	"strings"

	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/fixture"
)

// The edits are changes QA makes to a session by hand (the dashboard), which no billing action
// makes: an invoice marked paid or unpaid, a subscription given another plan, quantity or card. Each
// returns the whole state with the edit applied, as a seed; the State itself does not change. The
// caller validates that seed exactly as an import is validated and loads it in the State's place,
// so that an edit can never make a state that a seed file could not hold, and a refused edit
// changes nothing. The values an edit sets are not checked here (the seed's validation does), only
// that what it names exists.

// canceledReason is why a cancel closes the organization's update-card links.
const canceledReason = "closed when the subscription was canceled"

// edited returns the snapshot with fn applied to organization orgID; an unknown organization is
// an OrgNotFound error.
func (s *State) edited(orgID string, fn func(seed *fixture.Seed, o *fixture.Organization) error) (*fixture.Seed, error) {
	seed := s.Snapshot()
	i := slices.IndexFunc(seed.Organizations, func(o fixture.Organization) bool { return o.ID == orgID })
	if i < 0 {
		return nil, errorf(errcode.OrgNotFound, "organization %s does not exist", orgID)
	}
	if err := fn(seed, &seed.Organizations[i]); err != nil {
		return nil, err
	}
	return seed, nil
}

// EditInvoice sets an invoice's status ("paid" or "unpaid") and due date ("YYYY-MM-DD").
func (s *State) EditInvoice(orgID, invoiceID, status, dueDate string) (*fixture.Seed, error) {
	return s.edited(orgID, func(_ *fixture.Seed, o *fixture.Organization) error {
		i := slices.IndexFunc(o.Invoices, func(inv fixture.Invoice) bool { return inv.ID == invoiceID })
		if i < 0 {
			return errorf(errcode.NotFound, "organization %s has no invoice %s", orgID, invoiceID)
		}
		o.Invoices[i].Status, o.Invoices[i].DueDate = status, dueDate
		return nil
	})
}

// EditSubscription sets an active subscription's plan, quantity and card expiry ("YYYY-MM"); its
// period (renews_at) stays. No invoice is made: the edit says what the state is, it is not a change
// the customer made (updatesubscription is).
func (s *State) EditSubscription(orgID, plan string, quantity int, paymentExp string) (*fixture.Seed, error) {
	return s.edited(orgID, func(_ *fixture.Seed, o *fixture.Organization) error {
		if o.Subscription == nil {
			return errorf(errcode.NoActiveSubscription, "organization %s has no active subscription", orgID)
		}
		o.Subscription.Plan, o.Subscription.Quantity, o.Subscription.PaymentExp = plan, quantity, paymentExp
		return nil
	})
}

// EditCancel ends an active subscription, as Cancel does: the invoices stay, and the organization's
// open update-card links close.
func (s *State) EditCancel(orgID string) (*fixture.Seed, error) {
	return s.edited(orgID, func(seed *fixture.Seed, o *fixture.Organization) error {
		if o.Subscription == nil {
			return errorf(errcode.NoActiveSubscription, "organization %s has no active subscription to cancel", orgID)
		}
		o.Subscription = nil
		seed.CardUpdates = slices.DeleteFunc(seed.CardUpdates, func(c fixture.CardUpdate) bool {
			if c.Org == orgID {
				seed.ClosedLinks = append(seed.ClosedLinks, fixture.ClosedLink{ID: c.ID, Reason: canceledReason})
			}
			return c.Org == orgID
		})
		return nil
	})
}

// EditAddInvoice adds an invoice to an organization, as the newest one created. Its id, when inv
// has none, is the one the State would give the next invoice it makes (inv_<org>_m<n>), so that the
// ids the State makes afterwards follow it.
func (s *State) EditAddInvoice(orgID string, inv fixture.Invoice) (*fixture.Seed, error) {
	s.mu.RLock()
	next := s.invoices + 1
	s.mu.RUnlock()
	return s.edited(orgID, func(_ *fixture.Seed, o *fixture.Organization) error {
		if inv.ID == "" {
			inv.ID = madeInvoiceID(invoiceIDPrefix(orgID), next)
		}
		o.Invoices = append(o.Invoices, inv)
		return nil
	})
}

// madeInvoiceID is the id of made invoice num: prefix (invoiceIDPrefix) and num, at least 4 digits.
func madeInvoiceID(prefix string, num uint32) string {
	n := strconv.FormatUint(uint64(num), 10)
	if pad := 4 - len(n); pad > 0 {
		n = strings.Repeat("0", pad) + n
	}
	return prefix + n
}
