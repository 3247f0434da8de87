// Package query reads a request's query parameters exactly as url.ParseQuery followed by
// url.Values.Get would, without building a url.Values (a map, and a slice per parameter) for the
// three or four parameters of a billing API request: Get scans the raw string instead. A query
// string the scan could read differently (more parameters than url.ParseQuery's limit allows,
// under a GODEBUG that lowers it) is parsed by url.ParseQuery.
package query

import (
	"net/url"
	"strings"
)

// MaxScanned is the most parameters a query string may have to be scanned; one with more is
// parsed by url.ParseQuery.
const MaxScanned = 16

// Reader reads query strings. Make one with NewReader; the zero Reader parses every query string.
type Reader struct {
	scan bool
}

// NewReader returns a Reader that scans the query strings it may: those of at most MaxScanned
// parameters, when url.ParseQuery accepts that many (it does unless GODEBUG urlmaxqueryparams
// sets a lower limit, which is read once, at start-up).
func NewReader() Reader {
	_, err := url.ParseQuery(strings.Repeat("&", MaxScanned-1))
	return Reader{scan: err == nil}
}

// Values answers url.Values.Get for one query string.
type Values struct {
	raw    string
	parsed url.Values // non-nil: raw is not scanned, parsed answers
}

// Of returns the values of the raw query string raw.
func (rd Reader) Of(raw string) Values {
	if !rd.scan || strings.Count(raw, "&") >= MaxScanned {
		parsed, _ := url.ParseQuery(raw) // the pairs that parse, as r.URL.Query() keeps them
		return Values{parsed: parsed}
	}
	return Values{raw: raw}
}

// Get returns the first value of key, or "", as url.Values.Get on url.ParseQuery's answer does:
// pairs split on "&", a pair that holds ";" or whose key or value does not decode skipped.
func (q Values) Get(key string) string {
	if q.parsed != nil {
		return q.parsed.Get(key)
	}
	rest := q.raw
	for rest != "" {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		// QueryUnescape returns its argument, unallocated, when there is nothing to decode.
		if k, err := url.QueryUnescape(k); err != nil || k != key {
			continue
		}
		if v, err := url.QueryUnescape(v); err == nil {
			return v
		}
	}
	return ""
}
