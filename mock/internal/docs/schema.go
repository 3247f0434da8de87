package docs

import (
	"encoding/json"
	"fmt"
	"html/template"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/cloudplans/billing-mock/internal/plural"
)

// This file reads schemas for the page: their members as rows, their types and constraints in a
// few words, and an error answer's codes.

// maxDepth bounds how deep the page follows a schema's members.
const maxDepth = 6

// rows lists the members of an object schema, and theirs in turn, each with its depth; a oneOf or
// anyOf lists its branches. seen holds the $refs on the way, so that a recursive schema ends.
func rows(s *openapi3.SchemaRef, depth int, seen []string) []row {
	if s == nil || s.Value == nil || depth >= maxDepth || (s.Ref != "" && slices.Contains(seen, s.Ref)) {
		return nil
	}
	if s.Ref != "" {
		seen = append(slices.Clip(seen), s.Ref)
	}
	v := s.Value
	var out []row
	for _, kind := range []struct {
		word     string
		branches openapi3.SchemaRefs
	}{{"one of", v.OneOf}, {"any of", v.AnyOf}} {
		for i, b := range kind.branches {
			out = append(out, row{Depth: depth, Name: fmt.Sprintf("(%s, %d)", kind.word, i+1), Type: typeOf(b), Constraints: constraints(b), Description: describe(b)})
			out = append(out, rows(b, depth+1, seen)...)
		}
	}
	if v.Items != nil {
		out = append(out, rows(v.Items, depth, seen)...)
	}
	for _, name := range propertyNames(v) {
		ps := v.Properties[name]
		out = append(out, row{Depth: depth, Name: name, Type: typeOf(ps), Constraints: constraints(ps), Required: slices.Contains(v.Required, name), Description: describe(ps)})
		out = append(out, rows(ps, depth+1, seen)...)
	}
	return out
}

func describe(s *openapi3.SchemaRef) template.HTML {
	if s == nil || s.Value == nil {
		return ""
	}
	return markdown(s.Value.Description)
}

// propertyNames are an object schema's members: the required ones in the order the schema lists
// them, then the others by name.
func propertyNames(v *openapi3.Schema) []string {
	var names []string
	for _, name := range v.Required {
		if _, ok := v.Properties[name]; ok && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	for _, name := range sortedKeys(v.Properties) {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names
}

// refName is the name of a schema a $ref names ("" for an inline schema).
func refName(ref string) string {
	if i := strings.LastIndex(ref, "/"); i >= 0 {
		return ref[i+1:]
	}
	return ref
}

// typeOf says what a schema is: its type (an array's items too), its name when it has one, null
// when it may be null.
func typeOf(s *openapi3.SchemaRef) string {
	if s == nil || s.Value == nil {
		return ""
	}
	v := s.Value
	var t string
	switch {
	case v.Type != nil && v.Type.Is("array"):
		t = "array of " + typeOf(v.Items)
	case v.Type != nil && len(v.Type.Slice()) > 0:
		t = strings.Join(v.Type.Slice(), " or ")
	case len(v.OneOf) > 0:
		t = "one of"
	case len(v.AnyOf) > 0:
		t = "any of"
	}
	if name := refName(s.Ref); name != "" && (t == "object" || t == "one of" || t == "any of" || t == "") {
		t = name
	} else if name != "" {
		t += " (" + name + ")"
	}
	if v.Nullable {
		t += " or null"
	}
	return t
}

// constraints says in a few words what values a schema allows beyond its type.
func constraints(s *openapi3.SchemaRef) string {
	if s == nil || s.Value == nil {
		return ""
	}
	v := s.Value
	var parts []string
	if len(v.Enum) > 0 {
		vals := make([]string, len(v.Enum))
		for i, e := range v.Enum {
			out, _ := json.Marshal(e)
			vals[i] = string(out)
		}
		if len(vals) == 1 {
			parts = append(parts, "= "+vals[0])
		} else {
			parts = append(parts, "one of "+strings.Join(vals, ", "))
		}
	}
	switch {
	case v.Min != nil && v.Max != nil:
		parts = append(parts, fmt.Sprintf("%g to %g", *v.Min, *v.Max))
	case v.Min != nil:
		parts = append(parts, fmt.Sprintf("≥ %g", *v.Min))
	case v.Max != nil:
		parts = append(parts, fmt.Sprintf("≤ %g", *v.Max))
	}
	switch {
	case v.MaxLength != nil:
		parts = append(parts, fmt.Sprintf("%d to %s", v.MinLength, plural.Count(int(*v.MaxLength), "character")))
	case v.MinLength > 0:
		parts = append(parts, "at least "+plural.Count(int(v.MinLength), "character"))
	}
	if v.Format != "" {
		parts = append(parts, "format "+v.Format)
	}
	if v.Pattern != "" {
		parts = append(parts, "pattern "+v.Pattern)
	}
	if v.AdditionalProperties.Has != nil && !*v.AdditionalProperties.Has {
		parts = append(parts, "no other members")
	}
	return strings.Join(parts, "; ")
}

// errorCodes are the error codes an error answer's schema allows (error.code's enum), of every
// branch of a union.
func errorCodes(s *openapi3.SchemaRef) []string {
	if s == nil || s.Value == nil {
		return nil
	}
	var codes []string
	add := func(more []string) {
		for _, c := range more {
			if !slices.Contains(codes, c) {
				codes = append(codes, c)
			}
		}
	}
	v := s.Value
	if e := v.Properties["error"]; e != nil && e.Value != nil {
		if c := e.Value.Properties["code"]; c != nil && c.Value != nil {
			for _, x := range c.Value.Enum {
				if str, ok := x.(string); ok {
					add([]string{str})
				}
			}
		}
	}
	for _, b := range slices.Concat(v.OneOf, v.AnyOf) {
		add(errorCodes(b))
	}
	return codes
}

func sortedKeys[K int | string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
