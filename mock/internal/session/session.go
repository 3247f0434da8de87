// Package session holds the mock's sessions: each X-Mock-Session id has its own billing state
// (package state), request journal, fault rules and remembered links, made from the seed on first
// use. Record is what one request carries through the handlers: its session, resolved once, and
// what the handlers learn about it for the request log and the journal.
package session

import (
	"bytes"
	"container/list"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/fixture"
	"github.com/cloudplans/billing-mock/mock/state"
)

// Header names the session a request belongs to. Requests without it (and without a session
// query parameter) share the default session.
const Header = "X-Mock-Session"

// MaxIDLen bounds a session id; a longer one is refused.
const MaxIDLen = 128

// The defaults of Limits.
const (
	DefaultMaxSessions     = 1000
	DefaultJournalSize     = 1000
	DefaultMaxFaults       = 100
	DefaultMaxPendingLinks = 1000
)

// Limits bound what a Store keeps: the sessions besides the default one, and per session its
// journal's entries, its fault rules, the payment and update-card links it remembers, and the
// invoices it makes per organization. Zero means the default of each.
type Limits struct {
	Sessions, Journal, Faults, Links, Invoices int
}

// Store holds one Session per id. At most Limits.Sessions live besides the default one; making one
// more drops the least recently used, which starts again from the seed if used again.
type Store struct {
	mu     sync.Mutex
	seed   *fixture.Seed
	limits Limits
	byID   map[string]*list.Element
	lru    *list.List // of *Session, most recently used first
	def    *Session
}

// NewStore returns a Store whose sessions start from seed.
func NewStore(seed *fixture.Seed, limits Limits) *Store {
	for _, l := range []struct {
		v   *int
		def int
	}{
		{&limits.Sessions, DefaultMaxSessions}, {&limits.Journal, DefaultJournalSize}, {&limits.Faults, DefaultMaxFaults},
		{&limits.Links, DefaultMaxPendingLinks}, {&limits.Invoices, state.DefaultMaxMadeInvoices},
	} {
		if *l.v <= 0 {
			*l.v = l.def
		}
	}
	st := &Store{seed: seed, limits: limits, byID: make(map[string]*list.Element), lru: list.New()}
	st.def = st.newSession("")
	return st
}

// Session is one session: its state, which Replace and Reset swap, and its journal, fault rules
// and remembered links, which live as long as the session and lock themselves.
type Session struct {
	id      string
	store   *Store
	state   atomic.Pointer[state.State]
	Journal *Journal
	Faults  *Faults
	links   *linkRing
}

func (st *Store) newSession(id string) *Session {
	s := &Session{id: id, store: st, Journal: newJournal(st.limits.Journal), Faults: newFaults(st.limits.Faults), links: &linkRing{max: st.limits.Links}}
	s.state.Store(st.newState(st.seed))
	return s
}

// newState is a session's State made from seed, with the Store's bound on made invoices.
func (st *Store) newState(seed *fixture.Seed) *state.State {
	return state.NewLimited(seed, st.limits.Invoices)
}

// ID is the session's id; "" for the default session.
func (s *Session) ID() string { return s.id }

// State is the session's billing state.
func (s *Session) State() *state.State { return s.state.Load() }

// RememberLink counts a payment or update-card link handed out in the session; beyond
// Limits.Links the session's oldest link is forgotten (its page then answers 404), so that no
// client can make a session grow without bound.
func (s *Session) RememberLink(id string) {
	if old, full := s.links.push(id); full {
		s.State().ForgetLink(old)
	}
}

// Get returns the session id, making it from the seed on first use.
func (st *Store) Get(id string) *Session {
	st.mu.Lock()
	defer st.mu.Unlock()
	if id == "" {
		return st.def
	}
	if el, ok := st.byID[id]; ok {
		st.lru.MoveToFront(el)
		return el.Value.(*Session)
	}
	for st.lru.Len() >= st.limits.Sessions && st.lru.Len() > 0 {
		oldest := st.lru.Back()
		st.lru.Remove(oldest)
		delete(st.byID, oldest.Value.(*Session).id)
	}
	s := st.newSession(id)
	st.byID[id] = st.lru.PushFront(s)
	return s
}

