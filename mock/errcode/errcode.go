// Package errcode is the mock's one table of error codes: every code an error answer of the
// billing API, the control API or a hosted page carries, each with the HTTP status it answers with,
// and Error, the error that carries a code through the state and the handlers to the answer.
//
// An error answer is the contract's envelope, {"status":N,"error":{"code":"...","message":"..."}},
// whose status is the code's. openapi.yaml and controlapi.yaml document the codes (the tests check
// that each one is documented).
package errcode

import (
	"encoding/json"
	"errors"
)

// Code is a stable, machine-readable error code.
type Code string

// The codes, by the status they answer with.
const (
	// 400: the request is wrong.
	MissingAction        Code = "missing_action"
	UnknownAction        Code = "unknown_action"
	MissingParameter     Code = "missing_parameter"
	InvalidParameter     Code = "invalid_parameter"
	InvalidQuantity      Code = "invalid_quantity"
	ConflictingParameter Code = "conflicting_parameter"
	InvalidJSON          Code = "invalid_json"
	InvalidCard          Code = "invalid_card"
	InvalidFixture       Code = "invalid_fixture"
	// 401: no token, or not one the mock knows.
	MissingToken Code = "missing_token"
	InvalidToken Code = "invalid_token"
	// 403: the caller may not do this (or a browser origin may not call the mock).
	Forbidden Code = "forbidden"
	// 404: no such thing.
	NotFound         Code = "not_found"
	OrgNotFound      Code = "org_not_found"
	LinkNotFound     Code = "link_not_found"
	FaultNotFound    Code = "fault_not_found"
	ScenarioNotFound Code = "scenario_not_found"
	// 405: a known path with another method.
	MethodNotAllowed Code = "method_not_allowed"
	// 409: the state does not allow it.
	SubscriptionExists   Code = "subscription_exists"
	NoActiveSubscription Code = "no_active_subscription"
	LinkClosed           Code = "link_closed"
	TooManyFaults        Code = "too_many_faults"
	// 410: a link past its time.
	LinkExpired Code = "link_expired"
	// 413: a body over the limit.
	PayloadTooLarge Code = "payload_too_large"
	// 414: a URL over the limit.
	URITooLong Code = "uri_too_long"
	// 415: a body that is not JSON where JSON is wanted.
	UnsupportedMediaType Code = "unsupported_media_type"
	// 500: the mock failed.
	Internal Code = "internal_error"
	// 502 and 504: the validating proxy (billing-mock -proxy) could not pass an answer on.
	UpstreamUnreachable    Code = "upstream_unreachable"
	ContractViolation      Code = "contract_violation"
	UpstreamAnswerTooLarge Code = "upstream_answer_too_large"
	UpstreamTimeout        Code = "upstream_timeout"
)

// statuses is the table: each code's HTTP status.
var statuses = map[Code]int{
	MissingAction:          400,
	UnknownAction:          400,
	MissingParameter:       400,
	InvalidParameter:       400,
	InvalidQuantity:        400,
	ConflictingParameter:   400,
	InvalidJSON:            400,
	InvalidCard:            400,
	InvalidFixture:         400,
	MissingToken:           401,
	InvalidToken:           401,
	Forbidden:              403,
	NotFound:               404,
	OrgNotFound:            404,
	LinkNotFound:           404,
	FaultNotFound:          404,
	ScenarioNotFound:       404,
	MethodNotAllowed:       405,
	SubscriptionExists:     409,
	NoActiveSubscription:   409,
	LinkClosed:             409,
	TooManyFaults:          409,
	LinkExpired:            410,
	PayloadTooLarge:        413,
	URITooLong:             414,
	UnsupportedMediaType:   415,
	Internal:               500,
	UpstreamUnreachable:    502,
	ContractViolation:      502,
	UpstreamAnswerTooLarge: 502,
	UpstreamTimeout:        504,
}

// Status is the HTTP status an answer with the code has; a code not in the table is a 500.
func (c Code) Status() int {
	if s, ok := statuses[c]; ok {
		return s
	}
	return 500
}

// Codes returns every code of the table.
func Codes() []Code {
	out := make([]Code, 0, len(statuses))
	for c := range statuses {
		out = append(out, c)
	}
	return out
}

// Error is a refusal with a stable code and a message for people. Allow and Authenticate, when
// set, are the Allow header of a 405 and the WWW-Authenticate header of a 401 that answer it.
type Error struct {
	Code         Code
	Message      string
	Allow        string
	Authenticate string
}

// New returns an Error with code and message.
func New(code Code, message string) *Error { return &Error{Code: code, Message: message} }

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Status is the HTTP status of the answer: the code's.
func (e *Error) Status() int { return e.Code.Status() }

// envelope is the contract's error answer.
type envelope struct {
	Status int `json:"status"`
	Error  struct {
		Code    Code   `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// Body is the answer's body, the contract's envelope.
func (e *Error) Body() []byte {
	var env envelope
	env.Status = e.Status()
	env.Error.Code, env.Error.Message = e.Code, e.Message
	data, _ := json.Marshal(env) // cannot fail: strings and an int
	return data
}

// From returns the *Error err is or wraps; any other error is the mock's own failure, a 500.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return New(Internal, "the mock failed: "+err.Error())
}
