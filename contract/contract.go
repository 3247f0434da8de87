// Package contract loads the billing API's OpenAPI document once and validates requests and
// responses against it, per action.
//
// The billing API picks its operation with an `action` query parameter, and one path carries four
// actions. The document states each action's query parameters in standard OpenAPI (a plain enum
// parameter, or one object query parameter with a oneOf branch per action) and, in the `x-actions`
// extension of its operation, what standard OpenAPI cannot say: the action's JSON body, its branch
// of each union of answers, and where the billing mock is lenient about parameter locations. Load
// builds, at start-up, one kin-openapi operation per action from both, checking that the extension
// agrees with the standard constructs, so that validating an answer of `getpaymentlink` checks it
// against `LinkResponse` alone, never against the union of the path. LoadGeneric builds the other
// view: the document as a validator that knows no extension sees it.
//
// The package is shared by the mock (which validates what it receives and what it sends) and the
// contract-test runner (which validates what a target answers). It does no routing on hosts: paths
// are matched exactly, so it works against any base URL. A Validator puts a bounded cache of
// "valid" verdicts in front of both validations, keyed on every input they read.
package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	billingmock "github.com/cloudplans/billing-mock"
)

// Contract is a loaded, validated OpenAPI document with its operations indexed by path, method and
// action. It is immutable and safe for concurrent use.
type Contract struct {
	doc *openapi3.T
	// source is the document as Load was given it.
	source []byte
	paths  map[string]*pathItem
	// unrouted holds, by status, the answers the document declares for requests that no operation
	// answers (x-unrouted-responses).
	unrouted map[int]*unroutedResponse
	options  *openapi3filter.Options
	// responseOptions are the schema options kin-openapi's ValidateResponse derives from options
	// on every call, derived once.
	responseOptions []openapi3.SchemaValidationOption
}

type pathItem struct {
	methods map[string]*Operation
	allow   string // the methods of the path, for an Allow header
}

// Operation is one path and method of the document, with its actions.
type Operation struct {
	// Method is the HTTP method, upper case.
	Method string
	// Path is the path as written in the document.
	Path string
	// ID is the document's operationId.
	ID string

	contract *Contract
	// requestHeaders are the canonical names of the headers ValidateRequest reads for this
	// operation, sorted: Authorization, Content-Type, each header parameter the path item or the
	// operation declares, and Cookie when one of them declares a cookie parameter.
	requestHeaders []string
	generic        *action
	actions        map[string]*action
	names          []string
}

// action is what validating one action needs, all built at load time.
type action struct {
	name string
	// required lists the parameters the action requires, sorted; canonical says where the document
	// puts each of its parameters (InQuery or InBody), and lenient where else the action accepts
	// them ("", lenientBody or lenientQuery).
	required  []string
	canonical map[string]string
	lenient   string
	route     *routers.Route
	// request is the body schema the action accepts (nil when it accepts none); integers lists its
	// top-level members of type integer, whose JSON literals must be integers.
	request  *openapi3.SchemaRef
	integers []string
	statuses []int
	// query, body and bodyPointer are the action as the document states it, without the
	// leniency of x-actions: its query parameters, its JSON body (nil when it takes none) and where
	// the document states that body. pointer is the operation's JSON pointer in the document and
	// namedAt that of the place that names the action.
	query       []queryMember
	body        *openapi3.SchemaRef
	bodyPointer string
	pointer     string
	namedAt     string
	// fast holds, per documented status, what the fast path of ValidateResponse needs.
	fast map[int]fastResponse
}

// fastResponse is one status of an action, prepared for the fast path of ValidateResponse: the
// body's schema, and whether the fast path applies at all (it does not when the status declares
// response headers, which only the slow path checks).
type fastResponse struct {
	schema *openapi3.Schema
	ok     bool
}

var embedded = sync.OnceValues(func() (*Contract, error) { return Load(billingmock.OpenAPI()) })

// Embedded returns the contract built from the embedded openapi.yaml. It is loaded once per process
// and shared; a Contract is immutable.
func Embedded() (*Contract, error) { return embedded() }