// Replace gives session id a new state made from seed (an import, a scenario); its journal and
// fault rules stay, the links it remembered (the old state's) are forgotten.
func (st *Store) Replace(id string, seed *fixture.Seed) {
	s := st.Get(id)
	s.state.Store(st.newState(seed))
	s.links.reset()
}

// Import replaces session id's state with the seed file raw, validated exactly as -fixtures
// validates one (fixture.Parse): PUT /_mock/state and every dashboard edit load a state this way.
// A refused file changes nothing; its error is fixture.Parse's (a *fixture.Error names the line and
// the field), which InvalidFixture words for the API.
func (st *Store) Import(id string, raw []byte) (*fixture.Seed, error) {
	seed, err := fixture.Parse("state", raw)
	if err != nil {
		return nil, err
	}
	st.Replace(id, seed)
	return seed, nil
}

// InvalidFixture is the 400 of a refused state file: "the state was not loaded: line 14:
// organizations[0].subscription.quantity: must be an integer from 1 to 10000, got 0".
func InvalidFixture(err error) *errcode.Error {
	msg := err.Error()
	var fe *fixture.Error
	if errors.As(err, &fe) {
		msg = fe.Msg
		if fe.Field != "" {
			msg = fe.Field + ": " + msg
		}
		if fe.Line > 0 {
			msg = fmt.Sprintf("line %d: %s", fe.Line, msg)
		}
	}
	return errcode.New(errcode.InvalidFixture, "the state was not loaded: "+msg)
}

// Reset puts session id back to the Store's seed and clears its journal and fault rules.
func (st *Store) Reset(id string) {
	st.Replace(id, st.seed)
	s := st.Get(id)
	s.Journal.Clear()
	s.Faults.Remove("")
}

// Count returns the number of sessions besides the default one.
func (st *Store) Count() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.lru.Len()
}

// Record is what one request carries through the handlers: the session it names, resolved once,
// and what the handlers learn about it, for the request log and the journal. The middleware that
// starts a request makes its Record with Begin; the handlers fill in Action, Org and RequestBody.
type Record struct {
	Action, Org string
	// RequestBody is the body as read; the journal keeps it by reference, so nothing may change it
	// once it is recorded.
	RequestBody []byte
	// Dropped: a fault closed the connection without an answer.
	Dropped bool
	// Violations are what the validating proxy found wrong with the exchange, tokens redacted.
	Violations []Violation

	store *Store
	id    string
	idErr *errcode.Error
	sess  *Session
}

// Begin starts rec for a request that names session id (X-Mock-Session, or the session query
// parameter that hosted-page links carry). An id over MaxIDLen characters or not printable ASCII
// is refused, once, here: Session then returns the error.
func (st *Store) Begin(rec *Record, id string) {
	*rec = Record{store: st}
	switch {
	case len(id) > MaxIDLen:
		rec.idErr = errcode.New(errcode.InvalidParameter, fmt.Sprintf("%s is over %d characters", Header, MaxIDLen))
		return
	case !printable(id):
		rec.idErr = errcode.New(errcode.InvalidParameter, Header+" must be printable ASCII without spaces")
		return
	}
	rec.id = id
}

func printable(id string) bool {
	for i := 0; i < len(id); i++ {
		if id[i] < '!' || id[i] > '~' {
			return false
		}
	}
	return true
}

// SessionID is the id of the request's session ("" for the default session, or when the id the
// request named is refused).
func (rec *Record) SessionID() string { return rec.id }

// Session returns the request's session, looked up (or made) on the first call only; a refused id
// is its error.
func (rec *Record) Session() (*Session, *errcode.Error) {
	if rec.idErr != nil {
		return nil, rec.idErr
	}
	if rec.sess == nil {
		rec.sess = rec.store.Get(rec.id)
	}
	return rec.sess, nil
}

// JournalSession is the session whose journal records the request: its own, or the default
// session when the id it named was refused.
func (rec *Record) JournalSession() *Session {
	if s, err := rec.Session(); err == nil {
		return s
	}
	return rec.store.Get("")
}

