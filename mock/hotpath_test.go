package mock

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests of this file hold the hot path's shortcuts to what they replace: the query scan to
// url.ParseQuery, the shared header values to fresh ones, the journal's
// bodies kept as bytes to the strings it used to keep, and the record found through the writer to
// the one the context used to carry.

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
	strings.Repeat("&", maxScannedParams-1) + "org_id=edge",
	strings.Repeat("&", maxScannedParams) + "org_id=edge",
}

var queryKeys = []string{"action", "org_id", "quantity", "session", "org id", "a;b", "", "x"}

// checkQuery fails t when queryValues answers other than url.ParseQuery for any key.
func checkQuery(t *testing.T, s *Server, raw string, keys ...string) {
	t.Helper()
	r := httptest.NewRequest("GET", "/", nil)
	r.URL.RawQuery = raw
	q := s.queryOf(r)
	want, _ := url.ParseQuery(raw)
	for _, k := range keys {
		if got := q.Get(k); got != want.Get(k) {
			t.Fatalf("query %q, key %q: got %q, url.ParseQuery has %q", raw, k, got, want.Get(k))
		}
	}
}

func TestQueryValuesMatchParseQuery(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	require.True(t, s.scanQueries, "the default url.ParseQuery limit allows the scan")
	for _, raw := range queryCases {
		checkQuery(t, s, raw, queryKeys...)
	}
	// Over maxScannedParams parameters the query string is parsed, not scanned.
	r := httptest.NewRequest("GET", "/", nil)
	r.URL.RawQuery = strings.Repeat("&", maxScannedParams) + "org_id=x"
	assert.NotNil(t, s.queryOf(r).parsed)
	r.URL.RawQuery = strings.Repeat("&", maxScannedParams-1) + "org_id=x"
	assert.Nil(t, s.queryOf(r).parsed)
	// Without the scan, the parsed values answer.
	s.scanQueries = false
	for _, raw := range queryCases {
		checkQuery(t, s, raw, queryKeys...)
	}
}

func FuzzQueryValues(f *testing.F) {
	for _, raw := range queryCases {
		f.Add(raw, "org_id")
	}
	f.Add("a%2=1&a=2", "a")
	s, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw, key string) {
		checkQuery(t, s, raw, key, "org_id", "action")
	})
}

func TestContentLengthValues(t *testing.T) {
	t.Parallel()
	for n := range contentLengthsCached + 3 {
		v := contentLength(n)
		require.Equal(t, []string{strconv.Itoa(n)}, v)
		require.Equal(t, 1, cap(v), "a shared value has no room to append into")
	}
	assert.Equal(t, []string{"1048576"}, contentLength(1<<20))
}

// TestSharedHeaderValuesStayUnchanged: whatever a handler or net/http does to an answer's header
// after writeJSON (add to a value, replace it), the values writeJSON shares do not change.
func TestSharedHeaderValuesStayUnchanged(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	writeJSON(w, http.StatusOK, []byte(`{"status":200}`))
	h := w.Header()
	h.Add("Content-Type", "text/plain")
	h.Add("Cache-Control", "private")
	h.Add("Content-Length", "1")
	h.Set("Content-Type", "x")
	assert.Equal(t, []string{"application/json"}, jsonContentType)
	assert.Equal(t, []string{"no-store"}, noStore)
	assert.Equal(t, []string{"14"}, contentLength(14))

	for _, n := range []int{0, 14, contentLengthsCached - 1, contentLengthsCached, 5000} {
		w := httptest.NewRecorder()
		writeJSON(w, http.StatusOK, bytes.Repeat([]byte(" "), n))
		assert.Equal(t, strconv.Itoa(n), w.Header().Get("Content-Length"))
		assert.Equal(t, n, w.Body.Len())
	}
}

// legacyEntry is journalEntry as it was when entries kept their bodies as strings: its JSON is what
// GET /_mock/requests answered then.
type legacyEntry struct {
	Seq          int64     `json:"seq"`
	Time         time.Time `json:"time"`
	Method       string    `json:"method"`
	Path         string    `json:"path"`
	Query        string    `json:"query"`
	Action       string    `json:"action"`
	Org          string    `json:"org"`
	Status       int       `json:"status"`
	DurationMS   float64   `json:"duration_ms"`
	RequestBody  string    `json:"request_body"`
	ResponseBody string    `json:"response_body"`
	Truncated    bool      `json:"truncated"`
}

