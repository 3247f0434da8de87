package contractdiff

import (
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	billingmock "github.com/cloudplans/billing-mock"
	"github.com/cloudplans/billing-mock/contract"
)

// An edit is one small change of openapi.yaml, made in a test. It fails the test when it does
// not apply, so that a case never compares a document with itself by mistake.
type edit func(t *testing.T, doc string) string

// replace replaces a text that must occur exactly once.
func replace(old, new string) edit {
	return func(t *testing.T, doc string) string {
		t.Helper()
		if n := strings.Count(doc, old); n != 1 {
			t.Fatalf("edit: %q occurs %d times in the document, want once", old, n)
		}
		return strings.Replace(doc, old, new, 1)
	}
}

// deleteKey removes the member a path of mapping keys names, as a YAML node edit.
func deleteKey(path ...string) edit {
	return func(t *testing.T, doc string) string {
		t.Helper()
		var root yaml.Node
		if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
			t.Fatal(err)
		}
		node := root.Content[0]
		for i, key := range path {
			found := false
			for j := 0; j+1 < len(node.Content); j += 2 {
				if node.Content[j].Value != key {
					continue
				}
				if i == len(path)-1 {
					node.Content = append(node.Content[:j], node.Content[j+2:]...)
				} else {
					node = node.Content[j+1]
				}
				found = true
				break
			}
			if !found || node.Kind != yaml.MappingNode {
				t.Fatalf("edit: no mapping member %s", strings.Join(path[:i+1], " > "))
			}
		}
		out, err := yaml.Marshal(&root)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
}

// withoutExamples removes every example and examples member (not a property of that name), as
// a YAML node edit. The loader validates examples, which a change of a schema would otherwise
// have to follow, and the comparison ignores them.
func withoutExamples(t *testing.T, doc string) string {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
		t.Fatal(err)
	}
	var strip func(n *yaml.Node, properties bool)
	strip = func(n *yaml.Node, properties bool) {
		if n.Kind == yaml.MappingNode {
			kept := n.Content[:0]
			for j := 0; j+1 < len(n.Content); j += 2 {
				key, value := n.Content[j], n.Content[j+1]
				if !properties && (key.Value == "example" || key.Value == "examples") {
					continue
				}
				strip(value, key.Value == "properties")
				kept = append(kept, key, value)
			}
			n.Content = kept
			return
		}
		for _, c := range n.Content {
			strip(c, false)
		}
	}
	strip(&root, false)
	out, err := yaml.Marshal(&root)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// loadEdited applies edits to the embedded openapi.yaml, removes its examples and loads the
// result.
func loadEdited(t *testing.T, edits ...edit) (*contract.Contract, string) {
	t.Helper()
	if len(edits) == 0 {
		base := unedited(t)
		return base.c, base.doc
	}
	doc := string(billingmock.OpenAPI())
	for _, e := range edits {
		doc = e(t, doc)
	}
	doc = withoutExamples(t, doc)
	c, err := contract.Load([]byte(doc))
	if err != nil {
		t.Fatalf("the edited document does not load: %v", err)
	}
	return c, doc
}

// unedited is openapi.yaml without its examples, loaded once: most cases compare with it, and a
// Contract is immutable.
var unedited = func() func(t *testing.T) loaded {
	var once sync.Once
	var base loaded
	var err error
	return func(t *testing.T) loaded {
		t.Helper()
		once.Do(func() {
			doc := withoutExamples(t, string(billingmock.OpenAPI()))
			base.doc = doc
			base.c, err = contract.Load([]byte(doc))
		})
		if err != nil || base.c == nil {
			t.Fatalf("openapi.yaml without its examples does not load: %v", err)
		}
		return base
	}
}()

type loaded struct {
	c   *contract.Contract
	doc string
}
