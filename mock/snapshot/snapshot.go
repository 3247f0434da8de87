// Package snapshot reads organizations from a running implementation of the billing API (the real
// service, or a mock) through the public billing API only, and writes them as a seed that the mock
// loads (-fixtures FILE or PUT /_mock/state), so that describe and history on the mock answer what
// the service answered, field for field.
//
// It sends describe and history, nothing else: never a change, never a /_mock/ call. It refuses,
// rather than write a seed that would answer differently, when an answer breaks the contract, when
// an organization holds more invoices than the mock keeps, when a token cannot read an
// organization, and when the seed it built does not answer what the service answered.
//
// # Roles
//
// The seed's users are the mock's default roles:
//
//   - tok_owner: the owner of the organizations, whose user id is describe's owner (a second
//     distinct owner is tok_owner_2, and so on, in the order of the organizations);
//   - tok_member: the first token given (Options.Tokens[0]; billing-mock snapshot takes them from
//     -token, -token-file or BILLING_MOCK_TOKEN), which must read every organization; it becomes a
//     member, who may read billing but not change it (whether a token may change billing cannot be
//     seen without changing it);
//   - each further token given becomes a role of its own: a member (tok_member_2, …) of the
//     organizations it can read, or, when it can read none of them, an outsider (tok_outsider_2, …);
//     a 403 or a 404 (a service that hides what a token may not see) means it cannot read one;
//   - tok_outsider: a user with no access, always present.
//
// Tokens given never appear in the seed, only these role names.
//
// # What the billing API does not show
//
// Plans: describe names a subscription's plan but no price. A plan of the mock's embedded seed
// (pro, enterprise) keeps its name and price; any other plan gets its id as its name and the
// placeholder unit price PlaceholderPrice. The seed's plans are always included, and pro stays the
// default plan of a new subscription. A subscription's renews_at is the first monthly anniversary of
// its newest invoice after the clock (a month after the clock when it has no invoices). The
// organizations' ids, names, owners, resources, subscriptions (plan, quantity, payment_exp) and
// invoices (id, status, date, due date, amount, in history order) are what the service answered.
package snapshot

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/mock/fixture"
	"github.com/cloudplans/billing-mock/mock/internal/answer"
	"github.com/cloudplans/billing-mock/mock/state"
)

// PlaceholderPrice is the unit price of a plan the snapshot cannot see the price of: a change of N
// instances then charges N.00, recognisably not a real price.
const PlaceholderPrice = "1.00"

// The role names (tokens and user ids) of the seed a snapshot writes.
const (
	OwnerToken    = "tok_owner"
	MemberToken   = "tok_member"
	OutsiderToken = "tok_outsider"
)

// The billing API's two read actions, as the contract names their paths and actions.
const (
	describePath   = "/v1/organizations/billing/describe"
	describeAction = "getorganization"
	historyPath    = "/v1/organizations/billing/history"
	historyAction  = "list_billing"
)

// maxAnswerBytes bounds an answer the snapshot reads: far above a history at the mock's invoice
// limit (about 1.3 MB at 10,000 invoices).
const maxAnswerBytes = 64 << 20

// Options say what to read and from where.
type Options struct {
	// BaseURL is the service's base URL; the billing API's paths are appended to its path.
	BaseURL string
	// Tokens are bearer tokens; the first reads every organization (see the package doc, Roles).
	Tokens []string
	// Orgs are the organizations to read, in the order the seed lists them; no id twice.
	Orgs []string
	// Clock is the seed's billing clock; zero is the current time, to the second.
	Clock time.Time
	// MaxInvoices is the most invoices an organization may have (the mock's -max-invoices); 0 is
	// state.DefaultMaxMadeInvoices.
	MaxInvoices int
	// Client sends the requests; nil is a client with a 30 s timeout.
	Client *http.Client
	// Contract validates every answer; nil is the embedded openapi.yaml.
	Contract *contract.Contract
}

