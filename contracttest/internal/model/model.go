// Package model is the reference model of contracttest's exploration: the billing mock's rules
// (package mock/state) behind the contract's own request checks, with no HTTP. Given a request
// it answers what a correct implementation answers, in the contract's order of checks (route, 415,
// 401, 400, then the state's 404, 403 and 409), and applies the change the request makes.
//
// A Model is not safe for concurrent use; exploration runs one per sequence.
package model

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/fixture"
	"github.com/cloudplans/billing-mock/mock/state"
)

// Answer is what the model answers one request.
type Answer struct {
	// Status is the HTTP status; Code the error code of an error answer.
	Status int
	Code   string
	// Allow is the Allow header of a 405.
	Allow string
	// Describe and History are set on a 200 of describe and history.
	Describe *state.Description
	History  []fixture.Invoice
	// Link is the id of the payment or update-card link a 200 of getpaymentlink or
	// getupdatecardlink opened in the model.
	Link string
}

// Model is one sequence's reference state.
type Model struct {
	state     *state.State
	validator *contract.Validator
	// owners maps an organization to its owner's user id, for the reads of the state as its owner.
	owners map[string]string
}

// New returns a model starting from seed (deep-copied), checking requests against the contract
// through validator (which may be shared between models).
func New(seed *fixture.Seed, validator *contract.Validator) *Model {
	m := &Model{state: state.New(seed), validator: validator, owners: map[string]string{}}
	for _, o := range seed.Organizations {
		m.owners[o.ID] = o.Owner
	}
	return m
}

// Do answers a request (its path without base URL, its body as sent) and applies its change.
func (m *Model) Do(ctx context.Context, r *http.Request, body []byte) Answer {
	op, err := m.validator.Contract().Find(r.Method, r.URL.Path)
	if err != nil {
		var re *contract.RouteError
		if errors.As(err, &re) && re.Status == http.StatusMethodNotAllowed {
			return Answer{Status: re.Status, Code: string(errcode.MethodNotAllowed), Allow: re.Allow}
		}
		return fail(errcode.New(errcode.NotFound, err.Error()))
	}
	if ct := r.Header.Get("Content-Type"); len(body) > 0 && !contract.IsJSON(ct) {
		return fail(errcode.New(errcode.UnsupportedMediaType, "not JSON"))
	}
	user, e := m.authenticate(r.Header.Get("Authorization"))
	if e != nil {
		return fail(e)
	}
	if err := m.validator.ValidateRequest(ctx, op, r, body); err != nil {
		return fail(errcode.FromValidation(err))
	}
	action := r.URL.Query().Get("action")
	org, qty := parameters(r, body, op.ParameterLocation(action, "quantity") != "")
	st := m.state
	var out Answer
	switch action {
	case "getorganization":
		d, err := st.Describe(user, org)
		if err != nil {
			return fail(errcode.From(err))
		}
		out.Describe = &d
	case "list_billing":
		h, err := st.History(user, org)
		if err != nil {
			return fail(errcode.From(err))
		}
		out.History = h
	case "getpaymentlink":
		c, err := st.CreateCheckout(user, org, qty)
		if err != nil {
			return fail(errcode.From(err))
		}
		out.Link = c.ID
	case "getupdatecardlink":
		c, err := st.CreateCardUpdate(user, org)
		if err != nil {
			return fail(errcode.From(err))
		}
		out.Link = c.ID
	case "updatesubscription":
		if err := st.UpdateQuantity(user, org, qty); err != nil {
			return fail(errcode.From(err))
		}
	case "cancelsubscription":
		if err := st.Cancel(user, org); err != nil {
			return fail(errcode.From(err))
		}
	default: // the contract accepted an action the model does not know: a new action
		return fail(errcode.New(errcode.UnknownAction, "the model has no action "+strconv.Quote(action)))
	}
	out.Status = http.StatusOK
	return out
}

func fail(e *errcode.Error) Answer { return Answer{Status: e.Status(), Code: string(e.Code)} }

// authenticate finds the user of an Authorization header, as the billing API does.
func (m *Model) authenticate(header string) (string, *errcode.Error) {
	if header == "" {
		return "", errcode.New(errcode.MissingToken, "no token")
	}
	token, ok := contract.BearerToken(header)
	if !ok {
		return "", errcode.New(errcode.InvalidToken, "malformed")
	}
	user, ok := m.state.UserByToken(token)
	if !ok {
		return "", errcode.New(errcode.InvalidToken, "unknown token")
	}
	return user, nil
}

// parameters reads a validated request's org_id and quantity: from the query string or, when
// absent there, the JSON body (validated: where both are given they agree).
func parameters(r *http.Request, body []byte, takesQuantity bool) (org string, quantity int) {
	q := r.URL.Query()
	var members struct {
		OrgID    string          `json:"org_id"`
		Quantity json.RawMessage `json:"quantity"`
	}
	if len(body) > 0 {
		_ = json.Unmarshal(body, &members) // validated
	}
	org = q.Get("org_id")
	if org == "" {
		org = members.OrgID
	}
	if !takesQuantity {
		return org, 0
	}
	raw := q.Get("quantity")
	if raw == "" {
		raw = string(members.Quantity)
	}
	quantity, _ = strconv.Atoi(raw) // validated: an integer in range
	return org, quantity
}

// CompleteCheckout pays the model's payment link id with a card expiring paymentExp ("" for the
// default card).
func (m *Model) CompleteCheckout(id, paymentExp string) error {
	_, err := m.state.CompleteCheckout(id, paymentExp)
	return err
}

// DeclineCheckout declines the model's payment link id.
func (m *Model) DeclineCheckout(id string) error { return m.state.DeclineCheckout(id) }

// CompleteCardUpdate saves a new card through the model's update-card link id.
func (m *Model) CompleteCardUpdate(id, paymentExp string) error {
	_, err := m.state.CompleteCardUpdate(id, paymentExp)
	return err
}

// DeclineCardUpdate cancels the model's update-card link id.
func (m *Model) DeclineCardUpdate(id string) error { return m.state.DeclineCardUpdate(id) }

// AdvanceBy moves the model's billing clock forward, renewing subscriptions on the way.
func (m *Model) AdvanceBy(d time.Duration) error {
	_, _, err := m.state.AdvanceBy(d)
	return err
}

// View is an organization as its owner reads it: describe and history.
func (m *Model) View(org string) (state.Description, []fixture.Invoice, error) {
	d, err := m.state.Describe(m.owners[org], org)
	if err != nil {
		return d, nil, err
	}
	h, err := m.state.History(m.owners[org], org)
	return d, h, err
}

// Now is the model's billing clock.
func (m *Model) Now() time.Time { return m.state.Now() }

// DefaultCardExpiry is the expiry the model gives a card paid without one, on its clock.
func (m *Model) DefaultCardExpiry() string { return m.state.DefaultCardExpiry() }