// legacyTruncate is the journal's cut as it was, on strings.
func legacyTruncate(s string) (string, bool) {
	if len(s) <= journalBodyLimit {
		return s, false
	}
	cut := journalBodyLimit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut], true
}

// journalBodyCases are bodies whose encoding or cut could go wrong.
var journalBodyCases = []string{
	"",
	`{"org_id":"org_acme","quantity":4}`,
	`<script>alert("x&y")</script>`,
	"\xff\xfe invalid \xc3 UTF-8 \xed\xa0\x80",
	"line\u2028separator\u2029 and \x00\x01\x1f controls \t\n\r \\ \"",
	strings.Repeat("é", 3000),
	strings.Repeat("a", journalBodyLimit-1) + "é",
	strings.Repeat("a", journalBodyLimit) + "é",
	strings.Repeat("a", journalBodyLimit+1),
	strings.Repeat("a", journalBodyLimit-2) + "😀" + "tail",
	strings.Repeat("\xff", journalBodyLimit+50),
	strings.Repeat("<&>", 2000),
}

// checkJournalJSON fails t when the journal's JSON for an entry with these bodies differs from the
// legacy one, with json.Marshal (HTML escaped) and with an Encoder that does not escape HTML.
func checkJournalJSON(t *testing.T, reqBody, respBody []byte) {
	t.Helper()
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	j := newJournal(2)
	j.add(journalEntry{Time: at, Method: "POST", Path: updatePath, Query: "action=x&y=<z>", Action: "x", Org: "o",
		Status: 409, DurationMS: 1.25, RequestBody: reqBody, ResponseBody: respBody})
	rb, cut1 := legacyTruncate(string(reqBody))
	sb, cut2 := legacyTruncate(string(respBody))
	legacy := struct {
		Status   int           `json:"status"`
		Requests []legacyEntry `json:"requests"`
	}{http.StatusOK, []legacyEntry{{Seq: 1, Time: at, Method: "POST", Path: updatePath, Query: "action=x&y=<z>", Action: "x",
		Org: "o", Status: 409, DurationMS: 1.25, RequestBody: rb, ResponseBody: sb, Truncated: cut1 || cut2}}}
	current := requestsJSON{Status: http.StatusOK, Requests: j.list(journalFilter{})}

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
	large := bytes.Repeat([]byte("x"), MaxBodyBytes)
	j.add(journalEntry{RequestBody: small, ResponseBody: large})
	e := j.list(journalFilter{})[0]
	assert.Same(t, &small[0], &e.RequestBody[0], "a small body is shared")
	assert.Equal(t, len(small), cap(e.RequestBody), "a shared body has no room to append into")
	assert.Len(t, e.ResponseBody, journalBodyLimit)
	assert.LessOrEqual(t, cap(e.ResponseBody), maxSharedBody, "a large body is copied, cut")
	assert.True(t, e.Truncated)

	// writeImmutable copies the start of a body whose array is large instead of sharing it.
	sw := &statusWriter{ResponseWriter: httptest.NewRecorder(), capture: true}
	_, _ = sw.writeImmutable(large)
	assert.Len(t, sw.body, journalBodyLimit+1)
	assert.LessOrEqual(t, cap(sw.body), maxSharedBody)
	sw = &statusWriter{ResponseWriter: httptest.NewRecorder(), capture: true}
	_, _ = sw.writeImmutable(small)
	assert.Same(t, &small[0], &sw.body[0])
}

// TestJournalBodiesThroughTheServer: GET /_mock/requests shows what the billing API was sent and
// answered, encoded as before, whatever the bytes.
func TestJournalBodiesThroughTheServer(t *testing.T) {
	t.Parallel()
	c := tc{t: t, h: newTestServer(t, Options{}), session: "journal-bytes"}
	bodies := []string{
		"{\"org_id\":\"<b>&\xff\xfe\",\"quantity\":4}",
		`{"org_id":"` + strings.Repeat("é", 3000) + `"}`,
		`{"org_id":"org_acme","quantity":4}`,
	}
	var answers []string
	for _, b := range bodies {
		r := c.do(req{method: http.MethodPost, target: updatePath + "?action=updatesubscription", token: "tok_owner", body: b})
		answers = append(answers, string(r.body))
	}
	list := c.do(req{method: http.MethodGet, target: "/_mock/requests"})
	require.Equal(t, http.StatusOK, list.status)
	for i, b := range bodies {
		rb, _ := legacyTruncate(b)
		sb, _ := legacyTruncate(answers[i])
		wantReq, _ := json.Marshal(rb)
		wantResp, _ := json.Marshal(sb)
		assert.Contains(t, string(list.body), `"request_body":`+string(wantReq)+`,"response_body":`+string(wantResp)+`,`, "body %d", i)
	}
}

