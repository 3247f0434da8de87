package contract_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/cloudplans/billing-mock/contract"
)

// sortedKeys returns a map's keys, sorted, so that subtests have a stable order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// jsonOf encodes an example's value as the JSON a server would send.
func jsonOf(t testing.TB, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode example: %v", err)
	}
	return data
}

// decoded returns an example's value as encoding/json decodes it (maps, float64), the form
// Schema.VisitJSON expects.
func decoded(t testing.TB, v any) any {
	t.Helper()
	var out any
	if err := json.Unmarshal(jsonOf(t, v), &out); err != nil {
		t.Fatalf("decode example: %v", err)
	}
	return out
}

// examplesOf returns a media type's examples by name; a single `example` is named "example".
func examplesOf(mt *openapi3.MediaType) map[string]any {
	out := map[string]any{}
	if mt == nil {
		return out
	}
	for name, ex := range mt.Examples {
		if ex != nil && ex.Value != nil {
			out[name] = ex.Value.Value
		}
	}
	if mt.Example != nil {
		out["example"] = mt.Example
	}
	return out
}

// Every response example of every operation is a correct answer: of the action it is named after,
// or, for other names, of at least one action of the operation that declares its status; the
// generic view accepts it too. Every action has an example for every status it declares.
func TestResponseExamplesValidate(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	g := loadGeneric(t)
	doc := c.Document()
	count := 0
	for _, op := range c.Operations() {
		spec := doc.Paths.Find(op.Path).GetOperation(op.Method)
		for _, action := range op.Actions() {
			for _, status := range op.Statuses(action) {
				examples := examplesOf(spec.Responses.Status(status).Value.Content.Get("application/json"))
				fits := false
				for _, name := range sortedKeys(examples) {
					in := contract.Response{Method: op.Method, Path: op.Path, Action: action, Status: status, Header: jsonHeader(), Body: jsonOf(t, examples[name])}
					fits = fits || c.ValidateResponse(context.Background(), in) == nil
				}
				if !fits {
					t.Errorf("%s %d: no response example fits the action", action, status)
				}
			}
		}
	}
	for _, path := range sortedKeys(doc.Paths.Map()) {
		item := doc.Paths.Value(path)
		for _, method := range sortedKeys(item.Operations()) {
			spec := item.GetOperation(method)
			op, err := c.Find(method, path)
			if err != nil {
				t.Fatalf("Find(%s, %s): %v", method, path, err)
			}
			for _, key := range sortedKeys(spec.Responses.Map()) {
				status, err := strconv.Atoi(key)
				if err != nil {
					continue
				}
				resp := spec.Responses.Value(key)
				examples := examplesOf(resp.Value.Content.Get("application/json"))
				for _, name := range sortedKeys(examples) {
					count++
					body := jsonOf(t, examples[name])
					t.Run(op.ID+"/"+key+"/"+name, func(t *testing.T) {
						t.Parallel()
						generic := contract.Response{Method: method, Path: path, Status: status, Header: jsonHeader(), Body: body}
						if err := g.ValidateResponse(context.Background(), generic); err != nil {
							t.Errorf("the generic view rejects example %q: %v", name, err)
						}
						candidates := []string{name}
						if !op.HasAction(name) {
							candidates = nil
							for _, a := range op.Actions() {
								if slices.Contains(op.Statuses(a), status) {
									candidates = append(candidates, a)
								}
							}
						}
						if len(candidates) == 0 {
							t.Fatalf("no action of %s declares status %d", op.ID, status)
						}
						var errs []string
						for _, a := range candidates {
							err := c.ValidateResponse(context.Background(), contract.Response{
								Method: method, Path: path, Action: a, Status: status, Header: jsonHeader(), Body: body,
							})
							if err == nil {
								return
							}
							errs = append(errs, err.Error())
						}
						t.Errorf("example %q fits no action of %v:\n%s\nbody: %s", name, candidates, strings.Join(errs, "\n"), body)
					})
				}
			}
		}
	}
	if count < 20 {
		t.Errorf("only %d response examples found; did the iteration break?", count)
	}
}

