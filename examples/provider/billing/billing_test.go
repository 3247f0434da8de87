package billing

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// newStore is a fresh database file with the demo data.
func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "billing.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Load(context.Background(), Demo()); err != nil {
		t.Fatal(err)
	}
	return s
}

func wantCode(t *testing.T, what string, err error, code Code) {
	t.Helper()
	if got := CodeOf(err); got != code {
		t.Errorf("%s: got %v (code %q), want code %q", what, err, got, code)
	}
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

var eventSeq int

// pay completes (or declines) a link as the payment provider's webhook does.
func pay(t *testing.T, s *Store, typ EventType, link, exp string) error {
	t.Helper()
	eventSeq++
	_, err := s.ApplyPaymentEvent(context.Background(), PaymentEvent{ID: fmt.Sprintf("evt_%d", eventSeq), Type: typ, LinkID: link, PaymentExp: exp})
	return err
}

func TestAccess(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for _, c := range []struct {
		name string
		err  error
		code Code
	}{
		{"member reads", second(s.Describe(ctx, "usr_member", "org_acme")), ""},
		{"member reads history", second(s.History(ctx, "usr_member", "org_acme")), ""},
		{"member changes", s.ChangeQuantity(ctx, "usr_member", "org_acme", 4), CodeForbidden},
		{"member cancels", s.Cancel(ctx, "usr_member", "org_acme"), CodeForbidden},
		{"outsider reads", second(s.Describe(ctx, "usr_outsider", "org_acme")), CodeForbidden},
		{"outsider cancels an org without subscription: 403 before 409", s.Cancel(ctx, "usr_outsider", "org_new"), CodeForbidden},
		{"owner reads the outsider's org", second(s.History(ctx, "usr_owner", "org_outsider")), CodeForbidden},
		{"unknown org", second(s.Describe(ctx, "usr_owner", "org_nope")), CodeOrgNotFound},
		{"unknown org before permission", s.Cancel(ctx, "usr_outsider", "org_nope"), CodeOrgNotFound},
		{"owner cancels without subscription", s.Cancel(ctx, "usr_owner", "org_new"), CodeNoActiveSubscription},
		{"payment link while subscribed", second(s.CreateCheckout(ctx, "usr_owner", "org_acme", 2)), CodeSubscriptionExists},
		{"quantity 0", second(s.CreateCheckout(ctx, "usr_owner", "org_new", 0)), CodeInvalidArgument},
		{"unknown token", second(s.Authenticate(ctx, "tok_nope")), CodeInvalidToken},
	} {
		wantCode(t, c.name, c.err, c.code)
	}
	if u, err := s.Authenticate(ctx, "tok_member"); err != nil || u != "usr_member" {
		t.Errorf("tok_member is %q, %v", u, err)
	}
}

func second[T any](_ T, err error) error { return err }

func TestSubscribeChangeCancel(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := must[time.Time](t)(s.Now(ctx))
	link := must[Link](t)(s.CreateCheckout(ctx, "usr_owner", "org_new", 2))
	if d := must[Description](t)(s.Describe(ctx, "usr_owner", "org_new")); d.Subscription != nil {
		t.Fatalf("an open checkout subscribed: %+v", d.Subscription)
	}
	if err := pay(t, s, CheckoutCompleted, link.ID, "2031-06"); err != nil {
		t.Fatal(err)
	}
	d := must[Description](t)(s.Describe(ctx, "usr_owner", "org_new"))
	want := Subscription{Plan: "pro", Quantity: 2, PaymentExp: "2031-06", RenewsAt: now.AddDate(0, 1, 0)}
	if d.Subscription == nil || *d.Subscription != want {
		t.Fatalf("after paying: %+v, want %+v", d.Subscription, want)
	}
	today := now.Format(time.DateOnly)
	checkHistory(t, s, "org_new", []Invoice{{Date: today, DueDate: today, AmountCents: 2400, Paid: true}})

	wantCode(t, "the link again", pay(t, s, CheckoutCompleted, link.ID, ""), CodeLinkClosed)
	wantCode(t, "declining a paid link", pay(t, s, CheckoutDeclined, link.ID, ""), CodeLinkClosed)
	wantCode(t, "a card update link as a checkout", pay(t, s, CheckoutCompleted, must[Link](t)(s.CreateCardUpdate(ctx, "usr_owner", "org_new")).ID, ""), CodeLinkNotFound)

	for _, q := range []int{5, 5, 1} { // a charge, nothing, a credit
		if err := s.ChangeQuantity(ctx, "usr_owner", "org_new", q); err != nil {
			t.Fatal(err)
		}
	}
	checkHistory(t, s, "org_new", []Invoice{ // one date: the most recently created first
		{Date: today, DueDate: today, AmountCents: -4 * 1200, Paid: true},
		{Date: today, DueDate: today, AmountCents: 3 * 1200, Paid: true},
		{Date: today, DueDate: today, AmountCents: 2400, Paid: true},
	})
	if err := s.Cancel(ctx, "usr_owner", "org_new"); err != nil {
		t.Fatal(err)
	}
	if d := must[Description](t)(s.Describe(ctx, "usr_owner", "org_new")); d.Subscription != nil {
		t.Errorf("after cancel: %+v", d.Subscription)
	}
	if h := must[[]Invoice](t)(s.History(ctx, "usr_owner", "org_new")); len(h) != 3 {
		t.Errorf("cancel dropped invoices: %d left", len(h))
	}
	wantCode(t, "update after cancel", s.ChangeQuantity(ctx, "usr_owner", "org_new", 2), CodeNoActiveSubscription)
	again := must[Link](t)(s.CreateCheckout(ctx, "usr_owner", "org_new", 7))
	if err := pay(t, s, CheckoutCompleted, again.ID, ""); err != nil {
		t.Fatal(err)
	}
	d = must[Description](t)(s.Describe(ctx, "usr_owner", "org_new"))
	if d.Subscription == nil || d.Subscription.Quantity != 7 || d.Subscription.PaymentExp != fmt.Sprintf("%04d-%02d", now.Year()+DefaultCardValidityYears, now.Month()) {
		t.Errorf("subscribed again: %+v", d.Subscription)
	}
}

// checkHistory compares orgID's history, newest first, with want (ids are not compared).
func checkHistory(t *testing.T, s *Store, orgID string, want []Invoice) {
	t.Helper()
	got := must[[]Invoice](t)(s.History(context.Background(), "usr_owner", orgID))
	if len(got) != len(want) {
		t.Fatalf("history of %s: %d invoices %+v, want %d", orgID, len(got), got, len(want))
	}
	ids := map[string]bool{}
	for i := range got {
		if ids[got[i].ID] {
			t.Errorf("invoice id %s repeats", got[i].ID)
		}
		ids[got[i].ID] = true
		w := want[i]
		w.ID, w.Org = got[i].ID, orgID
		if got[i] != w {
			t.Errorf("history of %s [%d]: %+v, want %+v", orgID, i, got[i], w)
		}
	}
}

func TestLinks(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	checkout := must[Link](t)(s.CreateCheckout(ctx, "usr_owner", "org_new", 1))
	wantCode(t, "an expired card", pay(t, s, CheckoutCompleted, checkout.ID, "2026-10"), CodeInvalidCard)
	wantCode(t, "a malformed card", pay(t, s, CheckoutCompleted, checkout.ID, "2026-13"), CodeInvalidCard)
	wantCode(t, "an unknown link", pay(t, s, CheckoutCompleted, "chk_nope", ""), CodeLinkNotFound)
	wantCode(t, "an unknown event type", pay(t, s, "checkout.refunded", checkout.ID, ""), CodeInvalidArgument)

	// Redelivery: the same event id applies once.
	ev := PaymentEvent{ID: "evt_same", Type: CheckoutDeclined, LinkID: checkout.ID}
	if dup, err := s.ApplyPaymentEvent(ctx, ev); dup || err != nil {
		t.Fatalf("first delivery: duplicate %v, %v", dup, err)
	}
	if dup, err := s.ApplyPaymentEvent(ctx, ev); !dup || err != nil {
		t.Fatalf("second delivery: duplicate %v, %v", dup, err)
	}
	if d := must[Description](t)(s.Describe(ctx, "usr_owner", "org_new")); d.Subscription != nil {
		t.Errorf("a declined checkout subscribed: %+v", d.Subscription)
	}

	// Two open checkouts: the second one paid finds the organization subscribed.
	a := must[Link](t)(s.CreateCheckout(ctx, "usr_owner", "org_new", 1))
	b := must[Link](t)(s.CreateCheckout(ctx, "usr_owner", "org_new", 2))
	if err := pay(t, s, CheckoutCompleted, a.ID, ""); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "a second checkout", pay(t, s, CheckoutCompleted, b.ID, ""), CodeSubscriptionExists)

	// Card updates: saved, declined, for a subscription that ended.
	card := must[Link](t)(s.CreateCardUpdate(ctx, "usr_owner", "org_acme"))
	if err := pay(t, s, CardUpdateCompleted, card.ID, "2032-11"); err != nil {
		t.Fatal(err)
	}
	declined := must[Link](t)(s.CreateCardUpdate(ctx, "usr_owner", "org_acme"))
	if err := pay(t, s, CardUpdateDeclined, declined.ID, ""); err != nil {
		t.Fatal(err)
	}
	if d := must[Description](t)(s.Describe(ctx, "usr_owner", "org_acme")); d.Subscription.PaymentExp != "2032-11" {
		t.Errorf("card after save and decline: %s", d.Subscription.PaymentExp)
	}
	late := must[Link](t)(s.CreateCardUpdate(ctx, "usr_owner", "org_acme"))
	if err := s.Cancel(ctx, "usr_owner", "org_acme"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "a card update after cancel", pay(t, s, CardUpdateCompleted, late.ID, ""), CodeNoActiveSubscription)

	// A link lasts LinkLifetime on the billing clock.
	old := must[Link](t)(s.CreateCheckout(ctx, "usr_owner", "org_acme", 1))
	if _, _, err := s.AdvanceClock(ctx, LinkLifetime); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "an expired link", pay(t, s, CheckoutCompleted, old.ID, ""), CodeLinkExpired)
}

