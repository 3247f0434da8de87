// Package state is the billing mock's model of one session: organizations, their subscriptions and
// invoices, pending payment and update-card links, and the billing clock, with the rules that
// change them. It knows nothing of HTTP.
//
// A State is safe for concurrent use: readers share a read lock, each change holds the write lock
// for the whole of its check-and-change, so concurrent requests never see or leave a torn state. A
// change that fails changes nothing, and its error is an *errcode.Error, whose code says why.
package state

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/fixture"
)

// errorf is a refusal with a code of the mock's table (errcode) and a message for people.
func errorf(code errcode.Code, format string, args ...any) error {
	return &errcode.Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// LinkTTL is how long a payment or update-card link works, on the billing clock.
const LinkTTL = time.Hour

// CardValidityYears is how far ahead of the billing clock a card expires when the payer gives no
// expiry: its expiry month is the clock's month, that many calendar years on (time.AddDate on the
// first of the month, so that a clock on 29 February gives February too).
const CardValidityYears = 3

// State is one session's billing state.
type State struct {
	mu sync.RWMutex
	// description is the seed's one-line description, kept so that an export says what it was.
	description string
	now         time.Time
	plans       []fixture.Plan
	users       []fixture.User
	userByToken map[string]string
	orgs        map[string]*org
	orgOrder    []string
	checkouts   map[string]*fixture.Checkout
	cardUpdates map[string]*fixture.CardUpdate
	// closed remembers used links, so that a second use says "already used", not "unknown".
	closed map[string]string
	// invoices numbers the invoices this State makes (inv_<org>_m<n>). It is not saved: New derives
	// it from the largest such number among the seed's invoice ids, of every organization, so a
	// State and the one loaded from its Snapshot number their next invoices alike, and a new id never
	// repeats one: an id equal to a new one would have had its number, and the count starts above
	// it. (That holds while a session makes fewer than a billion invoices, far more than fit in
	// memory.)
	invoices uint32
	// maxMade bounds the invoices kept of those made for one organization (see NewLimited).
	maxMade int
}

// DefaultMaxMadeInvoices is the number of made invoices New keeps per organization.
const DefaultMaxMadeInvoices = 10000

// generatedInvoice matches the ids addInvoice makes (also with a suffix of "x"s, which exported
// states may hold); the number is the invoice counter.
var generatedInvoice = regexp.MustCompile(`^inv_.*_m([0-9]{1,9})x*$`)

// New returns a State holding a deep copy of seed, which keeps DefaultMaxMadeInvoices made invoices
// per organization (see NewLimited).
func New(seed *fixture.Seed) *State { return NewLimited(seed, DefaultMaxMadeInvoices) }

// NewLimited returns a State holding a deep copy of seed, which keeps at most maxMade (at least 1)
// of the invoices it makes for each organization: beyond that, making one forgets the oldest made
// one, so that a client changing a quantity in a loop cannot grow the history, its export and its
// answer without end. The invoices the State was loaded with are always kept.
func NewLimited(seed *fixture.Seed, maxMade int) *State {
	s := &State{
		maxMade:     max(maxMade, 1),
		description: seed.Description,
		now:         seed.Clock,
		plans:       slices.Clone(seed.Plans),
		users:       slices.Clone(seed.Users),
		userByToken: make(map[string]string, len(seed.Users)),
		orgs:        make(map[string]*org, len(seed.Organizations)),
		checkouts:   make(map[string]*fixture.Checkout),
		cardUpdates: make(map[string]*fixture.CardUpdate),
		closed:      make(map[string]string),
	}
	if s.now.IsZero() {
		s.now = fixture.DefaultClock
	}
	for _, u := range seed.Users {
		s.userByToken[u.Token] = u.ID
	}
	for i := range seed.Organizations {
		o := newOrg(&seed.Organizations[i])
		s.orgs[o.ID] = o
		s.orgOrder = append(s.orgOrder, o.ID)
		for _, inv := range o.Invoices {
			if m := generatedInvoice.FindStringSubmatch(inv.ID); m != nil {
				n, _ := strconv.ParseUint(m[1], 10, 32) // at most 9 digits
				s.invoices = max(s.invoices, uint32(n))
			}
		}
	}
	for _, c := range seed.Checkouts {
		s.checkouts[c.ID] = &c
	}
	for _, c := range seed.CardUpdates {
		s.cardUpdates[c.ID] = &c
	}
	for _, c := range seed.ClosedLinks {
		s.closed[c.ID] = c.Reason
	}
	return s
}

func copyOrg(o *fixture.Organization) *fixture.Organization {
	c := *o
	c.Members = slices.Clone(o.Members)
	c.Invoices = slices.Clone(o.Invoices)
	if o.Subscription != nil {
		sub := *o.Subscription
		c.Subscription = &sub
	}
	return &c
}

// Snapshot returns a deep copy of the whole state as a seed: the clock, plans, users, organizations
// (subscriptions and invoices included) in the order they were loaded, and the open and closed links
// sorted by id. Loading it with New gives a State that behaves the same, and whose Snapshot is equal.
func (s *State) Snapshot() *fixture.Seed {
	s.mu.RLock()
	defer s.mu.RUnlock()
	seed := &fixture.Seed{Description: s.description, Clock: s.now, Plans: slices.Clone(s.plans), Users: slices.Clone(s.users)}
	for _, id := range s.orgOrder {
		o := s.orgs[id]
		c := *copyOrg(&o.Organization)
		c.Invoices = o.invoices()
		seed.Organizations = append(seed.Organizations, c)
	}
	links := s.snapshotLinks()
	seed.Checkouts, seed.CardUpdates = links.Checkouts, links.CardUpdates
	for id, why := range s.closed {
		seed.ClosedLinks = append(seed.ClosedLinks, fixture.ClosedLink{ID: id, Reason: why})
	}
	slices.SortFunc(seed.ClosedLinks, func(a, b fixture.ClosedLink) int { return cmp.Compare(a.ID, b.ID) })
	return seed
}

// snapshotLinks returns copies of the open links, each kind sorted by id; s.mu must be held.
func (s *State) snapshotLinks() (seed fixture.Seed) {
	for _, c := range s.checkouts {
		seed.Checkouts = append(seed.Checkouts, *c)
	}
	slices.SortFunc(seed.Checkouts, func(a, b fixture.Checkout) int { return cmp.Compare(a.ID, b.ID) })
	for _, c := range s.cardUpdates {
		seed.CardUpdates = append(seed.CardUpdates, *c)
	}
	slices.SortFunc(seed.CardUpdates, func(a, b fixture.CardUpdate) int { return cmp.Compare(a.ID, b.ID) })
	return seed
}

// Now returns the billing clock.
func (s *State) Now() time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.now
}

