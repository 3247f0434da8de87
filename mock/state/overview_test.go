package state

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOverviewAgreesWithTheAPI: the overview lists each organization's invoices in History's order,
// made and loaded ones alike, its subscription as Describe shows it, and marks exactly the invoices
// that are owed and the links that have expired.
func TestOverviewAgreesWithTheAPI(t *testing.T) {
	t.Parallel()
	s := newState(t, testSeed)
	require.NoError(t, s.UpdateQuantity("usr_a", "org_a", 5)) // a charge, paid
	_, err := s.CreateCheckout("usr_a", "org_c", 1)
	require.NoError(t, err)
	_, err = s.CreateCardUpdate("usr_a", "org_a")
	require.NoError(t, err)
	_, err = s.AdvanceTo(time.Date(2027, 1, 20, 0, 0, 0, 0, time.UTC)) // org_b's card expires: unpaid renewals
	require.NoError(t, err)
	_, err = s.CreateCheckout("usr_a", "org_c", 2) // still open
	require.NoError(t, err)

	ov := s.Overview()
	assert.Equal(t, time.Date(2027, 1, 20, 0, 0, 0, 0, time.UTC), ov.Now)
	assert.Equal(t, time.Date(2027, 2, 20, 0, 0, 0, 0, time.UTC), ov.NextPeriod)
	require.Len(t, ov.Orgs, 3)
	users := map[string]string{"org_a": "usr_a", "org_b": "usr_b", "org_c": "usr_a"}
	for _, o := range ov.Orgs {
		history, err := s.History(users[o.Org.ID], o.Org.ID)
		require.NoError(t, err)
		require.Len(t, o.Invoices, len(history), o.Org.ID)
		unpaid := 0
		for i, inv := range o.Invoices {
			assert.Equal(t, history[i], inv.Invoice, "%s invoice %d", o.Org.ID, i)
			if inv.Status == "unpaid" {
				unpaid++
			}
			assert.Equal(t, inv.Status == "unpaid" && Cents(inv.Amount) > 0 && inv.DueDate <= "2027-01-20", inv.Overdue, inv.ID)
		}
		assert.Equal(t, unpaid, o.Unpaid, o.Org.ID)
		d, err := s.Describe(users[o.Org.ID], o.Org.ID)
		require.NoError(t, err)
		assert.Equal(t, d.Subscription, o.Subscription, o.Org.ID)
		assert.Nil(t, o.Org.Invoices)
	}
	assert.Equal(t, PastDue, ov.Orgs[1].Subscription.Status, "org_b's renewals went unpaid")
	assert.True(t, ov.Orgs[1].CardExpired)
	assert.False(t, ov.Orgs[0].CardExpired)
	require.Len(t, ov.Checkouts, 2)
	require.Len(t, ov.CardUpdates, 1)
	assert.True(t, ov.CardUpdates[0].Expired)
	expired := 0
	for _, c := range ov.Checkouts {
		if c.Expired {
			expired++
		}
	}
	assert.Equal(t, 1, expired, "the first checkout expired, the second is open")
}

// TestCompletedSubscriptionStatus: a subscription answered by a payment or a saved card has the
// status describe gives it, past due when an older charge is still owed.
func TestCompletedSubscriptionStatus(t *testing.T) {
	t.Parallel()
	s := newState(t, `clock: 2026-11-01T09:00:00Z
plans: [{id: pro, unit_price: "12.00"}]
users: [{id: u, token: t}]
organizations:
  - {id: org_a, name: A, owner: u, resources: 0,
     invoices: [{id: inv_1, status: unpaid, date: "2026-09-01", due_date: "2026-09-15", amount: "12.00"}]}
`)
	chk, err := s.CreateCheckout("u", "org_a", 1)
	require.NoError(t, err)
	sub, err := s.CompleteCheckout(chk.ID, "")
	require.NoError(t, err)
	assert.Equal(t, PastDue, sub.Status)
	d, err := s.Describe("u", "org_a")
	require.NoError(t, err)
	assert.Equal(t, d.Subscription.Status, sub.Status)
	crd, err := s.CreateCardUpdate("u", "org_a")
	require.NoError(t, err)
	sub, err = s.CompleteCardUpdate(crd.ID, "2031-01")
	require.NoError(t, err)
	assert.Equal(t, PastDue, sub.Status)
	assert.Equal(t, "2031-01", sub.PaymentExp)
}
