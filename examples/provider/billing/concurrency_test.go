package billing

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"
)

// ledger reads, in one snapshot, orgID's quantity and the sum of its invoices since the demo data.
// Every change keeps quantity × unit price − the first charge equal to that sum, so a snapshot that
// breaks it saw a half-done change.
func ledger(ctx context.Context, s *Store, orgID string) (quantity int, billed int64, err error) {
	err = s.view(ctx, func(tx *sql.Tx, _ time.Time) error {
		if err := tx.QueryRowContext(ctx, `SELECT quantity FROM subscriptions WHERE org_id = ? AND canceled_at IS NULL`, orgID).Scan(&quantity); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT coalesce(sum(amount_cents), 0) FROM invoices WHERE org_id = ? AND id NOT LIKE 'inv_acme_%'`, orgID).Scan(&billed)
	})
	return quantity, billed, err
}

// TestConcurrentChanges changes one organization's quantity from many goroutines while others
// read: no call fails (no SQLITE_BUSY), no read sees a quantity without its invoice, and in the end
// the invoices add up to the change. Run it with -race.
func TestConcurrentChanges(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const writers, changes, readers = 6, 15, 3
	const unit, start = 1200, 3
	start1 := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, writers*changes+readers)
	for w := range writers {
		wg.Go(func() {
			<-start1
			for i := range changes {
				if err := s.ChangeQuantity(ctx, "usr_owner", "org_acme", 1+(w*changes+i)%50); err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
				}
			}
		})
	}
	done := make(chan struct{})
	var readersWG sync.WaitGroup
	for r := range readers {
		readersWG.Go(func() {
			<-start1
			for n := 0; ; n++ {
				q, billed, err := ledger(ctx, s, "org_acme")
				if err != nil {
					errs <- fmt.Errorf("reader %d: %w", r, err)
					return
				}
				if want := int64(q-start) * unit; billed != want {
					errs <- fmt.Errorf("reader %d saw quantity %d with %d cents billed since the start, want %d", r, q, billed, want)
					return
				}
				if _, err := s.Describe(ctx, "usr_member", "org_acme"); err != nil {
					errs <- fmt.Errorf("reader %d: describe: %w", r, err)
					return
				}
				select {
				case <-done:
					return
				default:
				}
			}
		})
	}
	close(start1)
	wg.Wait()
	close(done)
	readersWG.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	q, billed, err := ledger(ctx, s, "org_acme")
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(q-start) * unit; billed != want {
		t.Errorf("in the end: quantity %d, %d cents billed, want %d", q, billed, want)
	}
}

// TestConcurrentCheckouts pays several open checkouts of one organization at once: exactly one
// starts the subscription, the others are refused, and one first invoice exists.
func TestConcurrentCheckouts(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const n = 8
	links := make([]Link, n)
	for i := range links {
		links[i] = must[Link](t)(s.CreateCheckout(ctx, "usr_owner", "org_new", i+1))
	}
	results := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range links {
		wg.Go(func() {
			<-start
			_, results[i] = s.ApplyPaymentEvent(ctx, PaymentEvent{ID: fmt.Sprintf("evt_race_%d", i), Type: CheckoutCompleted, LinkID: links[i].ID})
		})
	}
	close(start)
	wg.Wait()
	paid := 0
	for i, err := range results {
		switch CodeOf(err) {
		case "":
			if err != nil {
				t.Errorf("checkout %d: %v", i, err)
			}
			paid++
		case CodeSubscriptionExists:
		default:
			t.Errorf("checkout %d: %v", i, err)
		}
	}
	if paid != 1 {
		t.Errorf("%d checkouts were paid, want 1", paid)
	}
	if h := must[[]Invoice](t)(s.History(ctx, "usr_owner", "org_new")); len(h) != 1 {
		t.Errorf("%d invoices, want 1: %+v", len(h), h)
	}
}
