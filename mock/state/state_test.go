package state

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/fixture"
)

const testSeed = `clock: 2026-11-01T09:00:00Z
plans:
  - {id: pro, name: Pro, unit_price: "12.00", default: true}
  - {id: big, name: Big, unit_price: "40.50"}
users:
  - {id: usr_a, token: tok_a}
  - {id: usr_b, token: tok_b}
organizations:
  - id: org_a
    name: A
    owner: usr_a
    resources: 1
    subscription: {plan: pro, quantity: 3, payment_exp: "2028-04", renews_at: 2026-11-15T00:00:00Z}
    invoices:
      - {id: inv_a_1, status: paid, date: "2026-10-15", due_date: "2026-10-15", amount: "36.00"}
  - id: org_b
    name: B
    owner: usr_b
    resources: 0
    subscription: {plan: big, quantity: 2, payment_exp: "2026-12", renews_at: 2026-11-10T12:00:00Z}
  - id: org_c
    name: C
    owner: usr_a
    resources: 0
`

func newState(t *testing.T, yaml string) *State {
	t.Helper()
	seed, err := fixture.Parse("test.yaml", []byte(yaml))
	require.NoError(t, err)
	return New(seed)
}

func export(t *testing.T, s *State) string {
	t.Helper()
	out, err := fixture.Marshal(s.Snapshot())
	require.NoError(t, err)
	return string(out)
}

// reload exports s and loads the export into a new State.
func reload(t *testing.T, s *State) *State {
	t.Helper()
	seed, err := fixture.Parse("export.yaml", []byte(export(t, s)))
	require.NoError(t, err)
	return New(seed)
}

// TestSnapshotRoundTrip: export → load → export gives the same document, whatever the state holds:
// the clock, subscriptions with renews_at, generated invoices, open and used links.
func TestSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	s := newState(t, "description: round trip\n"+testSeed)
	chk, err := s.CreateCheckout("usr_a", "org_c", 2)
	require.NoError(t, err)
	open, err := s.CreateCheckout("usr_a", "org_c", 1) // stays open
	require.NoError(t, err)
	_, err = s.CompleteCheckout(chk.ID, "2030-01")
	require.NoError(t, err)
	crd, err := s.CreateCardUpdate("usr_a", "org_a")
	require.NoError(t, err)
	used, err := s.CreateCardUpdate("usr_a", "org_a")
	require.NoError(t, err)
	require.NoError(t, s.DeclineCardUpdate(used.ID))
	require.NoError(t, s.UpdateQuantity("usr_a", "org_a", 5))
	_, err = s.AdvanceTo(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)

	first := export(t, s)
	back := reload(t, s)
	assert.Equal(t, first, export(t, back))
	assert.Contains(t, first, "description: round trip")
	assert.Contains(t, first, "renews_at: 2027-01-15T00:00:00Z")
	assert.Contains(t, first, crd.ID)
	assert.Contains(t, first, "id: "+open.ID)
	assert.Contains(t, first, "clock: 2027-01-01T00:00:00Z")

	// The used link is still "already used" after the import, the open one still open.
	_, err = back.CardUpdate(used.ID)
	assert.Equal(t, errcode.LinkClosed, code(err))
	_, err = back.CardUpdate(crd.ID)
	assert.Equal(t, errcode.LinkExpired, code(err), "it expired on the clock, an hour after it was made")
	_, err = back.Checkout(chk.ID)
	assert.Equal(t, errcode.LinkClosed, code(err))
}

