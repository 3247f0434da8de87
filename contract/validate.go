package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cloudplans/billing-mock/internal/plural"
	"github.com/cloudplans/billing-mock/internal/strictjson"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Kind classifies a Problem, so that an implementation can pick its error code from it.
type Kind string

// The kinds of Problem.
const (
	// Missing: a required parameter, member or header is absent.
	Missing Kind = "missing"
	// Invalid: a value of the wrong type, format or range, or a body where none is taken.
	Invalid Kind = "invalid"
	// Undocumented: a member of a JSON object that its schema does not document (in a body or an
	// answer whose schema lists its members).
	Undocumented Kind = "undocumented"
	// Conflicting: one parameter with two different values (repeated, or in query and body).
	Conflicting Kind = "conflicting"
	// Malformed: a body that is not a JSON object.
	Malformed Kind = "malformed"
	// MediaType: a body or answer that is not application/json.
	MediaType Kind = "media_type"
	// Unauthenticated: the Authorization header is absent or not "Bearer <token>".
	Unauthenticated Kind = "unauthenticated"
	// Status: an HTTP status the document does not declare, or an envelope status that differs.
	Status Kind = "status"
)

// Location names where a Problem was found.
const (
	InQuery  = "query"
	InBody   = "body"
	InHeader = "header"
	InStatus = "status"
)

// Problem is one way a request or an answer breaks the contract.
type Problem struct {
	Kind Kind `json:"kind"`
	// Location is InQuery, InBody, InHeader or InStatus.
	Location string `json:"location"`
	// Field is a parameter or header name, or a JSON pointer into the body ("/response/quantity").
	Field string `json:"field,omitempty"`
	// Expected says what the contract wants; Got, what came.
	Expected string `json:"expected,omitempty"`
	Got      string `json:"got,omitempty"`
}

func (p Problem) String() string {
	where := p.Location
	if p.Field != "" {
		if strings.HasPrefix(p.Field, "/") {
			where += " " + p.Field
		} else {
			where += " " + strconv.Quote(p.Field)
		}
	}
	switch {
	case p.Expected != "" && p.Got != "":
		return fmt.Sprintf("%s: expected %s, got %s", where, p.Expected, p.Got)
	case p.Expected != "":
		return fmt.Sprintf("%s: expected %s", where, p.Expected)
	default:
		return fmt.Sprintf("%s: %s", where, p.Got)
	}
}

// ValidationError lists the problems of one request or answer. Problems is never empty.
type ValidationError struct {
	// Side is "request" or "response".
	Side   string
	Method string
	Path   string
	Action string
	// Status is the answer's HTTP status (responses only).
	Status   int
	Problems []Problem
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s of %s %s", e.Side, e.Method, e.Path)
	if e.Action != "" {
		fmt.Fprintf(&b, "?action=%s", e.Action)
	}
	if e.Side == "response" {
		fmt.Fprintf(&b, " (status %d)", e.Status)
	}
	b.WriteString(" breaks the contract:")
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	return b.String()
}

// IsJSON reports whether a Content-Type header value is application/json, in any case, with or
// without parameters such as charset=utf-8.
func IsJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

// ValidateRequest checks a request against the action its `action` query parameter names: the
// route, the action, the bearer header's form, each parameter's schema, the body's schema and
// media type, the parameters the action requires, and that no parameter has two different values.
// Each parameter is accepted where the document puts it and, where the action's x-actions entry
// is `lenient`, in the other location too (the billing mock's leniency; a parameter given in both
// must have the same value in both). body is the request's body, already read (r.Body is not
// used). It returns a *RouteError for an unknown path or method, a *ValidationError listing every
// problem, or nil. It never changes r.
func (c *Contract) ValidateRequest(ctx context.Context, r *http.Request, body []byte) error {
	op, err := c.Find(r.Method, r.URL.Path)
	if err != nil {
		return err
	}
	return op.ValidateRequest(ctx, r, body)
}

