package query

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// queryCases are query strings with every kind of pair url.ParseQuery skips or decodes.
var queryCases = []string{
	"",
	"action=getorganization&org_id=org_acme",
	"action=get%6Frganization&org%5Fid=org_acme",
	"org_id=org_acme&org_id=org_new",
	"org_id=%zz&org_id=org_acme",
	"org_id&org_id=x",
	"org_id=&org_id=x",
	"action=getorganization;x=1&org_id=org_acme",
	"a;b=1&org_id=x;y&org_id=z",
	"&&action=x&=y&org_id=org+acme",
	"org+id=1&org%20id=2&org_id=a%2Bb+c",
	"session=qs%00&session=x",
	"quantity=%2&quantity=3",
	"org_id==a=b",
	"%=x&org_id=%",
	strings.Repeat("x=1&", 20) + "org_id=late",
	strings.Repeat("&", MaxScanned-1) + "org_id=edge",
	strings.Repeat("&", MaxScanned) + "org_id=edge",
}

var queryKeys = []string{"action", "org_id", "quantity", "session", "org id", "a;b", "", "x"}

// checkQuery fails t when rd's Values answer other than url.ParseQuery for any key.
func checkQuery(t *testing.T, rd Reader, raw string, keys ...string) {
	t.Helper()
	q := rd.Of(raw)
	want, _ := url.ParseQuery(raw)
	for _, k := range keys {
		if got := q.Get(k); got != want.Get(k) {
			t.Fatalf("query %q, key %q: got %q, url.ParseQuery has %q", raw, k, got, want.Get(k))
		}
	}
}

func TestValuesMatchParseQuery(t *testing.T) {
	t.Parallel()
	rd := NewReader()
	require.True(t, rd.scan, "the default url.ParseQuery limit allows the scan")
	for _, raw := range queryCases {
		checkQuery(t, rd, raw, queryKeys...)
	}
	// Over MaxScanned parameters the query string is parsed, not scanned.
	assert.NotNil(t, rd.Of(strings.Repeat("&", MaxScanned)+"org_id=x").parsed)
	assert.Nil(t, rd.Of(strings.Repeat("&", MaxScanned-1)+"org_id=x").parsed)
	// Without the scan, the parsed values answer.
	for _, raw := range queryCases {
		checkQuery(t, Reader{}, raw, queryKeys...)
	}
}

func FuzzValues(f *testing.F) {
	for _, raw := range queryCases {
		f.Add(raw, "org_id")
	}
	f.Add("a%2=1&a=2", "a")
	rd := NewReader()
	f.Fuzz(func(t *testing.T, raw, key string) {
		checkQuery(t, rd, raw, key, "org_id", "action")
	})
}
