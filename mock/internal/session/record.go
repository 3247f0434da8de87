package session

import (
	"fmt"

	"github.com/cloudplans/billing-mock/mock/errcode"
)

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
