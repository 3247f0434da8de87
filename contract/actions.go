package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// queryMember is one query parameter an action takes, as the document's standard constructs state
// it: a plain query parameter, or a member of the action's branch of an object query parameter.
type queryMember struct {
	name        string
	schema      *openapi3.SchemaRef
	required    bool
	description string
	// pointer is where the document writes the member's schema (a JSON pointer): the parameter's
	// "schema", or the branch's property. A $ref there points further.
	pointer string
}

// standardActions reads an operation's actions from its standard constructs, and the query
// parameters each action takes. An operation names its actions in one of two ways:
//
//   - a query parameter named "action" whose schema is an enum: each value is an action, and each
//     takes the operation's other query parameters;
//   - an object query parameter (style form, explode true: its members are the query string's
//     parameters) whose schema is a oneOf of object branches, each with an "action" property whose
//     enum holds exactly one value: that branch's members are its action's query parameters.
//
// It returns no actions for an operation that does neither. opPointer is the operation's JSON
// pointer in the document, from which the members' pointers are derived; names says where each
// action is named (a JSON pointer).
func standardActions(op *openapi3.Operation, opPointer string) (actions map[string][]queryMember, names map[string]string, err error) {
	var plain []queryMember
	var enumNames []string
	var enumPointer string
	var object *openapi3.Parameter
	var objectPointer string
	for i, ref := range op.Parameters {
		p := ref.Value
		if p == nil || p.In != openapi3.ParameterInQuery {
			continue
		}
		pointer := refPointer(ref.Ref, opPointer+"/parameters/"+strconv.Itoa(i))
		switch {
		case p.Name == "action" && p.Schema != nil && p.Schema.Value != nil && len(p.Schema.Value.Enum) > 0:
			for _, v := range p.Schema.Value.Enum {
				s, ok := v.(string)
				if !ok {
					return nil, nil, fmt.Errorf("parameter action: enum value %v is not a string", v)
				}
				enumNames = append(enumNames, s)
			}
			enumPointer = refPointer(p.Schema.Ref, pointer+"/schema") + "/enum"
		case isObjectQuery(p):
			if object != nil {
				return nil, nil, fmt.Errorf("parameters %s and %s are both object query parameters", object.Name, p.Name)
			}
			object, objectPointer = p, refPointer(p.Schema.Ref, pointer+"/schema")
		default:
			plain = append(plain, queryMember{name: p.Name, schema: p.Schema, required: p.Required,
				description: p.Description, pointer: pointer + "/schema"})
		}
	}
	actions, names = map[string][]queryMember{}, map[string]string{}
	for i, name := range enumNames {
		actions[name] = slices.Clone(plain)
		names[name] = enumPointer + "/" + strconv.Itoa(i)
	}
	if object == nil {
		return actions, names, nil
	}
	if len(enumNames) > 0 {
		return nil, nil, fmt.Errorf("parameter %s: an action parameter and an object query parameter both name actions", object.Name)
	}
	s := object.Schema.Value
	if len(s.OneOf) == 0 {
		return nil, nil, fmt.Errorf("parameter %s: an object query parameter names actions with a oneOf of branches", object.Name)
	}
	for i, branch := range s.OneOf {
		b := branch.Value
		if b == nil || !b.Type.Is("object") {
			return nil, nil, fmt.Errorf("parameter %s: oneOf[%d] is not an object schema", object.Name, i)
		}
		prop := b.Properties["action"]
		if prop == nil || prop.Value == nil || len(prop.Value.Enum) != 1 || !slices.Contains(b.Required, "action") {
			return nil, nil, fmt.Errorf("parameter %s: oneOf[%d] must require an action property whose enum has one value", object.Name, i)
		}
		name, ok := prop.Value.Enum[0].(string)
		if !ok {
			return nil, nil, fmt.Errorf("parameter %s: oneOf[%d]: action %v is not a string", object.Name, i, prop.Value.Enum[0])
		}
		if _, dup := actions[name]; dup {
			return nil, nil, fmt.Errorf("parameter %s: two branches for action %s", object.Name, name)
		}
		if d := s.Discriminator; d != nil {
			if mapped, ok := d.Mapping[name]; ok && branch.Ref != "" && mapped.Ref != branch.Ref {
				return nil, nil, fmt.Errorf("parameter %s: the discriminator maps %s to %s, but its branch is %s", object.Name, name, mapped.Ref, branch.Ref)
			}
		}
		branchPointer := refPointer(branch.Ref, objectPointer+"/oneOf/"+strconv.Itoa(i))
		members := slices.Clone(plain)
		for _, member := range sortedNames(b.Properties) {
			if member != "action" {
				members = append(members, queryMember{name: member, schema: b.Properties[member], required: slices.Contains(b.Required, member),
					pointer: branchPointer + "/properties/" + pointerEscaper.Replace(member)})
			}
		}
		actions[name] = members
		names[name] = branchPointer
	}
	return actions, names, nil
}