// Refusal is a snapshot refused because the seed would not be faithful; Error says why.
type Refusal struct{ Reason string }

func (r *Refusal) Error() string { return "refused: " + r.Reason }

func refuse(format string, args ...any) error { return &Refusal{Reason: fmt.Sprintf(format, args...)} }

// org is what the service answered about one organization.
type org struct {
	describe answer.Describe
	history  answer.History
	// readers[i] reports whether token i may read the organization.
	readers []bool
}

// Take reads the organizations and returns the seed. A *Refusal says the seed would not be
// faithful, an *OptionsError that opts are wrong; other errors are the service's or the network's.
func Take(ctx context.Context, opts Options) (*fixture.Seed, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	c := opts.Contract
	if c == nil {
		var err error
		if c, err = contract.Embedded(); err != nil {
			return nil, fmt.Errorf("snapshot: %w", err)
		}
	}
	client := opts.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	r := reader{base: strings.TrimSuffix(opts.BaseURL, "/"), client: client, contract: c}
	orgs := make([]org, len(opts.Orgs))
	for i, id := range opts.Orgs {
		o, err := r.org(ctx, id, opts.Tokens, opts.maxInvoices())
		if err != nil {
			return nil, err
		}
		orgs[i] = o
	}
	clock := opts.Clock
	if clock.IsZero() {
		clock = time.Now()
	}
	seed, err := build(opts, clock.UTC().Truncate(time.Second), orgs)
	if err != nil {
		return nil, err
	}
	if err := verify(seed, orgs, opts.maxInvoices()); err != nil {
		return nil, err
	}
	return seed, nil
}

func (o Options) maxInvoices() int {
	if o.MaxInvoices > 0 {
		return o.MaxInvoices
	}
	return state.DefaultMaxMadeInvoices
}

// OptionsError is a snapshot that cannot start: the options given are wrong.
type OptionsError struct{ Msg string }

func (e *OptionsError) Error() string { return "snapshot: " + e.Msg }

// check refuses options that cannot make a snapshot.
func (o Options) check() error {
	bad := func(format string, args ...any) error { return &OptionsError{Msg: fmt.Sprintf(format, args...)} }
	u, err := url.Parse(o.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return bad("the base URL must be http(s)://host[:port][/path], got %q", o.BaseURL)
	}
	if len(o.Tokens) == 0 {
		return bad("give at least one token")
	}
	if len(o.Orgs) == 0 {
		return bad("give at least one organization")
	}
	for i, t := range o.Tokens {
		if t == "" || slices.Index(o.Tokens, t) != i {
			return bad("token #%d is empty or given twice", i+1)
		}
	}
	for i, id := range o.Orgs {
		if id == "" || slices.Index(o.Orgs, id) != i {
			return bad("organization %q is empty or given twice", id)
		}
	}
	return nil
}

// reader sends the read requests and validates their answers.
type reader struct {
	base     string
	client   *http.Client
	contract *contract.Contract
}

// org reads one organization: describe with every token, history with the first.
func (r reader) org(ctx context.Context, id string, tokens []string, maxInvoices int) (org, error) {
	o := org{readers: make([]bool, len(tokens))}
	for i, tok := range tokens {
		status, body, err := r.get(ctx, describePath, describeAction, id, tok)
		if err != nil {
			return org{}, err
		}
		switch {
		case status == http.StatusOK:
			o.readers[i] = true
			if i == 0 {
				if err := json.Unmarshal(body, &o.describe); err != nil {
					return org{}, refuse("describe %s: %v", id, err)
				}
			}
		case (status == http.StatusForbidden || status == http.StatusNotFound) && i > 0:
			// This token may not read id (token #1 could, so id exists: a service that hides the
			// organizations a token may not see answers 404).
		default:
			return org{}, refuse("token #%d cannot read %s: describe answered %s", i+1, id, envelope(status, body))
		}
	}
	if got := o.describe.Response.Organization.ID; got != id {
		return org{}, refuse("describe %s answered the organization %q", id, got)
	}
	status, body, err := r.get(ctx, historyPath, historyAction, id, tokens[0])
	if err != nil {
		return org{}, err
	}
	if status != http.StatusOK {
		return org{}, refuse("token #1 cannot read the history of %s: history answered %s", id, envelope(status, body))
	}
	if err := json.Unmarshal(body, &o.history); err != nil {
		return org{}, refuse("history %s: %v", id, err)
	}
	if n := len(o.history.BillingHistory); n > maxInvoices {
		return org{}, refuse("%s has %d invoices; the mock keeps at most %d per organization (-max-invoices)", id, n, maxInvoices)
	}
	return o, nil
}