// Load parses and validates an OpenAPI document and indexes its operations and actions. It fails
// when the document is invalid, or when its extensions are malformed or disagree with its standard
// constructs: an `x-actions` entry for an action the operation's parameters do not name, a request
// that is not a branch of the operation's request body, a response that is not a branch of the
// operation's schema for that status, or an `x-unrouted-responses` entry that names no response.
func Load(data []byte) (*Contract, error) {
	doc, err := loadDocument(data)
	if err != nil {
		return nil, err
	}
	c := &Contract{
		doc:    doc,
		source: bytes.Clone(data),
		paths:  make(map[string]*pathItem),
		options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            true,
			AuthenticationFunc:    bearerPresent,
			// Validation reads a request; it must not fill in the defaults of absent parameters.
			SkipSettingDefaults: true,
		},
	}
	c.options.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string { return err.Reason })
	// The same options, in the same order, as openapi3filter.ValidateResponse builds from c.options.
	c.responseOptions = []openapi3.SchemaValidationOption{
		openapi3.MultiErrors(),
		openapi3.SetSchemaErrorMessageCustomizer(func(err *openapi3.SchemaError) string { return err.Reason }),
	}
	if doc.IsOpenAPI31OrLater() {
		c.responseOptions = append(c.responseOptions, openapi3.EnableJSONSchema2020())
	}
	c.responseOptions = append(c.responseOptions, openapi3.VisitAsResponse())

	if c.unrouted, err = c.unroutedResponses(); err != nil {
		return nil, err
	}

	for path, item := range doc.Paths.Map() {
		pi := &pathItem{methods: make(map[string]*Operation)}
		for method, op := range item.Operations() {
			o, err := c.buildOperation(path, item, method, op)
			if err != nil {
				return nil, err
			}
			pi.methods[method] = o
		}
		methods := make([]string, 0, len(pi.methods))
		for m := range pi.methods {
			methods = append(methods, m)
		}
		slices.Sort(methods)
		pi.allow = strings.Join(methods, ", ")
		c.paths[path] = pi
	}
	return c, nil
}

// loadDocument parses an OpenAPI document and checks it with kin-openapi's own validation.
func loadDocument(data []byte) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("contract: load OpenAPI document: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("contract: invalid OpenAPI document: %w", err)
	}
	return doc, nil
}

// Document returns the loaded OpenAPI document. Callers must not modify it.
func (c *Contract) Document() *openapi3.T { return c.doc }

// Source returns the document's text as Load was given it (YAML or JSON). Callers must not modify
// it.
func (c *Contract) Source() []byte { return c.source }

type schemaRef struct {
	Ref string `json:"$ref"`
}

func (c *Contract) buildOperation(path string, item *openapi3.PathItem, method string, op *openapi3.Operation) (*Operation, error) {
	o := &Operation{Method: method, Path: path, ID: op.OperationID, contract: c, actions: make(map[string]*action),
		requestHeaders: requestHeaders(item.Parameters, op.Parameters)}
	o.generic = &action{
		route:    &routers.Route{Spec: c.doc, Path: path, PathItem: item, Method: method, Operation: op},
		statuses: statusesOf(op.Responses),
		request:  requestSchema(op),
		pointer:  operationPointer(path, method),
	}
	o.generic.prepareFast()
	where := func(err error) error { return fmt.Errorf("contract: %s %s: %w", method, path, err) }
	query, named, err := standardActions(op, o.generic.pointer)
	if err != nil {
		return nil, where(err)
	}
	exts, err := actionExtensions(op)
	if err != nil {
		return nil, where(err)
	}
	for name := range exts {
		if _, ok := query[name]; !ok {
			return nil, where(fmt.Errorf("x-actions names %s, an action the operation's parameters do not list", name))
		}
	}
	for _, name := range sortedNames(query) {
		a, err := c.buildAction(path, item, method, op, name, query[name], exts[name])
		if err != nil {
			return nil, where(fmt.Errorf("action %s: %w", name, err))
		}
		a.namedAt = named[name]
		o.actions[name] = a
		o.names = append(o.names, name)
	}
	return o, nil
}

// prepareFast finds, once, each documented status's response schema for the fast path of
// ValidateResponse, the way openapi3filter.ValidateResponse finds it on every call.
func (a *action) prepareFast() {
	a.fast = make(map[int]fastResponse, len(a.statuses))
	for _, status := range a.statuses {
		ref := a.route.Operation.Responses.Status(status)
		if ref == nil || ref.Value == nil {
			continue
		}
		headers := 0
		for name := range ref.Value.Headers {
			if name != "Content-Type" {
				headers++
			}
		}
		mt := ref.Value.Content.Get("application/json")
		if headers > 0 || mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
			continue // the slow path decides
		}
		a.fast[status] = fastResponse{schema: mt.Schema.Value, ok: true}
	}
}