// isObjectQuery reports whether a query parameter is an object whose members are the query
// string's parameters (style form, explode true, the defaults for query parameters).
func isObjectQuery(p *openapi3.Parameter) bool {
	if p.Schema == nil || p.Schema.Value == nil || !p.Schema.Value.Type.Is("object") {
		return false
	}
	sm, err := p.SerializationMethod()
	return err == nil && sm.Style == openapi3.SerializationForm && sm.Explode
}

// The values of an x-actions entry's "lenient" member.
const (
	lenientBody  = "body"
	lenientQuery = "query"
)

// actionExtension is one action's entry in an operation's x-actions: what the standard constructs
// cannot say about it.
type actionExtension struct {
	// Request is the action's JSON body: the operation's request body schema or one of its
	// oneOf/anyOf branches. Absent: the action takes its parameters in the query string.
	Request *schemaRef `json:"request"`
	// Lenient is where the billing mock also accepts the action's parameters: "body" (its query
	// parameters as members of a JSON body), "query" (its body's members as query parameters), or
	// "" (nowhere else).
	Lenient string `json:"lenient"`
	// Responses narrows, per status, the operation's schema (a union) to the action's branch.
	Responses map[string]schemaRef `json:"responses"`
}

// actionExtensions decodes an operation's x-actions, refusing unknown members.
func actionExtensions(op *openapi3.Operation) (map[string]actionExtension, error) {
	raw, ok := op.Extensions["x-actions"]
	if !ok {
		return nil, nil
	}
	data, err := json.Marshal(raw)
	if err != nil {
		return nil, fmt.Errorf("x-actions: %w", err)
	}
	var exts map[string]actionExtension
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&exts); err != nil {
		return nil, fmt.Errorf("x-actions: %w", err)
	}
	return exts, nil
}