// UserByToken returns the user a bearer token belongs to.
func (s *State) UserByToken(token string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.userByToken[token]
	return u, ok
}

// Description is what describe shows of an organization.
type Description struct {
	Org fixture.Organization
	// Subscription is nil when the organization has none.
	Subscription *Subscription
	// PastDue: an unpaid invoice (a charge, not a credit) has reached its due date.
	PastDue bool
}

// SubscriptionStatus is what the API says of a subscription.
type SubscriptionStatus string

// The statuses of a subscription.
const (
	// Active: nothing is owed.
	Active SubscriptionStatus = "active"
	// PastDue: an unpaid charge has reached its due date (see org.owes).
	PastDue SubscriptionStatus = "past_due"
)

// Subscription is a subscription as the API shows it: the record and its status.
type Subscription struct {
	fixture.Subscription
	Status SubscriptionStatus
}

// subscriptionOf is o's subscription as the API shows it on s's clock; o must have one.
func (s *State) subscriptionOf(o *org) Subscription {
	sub := Subscription{Subscription: *o.Subscription, Status: Active}
	if o.owes(s.now) {
		sub.Status = PastDue
	}
	return sub
}

// PeriodAfter is the end of a billing period that starts at t: one month later.
func PeriodAfter(t time.Time) time.Time { return t.AddDate(0, 1, 0) }

