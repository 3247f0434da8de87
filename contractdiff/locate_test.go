package contractdiff

import (
	"regexp"
	"strings"
	"testing"
)

var badEscape = regexp.MustCompile(`~([^01]|$)`)

func TestParent(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{
		"response/organization/name": "response/organization",
		"name":                       "",
		"oneOf[#/components/schemas/LinkResponse]/response": "oneOf[#/components/schemas/LinkResponse]",
		"allOf[#/components/schemas/Error]":                 "",
		"error/anyOf[subschema #2: a/b]":                    "error",
	} {
		if got := parent(path); got != want {
			t.Errorf("parent(%q) = %q, want %q", path, got, want)
		}
	}
}

// FuzzPointers: a JSON pointer survives splitting and joining, and parent always shortens an
// oasdiff property path to one of its prefixes.
func FuzzPointers(f *testing.F) {
	f.Add("/properties/a~1b/items/oneOf/0", "oneOf[#/components/schemas/X]/a/b")
	f.Add("", "allOf[subschema #1: t/u]/x")
	f.Fuzz(func(t *testing.T, pointer, path string) {
		// A pointer whose every "~" is an escape ("~0", "~1") is one splitPointer reads.
		if strings.HasPrefix(pointer, "/") && !badEscape.MatchString(pointer) {
			if got := joinPointer(splitPointer(pointer)); got != pointer {
				t.Errorf("join(split(%q)) = %q", pointer, got)
			}
		}
		for p := path; p != ""; {
			next := parent(p)
			if len(next) >= len(p) || !strings.HasPrefix(p, next) {
				t.Fatalf("parent(%q) = %q: not a shorter prefix", p, next)
			}
			p = next
		}
	})
}
