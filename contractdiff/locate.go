package contractdiff

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// maxDepth bounds the walk of a schema, which $refs can make recursive.
const maxDepth = 32

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")
var pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")

// A schemaPair is what one schema of an action (its query string, its body, one of its answers)
// looks like in both versions, walked once: the JSON pointer of every subschema, by the property
// path oasdiff names it with, and the changes of documentation between the versions.
type schemaPair struct {
	// pointers maps oasdiff's property paths ("response/organization/name", "items/amount",
	// "allOf[#/components/schemas/Error]/status") to JSON pointers into the schema
	// ("/properties/response/properties/organization/properties/name").
	pointers map[string]string
	// docs lists the description and title changes, as JSON pointers to the keyword.
	docs []docChange
	seen map[[2]*openapi3.Schema]bool
}

// A docChange is a changed description or title.
type docChange struct {
	pointer, keyword string
}

// walkPair walks the old and new versions of a schema together. Either may be nil (the
// schema is only in one version).
func walkPair(old, new *openapi3.SchemaRef) *schemaPair {
	w := &schemaPair{pointers: map[string]string{}, seen: map[[2]*openapi3.Schema]bool{}}
	w.walk(value(old), value(new), "", "", 0)
	return w
}

func value(ref *openapi3.SchemaRef) *openapi3.Schema {
	if ref == nil {
		return nil
	}
	return ref.Value
}

func (w *schemaPair) walk(old, new *openapi3.Schema, pointer, path string, depth int) {
	if (old == nil && new == nil) || depth > maxDepth || w.seen[[2]*openapi3.Schema{old, new}] {
		return
	}
	w.seen[[2]*openapi3.Schema{old, new}] = true
	if path != "" {
		if _, ok := w.pointers[path]; !ok {
			w.pointers[path] = pointer
		}
	}
	if old != nil && new != nil {
		if old.Description != new.Description {
			w.docs = append(w.docs, docChange{pointer: pointer + "/description", keyword: "description"})
		}
		if old.Title != new.Title {
			w.docs = append(w.docs, docChange{pointer: pointer + "/title", keyword: "title"})
		}
	}
	for _, name := range propertyNames(old, new) {
		w.walk(value(property(old, name)), value(property(new, name)),
			pointer+"/properties/"+pointerEscaper.Replace(name), join(path, name), depth+1)
	}
	w.walk(value(items(old)), value(items(new)), pointer+"/items", join(path, "items"), depth+1)
	for _, kind := range []string{"allOf", "anyOf", "oneOf"} {
		oldBranches, newBranches := branches(old, kind), branches(new, kind)
		for _, p := range pairBranches(oldBranches, newBranches) {
			var o, n *openapi3.SchemaRef
			if p[0] >= 0 {
				o = oldBranches[p[0]]
			}
			if p[1] >= 0 {
				n = newBranches[p[1]]
			}
			index := p[1]
			if index < 0 {
				index = p[0]
			}
			childPointer := pointer + "/" + kind + "/" + strconv.Itoa(index)
			for _, name := range subschemaNames(o, n, p) {
				w.pointers[join(path, kind+"["+name+"]")] = childPointer
			}
			w.walk(value(o), value(n), childPointer, join(path, kind+"["+subschemaNames(o, n, p)[0]+"]"), depth+1)
		}
	}
}

// join is oasdiff's property path: names separated by "/".
func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "/" + name
}

func propertyNames(schemas ...*openapi3.Schema) []string {
	seen := map[string]bool{}
	var names []string
	for _, s := range schemas {
		if s == nil {
			continue
		}
		for name := range s.Properties {
			if !seen[name] {
				seen[name] = true
				names = append(names, name)
			}
		}
	}
	return names
}

func property(s *openapi3.Schema, name string) *openapi3.SchemaRef {
	if s == nil {
		return nil
	}
	return s.Properties[name]
}

func items(s *openapi3.Schema) *openapi3.SchemaRef {
	if s == nil {
		return nil
	}
	return s.Items
}

func branches(s *openapi3.Schema, kind string) openapi3.SchemaRefs {
	if s == nil {
		return nil
	}
	switch kind {
	case "allOf":
		return s.AllOf
	case "anyOf":
		return s.AnyOf
	default:
		return s.OneOf
	}
}

// pairBranches pairs the branches of a composition in two versions: a branch with the same
// $ref in both, then the others by position. An index of -1 is a branch only one version has.
func pairBranches(old, new openapi3.SchemaRefs) [][2]int {
	var pairs [][2]int
	usedOld, usedNew := map[int]bool{}, map[int]bool{}
	for i, o := range old {
		for j, n := range new {
			if !usedNew[j] && o.Ref != "" && o.Ref == n.Ref {
				pairs = append(pairs, [2]int{i, j})
				usedOld[i], usedNew[j] = true, true
				break
			}
		}
	}
	var restOld, restNew []int
	for i := range old {
		if !usedOld[i] {
			restOld = append(restOld, i)
		}
	}
	for j := range new {
		if !usedNew[j] {
			restNew = append(restNew, j)
		}
	}
	for k := 0; k < max(len(restOld), len(restNew)); k++ {
		p := [2]int{-1, -1}
		if k < len(restOld) {
			p[0] = restOld[k]
		}
		if k < len(restNew) {
			p[1] = restNew[k]
		}
		pairs = append(pairs, p)
	}
	return pairs
}