// ValidateRequest is Contract.ValidateRequest for a request already routed to op (its method and
// path are op's): it returns a *ValidationError listing every problem, or nil. It never changes r.
func (op *Operation) ValidateRequest(ctx context.Context, r *http.Request, body []byte) error {
	var err error
	query := r.URL.Query()
	name := query.Get("action")
	verr := &ValidationError{Side: "request", Method: r.Method, Path: r.URL.Path, Action: name}
	add := func(p Problem) { verr.Problems = append(verr.Problems, p) }

	// The checks run in the document's order, and the first failing stage answers: content type
	// (415), token (401), then action and parameters (400). An operation that takes no body at all
	// (history) answers a JSON body with 400, and any other body with 415 like every path.
	if len(body) > 0 {
		if ct := r.Header.Get("Content-Type"); !IsJSON(ct) {
			add(Problem{Kind: MediaType, Location: InHeader, Field: "Content-Type", Expected: "application/json", Got: describeHeader(ct)})
			return verr
		}
	}
	if _, ok := BearerToken(r.Header.Get("Authorization")); !ok {
		add(Problem{Kind: Unauthenticated, Location: InHeader, Field: "Authorization", Expected: "Bearer <token>", Got: describeHeader(r.Header.Get("Authorization"))})
		return verr
	}

	// url.Values drops a pair whose value has a malformed %-escape; such a parameter was sent,
	// so it is invalid, never missing.
	var malformed map[string]string
	if strings.Contains(r.URL.RawQuery, "%") {
		malformed = malformedValues(r.URL.RawQuery)
	}
	a := op.generic
	switch values := query["action"]; {
	case len(values) == 0 && malformed["action"] != "":
		add(Problem{Kind: Invalid, Location: InQuery, Field: "action", Expected: "one of " + strings.Join(op.names, ", "), Got: malformedGot(malformed["action"])})
	case len(values) == 0 || name == "":
		add(Problem{Kind: Missing, Location: InQuery, Field: "action", Expected: "one of " + strings.Join(op.names, ", "), Got: "no action"})
	case distinct(values) > 1:
		add(Problem{Kind: Conflicting, Location: InQuery, Field: "action", Expected: "one value", Got: strings.Join(values, ", ")})
	case op.HasAction(name):
		a = op.actions[name]
	default:
		add(Problem{Kind: Invalid, Location: InQuery, Field: "action", Expected: "one of " + strings.Join(op.names, ", "), Got: strconv.Quote(name)})
	}
	if len(verr.Problems) > 0 {
		return verr
	}

	var members map[string]json.RawMessage
	if len(body) > 0 {
		if a.request == nil {
			add(Problem{Kind: Invalid, Location: InBody, Expected: "no body", Got: plural.Count(len(body), "byte")})
			return verr
		}
		members, err = ParseObject(body)
		if err != nil {
			var dup *DuplicateMemberError
			if errors.As(err, &dup) {
				add(Problem{Kind: Conflicting, Location: InBody, Field: "/" + strictjson.PointerEscaper.Replace(dup.Name), Expected: "each member once", Got: "the member twice"})
			} else {
				add(Problem{Kind: Malformed, Location: InBody, Expected: "a JSON object", Got: err.Error()})
			}
			return verr
		}
		for _, member := range a.integers {
			if raw, ok := members[member]; ok && !isIntegerLiteral(raw) && isNumberLiteral(raw) {
				add(Problem{Kind: Invalid, Location: InBody, Field: "/" + member, Expected: "an integer", Got: "number " + string(raw)})
			}
		}
	}

	for pname, values := range query {
		if distinct(values) > 1 {
			add(Problem{Kind: Conflicting, Location: InQuery, Field: pname, Expected: "one value", Got: strings.Join(values, ", ")})
		}
	}
	for _, pname := range sortedNames(malformed) {
		if _, ok := query[pname]; !ok && a.accepts(pname, InQuery) {
			add(Problem{Kind: Invalid, Location: InQuery, Field: pname, Expected: "a value whose % escapes are valid (% and two hex digits)", Got: malformedGot(malformed[pname])})
		}
	}
	for _, p := range a.route.Operation.Parameters {
		if p.Value == nil || p.Value.In != "query" || p.Value.Schema == nil || p.Value.Schema.Value == nil {
			continue
		}
		if v, ok := query[p.Value.Name]; ok && p.Value.Schema.Value.Type.Is("integer") && !isDigits(v[0]) {
			add(Problem{Kind: Invalid, Location: InQuery, Field: p.Value.Name, Expected: "decimal digits", Got: strconv.Quote(v[0])})
		}
	}
	for pname, raw := range members {
		qv, ok := query[pname]
		if !ok || len(qv) == 0 {
			continue
		}
		if !sameValue(qv[0], raw) {
			add(Problem{Kind: Conflicting, Location: InQuery, Field: pname, Expected: "the same value in the query string and the body", Got: fmt.Sprintf("%q and %s", qv[0], raw)})
		}
	}
	if len(verr.Problems) > 0 {
		return verr
	}

	in := *r
	u := *r.URL // kin-openapi may rewrite the query string; r's stays as it is
	in.URL = &u
	in.Body = io.NopCloser(bytes.NewReader(body))
	if len(body) == 0 {
		in.Body = http.NoBody
	}
	kerr := openapi3filter.ValidateRequest(ctx, &openapi3filter.RequestValidationInput{
		Request: &in, QueryParams: query, Route: a.route, Options: op.contract.options,
	})
	if kerr != nil {
		verr.Problems = append(verr.Problems, kinProblems(kerr, InBody)...)
	}

	for _, req := range a.required {
		_, inQuery := query[req]
		_, inBody := members[req]
		if a.accepts(req, InQuery) && inQuery || a.accepts(req, InBody) && inBody {
			continue // present, maybe empty: an empty value is reported by its schema
		}
		if slices.ContainsFunc(verr.Problems, func(p Problem) bool { return p.Kind == Missing && strings.TrimPrefix(p.Field, "/") == req }) {
			continue // kin-openapi already said so (a parameter the document requires in the query)
		}
		add(a.missing(req))
	}
	if len(verr.Problems) > 0 {
		return verr
	}
	return nil
}

