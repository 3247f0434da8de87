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
	mu   sync.Mutex
	seed *fixture.Seed
	max  int
	byID map[string]*list.Element
	lru  *list.List // of *session, most recently used first
	def  *session
}

type session struct {
	id    string
	state *state.State
}

func newSessions(seed *fixture.Seed, max int) *sessions {
	return &sessions{seed: seed, max: max, byID: make(map[string]*list.Element), lru: list.New(), def: &session{state: state.New(seed)}}
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
	ss.entry(id).state = st
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
	s := &session{id: id, state: state.New(ss.seed)}
	ss.byID[id] = ss.lru.PushFront(s)
	return s
}

// count returns the number of sessions besides the default one.
func (ss *sessions) count() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.lru.Len()
}