func TestRenewalsAndPastDue(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if d := must[Description](t)(s.Describe(ctx, "usr_owner", "org_acme")); d.Subscription.PastDue {
		t.Fatal("past due before the unpaid invoice is due")
	}
	// 2026-11-01T09 + 30 days: org_acme renews on 11-15, org_outsider on 11-20, in that order;
	// inv_acme_0004 (unpaid, due 11-14) is overdue by then.
	now, renewals, err := s.AdvanceClock(ctx, 720*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC); !now.Equal(want) {
		t.Errorf("clock %v, want %v", now, want)
	}
	if len(renewals) != 2 || renewals[0].Org != "org_acme" || renewals[0].Date != "2026-11-15" || renewals[0].AmountCents != 3600 || !renewals[0].Paid ||
		renewals[1].Org != "org_outsider" || renewals[1].Date != "2026-11-20" || renewals[1].AmountCents != 28000 {
		t.Errorf("renewals %+v", renewals)
	}
	if d := must[Description](t)(s.Describe(ctx, "usr_owner", "org_acme")); !d.Subscription.PastDue || !d.Subscription.RenewsAt.Equal(time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("org_acme after a month: %+v", d.Subscription)
	}
	if d := must[Description](t)(s.Describe(ctx, "usr_outsider", "org_outsider")); d.Subscription.PastDue {
		t.Error("org_outsider is past due")
	}
	if h := must[[]Invoice](t)(s.History(ctx, "usr_owner", "org_acme")); h[0].ID != renewals[0].ID {
		t.Errorf("the renewal is not first in history: %+v", h[0])
	}
	_, _, err = s.AdvanceClock(ctx, 0)
	wantCode(t, "advance by zero", err, CodeInvalidArgument)
}