// malformedValues maps each query parameter whose name decodes and whose value does not (a % not
// followed by two hex digits) to its first such value, as sent. url.ParseQuery leaves these out.
func malformedValues(rawQuery string) map[string]string {
	var out map[string]string
	for rest := rawQuery; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			continue
		}
		if _, err := url.QueryUnescape(v); err != nil {
			if out == nil {
				out = map[string]string{}
			}
			if _, seen := out[key]; !seen {
				out[key] = v
			}
		}
	}
	return out
}

// malformedGot describes a malformed value, as sent.
func malformedGot(raw string) string {
	return truncate(strconv.Quote(raw), 80) + " (a malformed % escape)"
}

// accepts reports whether the action takes a parameter in a location (InQuery or InBody): where the
// document puts it, or where x-actions makes the action lenient.
func (a *action) accepts(param, location string) bool {
	canonical, ok := a.canonical[param]
	if !ok {
		return false
	}
	return canonical == location || a.lenient == lenientBody && location == InBody || a.lenient == lenientQuery && location == InQuery
}

// missing is the problem of a required parameter that is in no place the action accepts it, reported
// where the document puts it.
func (a *action) missing(param string) Problem {
	if a.canonical[param] == InBody {
		p := Problem{Kind: Missing, Location: InBody, Field: "/" + strictjson.PointerEscaper.Replace(param), Expected: "a member of the JSON body", Got: "absent"}
		if a.lenient == lenientQuery {
			p.Expected += " (or a query parameter)"
		}
		return p
	}
	p := Problem{Kind: Missing, Location: InQuery, Field: param, Expected: "present in the query string", Got: "absent"}
	if a.lenient == lenientBody {
		p.Expected += " (or the JSON body)"
	}
	return p
}

// Response is an answer to validate, with the request it answers.
type Response struct {
	Method string
	// Path is the request's path, without base URL or query.
	Path string
	// Action is the request's `action` query parameter ("" when it had none).
	Action string
	Status int
	Header http.Header
	Body   []byte
}

// ValidateResponse checks an answer against the action it answers: a status the document declares
// for that action, a JSON media type, a body that parses, an envelope `status` equal to the HTTP
// status, and the action's schema for that status. An answer to a request that matches no
// operation is checked against the document's `x-unrouted-responses` (404 on an unknown path; 405
// with an Allow header on a documented path); an answer with a status that `x-unrouted-responses`
// declares for any request (414, for one) is accepted on any path, checked against its declared
// response, where the operation does not document that status itself. It returns a
// *ValidationError listing every problem, or nil.
func (c *Contract) ValidateResponse(ctx context.Context, in Response) error {
	if c.responseValid(in) {
		return nil
	}
	return c.validateResponse(ctx, in)
}

// ValidateResponse is Contract.ValidateResponse for the answer to a request routed to op
// (in.Method and in.Path are the request's, which matched op).
func (op *Operation) ValidateResponse(ctx context.Context, in Response) error {
	if op.responseValid(in) {
		return nil
	}
	return op.contract.validateResponse(ctx, in)
}

// responseValid is ValidateResponse's fast path: for an answer of a routed operation with a
// documented status, an exact "application/json" Content-Type and no declared response headers, it
// decodes the body once (refusing duplicate members and trailing data as the slow path does) and
// runs the status's schema, found at load time, with the options kin-openapi would build. It
// reports true only when the slow path would find no problem; on false, the slow path runs and
// names the problems, so verdicts and messages are exactly those of validateResponse.
func (c *Contract) responseValid(in Response) bool {
	pi, ok := c.paths[in.Path]
	if !ok {
		return false
	}
	op, ok := pi.methods[in.Method]
	return ok && op.responseValid(in)
}