// linkRing remembers, oldest first, the ids of the links handed out in a session, at most max.
type linkRing struct {
	mu   sync.Mutex
	max  int
	ids  []string // grows to max, then is a ring whose oldest entry is at next
	next int
}

// push remembers an id; when max ids are remembered already it forgets the oldest and returns it.
func (lr *linkRing) push(id string) (evicted string, ok bool) {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	if len(lr.ids) < lr.max {
		lr.ids = append(lr.ids, id)
		return "", false
	}
	evicted = lr.ids[lr.next]
	lr.ids[lr.next] = id
	lr.next = (lr.next + 1) % len(lr.ids)
	return evicted, true
}

func (lr *linkRing) reset() {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	lr.ids, lr.next = nil, 0
}

// JournalBodyLimit is how much of a request or answer body an entry keeps; a request's
// writer.Recorder records one byte more, so that the journal knows when it cut one.
const JournalBodyLimit = 2048

// maxSharedBody is the largest capacity of a body an entry shares instead of copying: the body's
// array lives as long as the entry, and sharing a small one costs less than copying it per request.
const maxSharedBody = 2 * JournalBodyLimit

// Entry is one request to the billing API or a hosted page, and its answer.
type Entry struct {
	Seq          int64     `json:"seq"`
	Time         time.Time `json:"time"`
	Method       string    `json:"method"`
	Path         string    `json:"path"`
	Query        string    `json:"query"`
	Action       string    `json:"action"`
	Org          string    `json:"org"`
	Status       int       `json:"status"`
	DurationMS   float64   `json:"duration_ms"`
	RequestBody  BodyText  `json:"request_body"`
	ResponseBody BodyText  `json:"response_body"`
	// Truncated says that a body, the path or the query string was cut at JournalBodyLimit bytes.
	Truncated bool `json:"truncated"`
	// Violations are the ways the request and its answer break the contract, as the validating
	// proxy (billing-mock -proxy) found them; the mock's own entries have none.
	Violations []Violation `json:"violations,omitempty"`
}

// Violation is one way an exchange the validating proxy passed on breaks the contract: a problem
// of the request (Side "request") or of the upstream's answer (Side "response").
type Violation struct {
	Side string `json:"side"`
	contract.Problem
}

// Journal is a session's bounded ring of recent requests.
type Journal struct {
	mu   sync.Mutex
	size int // the most entries kept
	// entries is the ring buffer. It grows as entries come, up to size (a session that sees a few
	// requests does not hold size entries' worth of memory); until it is full, len(entries) == next.
	entries []Entry
	next    int // where the next entry goes
	full    bool
	seq     int64
}

func newJournal(size int) *Journal { return &Journal{size: max(size, 1)} }

// minJournalCap is the capacity a journal's ring starts with.
const minJournalCap = 8

// BodyText is a body an entry keeps: bytes that nothing changes once the entry has them, encoded in
// JSON exactly as the string string(b) is (invalid UTF-8 as U+FFFD; <, > and & escaped when the
// encoder escapes HTML, as json.Marshal does).
type BodyText []byte

// MarshalJSON encodes the body as a JSON string. It leaves the HTML escaping to the encoder that
// calls it (which escapes <, > and & in what MarshalJSON returns when, and only when, it escapes
// them in a string), so the string comes out as that encoder would have written string(b).
func (b BodyText) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(string(b)); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Add appends an entry; its bodies are kept as keepBody says (e.Truncated is set here).
func (j *Journal) Add(e Entry) {
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
			grown := make([]Entry, len(j.entries), min(max(2*cap(j.entries), minJournalCap), j.size))
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

// Filter selects entries; zero fields match anything.
type Filter struct {
	Action, Org string
	Status      int
	// Limit is the most entries listed; 0 lists all.
	Limit int
}

// List returns the matching entries, newest first, at most f.Limit of them (0: all).
func (j *Journal) List(f Filter) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := j.next
	if j.full {
		n = len(j.entries)
	}
	out := []Entry{}
	for i := 0; i < n; i++ {
		e := j.entries[(j.next-1-i+len(j.entries))%len(j.entries)]
		if (f.Action != "" && e.Action != f.Action) || (f.Org != "" && e.Org != f.Org) || (f.Status != 0 && e.Status != f.Status) {
			continue
		}
		out = append(out, e)
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
	}
	return out
}