// access finds an organization and checks that user may read it (owner or member) or, with write,
// change its billing (owner only). An unknown organization is reported before a refusal.
func (s *State) access(user, orgID string, write bool) (*org, error) {
	o, ok := s.orgs[orgID]
	if !ok {
		return nil, errorf(errcode.OrgNotFound, "organization %s does not exist", orgID)
	}
	if o.Owner == user {
		return o, nil
	}
	if slices.Contains(o.Members, user) {
		if write {
			return nil, errorf(errcode.Forbidden, "%s is a member of %s but only its owner may change billing", user, orgID)
		}
		return o, nil
	}
	verb := "read"
	if write {
		verb = "change"
	}
	return nil, errorf(errcode.Forbidden, "%s may not %s the billing of %s", user, verb, orgID)
}

// Describe returns an organization and its subscription, for its owner or a member.
func (s *State) Describe(user, orgID string) (Description, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, err := s.access(user, orgID, false)
	if err != nil {
		return Description{}, err
	}
	d := Description{Org: o.Organization}
	d.Org.Invoices, d.Org.Subscription = nil, nil
	if o.Subscription != nil {
		sub := s.subscriptionOf(o)
		d.Subscription = &sub
		d.PastDue = sub.Status == PastDue
	}
	return d, nil
}

// History returns an organization's invoices newest first: by date descending, and among invoices
// of one date, the most recently created first.
func (s *State) History(user, orgID string) ([]fixture.Invoice, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, err := s.access(user, orgID, false)
	if err != nil {
		return nil, err
	}
	out := o.invoices()
	newestFirst(out, func(inv fixture.Invoice) string { return inv.Date })
	return out, nil
}

func (s *State) defaultPlan() fixture.Plan {
	for _, p := range s.plans {
		if p.Default {
			return p
		}
	}
	return s.plans[0]
}

func (s *State) plan(id string) (fixture.Plan, bool) {
	for _, p := range s.plans {
		if p.ID == id {
			return p, true
		}
	}
	return fixture.Plan{}, false
}

// newID returns prefix_ and 16 random hex digits: links must not be guessable.
func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return prefix + "_" + hex.EncodeToString(b[:])
}

// CreateCheckout opens a payment link for a new subscription of quantity instances of the default
// plan. Only the owner may; an organization with an active subscription cannot.
func (s *State) CreateCheckout(user, orgID string, quantity int) (fixture.Checkout, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.access(user, orgID, true)
	if err != nil {
		return fixture.Checkout{}, err
	}
	if o.Subscription != nil {
		return fixture.Checkout{}, errorf(errcode.SubscriptionExists, "organization %s already has an active subscription; change it with updatesubscription", orgID)
	}
	c := &fixture.Checkout{ID: newID("chk"), Org: orgID, Plan: s.defaultPlan().ID, Quantity: quantity, ExpiresAt: s.now.Add(LinkTTL)}
	s.checkouts[c.ID] = c
	return *c, nil
}

// CreateCardUpdate opens an update-card link. Only the owner may, and only with an active
// subscription (there is no card on file otherwise).
func (s *State) CreateCardUpdate(user, orgID string) (fixture.CardUpdate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.access(user, orgID, true)
	if err != nil {
		return fixture.CardUpdate{}, err
	}
	if o.Subscription == nil {
		return fixture.CardUpdate{}, errorf(errcode.NoActiveSubscription, "organization %s has no active subscription, so no card on file", orgID)
	}
	c := &fixture.CardUpdate{ID: newID("crd"), Org: orgID, ExpiresAt: s.now.Add(LinkTTL)}
	s.cardUpdates[c.ID] = c
	return *c, nil
}

// UpdateQuantity changes the number of instances of an active subscription. A change adds an invoice
// for the difference at the plan's unit price (a negative amount, a credit, for a decrease), dated
// today and due today: paid if the card on file is valid, else unpaid. The same quantity changes
// nothing.
func (s *State) UpdateQuantity(user, orgID string, quantity int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.access(user, orgID, true)
	if err != nil {
		return err
	}
	sub := o.Subscription
	if sub == nil {
		return errorf(errcode.NoActiveSubscription, "organization %s has no active subscription; create one with getpaymentlink", orgID)
	}
	if quantity == sub.Quantity {
		return nil
	}
	p, _ := s.plan(sub.Plan)
	s.addInvoice(o, Cents(p.UnitPrice)*int64(quantity-sub.Quantity), s.cardValid(sub.PaymentExp))
	sub.Quantity = quantity
	return nil
}

