package answer

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trickyStrings: everything AppendString escapes, and what it must leave alone.
var trickyStrings = []string{
	"", "plain", `quote " and \ backslash`, "<script>&amp;</script>", "\x00\x01\x1f\x7f",
	"\b\f\n\r\t", "é ü 日本 🎉", "\xff\xfe invalid", "cut \xe6\x97", "\u2028 and \u2029",
	"\xed\xa0\x80 surrogate", "/slash/", "a\u0000b",
}

// TestAppendersMatchEncodingJSON: every appender writes what json.Marshal writes for
// its type, with nil pointers and slices, empty values and strings that need escaping.
func TestAppendersMatchEncodingJSON(t *testing.T) {
	t.Parallel()
	var values []any
	for _, s := range trickyStrings {
		d := Describe{Status: 200}
		d.Response.Organization = Organization{Resources: -3, Name: s, ID: "org_" + s, Owner: s}
		values = append(values, d)
		d.Response.Subscription = &Subscription{PaymentExp: s, Plan: "pro", Quantity: "12", Status: s}
		values = append(values, d,
			History{Status: 200, BillingHistory: []Invoice{{Status: s, ID: s, Organization: s, Date: s, DueDate: s, Amount: s}, {}}},
			Link{Status: 200, Response: "http://localhost:8080/checkout/chk_1?session=" + s},
		)
	}
	values = append(values,
		Describe{},
		History{Status: 200},
		History{Status: 200, BillingHistory: []Invoice{}},
		Link{}, Status{}, Status{Status: 200},
		map[string]int{"other": 1}, // anything else goes to json.Marshal
	)
	for _, v := range values {
		want, err := json.Marshal(v)
		require.NoError(t, err)
		got, err := Encode(v)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), "%#v", v)
	}
}

// FuzzAppendString: any string, valid UTF-8 or not, is written as json.Marshal writes it.
func FuzzAppendString(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendString([]byte("x"), s); string(got[1:]) != string(want) {
			t.Fatalf("AppendString(%q) = %s, json.Marshal: %s", s, got[1:], want)
		}
	})
}
