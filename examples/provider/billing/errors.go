package billing

import (
	"errors"
	"fmt"
)

// Code names why a billing operation was refused. The API maps each one to an HTTP status; the
// codes of the billing API's contract keep its spelling.
type Code string

// The refusals of the billing operations.
const (
	CodeInvalidToken         Code = "invalid_token"          // no user has this token
	CodeOrgNotFound          Code = "org_not_found"          // no organization has this id
	CodeForbidden            Code = "forbidden"              // not the owner (changes) or a member (reads)
	CodeSubscriptionExists   Code = "subscription_exists"    // a subscription is active
	CodeNoActiveSubscription Code = "no_active_subscription" // none is
	CodeLinkNotFound         Code = "link_not_found"         // no payment or update-card link has this id
	CodeLinkClosed           Code = "link_closed"            // the link was completed or declined already
	CodeLinkExpired          Code = "link_expired"           // the link's hour is over
	CodeInvalidCard          Code = "invalid_card"           // a card expiry that is malformed or past
	CodeInvalidArgument      Code = "invalid_argument"       // anything else the caller got wrong
	CodeNoTestClock          Code = "no_test_clock"          // the store bills on the wall clock
)

// Error is a refusal: a Code for programs and a message for people. Every other error a Store
// returns is a failure of the store itself.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return e.Message }

func refuse(code Code, format string, args ...any) error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the Code of a refusal, or "" for any other error (and for nil).
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
