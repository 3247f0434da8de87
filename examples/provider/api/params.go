package api

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cloudplans/billing-mock/examples/provider/billing"
)

// location is where a parameter may come: the query string, a JSON body member, or both.
type location int

const (
	inQuery location = 1 << iota
	inBody
)

func (l location) String() string {
	switch l {
	case inQuery:
		return "the query string"
	case inBody:
		return "the JSON body"
	}
	return "the query string or the JSON body"
}

// param is a parameter an action takes.
type param int

const (
	orgID param = iota
	quantity
)

func (p param) String() string { return [...]string{"org_id", "quantity"}[p] }

// input is the parsed parameters of one request.
type input struct {
	orgID    string
	quantity int
}

// maxOrgIDLength is the longest org_id the contract allows, in characters.
const maxOrgIDLength = 128

// parseParams reads the action's parameters from the query string q and the body (nil: none),
// in the contract's order of 400 checks: the body (JSON, an object, known members), then each
// parameter (repeated with different values, missing, invalid, different in the two places).
func parseParams(act *action, q url.Values, body []byte) (input, *apiError) {
	var members map[string]json.RawMessage
	if len(body) > 0 {
		if act.accepts&inBody == 0 {
			return input{}, badRequest("invalid_parameter", "%s takes no body: send org_id in the query string", act.name)
		}
		var e *apiError
		if members, e = decodeObject(body); e != nil {
			return input{}, e
		}
		for name := range members {
			if !slices.ContainsFunc(act.params, func(p param) bool { return p.String() == name }) {
				return input{}, badRequest("invalid_parameter", "unknown member %s in the body: %s takes %s", quote(name), act.name, act.paramList())
			}
		}
	}
	var in input
	for _, p := range act.params {
		values, e := queryValues(q, p.String())
		if e != nil {
			return input{}, e
		}
		raw, inBody := members[p.String()]
		if len(values) == 0 && !inBody {
			return input{}, badRequest("missing_parameter", "%s is required (in %s)", p, act.canonical)
		}
		var e2 *apiError
		switch p {
		case orgID:
			in.orgID, e2 = pickOrgID(values, raw, inBody)
		case quantity:
			in.quantity, e2 = pickQuantity(values, raw, inBody)
		}
		if e2 != nil {
			return input{}, e2
		}
	}
	return in, nil
}

// queryValues returns the distinct values of name in q: more than one is a conflict.
func queryValues(q url.Values, name string) ([]string, *apiError) {
	values := slices.Compact(slices.Sorted(slices.Values(q[name])))
	if len(values) > 1 {
		return nil, badRequest("conflicting_parameter", "%s is given %d times with different values", name, len(values))
	}
	return values, nil
}

func pickOrgID(query []string, raw json.RawMessage, inBody bool) (string, *apiError) {
	var fromQuery, fromBody string
	if len(query) == 1 {
		fromQuery = query[0]
		if e := checkOrgID(fromQuery); e != nil {
			return "", e
		}
	}
	if inBody {
		if json.Unmarshal(raw, &fromBody) != nil || bytes.Equal(raw, []byte("null")) {
			return "", badRequest("invalid_parameter", "org_id must be a string, got %s", raw)
		}
		if e := checkOrgID(fromBody); e != nil {
			return "", e
		}
	}
	switch {
	case len(query) == 1 && inBody && fromQuery != fromBody:
		return "", badRequest("conflicting_parameter", "org_id is %s in the query string and %s in the body", quote(fromQuery), quote(fromBody))
	case inBody:
		return fromBody, nil
	}
	return fromQuery, nil
}

func checkOrgID(s string) *apiError {
	if n := utf8.RuneCountInString(s); n == 0 || n > maxOrgIDLength || !utf8.ValidString(s) {
		return badRequest("invalid_parameter", "org_id must be 1 to %d characters of UTF-8, got %s", maxOrgIDLength, quote(s))
	}
	return nil
}

var (
	queryDigits = regexp.MustCompile(`^[0-9]+$`)
	jsonInteger = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)
)

// pickQuantity reads quantity: decimal digits in the query string, a JSON integer in the body
// (3.0 and "3" are not), from billing.MinQuantity to billing.MaxQuantity, equal when in both.
func pickQuantity(query []string, raw json.RawMessage, inBody bool) (int, *apiError) {
	var fromQuery, fromBody int
	if len(query) == 1 {
		var ok bool
		if fromQuery, ok = quantityValue(query[0], queryDigits); !ok {
			return 0, invalidQuantity(query[0])
		}
	}
	if inBody {
		var ok bool
		if fromBody, ok = quantityValue(string(raw), jsonInteger); !ok {
			return 0, invalidQuantity(string(raw))
		}
	}
	switch {
	case len(query) == 1 && inBody && fromQuery != fromBody:
		return 0, badRequest("conflicting_parameter", "quantity is %d in the query string and %d in the body", fromQuery, fromBody)
	case inBody:
		return fromBody, nil
	}
	return fromQuery, nil
}

func quantityValue(s string, syntax *regexp.Regexp) (int, bool) {
	if !syntax.MatchString(s) {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= billing.MinQuantity && n <= billing.MaxQuantity
}

func invalidQuantity(got string) *apiError {
	return badRequest("invalid_quantity", "quantity must be an integer from %d to %d, got %s", billing.MinQuantity, billing.MaxQuantity, quote(got))
}

// decodeObject decodes a JSON object into its members. A member given twice must have the same
// value both times (encoding/json would silently keep the last one).
func decodeObject(body []byte) (map[string]json.RawMessage, *apiError) {
	if !utf8.Valid(body) || !json.Valid(body) {
		return nil, badRequest("invalid_json", "the body is not valid JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, _ := dec.Token(); tok != json.Delim('{') {
		return nil, badRequest("invalid_parameter", "the body must be a JSON object, got %s", quote(strings.TrimSpace(string(body))))
	}
	members := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		name, _ := tok.(string)
		var value json.RawMessage
		if err == nil {
			err = dec.Decode(&value)
		}
		if err != nil { // unreachable after json.Valid
			return nil, badRequest("invalid_json", "the body is not valid JSON: %v", err)
		}
		if prev, twice := members[name]; twice && !sameJSON(prev, value) {
			return nil, badRequest("conflicting_parameter", "%s is given twice in the body with different values", name)
		}
		members[name] = value
	}
	return members, nil
}

func sameJSON(a, b json.RawMessage) bool {
	var ca, cb bytes.Buffer
	return json.Compact(&ca, a) == nil && json.Compact(&cb, b) == nil && bytes.Equal(ca.Bytes(), cb.Bytes())
}
