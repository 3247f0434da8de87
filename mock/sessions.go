package mock

import (
	"container/list"
	"sync"

	"github.com/cloudplans/billing-mock/mock/fixture"
	"github.com/cloudplans/billing-mock/mock/state"
)

// SessionHeader names the session a request belongs to. Requests without it share the default
// session.
const SessionHeader = "X-Mock-Session"

// maxSessionIDLen bounds a session id; a longer one is a 400.
const maxSessionIDLen = 128

// sessions holds one State per session id, made from the seed on first use. At most max sessions
// live besides the default one; making one more evicts the least recently used.
type sessions struct {
	mu     sync.Mutex
	seed   *fixture.Seed
	max    int
	limits sessionLimits
	byID   map[string]*list.Element
	lru    *list.List // of *session, most recently used first
	def    *session
}

// sessionLimits bound what each session keeps: its journal's entries, its fault rules, the payment
// and update-card links it remembers, and the invoices it makes per organization. Zero means the
// default of each.
type sessionLimits struct {
	journal, faults, links, invoices int
}

// session is one session's state, with its request journal and fault rules. The journal and the
// faults are made once with the session and lock themselves; the state is swapped by reset and
// imports, under sessions.mu.
type session struct {
	id      string
	state   *state.State
	journal *journal
	faults  *faultSet
	links   *linkRing
}

// DefaultMaxPendingLinks is the number of payment and update-card links a session remembers when
// Options.MaxPendingLinks is 0.
const DefaultMaxPendingLinks = 1000

// linkRing remembers, oldest first, the ids of the links the billing API handed out in a session,
// at most max of them.
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

func newSessions(seed *fixture.Seed, max int, limits sessionLimits) *sessions {
	if limits.links <= 0 {
		limits.links = DefaultMaxPendingLinks
	}
	if limits.invoices <= 0 {
		limits.invoices = state.DefaultMaxMadeInvoices
	}
	ss := &sessions{seed: seed, max: max, limits: limits, byID: make(map[string]*list.Element), lru: list.New()}
	ss.def = ss.newSession("")
	return ss
}

func (ss *sessions) newSession(id string) *session {
	return &session{id: id, state: ss.newState(ss.seed), journal: newJournal(ss.limits.journal), faults: newFaultSet(ss.limits.faults), links: &linkRing{max: max(ss.limits.links, 1)}}
}

// newState is a session's State made from seed (the sessions' seed, an import or a scenario), with
// the sessions' bound on made invoices.
func (ss *sessions) newState(seed *fixture.Seed) *state.State {
	return state.NewLimited(seed, ss.limits.invoices)
}

// session returns a session's journal and faults, creating the session from the seed on first use.
func (ss *sessions) session(id string) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.entry(id)
}

// get returns the session's state, creating it from the seed on first use.
func (ss *sessions) get(id string) *state.State {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.entry(id).state
}

// replace swaps a session's state (a reset, or a loaded state).
func (ss *sessions) replace(id string, st *state.State) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	e := ss.entry(id)
	e.state = st
	e.links.reset() // the remembered links were the old state's
}

// entry finds or makes a session; ss.mu must be held.
func (ss *sessions) entry(id string) *session {
	if id == "" {
		return ss.def
	}
	if el, ok := ss.byID[id]; ok {
		ss.lru.MoveToFront(el)
		return el.Value.(*session)
	}
	for ss.lru.Len() >= ss.max && ss.lru.Len() > 0 {
		oldest := ss.lru.Back()
		ss.lru.Remove(oldest)
		delete(ss.byID, oldest.Value.(*session).id)
	}
	s := ss.newSession(id)
	ss.byID[id] = ss.lru.PushFront(s)
	return s
}

// reset puts a session back to the seed and clears its journal and fault rules.
func (ss *sessions) reset(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	sess := ss.entry(id)
	sess.state = ss.newState(ss.seed)
	sess.journal.clear()
	sess.faults.remove("")
}

// count returns the number of sessions besides the default one.
func (ss *sessions) count() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.lru.Len()
}