// responseValid is the fast path for an answer of op.
func (op *Operation) responseValid(in Response) bool {
	if in.Header == nil || len(in.Header["Content-Type"]) == 0 || in.Header["Content-Type"][0] != "application/json" {
		return false
	}
	fr := op.action(in.Action).fast[in.Status]
	if !fr.ok {
		return false
	}
	value, ok := strictjson.Parse(in.Body, true)
	if !ok {
		return false
	}
	if obj, isObj := value.(map[string]any); isObj {
		if s, isNum := obj["status"].(json.Number); isNum && !numberIs(s, in.Status) {
			return false
		}
	}
	return fr.schema.VisitJSON(value, op.contract.responseOptions...) == nil
}

// numberIs reports whether a number literal is exactly the decimal form of n.
func numberIs(s json.Number, n int) bool {
	var buf [20]byte
	return string(s) == string(strconv.AppendInt(buf[:0], int64(n), 10))
}

// validateResponse is ValidateResponse's original, complete path.
func (c *Contract) validateResponse(ctx context.Context, in Response) error {
	verr := &ValidationError{Side: "response", Method: in.Method, Path: in.Path, Action: in.Action, Status: in.Status}
	add := func(p Problem) { verr.Problems = append(verr.Problems, p) }
	header := in.Header
	if header == nil {
		header = http.Header{}
	}

	op, ferr := c.Find(in.Method, in.Path)
	var a *action
	var unrouted *unroutedResponse
	if ferr != nil {
		var re *RouteError
		if !errors.As(ferr, &re) {
			return ferr
		}
		verr.Action = ""
		switch everywhere := c.anyRequest(in.Status); {
		case in.Status == re.Status:
			if re.Status == http.StatusMethodNotAllowed && !sameMethods(header.Get("Allow"), re.Allow) {
				add(Problem{Kind: Invalid, Location: InHeader, Field: "Allow", Expected: strconv.Quote(re.Allow), Got: describeHeader(header.Get("Allow"))})
			}
			unrouted = c.unrouted[re.Status]
		case everywhere != nil:
			unrouted = everywhere
		default:
			add(Problem{Kind: Status, Location: InStatus, Expected: strconv.Itoa(re.Status) + " (" + re.Error() + ")", Got: strconv.Itoa(in.Status)})
			return verr
		}
	} else {
		a = op.action(in.Action)
		if !slices.Contains(a.statuses, in.Status) {
			if unrouted = c.anyRequest(in.Status); unrouted == nil {
				add(Problem{Kind: Status, Location: InStatus, Expected: "one of " + joinInts(a.statuses), Got: strconv.Itoa(in.Status)})
				return verr
			}
			a = nil
		}
	}

	switch {
	case unrouted != nil:
		validateUnrouted(in, header, unrouted, verr)
	case a == nil: // a document without x-unrouted-responses: the answer is JSON, its body unchecked
		if ct := header.Get("Content-Type"); !IsJSON(ct) {
			add(Problem{Kind: MediaType, Location: InHeader, Field: "Content-Type", Expected: "application/json", Got: describeHeader(ct)})
		} else {
			jsonAnswer(in, verr)
		}
	default:
		if ct := header.Get("Content-Type"); !IsJSON(ct) {
			add(Problem{Kind: MediaType, Location: InHeader, Field: "Content-Type", Expected: "application/json", Got: describeHeader(ct)})
			return verr
		}
		if !jsonAnswer(in, verr) {
			return verr
		}
		req := &http.Request{Method: in.Method, URL: &url.URL{Path: in.Path}, Header: http.Header{}}
		err := openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: a.route, Options: c.options},
			Status:                 in.Status,
			Header:                 header,
			Body:                   io.NopCloser(bytes.NewReader(in.Body)),
			Options:                c.options,
		})
		if err != nil {
			verr.Problems = append(verr.Problems, kinProblems(err, InBody)...)
		}
	}
	if len(verr.Problems) > 0 {
		return verr
	}
	return nil
}