// TestInvoiceIDsAfterImport: a State loaded from an export numbers its next invoices exactly as the
// original would, and never repeats an id, even one another organization holds.
func TestInvoiceIDsAfterImport(t *testing.T) {
	t.Parallel()
	s := newState(t, testSeed)
	require.NoError(t, s.UpdateQuantity("usr_a", "org_a", 4))
	back := reload(t, s)
	require.NoError(t, s.UpdateQuantity("usr_a", "org_a", 5))
	require.NoError(t, back.UpdateQuantity("usr_a", "org_a", 5))
	assert.Equal(t, export(t, s), export(t, back))
	h, err := back.History("usr_a", "org_a")
	require.NoError(t, err)
	assert.Equal(t, []string{"inv_a_m0002", "inv_a_m0001", "inv_a_1"}, ids(h))

	// An org "a" and an org "org_a" both make inv_a_m... ids: the one counter of every organization
	// keeps them apart, and it starts above every number the seed's ids hold.
	clash := newState(t, `plans: [{id: pro, unit_price: "1.00"}]
users: [{id: u, token: t}]
organizations:
  - {id: org_a, name: A, owner: u, resources: 0, subscription: {plan: pro, quantity: 1, payment_exp: "2030-01", renews_at: 2027-01-01T00:00:00Z},
     invoices: [{id: inv_a_m0007, status: paid, date: "2026-01-01", due_date: "2026-01-01", amount: "1.00"}]}
  - {id: a, name: A2, owner: u, resources: 0, subscription: {plan: pro, quantity: 1, payment_exp: "2030-01", renews_at: 2027-01-01T00:00:00Z}}
`)
	r, err := clash.AdvanceTo(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Len(t, r, 2)
	assert.Equal(t, "inv_a_m0008", r[0].Invoice.ID)
	assert.Equal(t, "inv_a_m0009", r[1].Invoice.ID)
	require.NoError(t, clash.UpdateQuantity("u", "a", 2))
	again := reload(t, clash) // parses: no id is defined twice
	assert.Equal(t, export(t, clash), export(t, again))
}

func ids(invoices []fixture.Invoice) []string {
	out := make([]string, len(invoices))
	for i, inv := range invoices {
		out[i] = inv.ID
	}
	return out
}

func code(err error) errcode.Code {
	var se *errcode.Error
	if errors.As(err, &se) {
		return se.Code
	}
	return ""
}

func TestAdvance(t *testing.T) {
	t.Parallel()
	type want struct {
		org, date, status, amount string
	}
	tests := []struct {
		name     string
		to       time.Time
		renewals []want
		pastDueB bool
	}{
		{"before any renewal", time.Date(2026, 11, 10, 11, 59, 59, 0, time.UTC), nil, false},
		{"one period each, in time order", time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC), []want{
			{"org_b", "2026-11-10", "paid", "81.00"},
			{"org_a", "2026-11-15", "paid", "36.00"},
		}, false},
		{"the card of org_b expires after December", time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC), []want{
			{"org_b", "2026-11-10", "paid", "81.00"},
			{"org_a", "2026-11-15", "paid", "36.00"},
			{"org_b", "2026-12-10", "paid", "81.00"},
			{"org_a", "2026-12-15", "paid", "36.00"},
			{"org_b", "2027-01-10", "unpaid", "81.00"},
			{"org_a", "2027-01-15", "paid", "36.00"},
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newState(t, testSeed)
			r, err := s.AdvanceTo(tt.to)
			require.NoError(t, err)
			var got []want
			for _, rn := range r {
				got = append(got, want{rn.Org, rn.Invoice.Date, rn.Invoice.Status, rn.Invoice.Amount})
				assert.Equal(t, rn.Invoice.Date, rn.Invoice.DueDate, "a renewal is due the day it is made")
			}
			assert.Equal(t, tt.renewals, got)
			assert.Equal(t, tt.to, s.Now())
			d, err := s.Describe("usr_b", "org_b")
			require.NoError(t, err)
			assert.Equal(t, tt.pastDueB, d.PastDue)
		})
	}
}

// TestAdvanceTwelvePeriods: a year at once renews twelve times, in order, at the right amount, and
// history shows them newest first.
func TestAdvanceTwelvePeriods(t *testing.T) {
	t.Parallel()
	s := newState(t, testSeed)
	r, err := s.AdvanceTo(time.Date(2027, 10, 15, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	var dates []string
	for _, rn := range r {
		if rn.Org == "org_a" {
			dates = append(dates, rn.Invoice.Date)
			assert.Equal(t, "36.00", rn.Invoice.Amount)
			assert.Equal(t, "paid", rn.Invoice.Status)
		}
	}
	assert.Equal(t, []string{"2026-11-15", "2026-12-15", "2027-01-15", "2027-02-15", "2027-03-15", "2027-04-15",
		"2027-05-15", "2027-06-15", "2027-07-15", "2027-08-15", "2027-09-15", "2027-10-15"}, dates)
	h, err := s.History("usr_a", "org_a")
	require.NoError(t, err)
	require.Len(t, h, 13)
	assert.Equal(t, "2027-10-15", h[0].Date)
	assert.Equal(t, "2026-11-15", h[11].Date)
	sub, err := s.Describe("usr_a", "org_a")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2027, 11, 15, 0, 0, 0, 0, time.UTC), sub.Subscription.RenewsAt)
}