// exampleRequest builds, from the document's examples alone, the request of one action: each plain
// query parameter's example, the object query parameter's example named after the action, and the
// request body's example named after the action (when there is one). It fails the test when the
// action has no query example.
func exampleRequest(t testing.TB, spec *openapi3.Operation, action string) (query url.Values, body []byte) {
	t.Helper()
	query = url.Values{}
	for _, ref := range spec.Parameters {
		p := ref.Value
		if p.In != "query" {
			continue
		}
		if p.Schema.Value.Type.Is("object") {
			ex, ok := p.Examples[action]
			if !ok || ex.Value == nil {
				t.Fatalf("parameter %s has no example named %s", p.Name, action)
			}
			members, ok := ex.Value.Value.(map[string]any)
			if !ok {
				t.Fatalf("parameter %s: example %s is not an object", p.Name, action)
			}
			for name, v := range members {
				query.Set(name, fmt.Sprint(v))
			}
			continue
		}
		if p.Example == nil {
			t.Fatalf("parameter %s has no example", p.Name)
		}
		query.Set(p.Name, fmt.Sprint(p.Example))
	}
	if spec.RequestBody != nil {
		if ex, ok := spec.RequestBody.Value.Content.Get("application/json").Examples[action]; ok {
			body = jsonOf(t, ex.Value.Value)
		}
	}
	return query, body
}

// For every action, the request its examples make is complete and coherent: the generic view and
// the per-action view accept it, and the body example is there exactly when the action takes its
// parameters in a body. No parameter is in both the query example and the body example.
func TestRequestExamplesValidate(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	g := loadGeneric(t)
	doc := c.Document()
	for _, op := range c.Operations() {
		spec := doc.Paths.Find(op.Path).GetOperation(op.Method)
		for _, action := range op.Actions() {
			t.Run(action, func(t *testing.T) {
				t.Parallel()
				query, body := exampleRequest(t, spec, action)
				if query.Get("action") != action {
					t.Errorf("the query example of %s says action=%q", action, query.Get("action"))
				}
				takesBody := false
				for _, p := range op.RequiredParameters(action) {
					if op.ParameterLocation(action, p) == contract.InBody {
						takesBody = true
					}
				}
				if takesBody != (body != nil) {
					t.Errorf("%s takes a body: %v; its body example: %s", action, takesBody, body)
				}
				members := map[string]json.RawMessage{}
				if body != nil {
					if err := json.Unmarshal(body, &members); err != nil {
						t.Fatal(err)
					}
				}
				for name := range members {
					if query.Has(name) {
						t.Errorf("%s is in both the query and the body example", name)
					}
				}
				target := op.Path + "?" + query.Encode()
				r, b := request(op.Method, target, string(body))
				if err := g.ValidateRequest(context.Background(), r, b); err != nil {
					t.Errorf("the generic view rejects the example request %s %s: %v", target, body, err)
				}
				r, b = request(op.Method, target, string(body))
				if err := c.ValidateRequest(context.Background(), r, b); err != nil {
					t.Errorf("the per-action view rejects the example request %s %s: %v", target, body, err)
				}
			})
		}
	}
}

// Every request example is named after an action of its operation, and fits the schema it is an
// example of.
func TestRequestExamplesAreNamedAfterActions(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	doc := c.Document()
	count := 0
	for _, op := range c.Operations() {
		spec := doc.Paths.Find(op.Path).GetOperation(op.Method)
		check := func(where string, schema *openapi3.SchemaRef, examples openapi3.Examples) {
			for _, name := range sortedKeys(examples) {
				count++
				if !op.HasAction(name) {
					t.Errorf("%s %s: example %q names no action of the operation", op.ID, where, name)
				}
				if err := schema.Value.VisitJSON(decoded(t, examples[name].Value.Value), openapi3.MultiErrors()); err != nil {
					t.Errorf("%s %s: example %q does not fit: %v", op.ID, where, name, err)
				}
			}
		}
		for _, ref := range spec.Parameters {
			check("parameter "+ref.Value.Name, ref.Value.Schema, ref.Value.Examples)
		}
		if spec.RequestBody != nil {
			mt := spec.RequestBody.Value.Content.Get("application/json")
			check("request body", mt.Schema, mt.Examples)
		}
	}
	if count < 7 {
		t.Errorf("only %d request examples found", count)
	}
}