// subschemaNames are the names oasdiff gives a branch (diff.Subschema's String, and "old -> new"
// when the two versions' names differ): its title, else its component, else its position.
func subschemaNames(old, new *openapi3.SchemaRef, p [2]int) []string {
	name := func(ref *openapi3.SchemaRef, index int) []string {
		if ref == nil {
			return nil
		}
		var names []string
		if ref.Value != nil && ref.Value.Title != "" {
			names = append(names, fmt.Sprintf("subschema #%d: %s", index+1, ref.Value.Title))
		}
		if component, ok := strings.CutPrefix(ref.Ref, "#/components/schemas/"); ok {
			names = append(names, "#/components/schemas/"+component)
		}
		return append(names, fmt.Sprintf("subschema #%d", index+1))
	}
	newNames, oldNames := name(new, p[1]), name(old, p[0])
	names := append(append([]string{}, newNames...), oldNames...)
	if len(newNames) > 0 && len(oldNames) > 0 && newNames[0] != oldNames[0] {
		names = append(names, oldNames[0]+" -> "+newNames[0])
	}
	return names
}

// locate returns the JSON pointer of the subschema an oasdiff property path names, or of the
// nearest enclosing one it knows.
func (w *schemaPair) locate(path string) (string, bool) {
	for p := path; p != ""; p = parent(p) {
		if pointer, ok := w.pointers[p]; ok {
			return pointer, true
		}
	}
	return "", false
}

// parent drops the last segment of an oasdiff property path, where a bracketed subschema name
// ("oneOf[#/components/schemas/X]") counts as one segment.
func parent(path string) string {
	depth := 0
	for i := len(path) - 1; i >= 0; i-- {
		switch path[i] {
		case ']':
			depth++
		case '[':
			depth--
		case '/':
			if depth == 0 {
				return path[:i]
			}
		}
	}
	return ""
}

// documentPointer resolves a JSON pointer into a schema to the JSON pointer, in the document, of
// the place that writes what it names: a $ref on the way moves the answer to where it points,
// except the last one (the place of a property is where the property is written, even when it is
// a $ref). rootPointer is the document's pointer of root. For a query string, members gives
// instead the document's pointer of each property of root (its parameters), and a pointer that
// does not go through one has no place in the document (false). The part of pointer that names
// no subschema (a keyword such as "/maximum") is appended as it is.
func documentPointer(root *openapi3.SchemaRef, rootPointer string, members map[string]string, pointer string) (string, bool) {
	doc, s := rootPointer, root
	segs := splitPointer(pointer)
	if members != nil {
		if len(segs) < 2 || segs[0] != "properties" {
			return "", false
		}
		p, ok := members[segs[1]]
		if !ok {
			return "", false
		}
		doc, s, segs = p, root.Value.Properties[segs[1]], segs[2:]
	}
	for i := 0; i < len(segs); i++ {
		if s == nil || s.Value == nil {
			return doc + joinPointer(segs[i:]), true
		}
		doc = refPointer(s.Ref, doc)
		var next *openapi3.SchemaRef
		var step string
		switch seg := segs[i]; {
		case seg == "properties" && i+1 < len(segs):
			next, step = s.Value.Properties[segs[i+1]], "/properties/"+pointerEscaper.Replace(segs[i+1])
			i++
		case seg == "items":
			next, step = s.Value.Items, "/items"
		case (seg == "allOf" || seg == "anyOf" || seg == "oneOf") && i+1 < len(segs):
			n, err := strconv.Atoi(segs[i+1])
			list := branches(s.Value, seg)
			if err != nil || n < 0 || n >= len(list) {
				return doc + joinPointer(segs[i:]), true
			}
			next, step = list[n], "/"+seg+"/"+segs[i+1]
			i++
		default:
			return doc + joinPointer(segs[i:]), true
		}
		doc, s = doc+step, next
		if next == nil {
			return doc + joinPointer(segs[i+1:]), true
		}
	}
	return doc, true
}

func splitPointer(pointer string) []string {
	if pointer == "" {
		return nil
	}
	segs := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	for i, s := range segs {
		segs[i] = pointerUnescaper.Replace(s)
	}
	return segs
}

func joinPointer(segs []string) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteString("/" + pointerEscaper.Replace(s))
	}
	return b.String()
}

// refPointer returns the JSON pointer a "#/..." $ref names, or fallback.
func refPointer(ref, fallback string) string {
	if frag, ok := strings.CutPrefix(ref, "#"); ok {
		return frag
	}
	return fallback
}