// TestRenewalWithAnExpiredCard: a renewal on a day the card is no longer valid is unpaid, and the
// subscription is past due at once; a credit left unpaid is not a debt.
func TestRenewalWithAnExpiredCard(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	d := Demo()
	d.Organizations[0].Subscription.PaymentExp = "2026-11" // valid through 2026-11-30
	d.Organizations[0].Invoices = nil
	if err := s.Load(ctx, d); err != nil {
		t.Fatal(err)
	}
	if _, renewals, err := s.AdvanceClock(ctx, 720*time.Hour); err != nil || len(renewals) != 2 || !renewals[0].Paid {
		t.Fatalf("first renewal (11-15, card valid): %+v, %v", renewals, err)
	}
	if _, renewals, err := s.AdvanceClock(ctx, 15*24*time.Hour); err != nil || len(renewals) != 1 || renewals[0].Paid || renewals[0].Date != "2026-12-15" {
		t.Fatalf("second renewal (12-15, card expired): %+v, %v", renewals, err)
	}
	if d := must[Description](t)(s.Describe(ctx, "usr_owner", "org_acme")); !d.Subscription.PastDue {
		t.Error("not past due after an unpaid renewal")
	}

	// A decrease with an expired card is an unpaid credit, which owes nothing.
	d = Demo()
	d.Organizations[0].Subscription.PaymentExp = "2026-10"
	d.Organizations[0].Invoices = nil
	if err := s.Load(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := s.ChangeQuantity(ctx, "usr_owner", "org_acme", 2); err != nil {
		t.Fatal(err)
	}
	if d := must[Description](t)(s.Describe(ctx, "usr_owner", "org_acme")); d.Subscription.PastDue {
		t.Error("an unpaid credit made it past due")
	}
	if err := s.ChangeQuantity(ctx, "usr_owner", "org_acme", 4); err != nil {
		t.Fatal(err)
	}
	if d := must[Description](t)(s.Describe(ctx, "usr_owner", "org_acme")); !d.Subscription.PastDue {
		t.Error("an unpaid charge due today did not make it past due")
	}
}

func TestWallClock(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	d := Demo()
	d.Clock = time.Time{}
	if err := s.Load(ctx, d); err != nil {
		t.Fatal(err)
	}
	before := time.Now().Add(-time.Second)
	if now := must[time.Time](t)(s.Now(ctx)); now.Before(before) || now.After(time.Now().Add(time.Second)) {
		t.Errorf("wall clock reads %v", now)
	}
	_, _, err := s.AdvanceClock(ctx, time.Hour)
	wantCode(t, "advance the wall clock", err, CodeNoTestClock)
	// The demo subscriptions renewed on 2026-11-15 and 11-20 and monthly since: RenewDue bills
	// every period up to now.
	renewals := must[[]Invoice](t)(s.RenewDue(ctx))
	if len(renewals) < 2 {
		t.Fatalf("renewals by the wall clock: %+v", renewals)
	}
	if again := must[[]Invoice](t)(s.RenewDue(ctx)); len(again) != 0 {
		t.Errorf("RenewDue billed twice: %+v", again)
	}
}

func TestFormatCents(t *testing.T) {
	for c, want := range map[int64]string{0: "0.00", 5: "0.05", 3600: "36.00", -1200: "-12.00", -5: "-0.05", 123456: "1234.56"} {
		if got := FormatCents(c); got != want {
			t.Errorf("FormatCents(%d) = %q, want %q", c, got, want)
		}
	}
}

func TestLoadRefusesABrokenDataset(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	d := Demo()
	d.Organizations[0].Subscription.Quantity = 0
	if err := s.Load(ctx, d); err == nil {
		t.Fatal("a quantity of 0 was loaded")
	}
	if d := must[Description](t)(s.Describe(ctx, "usr_owner", "org_acme")); d.Subscription == nil || d.Subscription.Quantity != 3 {
		t.Errorf("a refused dataset changed the state: %+v", d.Subscription)
	}
}

// TestDefaultCardExpiry: a card given without an expiry expires in the same month, three calendar
// years on, whatever the day of the month.
func TestDefaultCardExpiry(t *testing.T) {
	for _, c := range []struct {
		now  time.Time
		want string
	}{
		{time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC), "2029-12"},
		{time.Date(2028, 2, 29, 23, 59, 0, 0, time.UTC), "2031-02"},
		{time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), "2029-01"},
		{time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC), "2029-12"},
	} {
		if got := defaultCardExpiry(c.now); got != c.want {
			t.Errorf("defaultCardExpiry(%s) = %s, want %s", c.now, got, c.want)
		}
	}
}