func TestAdvanceRefusals(t *testing.T) {
	t.Parallel()
	s := newState(t, testSeed)
	before := export(t, s)
	_, err := s.AdvanceTo(time.Date(2026, 11, 1, 8, 59, 59, 0, time.UTC))
	assert.Equal(t, errcode.InvalidParameter, code(err))
	assert.ErrorContains(t, err, "never goes backwards")
	_, _, err = s.AdvanceBy(0)
	assert.Equal(t, errcode.InvalidParameter, code(err))
	_, _, err = s.AdvanceBy(-time.Hour)
	assert.Equal(t, errcode.InvalidParameter, code(err))
	_, err = s.AdvanceTo(time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC))
	assert.Equal(t, errcode.InvalidParameter, code(err), "24,000 renewals at once")
	assert.ErrorContains(t, err, "smaller steps")
	_, err = s.AdvanceTo(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
	assert.Equal(t, errcode.InvalidParameter, code(err))
	assert.Equal(t, before, export(t, s), "a refused change changes nothing")

	r, err := s.AdvanceTo(s.Now())
	require.NoError(t, err)
	assert.Empty(t, r)
	now, r, err := s.AdvanceBy(time.Hour)
	require.NoError(t, err)
	assert.Empty(t, r)
	assert.Equal(t, time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC), now)
}

// TestPastDue: an unpaid charge is past due from its due date on; an unpaid credit never is.
func TestPastDue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		clock, status, due, amount string
		want                       bool
	}{
		{"2026-11-01T23:59:00Z", "unpaid", "2026-11-02", "36.00", false},
		{"2026-11-01T23:59:00Z", "unpaid", "2026-11-01", "36.00", true},
		{"2026-11-01T23:59:00Z", "unpaid", "2026-10-31", "36.00", true},
		{"2026-11-01T23:59:00Z", "unpaid", "2026-10-31", "-36.00", false},
		{"2026-11-01T23:59:00Z", "unpaid", "2026-10-31", "0.00", false},
		{"2026-11-01T23:59:00Z", "paid", "2026-10-31", "36.00", false},
		// A seed's clock is read in UTC: the billing day is the UTC day.
		{"2026-11-01T23:59:00-05:00", "unpaid", "2026-11-02", "36.00", true},
		{"2026-11-02T00:30:00+01:00", "unpaid", "2026-11-02", "36.00", false},
	}
	for _, tt := range tests {
		s := newState(t, `clock: `+tt.clock+`
plans: [{id: pro, unit_price: "12.00"}]
users: [{id: u, token: t}]
organizations:
  - {id: org_a, name: A, owner: u, resources: 0, subscription: {plan: pro, quantity: 1, payment_exp: "2030-01", renews_at: 2026-12-01T00:00:00Z},
     invoices: [{id: inv_1, status: `+tt.status+`, date: "2026-10-01", due_date: "`+tt.due+`", amount: "`+tt.amount+`"}]}
`)
		d, err := s.Describe("u", "org_a")
		require.NoError(t, err)
		assert.Equal(t, tt.want, d.PastDue, "clock %s, %s, due %s, amount %s", tt.clock, tt.status, tt.due, tt.amount)
		wantStatus := Active
		if tt.want {
			wantStatus = PastDue
		}
		assert.Equal(t, wantStatus, d.Subscription.Status)
		// The dashboard's overview applies the same rule, to the invoice and to the subscription.
		ov := s.Overview().Orgs[0]
		assert.Equal(t, tt.want, ov.Invoices[0].Overdue, "overview: clock %s, %s, due %s, amount %s", tt.clock, tt.status, tt.due, tt.amount)
		assert.Equal(t, wantStatus, ov.Subscription.Status)
	}
}

// TestLinksExpireOnTheClock: a link works until LinkTTL of billing clock has passed.
func TestLinksExpireOnTheClock(t *testing.T) {
	t.Parallel()
	s := newState(t, testSeed)
	chk, err := s.CreateCheckout("usr_a", "org_c", 1)
	require.NoError(t, err)
	_, _, err = s.AdvanceBy(LinkTTL - time.Second)
	require.NoError(t, err)
	_, err = s.Checkout(chk.ID)
	require.NoError(t, err)
	_, _, err = s.AdvanceBy(time.Second)
	require.NoError(t, err)
	_, err = s.CompleteCheckout(chk.ID, "")
	assert.Equal(t, errcode.LinkExpired, code(err))
}