// buildAction derives the operation one action is: the action's query parameters, its body, its
// answer per status. Where x-actions makes the action lenient, the derived operation also accepts
// the parameters in the other location, none of them required there: ValidateRequest checks that
// each required parameter is in one of the places the action accepts it. Response headers documented
// on the operation are kept.
func (c *Contract) buildAction(path string, item *openapi3.PathItem, method string, op *openapi3.Operation, name string, query []queryMember, ext actionExtension) (*action, error) {
	a := &action{name: name, canonical: map[string]string{}, lenient: ext.Lenient, query: query, pointer: operationPointer(path, method)}
	derived := *op
	derived.Extensions = nil
	derived.RequestBody = nil
	derived.Parameters = openapi3.Parameters{{Value: openapi3.NewQueryParameter("action").WithRequired(true).
		WithSchema(&openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, Enum: []any{name}})}}

	switch ext.Lenient {
	case "", lenientBody, lenientQuery:
	default:
		return nil, fmt.Errorf("lenient is %q; want body or query", ext.Lenient)
	}
	for _, m := range query {
		a.canonical[m.name] = InQuery
		if m.required {
			a.required = append(a.required, m.name)
		}
		derived.Parameters = append(derived.Parameters, &openapi3.ParameterRef{Value: openapi3.NewQueryParameter(m.name).
			WithRequired(m.required && ext.Lenient != lenientBody).WithSchema(m.schema.Value)})
	}

	var body *openapi3.SchemaRef
	switch {
	case ext.Request != nil:
		if ext.Lenient == lenientBody {
			return nil, fmt.Errorf("lenient: body is for an action that takes no body; this one has a request")
		}
		s, err := c.schema(ext.Request.Ref)
		if err != nil {
			return nil, fmt.Errorf("request: %w", err)
		}
		if !isBranchOf(s, requestSchema(op)) {
			return nil, fmt.Errorf("request %s is neither the operation's JSON request body nor one of its oneOf/anyOf branches", ext.Request.Ref)
		}
		body = s
		a.body, a.bodyPointer = s, refPointer(s.Ref, "")
		for _, member := range sortedNames(s.Value.Properties) {
			if _, dup := a.canonical[member]; dup {
				return nil, fmt.Errorf("%s is both a query parameter and a body member", member)
			}
			a.canonical[member] = InBody
			if slices.Contains(s.Value.Required, member) {
				a.required = append(a.required, member)
			}
			if ext.Lenient == lenientQuery {
				derived.Parameters = append(derived.Parameters, &openapi3.ParameterRef{Value: openapi3.NewQueryParameter(member).
					WithSchema(s.Value.Properties[member].Value)})
			}
		}
		if ext.Lenient == lenientQuery {
			loose := *s.Value // the same body, its members required in one place or the other
			loose.Required = nil
			body = &openapi3.SchemaRef{Ref: s.Ref, Value: &loose}
		}
	case ext.Lenient == lenientQuery:
		return nil, fmt.Errorf("lenient: query is for an action with a request body; this one has none")
	case ext.Lenient == lenientBody:
		loose := openapi3.NewObjectSchema().WithoutAdditionalProperties()
		loose.Description = "the query parameters of " + name + ", as a JSON body (the billing mock's leniency)"
		for _, m := range query {
			loose.Properties[m.name] = m.schema
		}
		body = &openapi3.SchemaRef{Value: loose}
	}
	if body != nil {
		a.request = body
		derived.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().
			WithDescription("the " + name + " body").
			WithContent(openapi3.NewContentWithJSONSchemaRef(body))}
		for member, prop := range body.Value.Properties {
			if prop.Value != nil && prop.Value.Type.Is("integer") {
				a.integers = append(a.integers, member)
			}
		}
		slices.Sort(a.integers)
	}
	slices.Sort(a.required)

	responses, err := c.actionResponses(op, ext)
	if err != nil {
		return nil, err
	}
	derived.Responses = responses
	a.statuses = statusesOf(responses)
	a.route = &routers.Route{Spec: c.doc, Path: path, PathItem: item, Method: method, Operation: &derived}
	a.prepareFast()
	return a, nil
}

// actionResponses are the operation's responses with each status's JSON schema narrowed to the
// branch that x-actions names for the action. Headers and descriptions are the operation's.
func (c *Contract) actionResponses(op *openapi3.Operation, ext actionExtension) (*openapi3.Responses, error) {
	for status := range ext.Responses {
		if _, err := strconv.Atoi(status); err != nil {
			return nil, fmt.Errorf("response status %q is not a number", status)
		}
		if op.Responses.Value(status) == nil {
			return nil, fmt.Errorf("response %s is not declared on the operation itself", status)
		}
	}
	out := openapi3.NewResponsesWithCapacity(op.Responses.Len())
	for status, generic := range op.Responses.Map() {
		ref, narrowed := ext.Responses[status]
		if !narrowed || generic.Value == nil {
			out.Set(status, generic)
			continue
		}
		s, err := c.schema(ref.Ref)
		if err != nil {
			return nil, fmt.Errorf("response %s: %w", status, err)
		}
		var union *openapi3.SchemaRef
		if mt := generic.Value.Content.Get("application/json"); mt != nil {
			union = mt.Schema
		}
		if !isBranchOf(s, union) {
			return nil, fmt.Errorf("response %s: %s is neither the operation's schema for it nor one of its oneOf/anyOf branches", status, ref.Ref)
		}
		resp := *generic.Value
		resp.Content = openapi3.NewContentWithJSONSchemaRef(s)
		out.Set(status, &openapi3.ResponseRef{Value: &resp})
	}
	return out, nil
}

// requestSchema is an operation's JSON request body schema, or nil.
func requestSchema(op *openapi3.Operation) *openapi3.SchemaRef {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil {
		return mt.Schema
	}
	return nil
}

// isBranchOf reports whether s is union itself or one of its oneOf or anyOf branches.
func isBranchOf(s, union *openapi3.SchemaRef) bool {
	if s == nil || union == nil || union.Value == nil {
		return false
	}
	if s.Value == union.Value {
		return true
	}
	for _, b := range append(slices.Clone(union.Value.OneOf), union.Value.AnyOf...) {
		if b.Value == s.Value {
			return true
		}
	}
	return false
}

// sortedNames returns a map's keys, sorted.
func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}