// jsonAnswer checks what every JSON answer must be: one JSON document, each member of each object
// once, and a top-level `status` member (when there is one) equal to the HTTP status. It reports
// whether the body is one well-formed document, so that its schema can be checked.
func jsonAnswer(in Response, verr *ValidationError) bool {
	add := func(p Problem) { verr.Problems = append(verr.Problems, p) }
	var value any
	dec := json.NewDecoder(bytes.NewReader(in.Body))
	dec.UseNumber()
	if err := dec.Decode(&value); err != nil {
		add(Problem{Kind: Malformed, Location: InBody, Expected: "a JSON document", Got: truncate(string(in.Body), 120)})
		return false
	}
	// dec.More is not enough: it reports no more data before a stray "}" or "]".
	if !json.Valid(in.Body) {
		add(Problem{Kind: Malformed, Location: InBody, Expected: "one JSON document", Got: "more data after it"})
		return false
	}
	if ptr, dup := strictjson.DuplicateMember(in.Body); dup {
		add(Problem{Kind: Malformed, Location: InBody, Field: ptr, Expected: "each member once", Got: "the member twice"})
		return false
	}
	if obj, ok := value.(map[string]any); ok {
		if s, ok := obj["status"].(json.Number); ok && s.String() != strconv.Itoa(in.Status) {
			add(Problem{Kind: Status, Location: InBody, Field: "/status", Expected: fmt.Sprintf("%d, the HTTP status", in.Status), Got: s.String()})
		}
	}
	return true
}

// jsonValue decodes a body the way kin-openapi does (numbers as float64).
func jsonValue(body []byte) any {
	var v any
	_ = json.Unmarshal(body, &v)
	return v
}

// kinProblems turns kin-openapi's errors into Problems naming the field, what was expected and
// what came.
func kinProblems(err error, defaultLocation string) []Problem {
	var out []Problem
	var walk func(err error, location, field string)
	walk = func(err error, location, field string) {
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, inner := range e {
				walk(inner, location, field)
			}
		case *openapi3filter.RequestError:
			loc, f := InBody, ""
			if e.Parameter != nil {
				loc, f = e.Parameter.In, e.Parameter.Name
			}
			if errors.Is(e.Err, openapi3filter.ErrInvalidRequired) {
				where := "present"
				if e.Parameter != nil {
					where = "present in the " + e.Parameter.In + " string"
					if e.Parameter.In != "query" {
						where = "present in the " + e.Parameter.In
					}
				}
				out = append(out, Problem{Kind: Missing, Location: loc, Field: f, Expected: where, Got: "absent"})
				return
			}
			if e.Err == nil {
				out = append(out, Problem{Kind: Invalid, Location: loc, Field: f, Expected: "a valid value", Got: e.Reason})
				return
			}
			walk(e.Err, loc, f)
		case *openapi3filter.ResponseError:
			if e.Err == nil {
				out = append(out, Problem{Kind: Invalid, Location: location, Field: field, Got: e.Reason})
				return
			}
			walk(e.Err, location, field)
		case *openapi3filter.SecurityRequirementsError:
			out = append(out, Problem{Kind: Unauthenticated, Location: InHeader, Field: "Authorization", Expected: "Bearer <token>"})
		case *openapi3filter.ParseError:
			out = append(out, Problem{Kind: Invalid, Location: location, Field: field, Expected: "a value of the parameter's type", Got: e.Error()})
		case *openapi3.SchemaError:
			if inner := deepestSchemaError(e); inner != nil && inner != e {
				walk(inner, location, field)
				return
			}
			out = append(out, schemaProblem(e, location, field))
		default:
			var se *openapi3.SchemaError
			if errors.As(err, &se) {
				walk(se, location, field)
				return
			}
			out = append(out, Problem{Kind: Invalid, Location: location, Field: field, Got: err.Error()})
		}
	}
	walk(err, defaultLocation, "")
	return out
}

// deepestSchemaError follows an allOf failure to the branch error that says what is wrong.
func deepestSchemaError(e *openapi3.SchemaError) error {
	if e.SchemaField != "allOf" || e.Origin == nil {
		return nil
	}
	var me openapi3.MultiError
	if errors.As(e.Origin, &me) && len(me) > 0 {
		return me
	}
	var inner *openapi3.SchemaError
	if errors.As(e.Origin, &inner) {
		return inner
	}
	return nil
}