// Cancel ends an active subscription at once. Invoices stay; pending update-card links of the
// organization are closed.
func (s *State) Cancel(user, orgID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.access(user, orgID, true)
	if err != nil {
		return err
	}
	if o.Subscription == nil {
		return errorf(errcode.NoActiveSubscription, "organization %s has no active subscription to cancel", orgID)
	}
	o.Subscription = nil
	for id, c := range s.cardUpdates {
		if c.Org == orgID {
			delete(s.cardUpdates, id)
			s.closed[id] = canceledReason
		}
	}
	return nil
}

// addInvoice makes an invoice for cents, dated and due today, and returns it. Its id is new among
// the invoices of every organization (see State.invoices).
func (s *State) addInvoice(o *org, cents int64, paid bool) madeInvoice {
	s.invoices++
	m := madeInvoice{cents: cents, num: s.invoices, date: dayOf(s.now), paid: paid}
	o.add(m, s.maxMade)
	return m
}

// cardValid reports whether a card expiring in month exp ("YYYY-MM") is valid on the clock's day:
// a card is valid through the last day of its month.
func (s *State) cardValid(exp string) bool { return cardValidOn(exp, s.now) }

func cardValidOn(exp string, t time.Time) bool {
	var buf [len("2006-01")]byte
	return exp >= string(t.UTC().AppendFormat(buf[:0], "2006-01"))
}

// CheckoutView is what the hosted checkout page shows.
type CheckoutView struct {
	fixture.Checkout
	OrgName   string
	PlanName  string
	UnitPrice string
	Total     string
}

// Checkout returns a pending payment link's details.
func (s *State) Checkout(id string) (CheckoutView, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, err := s.openCheckout(id)
	if err != nil {
		return CheckoutView{}, err
	}
	p, _ := s.plan(c.Plan)
	return CheckoutView{
		Checkout: *c, OrgName: s.orgs[c.Org].Name, PlanName: p.Name, UnitPrice: p.UnitPrice,
		Total: FormatCents(Cents(p.UnitPrice) * int64(c.Quantity)),
	}, nil
}

func (s *State) openCheckout(id string) (*fixture.Checkout, error) {
	return openLink(s, s.checkouts, id, "payment link", func(c *fixture.Checkout) time.Time { return c.ExpiresAt })
}

// openLink finds an open link of one kind: an unknown one, a used one and an expired one are each
// refused with their own code.
func openLink[L any](s *State, links map[string]*L, id, kind string, expiresAt func(*L) time.Time) (*L, error) {
	l, ok := links[id]
	if !ok {
		if why, used := s.closed[id]; used {
			return nil, errorf(errcode.LinkClosed, "%s %s was already used (%s)", kind, id, why)
		}
		return nil, errorf(errcode.LinkNotFound, "no %s %s in this session", kind, id)
	}
	if exp := expiresAt(l); expired(exp, s.now) {
		return nil, errorf(errcode.LinkExpired, "%s %s expired at %s", kind, id, exp.Format(time.RFC3339))
	}
	return l, nil
}

// CompleteCheckout pays a payment link: the organization's subscription starts (plan, quantity, the
// card's expiry paymentExp, or CardValidityYears ahead when empty; renewing a period from now) and a
// paid invoice for the first period is added. The link closes. It returns the new subscription.
func (s *State) CompleteCheckout(id, paymentExp string) (Subscription, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.openCheckout(id)
	if err != nil {
		return Subscription{}, err
	}
	paymentExp, err = s.newCard(paymentExp)
	if err != nil {
		return Subscription{}, err
	}
	o := s.orgs[c.Org]
	if o.Subscription != nil {
		s.closeLink(id, "the organization subscribed through another link")
		return Subscription{}, errorf(errcode.SubscriptionExists, "organization %s already subscribed through another link", c.Org)
	}
	p, _ := s.plan(c.Plan)
	o.Subscription = &fixture.Subscription{Plan: c.Plan, Quantity: c.Quantity, PaymentExp: paymentExp, RenewsAt: PeriodAfter(s.now)}
	s.addInvoice(o, Cents(p.UnitPrice)*int64(c.Quantity), true)
	s.closeLink(id, "paid")
	return s.subscriptionOf(o), nil
}

// DeclineCheckout closes a payment link and changes nothing else.
func (s *State) DeclineCheckout(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.openCheckout(id); err != nil {
		return err
	}
	s.closeLink(id, "declined")
	return nil
}

