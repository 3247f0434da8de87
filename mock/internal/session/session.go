// Package session holds the mock's sessions: each X-Mock-Session id has its own billing state
// (package state), request journal, fault rules and remembered links, made from the seed on first
// use. Record is what one request carries through the handlers: its session, resolved once, and
// what the handlers learn about it for the request log and the journal.
package session

import (
	"container/list"
	"fmt"
	"sync"
	"sync/atomic"

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