func schemaProblem(e *openapi3.SchemaError, location, field string) Problem {
	p := Problem{Kind: Invalid, Location: location, Field: field}
	if ptr := e.JSONPointer(); len(ptr) > 0 {
		for i := range ptr {
			ptr[i] = strictjson.PointerEscaper.Replace(ptr[i])
		}
		p.Field = field + "/" + strings.Join(ptr, "/")
	} else if location == InBody && field == "" {
		p.Field = "/"
	}
	s := e.Schema
	p.Got = describeValue(e.Value)
	switch e.SchemaField {
	case "type":
		if s != nil {
			p.Expected = "type " + strings.Join(s.Type.Slice(), " or ")
			if s.Nullable {
				p.Expected += " or null"
			}
		}
	case "nullable":
		p.Expected = "a value, not null"
	case "enum":
		if s != nil {
			enc, _ := json.Marshal(s.Enum)
			p.Expected = "one of " + string(enc)
		}
	case "required":
		p.Kind = Missing
		if name := quoted(e.Reason); name != "" && !strings.HasSuffix(p.Field, "/"+name) {
			p.Field = strings.TrimSuffix(p.Field, "/") + "/" + name
		}
		p.Expected = "a documented member"
		p.Got = "absent"
	case "pattern":
		if s != nil {
			p.Expected = "a string matching " + s.Pattern
		}
	case "minimum", "maximum":
		p.Expected = rangeOf(s, "a number")
	case "minLength", "maxLength":
		p.Expected = lengthOf(s)
	case "minItems", "maxItems":
		p.Expected = e.Reason
	case "additionalProperties", "properties":
		// kin-openapi reports an undeclared member as SchemaField "properties", reason
		// `property "x" is unsupported`, at the object's pointer; name the member itself.
		name := quoted(e.Reason)
		if e.SchemaField == "properties" && (name == "" || !strings.HasSuffix(e.Reason, "is unsupported")) {
			p.Expected = e.Reason
			break
		}
		p.Kind = Undocumented
		p.Expected = "only the documented members"
		if name != "" {
			p.Field = strings.TrimSuffix(p.Field, "/") + "/" + strictjson.PointerEscaper.Replace(name)
			p.Got = "an undocumented member " + strconv.Quote(name)
		} else {
			p.Got = "an undocumented member"
		}
	default:
		p.Expected = e.Reason
	}
	if p.Expected == "" {
		p.Expected = e.Reason
	}
	return p
}

// rangeOf says which numbers a schema accepts: "an integer from 1 to 10000".
func rangeOf(s *openapi3.Schema, what string) string {
	if s == nil {
		return what + " in range"
	}
	if s.Type.Is("integer") {
		what = "an integer"
	}
	num := func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
	switch {
	case s.Min != nil && s.Max != nil:
		return fmt.Sprintf("%s from %s to %s", what, num(*s.Min), num(*s.Max))
	case s.Min != nil:
		return fmt.Sprintf("%s of at least %s", what, num(*s.Min))
	case s.Max != nil:
		return fmt.Sprintf("%s of at most %s", what, num(*s.Max))
	}
	return what + " in range"
}

// lengthOf says which string lengths a schema accepts.
func lengthOf(s *openapi3.Schema) string {
	if s == nil {
		return "a string of the documented length"
	}
	switch {
	case s.MaxLength != nil:
		return fmt.Sprintf("a string of %d to %s", s.MinLength, plural.Count(int(*s.MaxLength), "character"))
	case s.MinLength == 1:
		return "a non-empty string"
	default:
		return "a string of at least " + plural.Count(int(s.MinLength), "character")
	}
}

// quoted returns the first double-quoted word of s.
func quoted(s string) string {
	_, rest, ok := strings.Cut(s, `"`)
	if !ok {
		return ""
	}
	name, _, ok := strings.Cut(rest, `"`)
	if !ok {
		return ""
	}
	return name
}

func describeValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "string " + truncate(strconv.Quote(v), 80)
	case float64:
		return "number " + strconv.FormatFloat(v, 'g', -1, 64)
	case json.Number:
		return "number " + v.String()
	case bool:
		return "boolean " + strconv.FormatBool(v)
	case map[string]any:
		return "an object"
	case []any:
		return fmt.Sprintf("an array of %d", len(v))
	default:
		return truncate(fmt.Sprint(v), 80)
	}
}

func describeHeader(v string) string {
	if v == "" {
		return "none"
	}
	return truncate(strconv.Quote(v), 80)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ", ")
}

func distinct(values []string) int {
	seen := make(map[string]struct{}, len(values))
	for _, v := range values {
		seen[v] = struct{}{}
	}
	return len(seen)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isNumberLiteral(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && (t[0] == '-' || (t[0] >= '0' && t[0] <= '9'))
}

// isIntegerLiteral reports whether a JSON number literal has no fraction and no exponent.
func isIntegerLiteral(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	t = bytes.TrimPrefix(t, []byte("-"))
	return isDigits(string(t))
}

// sameValue compares a query string value with a JSON body member: strings by content, numbers
// by value.
func sameValue(q string, raw json.RawMessage) bool {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s == q
	}
	if isIntegerLiteral(raw) && isDigits(q) {
		a, err1 := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
		b, err2 := strconv.ParseInt(q, 10, 64)
		return err1 == nil && err2 == nil && a == b
	}
	return strings.TrimSpace(string(raw)) == q
}

