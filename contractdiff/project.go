package contractdiff

import (
	"fmt"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/cloudplans/billing-mock/contract"
)

// view is one action of one version of the contract, as the document writes it.
type view struct {
	action    string
	operation string // "POST /v1/organizations/billing/update"
	op        *contract.Operation
	query     []contract.Parameter
	// queryRoot is the action's query string as one object schema: a property per parameter,
	// required as the document requires it there.
	queryRoot   *openapi3.SchemaRef
	body        *openapi3.SchemaRef
	bodyPointer string
	statuses    []int
	security    openapi3.SecurityRequirements
}

// views returns every action of a contract, by action name. An action name that two operations
// share is told apart by its operation ("name@POST /path").
func views(c *contract.Contract) map[string]*view {
	out := map[string]*view{}
	for _, op := range c.Operations() {
		security := c.Document().Security
		if op.Definition().Security != nil {
			security = *op.Definition().Security
		}
		for _, name := range op.Actions() {
			v := &view{action: name, operation: op.Method + " " + op.Path, op: op, query: op.QueryParameters(name),
				statuses: op.Statuses(name), security: security}
			v.body, v.bodyPointer = op.RequestSchema(name)
			root := openapi3.NewObjectSchema()
			for _, p := range v.query {
				root.Properties[p.Name] = p.Schema
				if p.Required {
					root.Required = append(root.Required, p.Name)
				}
			}
			v.queryRoot = &openapi3.SchemaRef{Value: root}
			key := name
			if _, dup := out[key]; dup {
				key = name + "@" + v.operation
			}
			out[key] = v
		}
	}
	return out
}

// memberPointers returns the JSON pointer in the document of each query parameter's schema.
func (v *view) memberPointers() map[string]string {
	out := make(map[string]string, len(v.query))
	for _, p := range v.query {
		out[p.Name] = p.Pointer
	}
	return out
}

// response returns the action's response with a status, with its JSON answer narrowed to the
// action's own schema (the branch x-actions names, for an action of a union).
func (v *view) response(status int) (*openapi3.Response, string) {
	r, pointer := v.op.Response(v.action, status)
	if r == nil {
		return nil, ""
	}
	narrowed := *r
	narrowed.Content = openapi3.Content{}
	for mediaType, mt := range r.Content {
		if mediaType == "application/json" {
			schema, _ := v.op.ResponseSchema(v.action, status)
			mt = &openapi3.MediaType{Schema: schema}
		} else {
			mt = &openapi3.MediaType{Schema: mt.Schema}
		}
		narrowed.Content[mediaType] = mt
	}
	narrowed.Links = nil
	return &narrowed, pointer
}

// A target is what one synthetic path of a projection stands for: an action's request (its query
// parameters, body and security) or its answer with one status.
type target struct {
	key    string // the action's key in views
	status int    // 0: the request
}

// requestPath and responsePath are the synthetic paths of a projection.
func requestPath(key string) string { return "/" + key + "/request" }
func responsePath(key string, status int) string {
	return "/" + key + "/response/" + strconv.Itoa(status)
}

// project builds the document oasdiff compares: one path for each action's request and one for
// each of its answers, each with one GET operation holding exactly that, so that every change
// oasdiff reports names the action and the status it belongs to. The schemas are the contract's
// own (not copied, not modified).
func project(vs map[string]*view, doc *openapi3.T) (*openapi3.T, map[string]target) {
	out := &openapi3.T{
		OpenAPI: "3.0.3",
		Info:    &openapi3.Info{Title: "per-action projection", Version: "0"},
		Paths:   openapi3.NewPaths(),
	}
	if doc.Components != nil {
		out.Components = &openapi3.Components{SecuritySchemes: doc.Components.SecuritySchemes}
	}
	targets := map[string]target{}
	for key, v := range vs {
		req := openapi3.NewOperation()
		req.OperationID = key
		for _, p := range v.query {
			req.Parameters = append(req.Parameters, &openapi3.ParameterRef{Value: &openapi3.Parameter{
				Name: p.Name, In: openapi3.ParameterInQuery, Required: p.Required, Schema: p.Schema}})
		}
		if v.body != nil {
			req.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).
				WithContent(openapi3.NewContentWithJSONSchemaRef(v.body))}
		}
		security := v.security
		req.Security = &security
		req.Responses = openapi3.NewResponses(openapi3.WithName("default", openapi3.NewResponse().WithDescription("-")))
		out.Paths.Set(requestPath(key), &openapi3.PathItem{Get: req})
		targets[requestPath(key)] = target{key: key}

		for _, status := range v.statuses {
			r, _ := v.response(status)
			op := openapi3.NewOperation()
			op.OperationID = fmt.Sprintf("%s-%d", key, status)
			op.Responses = openapi3.NewResponses(openapi3.WithStatus(status, &openapi3.ResponseRef{Value: r}))
			out.Paths.Set(responsePath(key, status), &openapi3.PathItem{Get: op})
			targets[responsePath(key, status)] = target{key: key, status: status}
		}
	}
	return out, targets
}