// get sends one read and validates its answer against the contract.
func (r reader) get(ctx context.Context, path, action, orgID, token string) (int, []byte, error) {
	target := r.base + path + "?" + url.Values{"action": {action}, "org_id": {orgID}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("snapshot: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	res, err := r.client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("snapshot: %s %s: %w", action, orgID, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxAnswerBytes+1))
	if err != nil {
		return 0, nil, fmt.Errorf("snapshot: %s %s: read the answer: %w", action, orgID, err)
	}
	if len(body) > maxAnswerBytes {
		return 0, nil, refuse("%s %s answered over %d bytes", action, orgID, maxAnswerBytes)
	}
	verr := r.contract.ValidateResponse(ctx, contract.Response{Method: http.MethodGet, Path: path, Action: action,
		Status: res.StatusCode, Header: res.Header, Body: body})
	if verr != nil {
		return 0, nil, refuse("%s %s: the answer breaks the contract: %v", action, orgID, verr)
	}
	return res.StatusCode, body, nil
}

// envelope is an error answer in one line: "403 forbidden: usr_x may not read ...".
func envelope(status int, body []byte) string {
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Code != "" {
		return fmt.Sprintf("%d %s: %s", status, e.Error.Code, e.Error.Message)
	}
	return strconv.Itoa(status)
}

// build makes the seed of the organizations read (see the package doc for what it decides).
func build(opts Options, clock time.Time, orgs []org) (*fixture.Seed, error) {
	base, err := fixture.Default()
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	seed := &fixture.Seed{
		Description: fmt.Sprintf("snapshot of %s from %s at %s", strings.Join(opts.Orgs, ", "), redacted(opts.BaseURL), clock.Format(time.RFC3339)),
		Clock:       clock,
		Plans:       slices.Clone(base.Plans),
	}
	taken := map[string]bool{}
	addUser := func(id, token string) string {
		for n := 2; taken[id]; n++ {
			id = strings.TrimSuffix(id, "_"+strconv.Itoa(n-1)) + "_" + strconv.Itoa(n)
		}
		taken[id] = true
		seed.Users = append(seed.Users, fixture.User{ID: id, Token: token})
		return id
	}
	// Owners first, so that their ids (which describe shows) stay as they are.
	owners := map[string]bool{}
	for _, o := range orgs {
		id := o.describe.Response.Organization.Owner
		if !owners[id] {
			owners[id] = true
			taken[id] = true
			seed.Users = append(seed.Users, fixture.User{ID: id, Token: numbered(OwnerToken, len(owners))})
		}
	}
	members := make([]string, len(opts.Tokens)) // the user id of token i, "" for an outsider
	var nMembers, nOutsiders int
	for i := range opts.Tokens {
		reads := slices.ContainsFunc(orgs, func(o org) bool { return o.readers[i] })
		if reads {
			nMembers++
			members[i] = addUser(numbered("usr_member", nMembers), numbered(MemberToken, nMembers))
		} else {
			nOutsiders++
			addUser(numbered("usr_outsider", nOutsiders+1), numbered(OutsiderToken, nOutsiders+1))
		}
	}
	addUser("usr_outsider", OutsiderToken)
	for _, o := range orgs {
		d := o.describe.Response
		fo := fixture.Organization{ID: d.Organization.ID, Name: d.Organization.Name, Owner: d.Organization.Owner, Resources: d.Organization.Resources}
		for i, user := range members {
			if user != "" && o.readers[i] {
				fo.Members = append(fo.Members, user)
			}
		}
		hist := o.history.BillingHistory
		for i := len(hist) - 1; i >= 0; i-- { // oldest first, the order the seed creates them in
			inv := hist[i]
			if inv.Organization != fo.ID {
				return nil, refuse("history of %s lists invoice %s of organization %q", fo.ID, inv.ID, inv.Organization)
			}
			fo.Invoices = append(fo.Invoices, fixture.Invoice{ID: inv.ID, Status: inv.Status, Date: inv.Date, DueDate: inv.DueDate, Amount: inv.Amount})
		}
		if sub := d.Subscription; sub != nil {
			q, err := strconv.Atoi(sub.Quantity)
			if err != nil {
				return nil, refuse("%s: quantity %q is not an integer", fo.ID, sub.Quantity)
			}
			fo.Subscription = &fixture.Subscription{Plan: sub.Plan, Quantity: q, PaymentExp: sub.PaymentExp, RenewsAt: renewsAt(clock, hist)}
			if !slices.ContainsFunc(seed.Plans, func(p fixture.Plan) bool { return p.ID == sub.Plan }) {
				seed.Plans = append(seed.Plans, fixture.Plan{ID: sub.Plan, Name: sub.Plan, UnitPrice: PlaceholderPrice})
			}
		}
		seed.Organizations = append(seed.Organizations, fo)
	}
	return seed, nil
}

// numbered is name for the first of its kind, name_N for the Nth.
func numbered(name string, n int) string {
	if n <= 1 {
		return name
	}
	return name + "_" + strconv.Itoa(n)
}

// redacted is the base URL without user information, query or fragment.
func redacted(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return "?"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

// renewsAt is the first monthly anniversary after clock of the newest invoice (history[0]), or a
// month after clock without invoices.
func renewsAt(clock time.Time, history []answer.Invoice) time.Time {
	if len(history) == 0 {
		return state.PeriodAfter(clock)
	}
	t, err := time.Parse(time.DateOnly, history[0].Date)
	if err != nil { // the seed's validation refuses the date afterwards
		return state.PeriodAfter(clock)
	}
	for n := 1; !t.After(clock); n++ {
		t = t.AddDate(0, 1, 0)
	}
	return t
}

// verify loads the seed as the mock would and checks that describe and history answer, for each
// organization, what the service answered, and that each role reads what its token could.
func verify(seed *fixture.Seed, orgs []org, maxInvoices int) error {
	out, err := fixture.Marshal(seed)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	parsed, err := fixture.Parse("snapshot", out)
	if err != nil {
		return refuse("the seed would not load: %v", err)
	}
	st := state.NewLimited(parsed, maxInvoices)
	for i, o := range orgs {
		fo := parsed.Organizations[i]
		d, err := st.Describe(fo.Owner, fo.ID)
		if err != nil {
			return fmt.Errorf("snapshot: describe %s on the seed: %w", fo.ID, err)
		}
		if diff := cmp.Diff(o.describe, answer.DescribeOf(d)); diff != "" {
			return refuse("describe %s on the mock would differ (-service +mock); the seed's clock is %s, and a subscription's status depends on the day (-clock):\n%s",
				fo.ID, parsed.Clock.Format(time.RFC3339), diff)
		}
		invoices, err := st.History(fo.Owner, fo.ID)
		if err != nil {
			return fmt.Errorf("snapshot: history %s on the seed: %w", fo.ID, err)
		}
		if diff := cmp.Diff(o.history, answer.HistoryOf(fo.ID, invoices)); diff != "" {
			return refuse("history %s on the mock would differ (-service +mock); the mock lists invoices by date, newest first:\n%s", fo.ID, diff)
		}
	}
	return nil
}
