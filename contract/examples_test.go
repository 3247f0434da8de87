package contract_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
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
// or, for other names, of at least one action of the operation that declares its status.
func TestResponseExamplesValidate(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	doc := c.Document()
	count := 0
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

// Every request-body example is a correct body for the action it is named after (or for one of
// the operation's actions).
func TestRequestExamplesValidate(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	doc := c.Document()
	count := 0
	for _, path := range sortedKeys(doc.Paths.Map()) {
		item := doc.Paths.Value(path)
		for _, method := range sortedKeys(item.Operations()) {
			spec := item.GetOperation(method)
			if spec.RequestBody == nil || spec.RequestBody.Value == nil {
				continue
			}
			op, _ := c.Find(method, path)
			mt := spec.RequestBody.Value.Content.Get("application/json")
			examples := examplesOf(mt)
			for _, name := range sortedKeys(examples) {
				count++
				body := jsonOf(t, examples[name])
				t.Run(op.ID+"/"+name, func(t *testing.T) {
					t.Parallel()
					// The generic operation's body schema accepts it too.
					if err := mt.Schema.Value.VisitJSON(decoded(t, examples[name])); err != nil {
						t.Errorf("the operation's body schema rejects example %q: %v", name, err)
					}
					candidates := op.Actions()
					if op.HasAction(name) {
						candidates = []string{name}
					}
					var errs []string
					for _, a := range candidates {
						r := httptest.NewRequest(method, path+"?action="+a, nil)
						r.Header.Set("Authorization", bearer)
						r.Header.Set("Content-Type", "application/json")
						err := c.ValidateRequest(context.Background(), r, body)
						if err == nil {
							return
						}
						errs = append(errs, err.Error())
					}
					t.Errorf("request example %q fits no action of %v:\n%s", name, candidates, strings.Join(errs, "\n"))
				})
			}
		}
	}
	if count < 5 {
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
