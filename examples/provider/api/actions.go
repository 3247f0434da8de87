package api

import (
	"context"
	"net/http"
	"strconv"
)

// The answers, member for member as the contract shows them.
type (
	describeAnswer struct {
		Status   int              `json:"status"`
		Response describeResponse `json:"response"`
	}
	describeResponse struct {
		Organization organizationJSON  `json:"organization"`
		Subscription *subscriptionJSON `json:"subscription"` // null when there is none
	}
	organizationJSON struct {
		Resources int64  `json:"resources"`
		Name      string `json:"name"`
		ID        string `json:"id"`
		Owner     string `json:"owner"`
	}
	subscriptionJSON struct {
		PaymentExp string `json:"payment_exp"`
		Plan       string `json:"plan"`
		Quantity   string `json:"quantity"` // a string of digits, as the docs show
		Status     string `json:"status"`   // active or past_due
	}
	historyAnswer struct {
		Status         int           `json:"status"`
		BillingHistory []invoiceJSON `json:"billing_history"`
	}
	invoiceJSON struct {
		Status       string `json:"status"` // paid or unpaid
		ID           string `json:"id"`
		Organization string `json:"organization"`
		Date         string `json:"date"`
		DueDate      string `json:"due_date"`
		Amount       string `json:"amount"`
	}
	linkAnswer struct {
		Status   int    `json:"status"`
		Response string `json:"response"`
	}
	statusAnswer struct {
		Status int `json:"status"`
	}
)

var ok = statusAnswer{Status: http.StatusOK}

func (s *Server) describe(ctx context.Context, _ *http.Request, user string, in input) (any, error) {
	d, err := s.billing.Describe(ctx, user, in.orgID)
	if err != nil {
		return nil, err
	}
	o := d.Organization
	a := describeAnswer{Status: http.StatusOK, Response: describeResponse{
		Organization: organizationJSON{Resources: o.Resources, Name: o.Name, ID: o.ID, Owner: o.Owner},
	}}
	if sub := d.Subscription; sub != nil {
		status := "active"
		if sub.PastDue {
			status = "past_due"
		}
		a.Response.Subscription = &subscriptionJSON{PaymentExp: sub.PaymentExp, Plan: sub.Plan, Quantity: strconv.Itoa(sub.Quantity), Status: status}
	}
	return a, nil
}

func (s *Server) history(ctx context.Context, _ *http.Request, user string, in input) (any, error) {
	invoices, err := s.billing.History(ctx, user, in.orgID)
	if err != nil {
		return nil, err
	}
	a := historyAnswer{Status: http.StatusOK, BillingHistory: make([]invoiceJSON, len(invoices))}
	for i, inv := range invoices {
		status := "unpaid"
		if inv.Paid {
			status = "paid"
		}
		a.BillingHistory[i] = invoiceJSON{Status: status, ID: inv.ID, Organization: inv.Org, Date: inv.Date, DueDate: inv.DueDate, Amount: inv.Amount()}
	}
	return a, nil
}

// Links end in the link's id: {base}/checkout/{id}, {base}/update-card/{id}.
const (
	CheckoutPath   = "/checkout/"
	CardUpdatePath = "/update-card/"
)

func (s *Server) paymentLink(ctx context.Context, r *http.Request, user string, in input) (any, error) {
	l, err := s.billing.CreateCheckout(ctx, user, in.orgID, in.quantity)
	if err != nil {
		return nil, err
	}
	return linkAnswer{Status: http.StatusOK, Response: s.linkBase(r) + CheckoutPath + l.ID}, nil
}

func (s *Server) updateCardLink(ctx context.Context, r *http.Request, user string, in input) (any, error) {
	l, err := s.billing.CreateCardUpdate(ctx, user, in.orgID)
	if err != nil {
		return nil, err
	}
	return linkAnswer{Status: http.StatusOK, Response: s.linkBase(r) + CardUpdatePath + l.ID}, nil
}

func (s *Server) updateSubscription(ctx context.Context, _ *http.Request, user string, in input) (any, error) {
	return ok, s.billing.ChangeQuantity(ctx, user, in.orgID, in.quantity)
}

func (s *Server) cancelSubscription(ctx context.Context, _ *http.Request, user string, in input) (any, error) {
	return ok, s.billing.Cancel(ctx, user, in.orgID)
}