// sameMethods reports whether the Allow header got lists the methods of want, as a set; HEAD and
// OPTIONS may be listed besides.
func sameMethods(got, want string) bool {
	g := MethodList(got)
	// HEAD and OPTIONS may be listed in addition to the documented methods.
	g = slices.DeleteFunc(g, func(m string) bool { return m == http.MethodHead || m == http.MethodOptions })
	return slices.Equal(g, MethodList(want))
}

// MethodList reads the value of an Allow header: its methods upper-cased and sorted, empty items
// dropped, so that two lists can be compared as sets with slices.Equal.
func MethodList(allow string) []string {
	var out []string
	for _, m := range strings.Split(allow, ",") {
		if m = strings.TrimSpace(m); m != "" {
			out = append(out, strings.ToUpper(m))
		}
	}
	slices.Sort(out)
	return out
}

// DuplicateMemberError says that a JSON object has the same member twice.
type DuplicateMemberError struct{ Name string }

func (e *DuplicateMemberError) Error() string { return fmt.Sprintf("member %q appears twice", e.Name) }

// ParseObject decodes a JSON object's top-level members, refusing anything but exactly one object
// and any member that appears twice (encoding/json would silently keep the last). Each member's
// RawMessage is the exact bytes of its value, without the whitespace around it.
//
// The RawMessages may share memory with body (each is then a sub-slice of body whose capacity
// ends with the value, so appending to one copies it): the caller must not modify body, nor the
// RawMessages' bytes, while it uses the members.
func ParseObject(body []byte) (map[string]json.RawMessage, error) {
	if members, ok := strictjson.Object(body); ok {
		return members, nil
	}
	return parseObjectSlow(body)
}

// parseObjectSlow is ParseObject on encoding/json's Decoder, the complete path: it accepts
// everything strictjson.Object accepts, with the same members, and also what strictjson.Object
// leaves to it (nesting deeper than strictjson.MaxDepth); for what it refuses, its error names the
// problem.
// Its RawMessages are copies.
func parseObjectSlow(body []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("a JSON %s, not an object", jsonKind(tok))
	}
	members := make(map[string]json.RawMessage)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("not JSON: %w", err)
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("not JSON: %w", err)
		}
		if _, dup := members[name]; dup {
			return nil, &DuplicateMemberError{Name: name}
		}
		members[name] = raw
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("not JSON: more data after the object")
	}
	return members, nil
}

func jsonKind(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		return "array"
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "boolean"
	default:
		return "null"
	}
}

// Validator validates requests and answers against a Contract, and remembers the inputs it found
// valid, so that the same request or answer is not validated twice. A verdict is keyed on every
// input the validation reads: for a request, its method, path, raw query string, body and the
// values of each header the operation's validation reads (Operation.requestHeaders: Authorization,
// Content-Type, the header and cookie parameters the document declares); for an answer, the method,
// path, action, status, every header given and the body. A Contract is immutable, so the same
// inputs always get the same verdict: the cache changes how fast a verdict comes, never which one.
// Only "valid" verdicts are kept (an invalid input is validated again, and its message built
// fresh); inputs over verdictKeyLimit bytes are always validated in full. When the cache holds its
// size, it starts again empty.
//
// A Validator is safe for concurrent use.
type Validator struct {
	contract *Contract
	size     int // the most verdicts kept; 0: none
	mu       sync.RWMutex
	seen     map[string]struct{}
	bufs     sync.Pool
}

// NewValidator returns a Validator of c that keeps up to size verdicts; with size 0 it keeps none
// and validates every input in full.
func NewValidator(c *Contract, size int) *Validator {
	v := &Validator{contract: c, size: max(size, 0), seen: make(map[string]struct{})}
	v.bufs.New = func() any { b := make([]byte, 0, 512); return &b }
	return v
}

// Contract returns the contract v validates against.
func (v *Validator) Contract() *Contract { return v.contract }

// Len returns the number of verdicts v holds.
func (v *Validator) Len() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.seen)
}

// verdictKeyLimit bounds the key of a remembered verdict.
const verdictKeyLimit = 4 << 10

// ValidateRequest is op.ValidateRequest(ctx, r, body), answered from the cache when the same
// inputs were found valid before.
func (v *Validator) ValidateRequest(ctx context.Context, op *Operation, r *http.Request, body []byte) error {
	if v.size == 0 {
		return op.ValidateRequest(ctx, r, body)
	}
	buf := v.getBuf()
	defer v.putBuf(buf)
	*buf, _ = requestKey(*buf, op, r, body)
	return v.through(*buf, func() error { return op.ValidateRequest(ctx, r, body) })
}