// requestHeaders lists, sorted and canonical, the headers a request's validation reads given these
// parameters (see Operation.requestHeaders).
func requestHeaders(params ...openapi3.Parameters) []string {
	names := []string{"Authorization", "Content-Type"}
	for _, list := range params {
		for _, p := range list {
			if p == nil || p.Value == nil {
				continue
			}
			switch p.Value.In {
			case openapi3.ParameterInHeader:
				names = append(names, http.CanonicalHeaderKey(p.Value.Name))
			case openapi3.ParameterInCookie:
				names = append(names, "Cookie")
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// schema resolves "#/components/schemas/Name".
func (c *Contract) schema(ref string) (*openapi3.SchemaRef, error) {
	const prefix = "#/components/schemas/"
	name, ok := strings.CutPrefix(ref, prefix)
	if !ok {
		return nil, fmt.Errorf("$ref %q must start with %s", ref, prefix)
	}
	s := c.doc.Components.Schemas[name]
	if s == nil || s.Value == nil {
		return nil, fmt.Errorf("$ref %q names no schema", ref)
	}
	return &openapi3.SchemaRef{Ref: ref, Value: s.Value}, nil
}

func statusesOf(r *openapi3.Responses) []int {
	var out []int
	for key := range r.Map() {
		if code, err := strconv.Atoi(key); err == nil {
			out = append(out, code)
		}
	}
	slices.Sort(out)
	return out
}

// remarshal turns an extension's decoded value into a typed one.
func remarshal(in any, out any) error {
	data, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, out)
}

// bearerPresent is the document's bearer scheme as kin-openapi sees it: a well-formed header. Whether
// the token is known is the implementation's business.
func bearerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if _, ok := BearerToken(in.RequestValidationInput.Request.Header.Get("Authorization")); !ok {
		return errors.New("the Authorization header is not \"Bearer <token>\"")
	}
	return nil
}

// BearerToken returns the token of an "Authorization: Bearer <token>" header value. The scheme is
// matched case-insensitively, as RFC 9110 says; the token must be non-empty and contain no space.
func BearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimLeft(token, " ")
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", false
	}
	return token, true
}

// RouteError says that a method and path match no operation. Status is 404 (unknown path) or 405
// (known path, other method; Allow lists the methods it has).
type RouteError struct {
	Method, Path string
	Status       int
	Allow        string
}

func (e *RouteError) Error() string {
	if e.Status == http.StatusMethodNotAllowed {
		return fmt.Sprintf("%s is not allowed on %s (allowed: %s)", e.Method, e.Path, e.Allow)
	}
	return fmt.Sprintf("no operation at %s", e.Path)
}

// Find returns the operation for a method and a path (without base URL or query). It returns a
// *RouteError when there is none.
func (c *Contract) Find(method, path string) (*Operation, error) {
	pi, ok := c.paths[path]
	if !ok {
		pi = c.matchTemplate(path)
	}
	if pi == nil {
		return nil, &RouteError{Method: method, Path: path, Status: http.StatusNotFound}
	}
	op, ok := pi.methods[method]
	if !ok {
		return nil, &RouteError{Method: method, Path: path, Status: http.StatusMethodNotAllowed, Allow: pi.allow}
	}
	return op, nil
}

// matchTemplate finds the path item whose template ("/a/{id}/b") matches path, segment by segment.
func (c *Contract) matchTemplate(path string) *pathItem {
	segs := strings.Split(path, "/")
	for tmpl, pi := range c.paths {
		if !strings.Contains(tmpl, "{") {
			continue
		}
		t := strings.Split(tmpl, "/")
		if len(t) != len(segs) {
			continue
		}
		match := true
		for i := range t {
			if strings.HasPrefix(t[i], "{") && strings.HasSuffix(t[i], "}") {
				match = segs[i] != ""
			} else {
				match = t[i] == segs[i]
			}
			if !match {
				break
			}
		}
		if match {
			return pi
		}
	}
	return nil
}

// Actions returns the names of the operation's actions, sorted.
func (o *Operation) Actions() []string { return slices.Clone(o.names) }

// HasAction reports whether the operation has the named action.
func (o *Operation) HasAction(name string) bool { _, ok := o.actions[name]; return ok }

// Statuses returns the HTTP statuses the document declares for an action, sorted; for an unknown
// action, those of the operation as a whole.
func (o *Operation) Statuses(actionName string) []int {
	return slices.Clone(o.action(actionName).statuses)
}

// RequiredParameters returns the parameters an action requires, sorted: its required query
// parameters and the required members of its body.
func (o *Operation) RequiredParameters(actionName string) []string {
	return slices.Clone(o.action(actionName).required)
}

// ParameterLocation says where the document puts a parameter of an action: InQuery, InBody, or ""
// when the action does not take it.
func (o *Operation) ParameterLocation(actionName, param string) string {
	return o.action(actionName).canonical[param]
}

func (o *Operation) action(name string) *action {
	if a, ok := o.actions[name]; ok {
		return a
	}
	return o.generic
}

// Operations returns every operation of the document, sorted by path then method.
func (c *Contract) Operations() []*Operation {
	var out []*Operation
	for _, pi := range c.paths {
		for _, op := range pi.methods {
			out = append(out, op)
		}
	}
	slices.SortFunc(out, func(a, b *Operation) int {
		return cmpStrings(a.Path+" "+a.Method, b.Path+" "+b.Method)
	})
	return out
}

func cmpStrings(a, b string) int { return strings.Compare(a, b) }
