package contract

import (
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// This file is the per-action view of the document as it is written, for tools that compare two
// versions of it: what an action takes and answers, and where the document says so. Unlike the
// operations Load derives for validation, it leaves out the leniency of x-actions ("lenient"),
// which no client needs.

// Parameter is one query parameter of an action, as the document states it.
type Parameter struct {
	Name     string
	Required bool
	// Description is the parameter's own description ("" for a member of an object query
	// parameter, whose schema carries it).
	Description string
	Schema      *openapi3.SchemaRef
	// Pointer is the JSON pointer (RFC 6901) of the place in the document that writes the
	// parameter's schema: the parameter's "schema" member, or the property of an object query
	// parameter's branch. When Schema is a $ref, the schema itself is where Schema.Ref points.
	Pointer string
}

// QueryParameters returns the query parameters an action takes, in the order the document lists
// them (an object query parameter's members sorted by name), with whether the document requires
// each there. The action parameter itself is not among them. An unknown action has none.
func (o *Operation) QueryParameters(actionName string) []Parameter {
	a := o.action(actionName)
	out := make([]Parameter, len(a.query))
	for i, m := range a.query {
		out[i] = Parameter{Name: m.name, Required: m.required, Description: m.description, Schema: m.schema, Pointer: m.pointer}
	}
	return out
}

// RequestSchema returns the JSON body an action takes, as the document states it (the x-actions
// request, its members required as written), and the body schema's JSON pointer in the document.
// It returns nil and "" for an action that takes no body, or an unknown one.
func (o *Operation) RequestSchema(actionName string) (*openapi3.SchemaRef, string) {
	a := o.action(actionName)
	return a.body, a.bodyPointer
}

// ResponseSchema returns the schema of an action's JSON answer with a status (for an action of a
// union, the branch x-actions names for it) and the schema's JSON pointer in the document. It
// returns nil and "" when the status is not documented for the action or has no JSON body.
func (o *Operation) ResponseSchema(actionName string, status int) (*openapi3.SchemaRef, string) {
	a := o.action(actionName)
	ref, pointer := a.response(status)
	if ref == nil || ref.Value == nil {
		return nil, ""
	}
	mt := ref.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil, ""
	}
	return mt.Schema, refPointer(mt.Schema.Ref, pointer+"/content/application~1json/schema")
}

// Response returns an action's response with a status (its description and headers, which the
// actions of an operation share) and the response's JSON pointer in the document; nil and "" when
// the status is not documented for the action.
func (o *Operation) Response(actionName string, status int) (*openapi3.Response, string) {
	ref, pointer := o.action(actionName).response(status)
	if ref == nil {
		return nil, ""
	}
	return ref.Value, pointer
}

// Definition returns the operation as the document declares it (every action together). Callers
// must not modify it.
func (o *Operation) Definition() *openapi3.Operation { return o.generic.route.Operation }

// Pointer returns the operation's JSON pointer in the document, such as
// "/paths/~1v1~1organizations~1billing~1describe/get".
func (o *Operation) Pointer() string { return o.generic.pointer }

// ActionPointer returns the JSON pointer of the place in the document that names an action: an
// element of the action parameter's enum, or the action's branch of an object query parameter.
// It returns "" for an unknown action.
func (o *Operation) ActionPointer(actionName string) string {
	if a, ok := o.actions[actionName]; ok {
		return a.namedAt
	}
	return ""
}

// response returns the action's response with a status and its JSON pointer in the document.
func (a *action) response(status int) (*openapi3.ResponseRef, string) {
	ref := a.route.Operation.Responses.Status(status)
	if ref == nil {
		return nil, ""
	}
	// The document's own response, for its $ref: an action's narrowed copy has none.
	declared := a.route.PathItem.GetOperation(a.route.Method).Responses.Status(status)
	return ref, refPointer(declared.Ref, a.pointer+"/responses/"+strconv.Itoa(status))
}

// operationPointer is the JSON pointer of an operation in a document.
func operationPointer(path, method string) string {
	return "/paths/" + pointerEscaper.Replace(path) + "/" + strings.ToLower(method)
}

// refPointer returns the JSON pointer a "#/..." $ref names, or fallback when ref is not a
// reference into the same document.
func refPointer(ref, fallback string) string {
	if frag, ok := strings.CutPrefix(ref, "#"); ok {
		return frag
	}
	return fallback
}
