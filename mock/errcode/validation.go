package errcode

import (
	"errors"
	"strings"

	"github.com/cloudplans/billing-mock/contract"
)

// FromValidation is the 400 that answers a request the contract refuses (err from
// contract.Validator.ValidateRequest): its code says what kind of problem came first, its message
// lists them all. The billing API answers with it, and the contract runner's exploration model
// predicts the same answer from it.
func FromValidation(err error) *Error {
	var verr *contract.ValidationError
	if !errors.As(err, &verr) || len(verr.Problems) == 0 {
		return New(InvalidParameter, err.Error())
	}
	first := verr.Problems[0]
	code := InvalidParameter
	switch {
	case first.Field == "action" && first.Kind == contract.Missing:
		code = MissingAction
	case first.Field == "action" && first.Kind == contract.Invalid:
		code = UnknownAction
	case first.Kind == contract.Conflicting:
		code = ConflictingParameter
	case first.Kind == contract.Malformed:
		code = InvalidJSON
	case first.Kind == contract.Missing:
		code = MissingParameter
	case first.Kind == contract.Undocumented: // a member the action does not take, quantity included
		code = InvalidParameter
	case strings.TrimPrefix(first.Field, "/") == "quantity" || strings.HasPrefix(first.Field, "/quantity"):
		code = InvalidQuantity
	}
	msgs := make([]string, len(verr.Problems))
	for i, p := range verr.Problems {
		msgs[i] = p.String()
	}
	return New(code, strings.Join(msgs, "; "))
}
