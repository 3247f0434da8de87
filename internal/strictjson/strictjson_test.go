package strictjson

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// parseSeeds are documents, well-formed and not, for Parse.
var parseSeeds = []string{
	`{"status":200,"response":{"organization":{"resources":12,"name":"Acme Corp","id":"org_acme","owner":"usr_owner"},"subscription":{"payment_exp":"2028-04","plan":"pro","quantity":"3","status":"active"}}}`,
	`{"status":200,"response":{"organization":{"resources":12,"name":"Acme Corp","id":"org_acme","owner":"usr_owner"},"subscription":null}}`,
	`{"status":200,"billing_history":[{"status":"paid","id":"inv_1","organization":"org_acme","date":"2026-10-01","due_date":"2026-10-15","amount":"36.00"}]}`,
	`{"status":200,"response":"http://127.0.0.1:8080/checkout/chk_5f2a9c1e7b3d4a60"}`,
	`{"status":200}`,
	`{"status":404,"error":{"code":"org_not_found","message":"no organization \"org_x\""}}`,
	`{"status":409,"error":{"code":"subscription_exists","message":"x"}}`,
	`{"status":200,"status":200}`,
	`{"status":200.0}`,
	`{"status":2e2}`,
	` {"status" : 200 } `,
	`{"status":200}]`,
	`{"status":200} {}`,
	"{\"status\":200,\"response\":\"\xff\"}",
	`{"status":200,"response":"\u00e9\ud83d\ude00 \u0000"}`,
	`[1,2,[3,{"a":null,"b":true,"c":false}],-0.5e-3]`,
	`"x"`, `null`, `1e400`, `-`, `01`, `{"a":1,}`, `[1,]`, `{"a" 1}`, ``,
}

// FuzzParse: whatever Parse accepts is valid JSON without a duplicate member, and decodes to what
// encoding/json decodes.
func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, useNumber := range []bool{true, false} {
			got, ok := Parse(data, useNumber)
			if !ok {
				continue
			}
			if !json.Valid(data) {
				t.Fatalf("accepted invalid JSON %q", data)
			}
			if _, dup := DuplicateMember(data); dup {
				t.Fatalf("accepted a duplicate member in %q", data)
			}
			var want any
			dec := json.NewDecoder(bytes.NewReader(data))
			if useNumber {
				dec.UseNumber()
			}
			if err := dec.Decode(&want); err != nil {
				t.Fatalf("accepted %q, encoding/json says %v", data, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%q: decoded %#v, encoding/json %#v", data, got, want)
			}
		}
	})
}

// stringSeeds are raw JSON values as Object hands them out, and some it never would.
var stringSeeds = []string{
	`"org_acme"`, `""`, `"é"`, `"<b>&amp;"`, `"a\"b"`, `"a\\b"`, `"\u0061"`, `"\ud83d\ude00"`, `"\ud800"`,
	"\"\xff\xfe\"", "\"\xed\xa0\x80\"", "\"a\tb\"", "\"a\x00b\"", `"\/"`, `null`, `12`, `"`, `"a`, ` "a"`,
	`"a" `, `["a"]`, `"\u2028"`, "\"\u2028\"",
}

// checkString fails t when String differs from json.Unmarshal into a string that starts empty:
// it leaves the same string, and it accepts only what json.Unmarshal accepts (json.Unmarshal also
// accepts null, which leaves the string empty, and String refuses).
func checkString(t *testing.T, raw []byte) {
	t.Helper()
	var want string
	err := json.Unmarshal(raw, &want)
	got, ok := String(raw)
	if got != want || (ok && err != nil) {
		t.Fatalf("String(%q) = %q, %v; json.Unmarshal gives %q, %v", raw, got, ok, want, err)
	}
}

func TestStringMatchesUnmarshal(t *testing.T) {
	t.Parallel()
	for _, raw := range stringSeeds {
		checkString(t, []byte(raw))
	}
}

func FuzzString(f *testing.F) {
	for _, raw := range stringSeeds {
		f.Add([]byte(raw))
	}
	f.Fuzz(func(t *testing.T, raw []byte) { checkString(t, raw) })
}

func TestDuplicateMember(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		doc, pointer string
		dup          bool
	}{
		{`{"a":1,"b":2}`, "", false},
		{`{"a":1,"a":2}`, "/a", true},
		{`{"x":[{"a/b":1},{"c":{"~":1,"~":2}}]}`, "/x/1/c/~0", true},
		{`[{"a":1},{"a":1}]`, "", false},
		{`{"a":{"b":1},"c":{"b":1}}`, "", false},
	} {
		ptr, dup := DuplicateMember([]byte(tt.doc))
		if dup != tt.dup || ptr != tt.pointer {
			t.Errorf("DuplicateMember(%s) = %q, %v; want %q, %v", tt.doc, ptr, dup, tt.pointer, tt.dup)
		}
	}
}
