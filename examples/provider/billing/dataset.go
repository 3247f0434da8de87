package billing

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Dataset is a whole billing state, for demos and tests: Load replaces the database's contents
// with it.
type Dataset struct {
	Clock         time.Time // the test clock's start; zero means the wall clock
	Plans         []Plan
	Users         []User
	Organizations []OrgData
}

// Plan is a plan and its price.
type Plan struct {
	ID        string
	Name      string
	UnitCents int64 // per instance per month
	Default   bool  // the plan a checkout subscribes to (exactly one)
}

// User is a user and the API tokens that act as them.
type User struct {
	ID     string
	Tokens []string
}

// OrgData is an organization with its members, subscription and invoices.
type OrgData struct {
	Organization
	Members      []string // user ids that may read its billing
	Subscription *SubscriptionData
	Invoices     []Invoice // in creation order; Org is filled in
}

// SubscriptionData is an active subscription.
type SubscriptionData struct {
	Plan       string
	Quantity   int
	PaymentExp string
	StartedAt  time.Time
	RenewsAt   time.Time
}

// Load replaces everything the database holds (every table but schema_migrations) with d, in one
// transaction: a dataset the schema refuses changes nothing.
func (s *Store) Load(ctx context.Context, d Dataset) error {
	return s.write(ctx, func(tx *sql.Tx, _ time.Time) error {
		for _, table := range []string{"webhook_events", "payment_links", "invoices", "subscriptions",
			"memberships", "organizations", "api_tokens", "users", "plans", "test_clock"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+table); err != nil {
				return fmt.Errorf("load dataset: empty %s: %w", table, err)
			}
		}
		ins := inserter{ctx: ctx, tx: tx}
		if !d.Clock.IsZero() {
			ins.exec(`INSERT INTO test_clock (id, now) VALUES (1, ?)`, formatTime(d.Clock.Truncate(time.Second)))
		}
		for _, p := range d.Plans {
			ins.exec(`INSERT INTO plans (id, name, unit_cents, is_default) VALUES (?, ?, ?, ?)`, p.ID, p.Name, p.UnitCents, p.Default)
		}
		for _, u := range d.Users {
			ins.exec(`INSERT INTO users (id) VALUES (?)`, u.ID)
			for _, t := range u.Tokens {
				ins.exec(`INSERT INTO api_tokens (token_sha256, user_id) VALUES (?, ?)`, HashToken(t), u.ID)
			}
		}
		for _, o := range d.Organizations {
			ins.exec(`INSERT INTO organizations (id, name, owner_id, resources) VALUES (?, ?, ?, ?)`, o.ID, o.Name, o.Owner, o.Resources)
			for _, m := range o.Members {
				ins.exec(`INSERT INTO memberships (org_id, user_id) VALUES (?, ?)`, o.ID, m)
			}
			if sub := o.Subscription; sub != nil {
				ins.exec(`INSERT INTO subscriptions (org_id, plan_id, quantity, payment_exp, started_at, renews_at) VALUES (?, ?, ?, ?, ?, ?)`,
					o.ID, sub.Plan, sub.Quantity, sub.PaymentExp, formatTime(sub.StartedAt), formatTime(sub.RenewsAt))
			}
			for _, inv := range o.Invoices {
				inv.Org = o.ID
				if ins.err == nil {
					ins.err = insertInvoice(ctx, tx, inv)
				}
			}
		}
		if ins.err != nil {
			return fmt.Errorf("load dataset: %w", ins.err)
		}
		return nil
	})
}

// inserter runs statements until the first error, which it keeps.
type inserter struct {
	ctx context.Context
	tx  *sql.Tx
	err error
}

func (i *inserter) exec(query string, args ...any) {
	if i.err != nil {
		return
	}
	if _, err := i.tx.ExecContext(i.ctx, query, args...); err != nil {
		i.err = fmt.Errorf("%s %v: %w", query, args, err)
	}
}

// Demo is the demo data: the billing mock's default roles, so that the contract suite runs
// against a provider loaded with it without any option. A test clock starts at
// 2026-11-01T09:00:00Z.
//
//	token         user          may
//	tok_owner     usr_owner     owner of org_acme (pro, 3 instances) and org_new (no subscription)
//	tok_member    usr_member    member of org_acme: may read its billing, not change it
//	tok_outsider  usr_outsider  owner of org_outsider (enterprise, 7 instances); nothing else
func Demo() Dataset {
	day := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	inv := func(id, date, due string, cents int64, paid bool) Invoice {
		return Invoice{ID: id, Date: date, DueDate: due, AmountCents: cents, Paid: paid}
	}
	return Dataset{
		Clock: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC),
		Plans: []Plan{
			{ID: "pro", Name: "Cloud Plans Pro", UnitCents: 1200, Default: true},
			{ID: "enterprise", Name: "Cloud Plans Enterprise", UnitCents: 4000},
		},
		Users: []User{
			{ID: "usr_owner", Tokens: []string{"tok_owner"}},
			{ID: "usr_member", Tokens: []string{"tok_member"}},
			{ID: "usr_outsider", Tokens: []string{"tok_outsider"}},
		},
		Organizations: []OrgData{
			{
				Organization: Organization{ID: "org_acme", Name: "Acme Corp", Owner: "usr_owner", Resources: 12},
				Members:      []string{"usr_member"},
				Subscription: &SubscriptionData{Plan: "pro", Quantity: 3, PaymentExp: "2028-04", StartedAt: day("2026-07-15"), RenewsAt: day("2026-11-15")},
				Invoices: []Invoice{
					inv("inv_acme_0001", "2026-07-15", "2026-07-29", 3600, true),
					inv("inv_acme_0002", "2026-08-15", "2026-08-29", 3600, true),
					inv("inv_acme_0003", "2026-09-15", "2026-09-29", 3600, true),
					inv("inv_acme_0004", "2026-10-15", "2026-11-14", 3600, false),
				},
			},
			{Organization: Organization{ID: "org_new", Name: "New Co", Owner: "usr_owner"}},
			{
				Organization: Organization{ID: "org_outsider", Name: "Outsider Ltd", Owner: "usr_outsider", Resources: 4},
				Subscription: &SubscriptionData{Plan: "enterprise", Quantity: 7, PaymentExp: "2029-01", StartedAt: day("2026-10-20"), RenewsAt: day("2026-11-20")},
				Invoices:     []Invoice{inv("inv_out_0001", "2026-10-20", "2026-11-03", 28000, true)},
			},
		},
	}
}
