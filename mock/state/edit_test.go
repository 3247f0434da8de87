package state

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/fixture"
)

// TestEditsReturnTheEditedStateAndChangeNothing: each edit answers the whole state with the edit
// applied, leaves the State as it was, and refuses what it names that does not exist.
func TestEditsReturnTheEditedStateAndChangeNothing(t *testing.T) {
	t.Parallel()
	s := newState(t, testSeed)
	before := export(t, s)

	seed, err := s.EditInvoice("org_a", "inv_a_1", "unpaid", "2026-10-20")
	require.NoError(t, err)
	assert.Equal(t, fixture.Invoice{ID: "inv_a_1", Status: "unpaid", Date: "2026-10-15", DueDate: "2026-10-20", Amount: "36.00"}, seed.Organizations[0].Invoices[0])
	d, err := New(seed).Describe("usr_a", "org_a")
	require.NoError(t, err)
	assert.True(t, d.PastDue, "an unpaid charge due before the clock")

	seed, err = s.EditSubscription("org_b", "pro", 9, "2031-01")
	require.NoError(t, err)
	assert.Equal(t, fixture.Subscription{Plan: "pro", Quantity: 9, PaymentExp: "2031-01", RenewsAt: seed.Organizations[1].Subscription.RenewsAt}, *seed.Organizations[1].Subscription)
	assert.Empty(t, seed.Organizations[1].Invoices, "an edit makes no invoice")

	seed, err = s.EditAddInvoice("org_c", fixture.Invoice{Status: "paid", Date: "2026-11-01", DueDate: "2026-11-01", Amount: "-1.00"})
	require.NoError(t, err)
	assert.Equal(t, "inv_c_m0001", seed.Organizations[2].Invoices[0].ID, "the id the state would make next")

	assert.Equal(t, before, export(t, s), "the State itself did not change")

	for _, tt := range []struct {
		err  error
		code errcode.Code
	}{
		{second(s.EditInvoice("org_a", "inv_nope", "paid", "2026-10-15")), errcode.NotFound},
		{second(s.EditInvoice("org_nope", "inv_a_1", "paid", "2026-10-15")), errcode.OrgNotFound},
		{second(s.EditSubscription("org_c", "pro", 1, "2030-01")), errcode.NoActiveSubscription},
		{second(s.EditCancel("org_c")), errcode.NoActiveSubscription},
	} {
		require.Error(t, tt.err)
		assert.Equal(t, tt.code, errcode.From(tt.err).Code, "%v", tt.err)
	}
}

func second(_ *fixture.Seed, err error) error { return err }

// TestEditCancelClosesUpdateCardLinks: a cancel made by hand closes the organization's open
// update-card links as Cancel does, and the next invoice numbers follow an added one.
func TestEditCancelClosesUpdateCardLinks(t *testing.T) {
	t.Parallel()
	s := newState(t, testSeed)
	a, err := s.CreateCardUpdate("usr_a", "org_a")
	require.NoError(t, err)
	b, err := s.CreateCardUpdate("usr_b", "org_b")
	require.NoError(t, err)
	seed, err := s.EditCancel("org_a")
	require.NoError(t, err)
	assert.Nil(t, seed.Organizations[0].Subscription)
	assert.Len(t, seed.Organizations[0].Invoices, 1, "the invoices stay")
	assert.Equal(t, []fixture.CardUpdate{{ID: b.ID, Org: "org_b", ExpiresAt: b.ExpiresAt}}, seed.CardUpdates)
	assert.Contains(t, seed.ClosedLinks, fixture.ClosedLink{ID: a.ID, Reason: canceledReason})

	edited := New(seed)
	_, err = edited.CompleteCardUpdate(a.ID, "")
	assert.Equal(t, errcode.LinkClosed, errcode.From(err).Code)

	seed, err = edited.EditAddInvoice("org_b", fixture.Invoice{Status: "unpaid", Date: "2026-11-01", DueDate: "2026-11-01", Amount: "81.00"})
	require.NoError(t, err)
	next := New(seed)
	require.NoError(t, next.UpdateQuantity("usr_b", "org_b", 3))
	inv, err := next.History("usr_b", "org_b")
	require.NoError(t, err)
	assert.Equal(t, []string{"inv_b_m0002", "inv_b_m0001"}, []string{inv[0].ID, inv[1].ID})
}