// expired reports whether a link that expires at exp is expired at now.
func expired(exp, now time.Time) bool { return !now.Before(exp) }

func (s *State) closeLink(id, why string) {
	delete(s.checkouts, id)
	delete(s.cardUpdates, id)
	s.closed[id] = why
}

// CardUpdateView is what the hosted update-card page shows.
type CardUpdateView struct {
	fixture.CardUpdate
	OrgName    string
	PaymentExp string
}

// CardUpdate returns a pending update-card link's details.
func (s *State) CardUpdate(id string) (CardUpdateView, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, err := s.openCardUpdate(id)
	if err != nil {
		return CardUpdateView{}, err
	}
	o := s.orgs[c.Org]
	v := CardUpdateView{CardUpdate: *c, OrgName: o.Name}
	if o.Subscription != nil {
		v.PaymentExp = o.Subscription.PaymentExp
	}
	return v, nil
}

func (s *State) openCardUpdate(id string) (*fixture.CardUpdate, error) {
	return openLink(s, s.cardUpdates, id, "update-card link", func(c *fixture.CardUpdate) time.Time { return c.ExpiresAt })
}

// newCard returns the expiry of a card given at a checkout or a card update: paymentExp when it is
// valid, the default expiry when it is empty.
func (s *State) newCard(paymentExp string) (string, error) {
	if paymentExp == "" {
		return s.defaultCardExpiry(), nil
	}
	return paymentExp, s.checkCard(paymentExp)
}

// DefaultCardExpiry is the expiry ("YYYY-MM") of a card paid with at a checkout, or saved at a card
// update, that gives none: CardValidityYears ahead of the clock. The hosted pages offer it.
func (s *State) DefaultCardExpiry() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.defaultCardExpiry()
}

func (s *State) defaultCardExpiry() string {
	y, m, _ := s.now.Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC).AddDate(CardValidityYears, 0, 0).Format("2006-01")
}

// checkCard accepts a card expiry "YYYY-MM" that is valid this month or later.
func (s *State) checkCard(exp string) error {
	t, err := time.Parse("2006-01", exp)
	if err != nil || len(exp) != 7 {
		return errorf(errcode.InvalidCard, "card expiry %q is not YYYY-MM", exp)
	}
	if !s.cardValid(exp) {
		return errorf(errcode.InvalidCard, "the card expired in %s", t.Format("January 2006"))
	}
	return nil
}

// CompleteCardUpdate saves a new card, expiring in month paymentExp ("YYYY-MM"; empty:
// CardValidityYears ahead), on the organization's subscription. The link closes. It returns the subscription.
func (s *State) CompleteCardUpdate(id, paymentExp string) (Subscription, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.openCardUpdate(id)
	if err != nil {
		return Subscription{}, err
	}
	paymentExp, err = s.newCard(paymentExp)
	if err != nil {
		return Subscription{}, err
	}
	o := s.orgs[c.Org]
	if o.Subscription == nil { // unreachable: Cancel closes the org's card links
		return Subscription{}, errorf(errcode.NoActiveSubscription, "organization %s has no active subscription", c.Org)
	}
	o.Subscription.PaymentExp = paymentExp
	s.closeLink(id, "saved")
	return s.subscriptionOf(o), nil
}

// DeclineCardUpdate closes an update-card link and changes nothing else.
func (s *State) DeclineCardUpdate(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.openCardUpdate(id); err != nil {
		return err
	}
	s.closeLink(id, "canceled")
	return nil
}

// Cents parses a validated price or amount ("12.00", "-3.50") into cents.
func Cents(amount string) int64 {
	neg := strings.HasPrefix(amount, "-")
	whole, frac, _ := strings.Cut(strings.TrimPrefix(amount, "-"), ".")
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	c := w*100 + f
	if neg {
		return -c
	}
	return c
}

// FormatCents writes cents as an amount with two decimals: 3600 is "36.00", -1200 is "-12.00".
func FormatCents(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

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
	status := "unpaid"
	if m.paid {
		status = "paid"
	}
	date := m.date.String()
	return fixture.Invoice{ID: madeInvoiceID(prefix, m.num), Status: status, Date: date, DueDate: date, Amount: FormatCents(m.cents)}
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