// Every example of components.responses fits that response's schema.
func TestComponentResponseExamplesValidate(t *testing.T) {
	t.Parallel()
	doc := loadContract(t).Document()
	count := 0
	for _, name := range sortedKeys(doc.Components.Responses) {
		resp := doc.Components.Responses[name]
		for ct, mt := range resp.Value.Content {
			examples := examplesOf(mt)
			for _, ex := range sortedKeys(examples) {
				count++
				if err := mt.Schema.Value.VisitJSON(decoded(t, examples[ex]), openapi3.MultiErrors()); err != nil {
					t.Errorf("components.responses.%s %s example %q: %v", name, ct, ex, err)
				}
			}
		}
	}
	if count < 10 {
		t.Errorf("only %d examples found in components.responses", count)
	}
}

// Every `example` of a schema (at any depth) or of a parameter fits its schema.
func TestSchemaAndParameterExamplesValidate(t *testing.T) {
	t.Parallel()
	doc := loadContract(t).Document()
	count := 0
	visited := map[*openapi3.Schema]bool{}
	var walk func(where string, ref *openapi3.SchemaRef)
	walk = func(where string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || visited[ref.Value] {
			return
		}
		s := ref.Value
		visited[s] = true
		if s.Example != nil {
			count++
			if err := s.VisitJSON(decoded(t, s.Example), openapi3.MultiErrors()); err != nil {
				t.Errorf("%s: example %v does not fit: %v", where, s.Example, err)
			}
		}
		for _, name := range sortedKeys(s.Properties) {
			walk(where+"/properties/"+name, s.Properties[name])
		}
		walk(where+"/items", s.Items)
		if s.AdditionalProperties.Schema != nil {
			walk(where+"/additionalProperties", s.AdditionalProperties.Schema)
		}
		for kw, refs := range map[string]openapi3.SchemaRefs{"allOf": s.AllOf, "anyOf": s.AnyOf, "oneOf": s.OneOf} {
			for i, r := range refs {
				walk(where+"/"+kw+"/"+strconv.Itoa(i), r)
			}
		}
		walk(where+"/not", s.Not)
	}
	for _, name := range sortedKeys(doc.Components.Schemas) {
		walk("#/components/schemas/"+name, doc.Components.Schemas[name])
	}

	checkParameter := func(where string, p *openapi3.Parameter) {
		if p == nil || p.Schema == nil || p.Schema.Value == nil {
			return
		}
		walk(where+"/schema", p.Schema)
		examples := map[string]any{}
		if p.Example != nil {
			examples["example"] = p.Example
		}
		for name, ex := range p.Examples {
			if ex != nil && ex.Value != nil {
				examples[name] = ex.Value.Value
			}
		}
		for name, v := range examples {
			count++
			if err := p.Schema.Value.VisitJSON(decoded(t, v)); err != nil {
				t.Errorf("%s: %s %v does not fit: %v", where, name, v, err)
			}
		}
	}
	for _, name := range sortedKeys(doc.Components.Parameters) {
		checkParameter("#/components/parameters/"+name, doc.Components.Parameters[name].Value)
	}
	for _, path := range sortedKeys(doc.Paths.Map()) {
		for method, op := range doc.Paths.Value(path).Operations() {
			for _, p := range op.Parameters {
				checkParameter(method+" "+path+" parameter", p.Value)
			}
		}
	}
	if count < 20 {
		t.Errorf("only %d schema and parameter examples found", count)
	}
}
