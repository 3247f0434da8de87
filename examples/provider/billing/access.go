package billing

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Organization is an organization as its billing shows it.
type Organization struct {
	ID        string
	Name      string
	Owner     string // the owner's user id
	Resources int64  // the cloud resources it manages
}

// HashToken is how an API token is stored: the hex SHA-256 of its text.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Authenticate returns the id of the user whose API token this is, or refuses with
// CodeInvalidToken.
func (s *Store) Authenticate(ctx context.Context, token string) (string, error) {
	var user string
	err := s.read.QueryRowContext(ctx, `SELECT user_id FROM api_tokens WHERE token_sha256 = ?`, HashToken(token)).Scan(&user)
	if errors.Is(err, sql.ErrNoRows) {
		return "", refuse(CodeInvalidToken, "the bearer token is not valid")
	}
	if err != nil {
		return "", fmt.Errorf("authenticate: %w", err)
	}
	return user, nil
}

// accessKind is what a caller wants to do with an organization's billing.
type accessKind int

const (
	readAccess  accessKind = iota // describe, history: the owner and the members
	writeAccess                   // every change: the owner only
)

// access returns orgID's organization if user may read it (readAccess) or change its billing
// (writeAccess). An unknown organization is CodeOrgNotFound, anyone else CodeForbidden; both come
// before any question about the organization's state.
func access(ctx context.Context, tx *sql.Tx, user, orgID string, kind accessKind) (Organization, error) {
	o := Organization{ID: orgID}
	var member bool
	err := tx.QueryRowContext(ctx, `SELECT name, owner_id, resources,
			EXISTS (SELECT 1 FROM memberships WHERE org_id = o.id AND user_id = ?)
		FROM organizations o WHERE id = ?`, user, orgID).Scan(&o.Name, &o.Owner, &o.Resources, &member)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Organization{}, refuse(CodeOrgNotFound, "organization %s does not exist", orgID)
	case err != nil:
		return Organization{}, fmt.Errorf("read organization %s: %w", orgID, err)
	case o.Owner == user:
		return o, nil
	case kind == readAccess && member:
		return o, nil
	case member:
		return Organization{}, refuse(CodeForbidden, "%s is a member of %s, and only its owner may change its billing", user, orgID)
	}
	return Organization{}, refuse(CodeForbidden, "%s may not see the billing of %s", user, orgID)
}

// subscription is an organization's active subscription as stored.
type subscription struct {
	id         int64
	plan       string
	unitCents  int64
	quantity   int
	paymentExp string
	renewsAt   string
}

// activeSubscription returns orgID's active subscription; ok is false when it has none.
func activeSubscription(ctx context.Context, tx *sql.Tx, orgID string) (sub subscription, ok bool, err error) {
	err = tx.QueryRowContext(ctx, `SELECT s.id, s.plan_id, p.unit_cents, s.quantity, s.payment_exp, s.renews_at
		FROM subscriptions s JOIN plans p ON p.id = s.plan_id
		WHERE s.org_id = ? AND s.canceled_at IS NULL`, orgID).
		Scan(&sub.id, &sub.plan, &sub.unitCents, &sub.quantity, &sub.paymentExp, &sub.renewsAt)
	if errors.Is(err, sql.ErrNoRows) {
		return subscription{}, false, nil
	}
	if err != nil {
		return subscription{}, false, fmt.Errorf("read subscription of %s: %w", orgID, err)
	}
	return sub, true, nil
}

// needActive returns orgID's active subscription or refuses with CodeNoActiveSubscription.
func needActive(ctx context.Context, tx *sql.Tx, orgID string) (subscription, error) {
	sub, ok, err := activeSubscription(ctx, tx, orgID)
	if err == nil && !ok {
		err = refuse(CodeNoActiveSubscription, "organization %s has no active subscription", orgID)
	}
	return sub, err
}

// pastDue reports whether orgID has an unpaid charge (not a credit) due on today's date or before.
func pastDue(ctx context.Context, tx *sql.Tx, orgID string, now time.Time) (bool, error) {
	var due bool
	err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM invoices
		WHERE org_id = ? AND paid = 0 AND amount_cents > 0 AND due_date <= ?)`, orgID, formatDate(now)).Scan(&due)
	if err != nil {
		return false, fmt.Errorf("dues of %s: %w", orgID, err)
	}
	return due, nil
}
