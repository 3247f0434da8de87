package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Subscription is an organization's active subscription.
type Subscription struct {
	Plan       string // the plan's id
	Quantity   int    // instances, 1 to 10000
	PaymentExp string // the card's expiry, YYYY-MM
	PastDue    bool   // an unpaid charge is due today or earlier
	RenewsAt   time.Time
}

// Description is what describe shows: the organization and its subscription, nil when it has none.
type Description struct {
	Organization Organization
	Subscription *Subscription
}

// Quantity bounds: instances are whole, from MinQuantity to MaxQuantity.
const (
	MinQuantity = 1
	MaxQuantity = 10000
)

// Describe returns orgID's organization and subscription. The owner and the members may read it.
func (s *Store) Describe(ctx context.Context, user, orgID string) (Description, error) {
	var d Description
	err := s.view(ctx, func(tx *sql.Tx, now time.Time) error {
		o, err := access(ctx, tx, user, orgID, readAccess)
		if err != nil {
			return err
		}
		d.Organization = o
		sub, ok, err := activeSubscription(ctx, tx, orgID)
		if err != nil || !ok {
			return err
		}
		due, err := pastDue(ctx, tx, orgID, now)
		if err != nil {
			return err
		}
		renews, err := parseTime(sub.renewsAt)
		if err != nil {
			return err
		}
		d.Subscription = &Subscription{Plan: sub.plan, Quantity: sub.quantity, PaymentExp: sub.paymentExp, PastDue: due, RenewsAt: renews}
		return nil
	})
	return d, err
}

// LinkLifetime is how long a payment or update-card link can be used, on the billing clock.
const LinkLifetime = time.Hour

// Link is a payment or update-card link handed to the payment provider's hosted page. The id is
// the last segment of the link's path.
type Link struct {
	ID        string
	Kind      LinkKind
	Org       string
	ExpiresAt time.Time
}

// LinkKind is what completing a link does.
type LinkKind string

// The two kinds of links.
const (
	CheckoutLink   LinkKind = "checkout"    // starts a subscription
	CardUpdateLink LinkKind = "card_update" // replaces the card on file
)

// CreateCheckout opens a checkout for quantity instances of the default plan, to be paid on the
// payment provider's hosted page. Only the owner may; an organization with an active
// subscription is refused with CodeSubscriptionExists. Nothing else changes until the payment
// provider reports the checkout completed.
func (s *Store) CreateCheckout(ctx context.Context, user, orgID string, quantity int) (Link, error) {
	if err := checkQuantity(quantity); err != nil {
		return Link{}, err
	}
	var l Link
	err := s.write(ctx, func(tx *sql.Tx, now time.Time) error {
		if _, err := access(ctx, tx, user, orgID, writeAccess); err != nil {
			return err
		}
		if _, ok, err := activeSubscription(ctx, tx, orgID); err != nil {
			return err
		} else if ok {
			return refuse(CodeSubscriptionExists, "organization %s already has an active subscription", orgID)
		}
		var plan string
		err := tx.QueryRowContext(ctx, `SELECT id FROM plans WHERE is_default = 1`).Scan(&plan)
		if errors.Is(err, sql.ErrNoRows) {
			return errors.New("no default plan: the database has no plan marked is_default")
		}
		if err != nil {
			return fmt.Errorf("read the default plan: %w", err)
		}
		l = Link{ID: newID("chk_"), Kind: CheckoutLink, Org: orgID, ExpiresAt: now.Add(LinkLifetime)}
		_, err = tx.ExecContext(ctx, `INSERT INTO payment_links (id, kind, org_id, plan_id, quantity, created_at, expires_at)
			VALUES (?, 'checkout', ?, ?, ?, ?, ?)`, l.ID, orgID, plan, quantity, formatTime(now), formatTime(l.ExpiresAt))
		if err != nil {
			return fmt.Errorf("open a checkout for %s: %w", orgID, err)
		}
		return nil
	})
	return l, err
}

// CreateCardUpdate opens an update-card link for orgID's active subscription. Only the owner may;
// without an active subscription it refuses with CodeNoActiveSubscription.
func (s *Store) CreateCardUpdate(ctx context.Context, user, orgID string) (Link, error) {
	var l Link
	err := s.changeActive(ctx, user, orgID, func(tx *sql.Tx, now time.Time, sub subscription) error {
		l = Link{ID: newID("crd_"), Kind: CardUpdateLink, Org: orgID, ExpiresAt: now.Add(LinkLifetime)}
		_, err := tx.ExecContext(ctx, `INSERT INTO payment_links (id, kind, org_id, subscription_id, created_at, expires_at)
			VALUES (?, 'card_update', ?, ?, ?, ?)`, l.ID, orgID, sub.id, formatTime(now), formatTime(l.ExpiresAt))
		if err != nil {
			return fmt.Errorf("open a card update for %s: %w", orgID, err)
		}
		return nil
	})
	return l, err
}

// ChangeQuantity sets the number of instances of orgID's active subscription and bills the
// difference at once: an invoice for (new − old) × the plan's unit price, dated and due today, a
// charge for an increase and a credit (negative) for a decrease, paid when the card on file is
// valid today and unpaid otherwise. The same quantity changes nothing. Only the owner may;
// without an active subscription it refuses with CodeNoActiveSubscription.
func (s *Store) ChangeQuantity(ctx context.Context, user, orgID string, quantity int) error {
	if err := checkQuantity(quantity); err != nil {
		return err
	}
	return s.changeActive(ctx, user, orgID, func(tx *sql.Tx, now time.Time, sub subscription) error {
		if quantity == sub.quantity {
			return nil
		}
		delta := int64(quantity-sub.quantity) * sub.unitCents
		if _, err := addInvoice(ctx, tx, orgID, now, delta, cardValidOn(sub.paymentExp, now)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET quantity = ? WHERE id = ?`, quantity, sub.id); err != nil {
			return fmt.Errorf("change the quantity of %s: %w", orgID, err)
		}
		return nil
	})
}

// Cancel ends orgID's active subscription at once; its invoices stay, and a checkout can start a
// new one. Only the owner may; without an active subscription it refuses with
// CodeNoActiveSubscription.
func (s *Store) Cancel(ctx context.Context, user, orgID string) error {
	return s.changeActive(ctx, user, orgID, func(tx *sql.Tx, now time.Time, sub subscription) error {
		if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET canceled_at = ? WHERE id = ?`, formatTime(now), sub.id); err != nil {
			return fmt.Errorf("cancel the subscription of %s: %w", orgID, err)
		}
		return nil
	})
}

// changeActive runs fn in a write transaction on orgID's active subscription, when user owns the
// organization and it has one.
func (s *Store) changeActive(ctx context.Context, user, orgID string, fn func(tx *sql.Tx, now time.Time, sub subscription) error) error {
	return s.write(ctx, func(tx *sql.Tx, now time.Time) error {
		if _, err := access(ctx, tx, user, orgID, writeAccess); err != nil {
			return err
		}
		sub, err := needActive(ctx, tx, orgID)
		if err != nil {
			return err
		}
		return fn(tx, now, sub)
	})
}

func checkQuantity(q int) error {
	if q < MinQuantity || q > MaxQuantity {
		return refuse(CodeInvalidArgument, "quantity must be an integer from %d to %d, got %d", MinQuantity, MaxQuantity, q)
	}
	return nil
}
