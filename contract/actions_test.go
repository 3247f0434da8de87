package contract

import (
	"strings"
	"testing"
)

// A minimal document whose one operation names its actions with an object query parameter.
const objectQueryDoc = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    post:
      parameters:
        - name: q
          in: query
          required: true
          style: form
          explode: true
          schema:
            type: object
            required: [action]
            properties:
              action: {type: string, enum: [one, two]}
              n: {type: integer}
            discriminator:
              propertyName: action
              mapping: {one: '#/components/schemas/One', two: '#/components/schemas/Two'}
            oneOf:
              - $ref: '#/components/schemas/One'
              - $ref: '#/components/schemas/Two'
      responses:
        '200': {description: ok}
components:
  schemas:
    One:
      type: object
      required: [action, n]
      properties:
        action: {type: string, enum: [one]}
        n: {type: integer}
    Two:
      type: object
      required: [action]
      properties:
        action: {type: string, enum: [two]}
`

func TestStandardActionsFromAnObjectQuery(t *testing.T) {
	t.Parallel()
	c, err := Load([]byte(objectQueryDoc))
	if err != nil {
		t.Fatal(err)
	}
	op, err := c.Find("POST", "/a")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(op.Actions(), ","); got != "one,two" {
		t.Errorf("Actions() = %s, want one,two", got)
	}
	if got := strings.Join(op.RequiredParameters("one"), ","); got != "n" {
		t.Errorf("RequiredParameters(one) = %s, want n", got)
	}
	if got := op.RequiredParameters("two"); len(got) != 0 {
		t.Errorf("RequiredParameters(two) = %v, want none", got)
	}
	if loc := op.ParameterLocation("one", "n"); loc != InQuery {
		t.Errorf("ParameterLocation(one, n) = %q", loc)
	}
	if loc := op.ParameterLocation("two", "n"); loc != "" {
		t.Errorf("ParameterLocation(two, n) = %q, want none: two does not take n", loc)
	}

	broken := strings.Replace(objectQueryDoc, "mapping: {one: '#/components/schemas/One'", "mapping: {one: '#/components/schemas/Two'", 1)
	if _, err := Load([]byte(broken)); err == nil || !strings.Contains(err.Error(), "discriminator maps one") {
		t.Errorf("a discriminator that maps an action to another branch: Load = %v", err)
	}
	twice := strings.Replace(objectQueryDoc, "action: {type: string, enum: [two]}", "action: {type: string, enum: [one]}", 1)
	if _, err := Load([]byte(twice)); err == nil || !strings.Contains(err.Error(), "two branches for action one") {
		t.Errorf("two branches for one action: Load = %v", err)
	}
}

// x-actions narrows every union of the embedded document: for each action, each status's schema
// is one schema, not the operation's oneOf or anyOf, so the per-action view never falls back to
// the union that a generic validator sees.
func TestActionsNarrowEveryUnion(t *testing.T) {
	t.Parallel()
	c, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	unions := 0
	for _, op := range c.Operations() {
		for _, name := range op.Actions() {
			a := op.actions[name]
			for _, status := range a.statuses {
				generic := op.generic.route.Operation.Responses.Status(status).Value.Content.Get("application/json").Schema.Value
				if len(generic.OneOf)+len(generic.AnyOf) > 0 {
					unions++
				}
				s := a.route.Operation.Responses.Status(status).Value.Content.Get("application/json").Schema.Value
				if len(s.OneOf)+len(s.AnyOf) > 0 {
					t.Errorf("%s %d: the action's answer is still a union; narrow it in x-actions", name, status)
				}
			}
			if a.request != nil && len(a.request.Value.OneOf)+len(a.request.Value.AnyOf) > 0 {
				t.Errorf("%s: the action's body is still a union; name its branch in x-actions", name)
			}
		}
	}
	if unions == 0 {
		t.Error("no union found in the document; did the walk break?")
	}
}