// Clear empties the journal.
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.entries)
	j.entries = j.entries[:0] // the ring keeps its capacity
	j.next, j.full = 0, false
}

// keepBody is what an entry keeps of a body its caller never changes afterwards: at most
// JournalBodyLimit bytes, cut on a UTF-8 boundary (cut reports a cut). It shares b's array when
// cap(b) is at most maxSharedBody, and copies the part it keeps otherwise, so that an entry never
// pins a large array (a big request body) for the rest of its life. b must start at its array's
// start, or have been cut to a capacity that says how much it pins (writer.Recorder's body is), for
// cap(b) to tell.
func keepBody(b BodyText) (kept BodyText, cut bool) {
	b, cut = truncateBody(b)
	if cap(b) > maxSharedBody {
		return bytes.Clone(b), cut
	}
	return b[:len(b):len(b)], cut
}

// keepText is what an entry keeps of a request's path or query string: the string itself when it
// is at most JournalBodyLimit bytes, else a copy of its first JournalBodyLimit bytes (cut on a UTF-8
// boundary), so that an entry never pins a long URL (one the mock answered 414).
func keepText(s string) (string, bool) {
	kept, cut := truncateBody(s)
	if cut {
		kept = strings.Clone(kept)
	}
	return kept, cut
}

// truncateBody cuts a body (or a path or query string) to JournalBodyLimit bytes, on a UTF-8
// boundary.
func truncateBody[T ~string | ~[]byte](b T) (T, bool) {
	if len(b) <= JournalBodyLimit {
		return b, false
	}
	cut := JournalBodyLimit
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return b[:cut], true
}

// maxFaultDelay bounds a fault's delay, so a rule cannot hold a connection for ever.
const maxFaultDelay = 60 * time.Second

// Rule makes matching billing API requests fail: with a documented error status, after a
// delay, or by dropping the connection. It applies to the next Count requests, or to each with
// Probability (drawn from a generator seeded with Seed, so a run repeats), or, with neither, to
// every matching request until it is deleted.
type Rule struct {
	ID string `json:"id"`
	// Action is an action name or "*" for every action.
	Action string `json:"action"`
	// Status is an error status the action documents (0: none).
	Status int `json:"status,omitempty"`
	// Delay before answering, as a Go duration ("2s").
	Delay string `json:"delay,omitempty"`
	// Drop closes the connection without an answer.
	Drop bool `json:"drop,omitempty"`
	// Count is how many more requests the rule applies to (0: no limit).
	Count       int     `json:"count,omitempty"`
	Probability float64 `json:"probability,omitempty"`
	Seed        uint64  `json:"seed,omitempty"`
	// Matched counts the requests the rule was applied to.
	Matched int `json:"matched"`

	delay time.Duration
	rng   *rand.Rand
}

// Wait is the rule's delay, parsed by Check.
func (r *Rule) Wait() time.Duration { return r.delay }

// Faults is a session's fault rules, in the order they were added. It locks itself.
type Faults struct {
	mu    sync.Mutex
	max   int
	rules []*Rule
	seq   int
}

func newFaults(max int) *Faults { return &Faults{max: max} }