// ValidateResponse is op.ValidateResponse(ctx, in) (for op nil, the contract's ValidateResponse:
// the answer to a request that matched no operation), answered from the cache when the same
// inputs were found valid before.
func (v *Validator) ValidateResponse(ctx context.Context, op *Operation, in Response) error {
	if v.size == 0 {
		return v.validateResponse(ctx, op, in)
	}
	buf := v.getBuf()
	defer v.putBuf(buf)
	*buf, _ = responseKey(*buf, in)
	return v.through(*buf, func() error { return v.validateResponse(ctx, op, in) })
}

// through answers nil when the inputs of key were found valid before, and else validate's verdict,
// which it keeps when it is "valid". An empty key (inputs too large to keep) is always validated.
func (v *Validator) through(key []byte, validate func() error) error {
	if len(key) > 0 && v.known(key) {
		return nil
	}
	err := validate()
	if len(key) > 0 && err == nil {
		v.remember(key)
	}
	return err
}

func (v *Validator) validateResponse(ctx context.Context, op *Operation, in Response) error {
	if op == nil {
		return v.contract.ValidateResponse(ctx, in)
	}
	return op.ValidateResponse(ctx, in)
}

// requestKey appends the inputs of op.ValidateRequest to b; when they are too large it returns b
// as it was (empty) and ok false.
func requestKey(b []byte, op *Operation, r *http.Request, body []byte) ([]byte, bool) {
	n := len(r.Method) + len(r.URL.Path) + len(r.URL.RawQuery) + len(body) + 16
	for _, name := range op.requestHeaders {
		for _, val := range r.Header[name] {
			n += len(val) + 8
		}
	}
	if n > verdictKeyLimit {
		return b, false
	}
	b = append(b, 'Q')
	b = appendField(b, r.Method)
	b = appendField(b, r.URL.Path)
	b = appendField(b, r.URL.RawQuery)
	for _, name := range op.requestHeaders { // the same names, in the same order, for every request of op
		vals := r.Header[name]
		b = strconv.AppendInt(b, int64(len(vals)), 10)
		for _, val := range vals {
			b = appendField(b, val)
		}
	}
	return appendField(b, body), true
}

// responseKey appends the inputs of ValidateResponse to b; when they are too large it returns b
// as it was (empty) and ok false.
func responseKey(b []byte, in Response) ([]byte, bool) {
	n := len(in.Method) + len(in.Path) + len(in.Action) + len(in.Body) + 16
	for name, vals := range in.Header {
		n += len(name) + 8
		for _, val := range vals {
			n += len(val) + 8
		}
	}
	if n > verdictKeyLimit {
		return b, false
	}
	b = append(b, 'A')
	b = appendField(b, in.Method)
	b = appendField(b, in.Path)
	b = appendField(b, in.Action)
	b = strconv.AppendInt(b, int64(in.Status), 10)
	b = strconv.AppendInt(b, int64(len(in.Header)), 10)
	if len(in.Header) == 1 { // no order to fix
		for name, vals := range in.Header {
			b = appendHeader(b, name, vals)
		}
	} else {
		var room [16]string // an answer's header seldom has more names: no allocation
		names := room[:0]
		for name := range in.Header {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			b = appendHeader(b, name, in.Header[name])
		}
	}
	return appendField(b, in.Body), true
}

// appendHeader appends a header's name and its values.
func appendHeader(b []byte, name string, vals []string) []byte {
	b = appendField(b, name)
	b = strconv.AppendInt(b, int64(len(vals)), 10)
	for _, val := range vals {
		b = appendField(b, val)
	}
	return b
}

// appendField appends a length-prefixed string, so that no two different inputs make one key.
func appendField[S string | []byte](b []byte, s S) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}

// known reports whether the inputs of key were found valid before.
func (v *Validator) known(key []byte) bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	_, hit := v.seen[string(key)]
	return hit
}

// remember keeps key, whose inputs were found valid.
func (v *Validator) remember(key []byte) {
	v.mu.Lock()
	if len(v.seen) >= v.size {
		clear(v.seen)
	}
	v.seen[string(key)] = struct{}{}
	v.mu.Unlock()
}

func (v *Validator) getBuf() *[]byte { return v.bufs.Get().(*[]byte) }

func (v *Validator) putBuf(b *[]byte) {
	if cap(*b) > 2*verdictKeyLimit {
		return
	}
	*b = (*b)[:0]
	v.bufs.Put(b)
}
