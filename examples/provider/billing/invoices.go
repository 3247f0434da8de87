package billing

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"
)

// Invoice is one invoice of an organization.
type Invoice struct {
	ID          string
	Org         string
	Date        string // YYYY-MM-DD (UTC)
	DueDate     string // YYYY-MM-DD, on or after Date
	AmountCents int64  // negative for a credit
	Paid        bool
}

// Amount writes the amount in dollars with two decimals: 3600 is "36.00", -1200 is "-12.00".
func (inv Invoice) Amount() string { return FormatCents(inv.AmountCents) }

// FormatCents writes cents as dollars with two decimals.
func FormatCents(c int64) string {
	sign := ""
	u := uint64(c)
	if c < 0 {
		sign, u = "-", uint64(-c)
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// newID returns prefix followed by 16 random hex digits. Link ids are bearer capabilities (whoever
// holds the link may pay it), so they come from crypto/rand.
func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand's contract)
	return prefix + hex.EncodeToString(b[:])
}

// addInvoice adds an invoice of org dated and due on day's date.
func addInvoice(ctx context.Context, tx *sql.Tx, org string, day time.Time, cents int64, paid bool) (Invoice, error) {
	inv := Invoice{ID: newID("inv_"), Org: org, Date: formatDate(day), DueDate: formatDate(day), AmountCents: cents, Paid: paid}
	if err := insertInvoice(ctx, tx, inv); err != nil {
		return Invoice{}, err
	}
	return inv, nil
}

func insertInvoice(ctx context.Context, tx *sql.Tx, inv Invoice) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO invoices (id, org_id, date, due_date, amount_cents, paid) VALUES (?, ?, ?, ?, ?, ?)`,
		inv.ID, inv.Org, inv.Date, inv.DueDate, inv.AmountCents, inv.Paid); err != nil {
		return fmt.Errorf("add invoice %s of %s: %w", inv.ID, inv.Org, err)
	}
	return nil
}

// History returns the invoices of orgID, newest first: by date descending and, among invoices of
// one date, the most recently created first. The owner and the members may read it.
func (s *Store) History(ctx context.Context, user, orgID string) ([]Invoice, error) {
	invoices := []Invoice{}
	err := s.view(ctx, func(tx *sql.Tx, _ time.Time) error {
		if _, err := access(ctx, tx, user, orgID, readAccess); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, date, due_date, amount_cents, paid FROM invoices
			WHERE org_id = ? ORDER BY date DESC, seq DESC`, orgID)
		if err != nil {
			return fmt.Errorf("history of %s: %w", orgID, err)
		}
		defer func() { _ = rows.Close() }()
		for rows.Next() {
			inv := Invoice{Org: orgID}
			if err := rows.Scan(&inv.ID, &inv.Date, &inv.DueDate, &inv.AmountCents, &inv.Paid); err != nil {
				return fmt.Errorf("history of %s: %w", orgID, err)
			}
			invoices = append(invoices, inv)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return invoices, nil
}
