package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// EventType is what the payment provider reports about a link.
type EventType string

// The payment provider's events.
const (
	CheckoutCompleted   EventType = "checkout.completed"    // paid: the subscription starts
	CheckoutDeclined    EventType = "checkout.declined"     // not paid: nothing changes
	CardUpdateCompleted EventType = "card_update.completed" // a new card is on file
	CardUpdateDeclined  EventType = "card_update.declined"  // the card stays
)

// PaymentEvent is one event of the payment provider about a link.
type PaymentEvent struct {
	ID         string    // the provider's event id: the same event delivered twice has the same ID
	Type       EventType // what happened
	LinkID     string    // the link's id, the last segment of its path
	PaymentExp string    // the card's expiry (YYYY-MM) for a completion; "" means DefaultCardValidityYears from today
}

// DefaultCardValidityYears is how long a card whose expiry the event does not give stays valid:
// its expiry month is this month, that many calendar years on.
const DefaultCardValidityYears = 3

// defaultCardExpiry is the expiry (YYYY-MM) of a card given without one at now.
func defaultCardExpiry(now time.Time) string {
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	return first.AddDate(DefaultCardValidityYears, 0, 0).Format("2006-01")
}

// ApplyPaymentEvent applies ev in one transaction, together with ev.ID, so that an event
// delivered again changes nothing and is not an error: duplicate reports it.
//
//   - checkout.completed starts the organization's subscription on the checkout's plan and
//     quantity with the card's expiry, renewing a month from now, and adds a paid invoice for the
//     first month (quantity × unit price), dated and due today.
//   - card_update.completed puts the card's expiry on the subscription the link was asked for.
//   - the declines close the link and change nothing else.
//
// A link is used once: an unknown link is CodeLinkNotFound, a completed or declined one
// CodeLinkClosed, one past its hour CodeLinkExpired. A completion with a card that is malformed
// or expired is CodeInvalidCard; a checkout for an organization that meanwhile subscribed is
// CodeSubscriptionExists, a card update for a subscription that has ended
// CodeNoActiveSubscription. A refused event changes nothing.
func (s *Store) ApplyPaymentEvent(ctx context.Context, ev PaymentEvent) (duplicate bool, err error) {
	if ev.ID == "" {
		return false, refuse(CodeInvalidArgument, "the event has no id")
	}
	kind, completes, err := ev.Type.parse()
	if err != nil {
		return false, err
	}
	err = s.write(ctx, func(tx *sql.Tx, now time.Time) error {
		var seen string
		switch err := tx.QueryRowContext(ctx, `SELECT type FROM webhook_events WHERE id = ?`, ev.ID).Scan(&seen); {
		case err == nil:
			duplicate = true
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("look up event %s: %w", ev.ID, err)
		}
		l, err := openLink(ctx, tx, ev.LinkID, kind, now)
		if err != nil {
			return err
		}
		state := "declined"
		if completes {
			state = "completed"
			card, err := newCard(ev.PaymentExp, now)
			if err != nil {
				return err
			}
			if kind == CheckoutLink {
				err = startSubscription(ctx, tx, l, card, now)
			} else {
				err = replaceCard(ctx, tx, l, card)
			}
			if err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE payment_links SET state = ?, closed_at = ? WHERE id = ?`, state, formatTime(now), l.id); err != nil {
			return fmt.Errorf("close link %s: %w", l.id, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_events (id, type, link_id, received_at) VALUES (?, ?, ?, ?)`,
			ev.ID, string(ev.Type), l.id, formatTime(now)); err != nil {
			return fmt.Errorf("record event %s: %w", ev.ID, err)
		}
		return nil
	})
	return duplicate, err
}

func (t EventType) parse() (kind LinkKind, completes bool, err error) {
	switch t {
	case CheckoutCompleted:
		return CheckoutLink, true, nil
	case CheckoutDeclined:
		return CheckoutLink, false, nil
	case CardUpdateCompleted:
		return CardUpdateLink, true, nil
	case CardUpdateDeclined:
		return CardUpdateLink, false, nil
	}
	return "", false, refuse(CodeInvalidArgument, "unknown event type %q (known: %s, %s, %s, %s)", t, CheckoutCompleted, CheckoutDeclined, CardUpdateCompleted, CardUpdateDeclined)
}

