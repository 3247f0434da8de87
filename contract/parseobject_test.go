package contract

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cloudplans/billing-mock/internal/strictjson"
)

// parseObjectSeeds are tricky bodies for ParseObject's fast path: each must get from it exactly
// what the complete path gives, or be left to the complete path.
var parseObjectSeeds = []string{
	`{}`,
	` { } `,
	"\t\r\n{\t\r\n}\t\r\n",
	`{"org_id":"org_acme","quantity":3}`,
	` { "a" : [ 1 , { "b" : null } ] , "c" : "\u00e9\ud83d\ude00" } `,
	"{\n\t\"a\"\r:\n-0\t,\"b\" :1e5 ,\"c\": 1.5E-3\n}\n",
	`{"a\u0062":1}`,
	`{"ab":1,"a\u0062":2}`,
	`{"a":1,"\u0061":2}`,
	`{"a":1,"a":2}`,
	`{"a":1,"A":2}`,
	`{"\ud800":1,"\udc00":2}`,
	`{"\ud800":1,"\ufffd":2}`,
	`{"\/":1,"/":2}`,
	`{"\"\\\/\b\f\n\r\t\u00e9\u00E9":"\"\\\/\b\f\n\r\t\u00e9"}`,
	`{"a":"\x"}`,
	`{"a":"\u12"}`,
	`{"a":"\u12g4"}`,
	`{"\u12":1}`,
	"{\"a\":\"\x01\"}",
	"{\"a\":\"\x7f\"}",
	"{\"\xff\":1}",
	"{\"\xff\":1,\"\xfe\":2}",
	"{\"\xff\":1,\"\ufffd\":2}",
	"{\"a\":\"\xff\"}",
	"{\"a\":\"\xc3\xa9\",\"\xc3\xa9\":\"\xed\xa0\x80\"}",
	`{"a":null,"b":true,"c":false,"d":"","e":[],"f":{},"":0}`,
	`{"a":{"b":{"c":[[],{},[{}]]}},"d":[true,false,null]}`,
	`{"a":{"x":1,"x":2}}`,
	`{"a":[{"x":1,"x":2}]}`,
	`{"a":-0,"b":1E+2,"c":0.5,"d":-1.5e-3,"e":1e400,"f":-1e-400}`,
	`{"a":01}`, `{"a":-01}`, `{"a":00}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"a":1e+}`, `{"a":+1}`,
	`{"a":-}`, `{"a":1.5e3.2}`, `{"a":0x10}`,
	`{"a":tru}`, `{"a":truex}`, `{"a":nul}`, `{"a":True}`,
	`{"a":1}}`, `{"a":1}]`, `{"a":1} {}`, `{"a":1}{"b":2}`, `{"a":1} x`, `{"a":1}0`, "{\"a\":1}\x00",
	`{"a":1,}`, `{,"a":1}`, `{"a" 1}`, `{"a":1 "b":2}`, `{"a"::1}`, `{"a":1,,"b":2}`, `{a:1}`, `{'a':1}`,
	`{"a":[1,]}`, `{"a":[,1]}`, `{"a":[1 2]}`, `{"a":{"b"}}`, `{"a":{"b":1,}}`, `{"a":]}`, `{"a":}`,
	`{1:2}`, `{"a":1`, `{"a":`, `{"a"`, `{"a`, `{`, `}`, ``, ` `, `"x"`, `null`, `3.5e2`, `[]`, `[{}]`,
	"\xef\xbb\xbf{}", "{\u00a0}", "{\"a\":1\u00a0}",
	strings.Repeat("[", strictjson.MaxDepth) + strings.Repeat("]", strictjson.MaxDepth),
	`{"a":` + strings.Repeat("[", strictjson.MaxDepth-1) + strings.Repeat("]", strictjson.MaxDepth-1) + `}`,
	`{"a":` + strings.Repeat("[", strictjson.MaxDepth) + strings.Repeat("]", strictjson.MaxDepth) + `}`,
	`{"a":` + strings.Repeat(`{"b":`, strictjson.MaxDepth) + `1` + strings.Repeat("}", strictjson.MaxDepth) + `}`,
	`{"a":` + strings.Repeat("[", strictjson.MaxDepth+5) + strings.Repeat("]", strictjson.MaxDepth+4) + `}`,
}

