package contract

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// Generic is an OpenAPI document as a validator that knows none of its extensions sees it:
// kin-openapi with each operation exactly as the document declares it, the way a generic tool
// (Prism's proxy, a property-based tester) reads the contract. It exists to measure what the
// standard constructs alone say; the mock and the runner use Contract. It is immutable and safe
// for concurrent use.
type Generic struct {
	doc     *openapi3.T
	options *openapi3filter.Options
}

// LoadGeneric parses and validates an OpenAPI document and drops its extensions (the document's
// own and each operation's, where this contract keeps x-unrouted-responses and x-actions), so that
// nothing but the standard constructs reaches the validator.
func LoadGeneric(data []byte) (*Generic, error) {
	doc, err := loadDocument(data)
	if err != nil {
		return nil, err
	}
	doc.Extensions = nil
	for _, item := range doc.Paths.Map() {
		item.Extensions = nil
		for _, op := range item.Operations() {
			op.Extensions = nil
		}
	}
	g := &Generic{doc: doc, options: &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		AuthenticationFunc:    bearerPresent,
	}}
	g.options.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string { return err.Reason })
	return g, nil
}

// Document returns the loaded document, without its extensions. Callers must not modify it.
func (g *Generic) Document() *openapi3.T { return g.doc }

// route finds the document's operation for a method and a path (matched exactly, or against a
// path template), as Contract.Find does.
func (g *Generic) route(method, path string) (*routers.Route, error) {
	item := g.doc.Paths.Find(path)
	if item == nil {
		return nil, &RouteError{Method: method, Path: path, Status: http.StatusNotFound}
	}
	op := item.GetOperation(method)
	if op == nil {
		return nil, &RouteError{Method: method, Path: path, Status: http.StatusMethodNotAllowed}
	}
	return &routers.Route{Spec: g.doc, Path: path, PathItem: item, Method: method, Operation: op}, nil
}

// ValidateRequest checks a request against its operation as the document declares it: kin-openapi's
// request validation, with the bearer scheme checked for a well-formed header. body is the request's
// body, already read. It returns a *RouteError for an unknown path or method, a *ValidationError
// listing every problem kin-openapi found, or nil.
func (g *Generic) ValidateRequest(ctx context.Context, r *http.Request, body []byte) error {
	route, err := g.route(r.Method, r.URL.Path)
	if err != nil {
		return err
	}
	in := *r
	in.Body = io.NopCloser(bytes.NewReader(body))
	if len(body) == 0 {
		in.Body = http.NoBody
	}
	query := r.URL.Query()
	err = openapi3filter.ValidateRequest(ctx, &openapi3filter.RequestValidationInput{
		Request: &in, QueryParams: query, Route: route, Options: g.options,
	})
	if err == nil {
		return nil
	}
	return &ValidationError{Side: "request", Method: r.Method, Path: r.URL.Path, Action: query.Get("action"), Problems: kinProblems(err, InBody)}
}

// ValidateResponse checks an answer against its operation's response for the status as the document
// declares it: the status, the media type and the schema (for update, the union of its actions'
// answers). An answer to a request that matches no operation is a *ValidationError: a generic
// validator knows no answer for it.
func (g *Generic) ValidateResponse(ctx context.Context, in Response) error {
	verr := &ValidationError{Side: "response", Method: in.Method, Path: in.Path, Action: in.Action, Status: in.Status}
	route, err := g.route(in.Method, in.Path)
	if err != nil {
		var re *RouteError
		if !errors.As(err, &re) {
			return err
		}
		verr.Problems = []Problem{{Kind: Status, Location: InStatus, Expected: "a documented operation", Got: re.Error()}}
		return verr
	}
	header := in.Header
	if header == nil {
		header = http.Header{}
	}
	req := &http.Request{Method: in.Method, URL: &url.URL{Path: in.Path}, Header: http.Header{}}
	err = openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route, Options: g.options},
		Status:                 in.Status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(in.Body)),
		Options:                g.options,
	})
	if err == nil {
		return nil
	}
	verr.Problems = kinProblems(err, InBody)
	return verr
}