// Check checks a new rule and prepares it: a known action (an action of documented, or "*") and a
// status it documents (every action documents it, for "*"), and the fields' ranges. documented maps
// each action to its documented statuses.
func (r *Rule) Check(documented map[string][]int) *errcode.Error {
	bad := func(format string, args ...any) *errcode.Error {
		return errcode.New(errcode.InvalidParameter, fmt.Sprintf(format, args...))
	}
	if r.Action == "" {
		return bad(`action is required: an action name or "*"`)
	}
	names := make([]string, 0, len(documented))
	for name := range documented {
		names = append(names, name)
	}
	slices.Sort(names)
	if r.Action != "*" {
		if _, ok := documented[r.Action]; !ok {
			return bad(`unknown action %q; the actions are %s, or "*" for every one`, r.Action, strings.Join(names, ", "))
		}
		names = []string{r.Action}
	}
	kinds := 0
	if r.Status != 0 {
		kinds++
		for _, name := range names {
			errs := errorStatuses(documented[name])
			switch {
			case r.Status < 400:
				return bad("status %d is not an error status: a fault answers with one of the errors %s documents (%s)", r.Status, name, joinStatuses(errs))
			case !slices.Contains(errs, r.Status):
				return bad("%s documents no status %d; its error statuses are %s", name, r.Status, joinStatuses(errs))
			}
		}
	}
	if r.Drop {
		kinds++
	}
	if r.Delay != "" {
		d, err := time.ParseDuration(r.Delay)
		if err != nil || d <= 0 || d > maxFaultDelay {
			return bad("delay must be a duration from 1ms to %s, like \"2s\", got %q", maxFaultDelay, r.Delay)
		}
		r.delay = d
		if kinds == 0 {
			kinds++
		}
	}
	if kinds != 1 || (r.Drop && r.Status != 0) {
		return bad("give one of status, delay (optionally with status) or drop")
	}
	if r.Count < 0 {
		return bad("count must be 0 (no limit) or more, got %d", r.Count)
	}
	if r.Probability < 0 || r.Probability > 1 {
		return bad("probability must be from 0 to 1, got %v", r.Probability)
	}
	if r.Probability > 0 {
		r.rng = rand.New(rand.NewPCG(r.Seed, r.Seed^0x9e3779b97f4a7c15))
	}
	return nil
}

// Add adds a checked rule, numbered flt_1, flt_2, … in the session; beyond the session's bound it
// is a TooManyFaults error.
func (fs *Faults) Add(r *Rule) *errcode.Error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if len(fs.rules) >= fs.max {
		return errcode.New(errcode.TooManyFaults, fmt.Sprintf("this session already has %d fault rules (the -max-faults limit); DELETE /_mock/faults first", fs.max))
	}
	fs.seq++
	r.ID = "flt_" + strconv.Itoa(fs.seq)
	fs.rules = append(fs.rules, r)
	return nil
}

// Match returns the first rule that applies to a request of action, counting it; rules whose count
// runs out are removed.
func (fs *Faults) Match(action string) (Rule, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, r := range fs.rules {
		if r.Action != "*" && r.Action != action {
			continue
		}
		if r.rng != nil && r.rng.Float64() >= r.Probability {
			continue
		}
		r.Matched++
		hit := *r
		if r.Count > 0 {
			r.Count--
			if r.Count == 0 {
				fs.rules = append(fs.rules[:i:i], fs.rules[i+1:]...)
			}
		}
		return hit, true
	}
	return Rule{}, false
}

// List returns the rules, in the order they were added.
func (fs *Faults) List() []Rule {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := make([]Rule, len(fs.rules))
	for i, r := range fs.rules {
		out[i] = *r
	}
	return out
}

// Remove deletes one rule (id) or, with id "", all of them; it reports whether any was deleted.
func (fs *Faults) Remove(id string) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if id == "" {
		fs.rules = nil
		return true
	}
	for i, r := range fs.rules {
		if r.ID == id {
			fs.rules = append(fs.rules[:i:i], fs.rules[i+1:]...)
			return true
		}
	}
	return false
}

// Delete is Remove with an unknown id a FaultNotFound error.
func (fs *Faults) Delete(id string) *errcode.Error {
	if !fs.Remove(id) {
		return errcode.New(errcode.FaultNotFound, fmt.Sprintf("no fault rule %q in this session", id))
	}
	return nil
}

// joinStatuses writes statuses as "200, 400, 404".
// errorStatuses are the statuses of 400 and above among statuses.
func errorStatuses(statuses []int) []int {
	var out []int
	for _, st := range statuses {
		if st >= 400 {
			out = append(out, st)
		}
	}
	return out
}

func joinStatuses(statuses []int) string {
	return strings.ReplaceAll(strings.Trim(fmt.Sprint(statuses), "[]"), " ", ", ")
}
