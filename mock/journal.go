package mock

import (
	"sync"
	"time"
	"unicode/utf8"
)

// DefaultJournalSize is the number of requests each session's journal keeps.
const DefaultJournalSize = 1000

// journalBodyLimit is how much of a request or answer body an entry keeps.
const journalBodyLimit = 2048

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
	RequestBody  string    `json:"request_body"`
	ResponseBody string    `json:"response_body"`
	// Truncated says that a body was cut at journalBodyLimit bytes.
	Truncated bool `json:"truncated"`
}

// journal is a session's bounded ring of recent requests.
type journal struct {
	mu      sync.Mutex
	entries []journalEntry // ring buffer
	next    int            // where the next entry goes
	full    bool
	seq     int64
}

func newJournal(size int) *journal {
	if size <= 0 {
		size = DefaultJournalSize
	}
	return &journal{entries: make([]journalEntry, size)}
}

func (j *journal) add(e journalEntry) {
	e.RequestBody, e.Truncated = truncateBody(e.RequestBody)
	var cut bool
	e.ResponseBody, cut = truncateBody(e.ResponseBody)
	e.Truncated = e.Truncated || cut
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.Seq = j.seq
	j.entries[j.next] = e
	j.next++
	if j.next == len(j.entries) {
		j.next, j.full = 0, true
	}
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
	j.next, j.full = 0, false
}

// truncateBody cuts a body to journalBodyLimit bytes, on a UTF-8 boundary.
func truncateBody(s string) (string, bool) {
	if len(s) <= journalBodyLimit {
		return s, false
	}
	cut := journalBodyLimit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut], true
}