// FuzzParseObjectFast holds ParseObject's fast path to the complete path: whatever the fast path
// accepts, the complete path accepts with the same members and the same raw bytes; whatever the
// complete path refuses, the fast path refuses; and the fast path leaves to the complete path
// only what nests deeper than strictjson.MaxDepth.
func FuzzParseObjectFast(f *testing.F) {
	for _, s := range parseObjectSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := strictjson.Object(data)
		slow, err := parseObjectSlow(data)
		if !ok {
			if fast != nil {
				t.Fatalf("%q: fast path refused, with members %q", data, fast)
			}
			if err == nil && nestingDepth(data) <= strictjson.MaxDepth {
				t.Fatalf("%q: the fast path refused what the complete path accepts", data)
			}
			return
		}
		if err != nil {
			t.Fatalf("%q: the fast path accepted what the complete path refuses: %v", data, err)
		}
		if len(fast) != len(slow) {
			t.Fatalf("%q: fast path %d members %q, complete path %d %q", data, len(fast), fast, len(slow), slow)
		}
		for name, raw := range slow {
			got, ok := fast[name]
			if !ok || !bytes.Equal(got, raw) {
				t.Fatalf("%q: member %q: fast path %q (present %v), complete path %q", data, name, got, ok, raw)
			}
			if cap(got) != len(got) {
				t.Fatalf("%q: member %q has capacity %d past its %d bytes", data, name, cap(got), len(got))
			}
		}
	})
}

// nestingDepth is how deep the objects and arrays of valid JSON nest: 0 for a scalar, 1 for {} or [].
func nestingDepth(data []byte) int {
	depth, deepest := 0, 0
	inString := false
	for i := 0; i < len(data); i++ {
		switch c := data[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

// TestParseObjectFast: the fast path takes the common bodies, and each seed gets from ParseObject
// exactly what the complete path gives, error message included.
func TestParseObjectFast(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{}`,
		`{"org_id":"org_acme","quantity":3}`,
		` {"payment_exp" : "2028-04"} `,
		`{"by":"720h"}`,
		`{"a\u0062":1,"c":{"d":[1,2,{"e":null}],"d":true}}`,
		`{"a":` + strings.Repeat("[", strictjson.MaxDepth-1) + strings.Repeat("]", strictjson.MaxDepth-1) + `}`,
	} {
		if _, ok := strictjson.Object([]byte(body)); !ok {
			t.Errorf("the fast path refused %q", body)
		}
	}
	deep := `{"a":` + strings.Repeat("[", strictjson.MaxDepth) + strings.Repeat("]", strictjson.MaxDepth) + `}`
	if _, ok := strictjson.Object([]byte(deep)); ok {
		t.Errorf("the fast path accepted nesting deeper than %d", strictjson.MaxDepth)
	}
	if members, err := ParseObject([]byte(deep)); err != nil || len(members) != 1 {
		t.Errorf("ParseObject(deep) = %d members, %v; want the complete path's one member", len(members), err)
	}
	for _, body := range parseObjectSeeds {
		got, gerr := ParseObject([]byte(body))
		want, werr := parseObjectSlow([]byte(body))
		if (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) {
			t.Errorf("ParseObject(%q) = %v, the complete path %v", body, gerr, werr)
			continue
		}
		if len(got) != len(want) {
			t.Errorf("ParseObject(%q) = %q, the complete path %q", body, got, want)
		}
		for name, raw := range want {
			if !bytes.Equal(got[name], raw) {
				t.Errorf("ParseObject(%q)[%q] = %q, the complete path %q", body, name, got[name], raw)
			}
		}
	}
}

// BenchmarkParseObject measures ParseObject on the typical body of a POST to the API.
func BenchmarkParseObject(b *testing.B) {
	body := []byte(`{"org_id":"org_acme","quantity":3}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseObject(body); err != nil {
			b.Fatal(err)
		}
	}
}
