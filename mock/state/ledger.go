package state

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cloudplans/billing-mock/mock/fixture"
)

// org is an organization as a State keeps it: the fixture's record, whose Invoices are the ones the
// State was loaded with, and the invoices the State made since, oldest first.
//
// Made invoices hold no pointers, so that the garbage collector never scans them, however many a
// client makes (every quantity change makes one); they become fixture invoices only when listed.
type org struct {
	fixture.Organization
	made []madeInvoice
	// owedSince holds the due dates of the loaded invoices that are unpaid charges (a positive
	// amount), and unpaidMade counts the made ones, so that describe's past_due check neither
	// formats nor parses a date.
	owedSince  []day
	unpaidMade int
}

// newOrg is the State's copy of a loaded organization.
func newOrg(o *fixture.Organization) *org {
	c := &org{Organization: *copyOrg(o)}
	for _, inv := range c.Invoices {
		if due, owed := loadedOwed(inv); owed {
			c.owedSince = append(c.owedSince, due)
		}
	}
	return c
}

// loadedOwed reports whether a loaded invoice is an unpaid charge, owed from its due date on (see
// madeInvoice.owed), and that date.
func loadedOwed(inv fixture.Invoice) (due day, owed bool) {
	if inv.Status != "unpaid" || Cents(inv.Amount) <= 0 {
		return 0, false
	}
	t, err := time.Parse(time.DateOnly, inv.DueDate)
	if err != nil { // unreachable: fixture.Parse checks the date
		t = time.Time{}
	}
	return dayOf(t), true
}

// add appends an invoice the State made, forgetting the oldest made one first when maxMade are
// kept already. (Cutting the slice's front leaves the array's start unused until the next append
// that grows it copies only the kept part: the array stays within about twice maxMade.)
func (o *org) add(m madeInvoice, maxMade int) {
	if len(o.made) >= maxMade {
		if o.made[0].owed() {
			o.unpaidMade--
		}
		o.made = o.made[1:]
	}
	o.made = append(o.made, m)
	if m.owed() {
		o.unpaidMade++
	}
}

// owed reports whether the invoice is an unpaid charge: unpaid, and a positive amount (an unpaid
// credit is owed by us, not by the customer).
func (m madeInvoice) owed() bool { return !m.paid && m.cents > 0 }

// madeInvoice is an invoice a State created: dated and due the day it was made, with the id
// inv_<org id without "org_">_m<num, at least 4 digits>.
type madeInvoice struct {
	cents int64
	num   uint32
	date  day
	paid  bool
}

// day is a calendar date as the number of days since 1970-01-01.
type day int32

// dayOf is t's date, in t's location (what t.Format(time.DateOnly) writes).
func dayOf(t time.Time) day {
	y, m, d := t.Date()
	return day(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay)
}

const secondsPerDay = 24 * 60 * 60

// String writes the date as YYYY-MM-DD.
func (d day) String() string {
	return time.Unix(int64(d)*secondsPerDay, 0).UTC().Format(time.DateOnly)
}

// invoiceIDPrefix is the start of the ids of the invoices made for organization orgID.
func invoiceIDPrefix(orgID string) string {
	return "inv_" + strings.TrimPrefix(orgID, "org_") + "_m"
}

// invoice is the made invoice as a fixture invoice; prefix is invoiceIDPrefix of its organization.
func (m madeInvoice) invoice(prefix string) fixture.Invoice {
	num := strconv.FormatUint(uint64(m.num), 10)
	if pad := 4 - len(num); pad > 0 {
		num = strings.Repeat("0", pad) + num
	}
	status := "unpaid"
	if m.paid {
		status = "paid"
	}
	date := m.date.String()
	return fixture.Invoice{ID: prefix + num, Status: status, Date: date, DueDate: date, Amount: FormatCents(m.cents)}
}

// invoices returns every invoice of the organization, oldest first: those it was loaded with, then
// those made since.
func (o *org) invoices() []fixture.Invoice {
	out := make([]fixture.Invoice, 0, len(o.Invoices)+len(o.made))
	out = append(out, o.Invoices...)
	prefix := invoiceIDPrefix(o.ID)
	for _, m := range o.made {
		out = append(out, m.invoice(prefix))
	}
	return out
}

// newestFirst puts invoices in history order, as they are listed: newest first, by date descending,
// and among invoices of one date, the most recently created first. invoices must come oldest
// first, in the order they were created (as org.invoices gives them).
func newestFirst[T any](invoices []T, date func(T) string) {
	slices.Reverse(invoices)
	slices.SortStableFunc(invoices, func(a, b T) int { return cmp.Compare(date(b), date(a)) })
}

// owes reports whether the organization owes money on the day of today: an unpaid invoice with a
// positive amount whose due date is that day or earlier. An invoice due today is owed today, so a
// renewal or a change that the card on file could not pay shows past_due at once; an unpaid credit
// is owed by us, not by the customer.
func (o *org) owes(today time.Time) bool {
	d := dayOf(today)
	for _, due := range o.owedSince {
		if due <= d {
			return true
		}
	}
	if o.unpaidMade == 0 {
		return false
	}
	for _, m := range o.made {
		if m.owed() && m.date <= d {
			return true
		}
	}
	return false
}
