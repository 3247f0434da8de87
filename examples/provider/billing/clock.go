package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// clockNow is the billing clock as tx sees it: the test clock's time when the database has one,
// else the wall clock, in UTC to the second.
func clockNow(ctx context.Context, tx *sql.Tx) (time.Time, error) {
	var now string
	switch err := tx.QueryRowContext(ctx, `SELECT now FROM test_clock WHERE id = 1`).Scan(&now); {
	case errors.Is(err, sql.ErrNoRows):
		return time.Now().UTC().Truncate(time.Second), nil
	case err != nil:
		return time.Time{}, fmt.Errorf("read the test clock: %w", err)
	}
	return parseTime(now)
}

// Now returns the billing clock's time.
func (s *Store) Now(ctx context.Context) (time.Time, error) {
	var now time.Time
	err := s.view(ctx, func(_ *sql.Tx, t time.Time) error { now = t; return nil })
	return now, err
}

// MaxRenewalsPerAdvance bounds the renewals one AdvanceClock may bill; advance in steps for more.
const MaxRenewalsPerAdvance = 10000

// AdvanceClock moves the test clock forward by d (more than zero) and, in the same transaction,
// bills every renewal that falls due on the way, in time order (RenewDue's rules). It returns the
// new time and the renewal invoices. A store that bills on the wall clock refuses with
// CodeNoTestClock; more than MaxRenewalsPerAdvance renewals is refused and changes nothing.
func (s *Store) AdvanceClock(ctx context.Context, d time.Duration) (time.Time, []Invoice, error) {
	if d <= 0 {
		return time.Time{}, nil, refuse(CodeInvalidArgument, "the clock only moves forward: %v is not more than zero", d)
	}
	var now time.Time
	var renewals []Invoice
	err := s.write(ctx, func(tx *sql.Tx, was time.Time) error {
		now = was.Add(d).Truncate(time.Second)
		res, err := tx.ExecContext(ctx, `UPDATE test_clock SET now = ? WHERE id = 1`, formatTime(now))
		if err != nil {
			return fmt.Errorf("advance the test clock: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return refuse(CodeNoTestClock, "this database bills on the wall clock; only a test clock can be advanced")
		}
		var more bool
		renewals, more, err = renewDue(ctx, tx, now, MaxRenewalsPerAdvance)
		if err != nil {
			return err
		}
		if more {
			return refuse(CodeInvalidArgument, "more than %d renewals fall due by %s: advance in smaller steps", MaxRenewalsPerAdvance, formatTime(now))
		}
		return nil
	})
	if err != nil {
		return time.Time{}, nil, err
	}
	return now, renewals, nil
}

// renewalBatch is the number of renewals RenewDue bills per transaction.
const renewalBatch = 500

// RenewDue bills every renewal due by the billing clock's now. A subscription renews at the end of
// each period: at renews_at, then a month later (time.AddDate(0, 1, 0)), and so on. Each renewal
// is an invoice for quantity × the plan's unit price, dated and due the renewal day, paid when the
// card on file is valid that day and unpaid otherwise (which makes the subscription past due).
// Renewals are billed in time order, among organizations too. A server calls RenewDue now and
// then; AdvanceClock already bills what a test clock passes.
func (s *Store) RenewDue(ctx context.Context) ([]Invoice, error) {
	var all []Invoice
	for {
		var batch []Invoice
		var more bool
		err := s.write(ctx, func(tx *sql.Tx, now time.Time) error {
			var err error
			batch, more, err = renewDue(ctx, tx, now, renewalBatch)
			return err
		})
		if err != nil {
			return all, err
		}
		all = append(all, batch...)
		if !more {
			return all, nil
		}
	}
}

// renewDue bills, oldest first, at most limit renewals due by now; more reports that others are
// still due.
func renewDue(ctx context.Context, tx *sql.Tx, now time.Time, limit int) (renewals []Invoice, more bool, err error) {
	for {
		var subID, quantity int
		var org, exp, renewsAt string
		var unitCents int64
		err := tx.QueryRowContext(ctx, `
			SELECT s.id, s.org_id, s.quantity, s.payment_exp, s.renews_at, p.unit_cents
			FROM subscriptions s JOIN plans p ON p.id = s.plan_id
			WHERE s.canceled_at IS NULL AND s.renews_at <= ?
			ORDER BY s.renews_at, s.id LIMIT 1`, formatTime(now)).Scan(&subID, &org, &quantity, &exp, &renewsAt, &unitCents)
		if errors.Is(err, sql.ErrNoRows) {
			return renewals, false, nil
		}
		if err != nil {
			return renewals, false, fmt.Errorf("find due renewals: %w", err)
		}
		if len(renewals) == limit {
			return renewals, true, nil
		}
		at, err := parseTime(renewsAt)
		if err != nil {
			return renewals, false, err
		}
		inv, err := addInvoice(ctx, tx, org, at, int64(quantity)*unitCents, cardValidOn(exp, at))
		if err != nil {
			return renewals, false, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET renews_at = ? WHERE id = ?`, formatTime(at.AddDate(0, 1, 0)), subID); err != nil {
			return renewals, false, fmt.Errorf("renew subscription of %s: %w", org, err)
		}
		renewals = append(renewals, inv)
	}
}

// cardValidOn reports whether a card expiring in month exp ("YYYY-MM", valid through the end of
// that month) can be charged on day.
func cardValidOn(exp string, day time.Time) bool {
	month, err := time.Parse("2006-01", exp)
	if err != nil {
		return false
	}
	return day.Before(month.AddDate(0, 1, 0))
}