// unwrappingWriter is a middleware's writer that wraps another and says so.
type unwrappingWriter struct{ http.ResponseWriter }

func (w unwrappingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// selfWriter unwraps to itself.
type selfWriter struct{ http.ResponseWriter }

func (w *selfWriter) Unwrap() http.ResponseWriter { return w }

func TestRecordOf(t *testing.T) {
	t.Parallel()
	rw := &recordingWriter{statusWriter: statusWriter{ResponseWriter: httptest.NewRecorder()}}
	rw.statusWriter.rec = &rw.rec
	sw := &rw.statusWriter
	assert.Same(t, &rw.rec, recordOf(sw))
	assert.Same(t, &rw.rec, recordOf(unwrappingWriter{unwrappingWriter{sw}}), "found through wrappers")

	// A writer logRequests did not make gets a throwaway record, a new one each time.
	for _, w := range []http.ResponseWriter{
		httptest.NewRecorder(),
		unwrappingWriter{httptest.NewRecorder()},
		&statusWriter{ResponseWriter: httptest.NewRecorder()},
		&selfWriter{httptest.NewRecorder()},
	} {
		a, b := recordOf(w), recordOf(w)
		require.NotNil(t, a)
		a.action = "x"
		assert.Empty(t, b.action, "%T: throwaway records are not shared", w)
	}
}

// TestRecordReachedThroughWriter: what the handlers learn about a request reaches its journal
// entry through the writer, across every wrapper between logRequests and the handlers (CORS, the
// added latency, the router), for an answer and for a connection a fault drops.
func TestRecordReachedThroughWriter(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{Latency: Latency{Min: time.Millisecond, Max: time.Millisecond}})
	serve := func(method, target, body string) (status int, panicked any) {
		r := httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer tok_owner")
		r.Header.Set(SessionHeader, "rec-writer")
		r.Header.Set("Origin", "http://localhost:5173")
		if body != "" {
			r.Header.Set("Content-Type", "application/json")
		}
		w := httptest.NewRecorder()
		defer func() { panicked = recover() }()
		s.ServeHTTP(w, r)
		return w.Code, nil
	}
	status, _ := serve("POST", updatePath+"?action=updatesubscription", `{"org_id":"org_acme","quantity":5}`)
	require.Equal(t, http.StatusOK, status)
	status, _ = serve("POST", "/_mock/faults", `{"action":"getorganization","drop":true,"count":1}`)
	require.Equal(t, http.StatusCreated, status)
	_, p := serve("GET", describePath+"?action=getorganization&org_id=org_acme", "")
	require.Equal(t, http.ErrAbortHandler, p, "the fault drops the connection")

	list := tc{t: t, h: s, session: "rec-writer"}.do(req{method: http.MethodGet, target: "/_mock/requests"})
	entries := list.json(t)["requests"].([]any)
	require.Len(t, entries, 2)
	dropped, update := entries[0].(map[string]any), entries[1].(map[string]any)
	assert.Equal(t, "getorganization", dropped["action"])
	assert.Equal(t, "org_acme", dropped["org"])
	assert.EqualValues(t, 0, dropped["status"], "a dropped request is journaled with status 0")
	assert.Equal(t, "updatesubscription", update["action"])
	assert.Equal(t, "org_acme", update["org"], "the org of the body")
	assert.Equal(t, `{"org_id":"org_acme","quantity":5}`, update["request_body"])
	assert.EqualValues(t, 200, update["status"])
}

// TestLinkBase: a link's base is PublicURL, else the request's scheme and host, read when the link
// is made.
func TestLinkBase(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	for _, tt := range []struct {
		tls  bool
		want string
	}{{false, "http://mock.test:8080/checkout/"}, {true, "https://mock.test:8080/checkout/"}} {
		r := httptest.NewRequest("POST", "http://mock.test:8080"+updatePath+"?action=getpaymentlink&org_id=org_new&quantity=1", nil)
		r.Header.Set("Authorization", "Bearer tok_owner")
		if tt.tls {
			r.TLS = &tls.ConnectionState{}
		} else {
			r.TLS = nil
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		require.Equal(t, http.StatusOK, w.Code, "%s", w.Body)
		var a linkJSON
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &a))
		assert.True(t, strings.HasPrefix(a.Response, tt.want), "%s", a.Response)
	}
}

