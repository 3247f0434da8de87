package state

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudplans/billing-mock/mock/fixture"
)

// TestDayOf: a day number says the date t.Format(time.DateOnly) writes, in t's own location, before
// and after 1970, and round-trips through String.
func TestDayOf(t *testing.T) {
	t.Parallel()
	east := time.FixedZone("UTC+14", 14*3600)
	west := time.FixedZone("UTC-12", -12*3600)
	for _, tm := range []time.Time{
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(1900, 3, 1, 12, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC),
		time.Date(2028, 2, 29, 23, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 1, 9, 0, 0, 0, east),
		time.Date(2026, 11, 1, 1, 0, 0, 0, west),
		time.Date(9999, 12, 31, 23, 59, 59, 999, time.UTC),
	} {
		d := dayOf(tm)
		assert.Equal(t, tm.Format(time.DateOnly), d.String(), "%s", tm)
	}
	assert.Equal(t, day(1), dayOf(time.Date(1970, 1, 2, 0, 0, 0, 0, time.UTC))-dayOf(time.Date(1970, 1, 1, 23, 0, 0, 0, time.UTC)))
}

// TestMadeInvoice: a made invoice reads back as the invoice the rules describe, its id numbered
// with at least four digits.
func TestMadeInvoice(t *testing.T) {
	t.Parallel()
	date := dayOf(time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC))
	tests := []struct {
		m    madeInvoice
		want fixture.Invoice
	}{
		{madeInvoice{cents: 3600, num: 7, date: date, paid: true},
			fixture.Invoice{ID: "inv_acme_m0007", Status: "paid", Date: "2026-11-01", DueDate: "2026-11-01", Amount: "36.00"}},
		{madeInvoice{cents: -1250, num: 12345, date: date},
			fixture.Invoice{ID: "inv_acme_m12345", Status: "unpaid", Date: "2026-11-01", DueDate: "2026-11-01", Amount: "-12.50"}},
		{madeInvoice{cents: 5, num: 1, date: date},
			fixture.Invoice{ID: "inv_acme_m0001", Status: "unpaid", Date: "2026-11-01", DueDate: "2026-11-01", Amount: "0.05"}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.m.invoice(invoiceIDPrefix("org_acme")))
	}
	assert.Equal(t, "inv_x_m", invoiceIDPrefix("x"), "an id without org_ keeps its whole name")
}

// TestMadeInvoicesHoldNoPointers: the garbage collector never scans made invoices only while they
// hold no pointers; a string, slice or pointer field added to them breaks that.
func TestMadeInvoicesHoldNoPointers(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeFor[madeInvoice]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		switch f.Type.Kind() {
		case reflect.Bool, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		default:
			t.Errorf("madeInvoice.%s is a %s: made invoices must hold no pointers", f.Name, f.Type)
		}
	}
}

// TestQuantityChangeAllocates: a change of quantity allocates nothing but the room its invoice
// takes in the ledger, whose growth is amortised, so even a client that changes quantities in a
// loop does not make the collector work harder per request.
func TestQuantityChangeAllocates(t *testing.T) {
	s := newState(t, testSeed)
	q := 3
	allocs := testing.AllocsPerRun(2000, func() {
		q = 7 - q // 3, 4, 3, ...
		if err := s.UpdateQuantity("usr_a", "org_a", q); err != nil {
			t.Fatal(err)
		}
	})
	assert.Less(t, allocs, 0.1)
	h, err := s.History("usr_a", "org_a")
	require.NoError(t, err)
	assert.Len(t, h, 2002, "the seed's invoice and one per change")
	d, err := s.Describe("usr_a", "org_a")
	require.NoError(t, err)
	assert.False(t, d.PastDue)
}

// TestMadeInvoicesAreBounded: beyond maxMade made invoices an organization forgets the oldest made
// one (and whether it was owed), never one it was loaded with, and new ids keep counting.
func TestMadeInvoicesAreBounded(t *testing.T) {
	t.Parallel()
	seed, err := fixture.Parse("test.yaml", []byte(testSeed))
	require.NoError(t, err)
	s := NewLimited(seed, 3)
	// An expired card: every change is an unpaid charge or credit.
	s.orgs["org_a"].Subscription.PaymentExp = "2020-01"
	for _, q := range []int{5, 4, 9, 10, 11} { // +2 (owed), -1, +5 (owed), +1 (owed), +1 (owed)
		require.NoError(t, s.UpdateQuantity("usr_a", "org_a", q))
	}
	h, err := s.History("usr_a", "org_a")
	require.NoError(t, err)
	assert.Equal(t, []string{"inv_a_m0005", "inv_a_m0004", "inv_a_m0003", "inv_a_1"}, ids(h))
	assert.Equal(t, 3, s.orgs["org_a"].unpaidMade, "the forgotten charge and credit are no longer counted")
	d, err := s.Describe("usr_a", "org_a")
	require.NoError(t, err)
	assert.True(t, d.PastDue)

	// A bound of 1 keeps only the latest; after a paid change nothing is owed any more.
	s = NewLimited(seed, 0)
	s.orgs["org_a"].Subscription.PaymentExp = "2020-01"
	require.NoError(t, s.UpdateQuantity("usr_a", "org_a", 5))
	s.orgs["org_a"].Subscription.PaymentExp = "2030-01"
	require.NoError(t, s.UpdateQuantity("usr_a", "org_a", 6))
	h, err = s.History("usr_a", "org_a")
	require.NoError(t, err)
	assert.Equal(t, []string{"inv_a_m0002", "inv_a_1"}, ids(h))
	d, err = s.Describe("usr_a", "org_a")
	require.NoError(t, err)
	assert.False(t, d.PastDue)
}