// storedLink is an open link as stored.
type storedLink struct {
	id, org        string
	plan           sql.NullString
	quantity       sql.NullInt64
	subscriptionID sql.NullInt64
}

// openLink returns the open link id of this kind, or refuses.
func openLink(ctx context.Context, tx *sql.Tx, id string, kind LinkKind, now time.Time) (storedLink, error) {
	l := storedLink{id: id}
	var state, expires string
	err := tx.QueryRowContext(ctx, `SELECT org_id, plan_id, quantity, subscription_id, state, expires_at
		FROM payment_links WHERE id = ? AND kind = ?`, id, string(kind)).
		Scan(&l.org, &l.plan, &l.quantity, &l.subscriptionID, &state, &expires)
	what := map[LinkKind]string{CheckoutLink: "payment link", CardUpdateLink: "update-card link"}[kind]
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return storedLink{}, refuse(CodeLinkNotFound, "no %s has id %q", what, id)
	case err != nil:
		return storedLink{}, fmt.Errorf("read link %s: %w", id, err)
	case state != "open":
		return storedLink{}, refuse(CodeLinkClosed, "%s %s was already %s", what, id, state)
	case formatTime(now) >= expires:
		return storedLink{}, refuse(CodeLinkExpired, "%s %s expired at %s", what, id, expires)
	}
	return l, nil
}

// newCard returns the expiry of a card given with a completion: exp when it is YYYY-MM and valid
// today, DefaultCardValidityYears from now when it is empty.
func newCard(exp string, now time.Time) (string, error) {
	if exp == "" {
		return defaultCardExpiry(now), nil
	}
	if t, err := time.Parse("2006-01", exp); err != nil || len(exp) != len("2006-01") || t.Year() < 1 {
		return "", refuse(CodeInvalidCard, "card expiry %q is not YYYY-MM", exp)
	}
	if !cardValidOn(exp, now) {
		return "", refuse(CodeInvalidCard, "the card expired at the end of %s", exp)
	}
	return exp, nil
}

func startSubscription(ctx context.Context, tx *sql.Tx, l storedLink, card string, now time.Time) error {
	if _, ok, err := activeSubscription(ctx, tx, l.org); err != nil {
		return err
	} else if ok {
		return refuse(CodeSubscriptionExists, "organization %s subscribed through another link meanwhile", l.org)
	}
	var unitCents int64
	if err := tx.QueryRowContext(ctx, `SELECT unit_cents FROM plans WHERE id = ?`, l.plan.String).Scan(&unitCents); err != nil {
		return fmt.Errorf("read plan %s: %w", l.plan.String, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO subscriptions (org_id, plan_id, quantity, payment_exp, started_at, renews_at)
		VALUES (?, ?, ?, ?, ?, ?)`, l.org, l.plan.String, l.quantity.Int64, card, formatTime(now), formatTime(now.AddDate(0, 1, 0))); err != nil {
		return fmt.Errorf("start the subscription of %s: %w", l.org, err)
	}
	_, err := addInvoice(ctx, tx, l.org, now, l.quantity.Int64*unitCents, true)
	return err
}

func replaceCard(ctx context.Context, tx *sql.Tx, l storedLink, card string) error {
	res, err := tx.ExecContext(ctx, `UPDATE subscriptions SET payment_exp = ? WHERE id = ? AND canceled_at IS NULL`, card, l.subscriptionID.Int64)
	if err != nil {
		return fmt.Errorf("replace the card of %s: %w", l.org, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("replace the card of %s: %w", l.org, err)
	} else if n == 0 {
		return refuse(CodeNoActiveSubscription, "the subscription of %s this link was for has ended", l.org)
	}
	return nil
}