// TestJournalRingGrowsToItsSize: the ring grows as entries come, never past its size, and keeps
// the newest entries, newest first, across wrap-arounds and clears, as a plain list would.
func TestJournalRingGrowsToItsSize(t *testing.T) {
	t.Parallel()
	for _, size := range []int{1, 2, 5, minJournalCap, minJournalCap + 1, 100} {
		j := newJournal(size)
		var model []journalEntry // every entry since the last clear, oldest first
		seq := int64(0)
		for step := range 5 * size {
			if step == 3*size+1 {
				j.clear()
				model = nil
			}
			seq++
			e := journalEntry{Seq: seq, Action: []string{"a", "b", "c"}[step%3], Status: 200 + step%2}
			j.add(e)
			model = append(model, e)
			require.LessOrEqual(t, cap(j.entries), size)

			kept := model[max(0, len(model)-size):]
			var want []journalEntry
			for i := len(kept) - 1; i >= 0; i-- {
				want = append(want, kept[i])
			}
			got := j.list(journalFilter{})
			require.Len(t, got, len(want), "size %d, step %d", size, step)
			for i := range want {
				require.Equal(t, want[i].Seq, got[i].Seq, "size %d, step %d, entry %d", size, step, i)
			}
			if len(want) > 1 {
				require.Equal(t, want[:1], j.list(journalFilter{limit: 1}))
			}
			for _, e := range j.list(journalFilter{action: "b", status: 201}) {
				require.True(t, e.Action == "b" && e.Status == 201)
			}
		}
	}
}

// TestReadAtMostMatchesMaxBytesReader: readAtMost reads what io.ReadAll through http.MaxBytesReader
// reads, refuses what it refuses, and fails where it fails, whatever the reader and the size it
// announced.
func TestReadAtMostMatchesMaxBytesReader(t *testing.T) {
	t.Parallel()
	const limit = 1000
	boom := errors.New("boom")
	readers := map[string]func(string) io.Reader{
		"plain":    func(s string) io.Reader { return strings.NewReader(s) },
		"one byte": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
		"half":     func(s string) io.Reader { return iotest.HalfReader(strings.NewReader(s)) },
		"data+EOF": func(s string) io.Reader { return iotest.DataErrReader(strings.NewReader(s)) },
		"timeout":  func(s string) io.Reader { return iotest.TimeoutReader(strings.NewReader(s)) },
		"fails":    func(s string) io.Reader { return io.MultiReader(strings.NewReader(s), iotest.ErrReader(boom)) },
		"too large": func(s string) io.Reader {
			return io.MultiReader(strings.NewReader(s), iotest.ErrReader(&http.MaxBytesError{Limit: 1}))
		},
	}
	for name, mk := range readers {
		for _, n := range []int{0, 1, 511, 512, 513, limit - 1, limit, limit + 1, 3 * limit} {
			body := strings.Repeat("x", n)
			for _, size := range []int64{-1, 0, int64(n) / 2, int64(n), int64(n) + 1, 2 * int64(n)} {
				if name == "timeout" && size >= 0 {
					// With a size, readAtMost asks for more per Read than io.ReadAll: a reader
					// whose answer depends on the number of calls alone may then end otherwise.
					// Without one, its calls are io.ReadAll's.
					continue
				}
				want, wantErr := io.ReadAll(http.MaxBytesReader(httptest.NewRecorder(), io.NopCloser(mk(body)), limit))
				var mbe *http.MaxBytesError
				wantOver := errors.As(wantErr, &mbe) && mbe.Limit == limit
				got, over, err := readAtMost(mk(body), limit, size)
				where := fmt.Sprintf("%s, %d bytes, size %d", name, n, size)
				require.Equal(t, wantOver, over, where)
				if wantOver {
					continue
				}
				require.Equal(t, wantErr, err, where)
				if wantErr == nil {
					require.Equal(t, want, got, where)
				}
			}
		}
	}
}

// TestReadBodyAllocatesOnce: a body of the announced length is read into one buffer of that size.
func TestReadBodyAllocatesOnce(t *testing.T) {
	body := `{"org_id":"org_acme","quantity":4}`
	r := httptest.NewRequest("POST", updatePath, strings.NewReader(body))
	var data []byte
	allocs := testing.AllocsPerRun(100, func() {
		r.Body = io.NopCloser(strings.NewReader(body))
		data, _ = readBody(r)
	})
	assert.Equal(t, body, string(data))
	assert.LessOrEqual(t, cap(data), 64)
	assert.LessOrEqual(t, allocs, 3.0, "the body, and the test's own reader and NopCloser")
}
