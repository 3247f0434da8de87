package session

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const updatePath = "/v1/organizations/billing/update"

// requestsJSON is the answer of GET /_mock/requests.
type requestsJSON struct {
	Status   int     `json:"status"`
	Requests []Entry `json:"requests"`
}

// stringBodies is e as a value of Entry's struct type with each BodyText field a string (what
// an entry was before BodyText, whose encoding must be string(b)'s): the same fields, tags and
// order, derived from Entry so that the two cannot drift apart.
func stringBodies(e Entry) any {
	t := reflect.TypeFor[Entry]()
	fields := make([]reflect.StructField, t.NumField())
	for i := range fields {
		fields[i] = t.Field(i)
		if fields[i].Type == reflect.TypeFor[BodyText]() {
			fields[i].Type = reflect.TypeFor[string]()
		}
	}
	v, src := reflect.New(reflect.StructOf(fields)).Elem(), reflect.ValueOf(e)
	for i := range fields {
		if b, ok := src.Field(i).Interface().(BodyText); ok {
			v.Field(i).SetString(string(b))
		} else {
			v.Field(i).Set(src.Field(i))
		}
	}
	return v.Interface()
}

// journalBodyCases are bodies whose encoding or cut could go wrong.
var journalBodyCases = []string{
	"",
	`{"org_id":"org_acme","quantity":4}`,
	`<script>alert("x&y")</script>`,
	"\xff\xfe invalid \xc3 UTF-8 \xed\xa0\x80",
	"line\u2028separator\u2029 and \x00\x01\x1f controls \t\n\r \\ \"",
	strings.Repeat("é", 3000),
	strings.Repeat("a", JournalBodyLimit-1) + "é",
	strings.Repeat("a", JournalBodyLimit) + "é",
	strings.Repeat("a", JournalBodyLimit+1),
	strings.Repeat("a", JournalBodyLimit-2) + "😀" + "tail",
	strings.Repeat("\xff", JournalBodyLimit+50),
	strings.Repeat("<&>", 2000),
}

// checkJournalJSON fails t when the journal's JSON for an entry with these bodies differs from
// stringBodies', with json.Marshal (HTML escaped) and with an Encoder that does not escape HTML.
func checkJournalJSON(t *testing.T, reqBody, respBody []byte) {
	t.Helper()
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	j := newJournal(2)
	j.Add(Entry{Time: at, Method: "POST", Path: updatePath, Query: "action=x&y=<z>", Action: "x", Org: "o",
		Status: 409, DurationMS: 1.25, RequestBody: reqBody, ResponseBody: respBody})
	rb, cut1 := truncateBody(string(reqBody))
	sb, cut2 := truncateBody(string(respBody))
	legacy := struct {
		Status   int   `json:"status"`
		Requests []any `json:"requests"`
	}{http.StatusOK, []any{stringBodies(Entry{Seq: 1, Time: at, Method: "POST", Path: updatePath, Query: "action=x&y=<z>", Action: "x",
		Org: "o", Status: 409, DurationMS: 1.25, RequestBody: BodyText(rb), ResponseBody: BodyText(sb), Truncated: cut1 || cut2})}}
	current := requestsJSON{Status: http.StatusOK, Requests: j.List(Filter{})}

	got, err := json.Marshal(current)
	require.NoError(t, err)
	want, err := json.Marshal(legacy)
	require.NoError(t, err)
	if !bytes.Equal(got, want) {
		t.Fatalf("journal JSON changed for bodies %q, %q:\n got %s\nwant %s", reqBody, respBody, got, want)
	}
	encode := func(v any) []byte {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		require.NoError(t, enc.Encode(v))
		return buf.Bytes()
	}
	if got, want := encode(current), encode(legacy); !bytes.Equal(got, want) {
		t.Fatalf("journal JSON (no HTML escaping) changed for bodies %q, %q:\n got %s\nwant %s", reqBody, respBody, got, want)
	}
}

func TestJournalJSONUnchanged(t *testing.T) {
	t.Parallel()
	for _, a := range journalBodyCases {
		for _, b := range journalBodyCases {
			checkJournalJSON(t, []byte(a), []byte(b))
		}
	}
	checkJournalJSON(t, nil, nil)
}

func FuzzJournalBodyJSON(f *testing.F) {
	for _, b := range journalBodyCases {
		f.Add([]byte(b), []byte(b))
	}
	f.Fuzz(func(t *testing.T, reqBody, respBody []byte) { checkJournalJSON(t, reqBody, respBody) })
}

// TestJournalDoesNotPinLargeBodies: an entry shares a small body's array, and copies what it keeps
// of a body whose array is large, so that a 1 MiB request body is not kept alive by its entry.
func TestJournalDoesNotPinLargeBodies(t *testing.T) {
	t.Parallel()
	j := newJournal(2)
	small := []byte(`{"org_id":"org_acme"}`)
	large := bytes.Repeat([]byte("x"), 1<<20)
	j.Add(Entry{RequestBody: small, ResponseBody: large})
	e := j.List(Filter{})[0]
	assert.Same(t, &small[0], &e.RequestBody[0], "a small body is shared")
	assert.Equal(t, len(small), cap(e.RequestBody), "a shared body has no room to append into")
	assert.Len(t, e.ResponseBody, JournalBodyLimit)
	assert.LessOrEqual(t, cap(e.ResponseBody), maxSharedBody, "a large body is copied, cut")
	assert.True(t, e.Truncated)

}

// TestJournalRingGrowsToItsSize: the ring grows as entries come, never past its size, and keeps
// the newest entries, newest first, across wrap-arounds and clears, as a plain list would.
func TestJournalRingGrowsToItsSize(t *testing.T) {
	t.Parallel()
	for _, size := range []int{1, 2, 5, minJournalCap, minJournalCap + 1, 100} {
		j := newJournal(size)
		var model []Entry // every entry since the last clear, oldest first
		seq := int64(0)
		for step := range 5 * size {
			if step == 3*size+1 {
				j.Clear()
				model = nil
			}
			seq++
			e := Entry{Seq: seq, Action: []string{"a", "b", "c"}[step%3], Status: 200 + step%2}
			j.Add(e)
			model = append(model, e)
			require.LessOrEqual(t, cap(j.entries), size)

			kept := model[max(0, len(model)-size):]
			var want []Entry
			for i := len(kept) - 1; i >= 0; i-- {
				want = append(want, kept[i])
			}
			got := j.List(Filter{})
			require.Len(t, got, len(want), "size %d, step %d", size, step)
			for i := range want {
				require.Equal(t, want[i].Seq, got[i].Seq, "size %d, step %d, entry %d", size, step, i)
			}
			if len(want) > 1 {
				require.Equal(t, want[:1], j.List(Filter{Limit: 1}))
			}
			for _, e := range j.List(Filter{Action: "b", Status: 201}) {
				require.True(t, e.Action == "b" && e.Status == 201)
			}
		}
	}
}
