// Package link is the hosted links the billing API hands out: the payment link (a checkout page)
// and the update-card link, their URLs, and what completing or declining each does.
package link

import (
	"net/http"
	"net/url"

	"github.com/cloudplans/billing-mock/mock/state"
)

// Kind is what differs between the two kinds of hosted link.
type Kind struct {
	// Path is where its page lives; the link's last segment is the checkout or card-update id.
	Path string
	// Complete and Decline are the state's changes behind the page's two buttons.
	Complete func(st *state.State, id, paymentExp string) (state.Subscription, error)
	Decline  func(st *state.State, id string) error
	// Key, Completed and Declined are the outcome: the return_url gets Key=Completed or
	// Key=Declined added, and the control API answers the same words.
	Key, Completed, Declined string
}

// The kinds of hosted link.
var (
	Payment = Kind{
		Path:     "/checkout/",
		Complete: (*state.State).CompleteCheckout, Decline: (*state.State).DeclineCheckout,
		Key: "checkout", Completed: "paid", Declined: "declined",
	}
	CardUpdate = Kind{
		Path:     "/update-card/",
		Complete: (*state.State).CompleteCardUpdate, Decline: (*state.State).DeclineCardUpdate,
		Key: "card", Completed: "saved", Declined: "canceled",
	}
)

// URL is the absolute link to the page of link id: base, the kind's path and id, and, for a link
// handed out in a session, ?session=<id>.
func (k Kind) URL(base, id, session string) string {
	if session == "" {
		return base + k.Path + id
	}
	return base + k.Path + id + "?session=" + url.QueryEscape(session) // one concatenation
}

// Base says where links point.
type Base struct {
	// Public is the base of every link ("https://mock.example"); empty means the request's own.
	Public string
}

// Of is the base of the links made while answering r: Public, else the scheme and Host of r.
func (b Base) Of(r *http.Request) string {
	if b.Public != "" {
		return b.Public
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
