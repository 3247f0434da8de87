package mock

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// DefaultJournalSize is the number of requests each session's journal keeps.
const DefaultJournalSize = 1000

// journalBodyLimit is how much of a request or answer body an entry keeps.
const journalBodyLimit = 2048

// maxSharedBody is the largest capacity of a body an entry shares instead of copying: the body's
// array lives as long as the entry, and sharing a small one costs less than copying it per request.
const maxSharedBody = 2 * journalBodyLimit

// journalEntry is one request to the billing API or a hosted page, and its answer.
type journalEntry struct {
	Seq          int64     `json:"seq"`
	Time         time.Time `json:"time"`
	Method       string    `json:"method"`
	Path         string    `json:"path"`
	Query        string    `json:"query"`
	Action       string    `json:"action"`
	Org          string    `json:"org"`
	Status       int       `json:"status"`
	DurationMS   float64   `json:"duration_ms"`
	RequestBody  bodyText  `json:"request_body"`
	ResponseBody bodyText  `json:"response_body"`
	// Truncated says that a body, the path or the query string was cut at journalBodyLimit bytes.
	Truncated bool `json:"truncated"`
}

// journal is a session's bounded ring of recent requests.
type journal struct {
	mu   sync.Mutex
	size int // the most entries kept
	// entries is the ring buffer. It grows as entries come, up to size (a session that sees a few
	// requests does not hold size entries' worth of memory); until it is full, len(entries) == next.
	entries []journalEntry
	next    int // where the next entry goes
	full    bool
	seq     int64
}

func newJournal(size int) *journal {
	if size <= 0 {
		size = DefaultJournalSize
	}
	return &journal{size: size}
}

// minJournalCap is the capacity a journal's ring starts with.
const minJournalCap = 8

// bodyText is a body an entry keeps: bytes that nothing changes once the entry has them, encoded in
// JSON exactly as the string string(b) is (invalid UTF-8 as U+FFFD; <, > and & escaped when the
// encoder escapes HTML, as json.Marshal does), so that the journal's answer is the same as when
// entries copied bodies into strings.
type bodyText []byte

// MarshalJSON encodes the body as a JSON string. It leaves the HTML escaping to the encoder that
// calls it (which escapes <, > and & in what MarshalJSON returns when, and only when, it escapes
// them in a string), so the string comes out as that encoder would have written string(b).
func (b bodyText) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(string(b)); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// add appends an entry; its bodies are kept as keepBody says (e.Truncated is set here).
func (j *journal) add(e journalEntry) {
	var reqCut, respCut bool
	e.RequestBody, reqCut = keepBody(e.RequestBody)
	e.ResponseBody, respCut = keepBody(e.ResponseBody)
	var pathCut, queryCut bool
	e.Path, pathCut = keepText(e.Path)
	e.Query, queryCut = keepText(e.Query)
	e.Truncated = reqCut || respCut || pathCut || queryCut
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.Seq = j.seq
	if !j.full {
		if len(j.entries) == cap(j.entries) { // grow, to exactly size at most
			grown := make([]journalEntry, len(j.entries), min(max(2*cap(j.entries), minJournalCap), j.size))
			copy(grown, j.entries)
			j.entries = grown
		}
		j.entries = append(j.entries, e)
		j.next = len(j.entries)
		if j.next == j.size {
			j.next, j.full = 0, true
		}
		return
	}
	j.entries[j.next] = e
	j.next = (j.next + 1) % j.size
}

// journalFilter selects entries; zero fields match anything.
type journalFilter struct {
	action, org string
	status      int
	limit       int
}

// list returns the matching entries, newest first, at most f.limit of them (0: all).
func (j *journal) list(f journalFilter) []journalEntry {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := j.next
	if j.full {
		n = len(j.entries)
	}
	out := []journalEntry{}
	for i := 0; i < n; i++ {
		e := j.entries[(j.next-1-i+len(j.entries))%len(j.entries)]
		if (f.action != "" && e.Action != f.action) || (f.org != "" && e.Org != f.org) || (f.status != 0 && e.Status != f.status) {
			continue
		}
		out = append(out, e)
		if f.limit > 0 && len(out) == f.limit {
			break
		}
	}
	return out
}

func (j *journal) clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.entries)
	j.entries = j.entries[:0] // the ring keeps its capacity
	j.next, j.full = 0, false
}

// keepBody is what an entry keeps of a body its caller never changes afterwards: at most
// journalBodyLimit bytes, cut on a UTF-8 boundary (cut reports a cut). It shares b's array when
// cap(b) is at most maxSharedBody, and copies the part it keeps otherwise, so that an entry never
// pins a large array (a big request body) for the rest of its life. b must start at its array's
// start, or have been cut to a capacity that says how much it pins (writeImmutable's does), for
// cap(b) to tell.
func keepBody(b bodyText) (kept bodyText, cut bool) {
	b, cut = truncateBody(b)
	if cap(b) > maxSharedBody {
		return bytes.Clone(b), cut
	}
	return b[:len(b):len(b)], cut
}

// keepText is what an entry keeps of a request's path or query string: the string itself when it
// is at most journalBodyLimit bytes, else a copy of its first journalBodyLimit bytes (cut on a UTF-8
// boundary), so that an entry never pins a long URL (one the mock answered 414).
func keepText(s string) (string, bool) {
	kept, cut := truncateBody(s)
	if cut {
		kept = strings.Clone(kept)
	}
	return kept, cut
}

// truncateBody cuts a body (or a path or query string) to journalBodyLimit bytes, on a UTF-8
// boundary.
func truncateBody[T ~string | ~[]byte](b T) (T, bool) {
	if len(b) <= journalBodyLimit {
		return b, false
	}
	cut := journalBodyLimit
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return b[:cut], true
}
