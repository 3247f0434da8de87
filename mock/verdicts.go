package mock

import (
	"net/http"
	"strconv"
	"sync"
)

// DefaultValidationCache is the number of "valid" verdicts remembered when
// Options.ValidationCache is 0.
const DefaultValidationCache = 4096

// verdictKeyLimit bounds the key of a remembered verdict: a request or answer whose inputs are
// larger is always validated in full.
const verdictKeyLimit = 4 << 10

// verdictCache remembers which requests and answers the contract found valid, keyed by every input
// the validation reads: for a request the method, path, raw query string, Content-Type and
// Authorization headers and the body; for an answer the method, path, action, status, every header
// given to the validator and the body. The contract is immutable, so the same inputs always get the
// same verdict: the cache changes how fast a verdict comes, never which one. Only "valid" verdicts
// are kept (an invalid request is validated again, so its message is built fresh). It holds at
// most max keys of at most verdictKeyLimit bytes; when full it starts again empty.
type verdictCache struct {
	mu   sync.RWMutex
	max  int
	seen map[string]struct{}
	bufs sync.Pool
}

func newVerdictCache(max int) *verdictCache {
	if max <= 0 {
		return nil
	}
	return &verdictCache{max: max, seen: make(map[string]struct{}), bufs: sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}}
}

// requestKey appends the inputs of ValidateRequest; ok is false when they are too large.
func requestKey(b []byte, r *http.Request, body []byte) ([]byte, bool) {
	ct, auth := r.Header["Content-Type"], r.Header["Authorization"]
	n := len(r.Method) + len(r.URL.Path) + len(r.URL.RawQuery) + len(body) + 16
	for _, v := range ct {
		n += len(v) + 1
	}
	for _, v := range auth {
		n += len(v) + 1
	}
	if n > verdictKeyLimit {
		return b, false
	}
	b = append(b, 'Q')
	b = appendField(b, r.Method)
	b = appendField(b, r.URL.Path)
	b = appendField(b, r.URL.RawQuery)
	b = strconv.AppendInt(b, int64(len(ct)), 10)
	for _, v := range ct {
		b = appendField(b, v)
	}
	b = strconv.AppendInt(b, int64(len(auth)), 10)
	for _, v := range auth {
		b = appendField(b, v)
	}
	b = appendFieldBytes(b, body)
	return b, true
}

// responseKey appends the inputs of ValidateResponse; ok is false when they are too large.
func responseKey(b []byte, method, path, action string, status int, header http.Header, body []byte) ([]byte, bool) {
	n := len(method) + len(path) + len(action) + len(body) + 16
	for k, vs := range header {
		n += len(k) + 8
		for _, v := range vs {
			n += len(v) + 8
		}
	}
	if n > verdictKeyLimit || len(header) > 1 {
		return b, false // a single header (Content-Type) keeps the key's order fixed
	}
	b = append(b, 'A')
	b = appendField(b, method)
	b = appendField(b, path)
	b = appendField(b, action)
	b = strconv.AppendInt(b, int64(status), 10)
	for k, vs := range header {
		b = appendField(b, k)
		b = strconv.AppendInt(b, int64(len(vs)), 10)
		for _, v := range vs {
			b = appendField(b, v)
		}
	}
	b = appendFieldBytes(b, body)
	return b, true
}

// appendField appends a length-prefixed string, so that no two different inputs make one key.
func appendField(b []byte, s string) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}

func appendFieldBytes(b, s []byte) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}

// check reports whether the key was found valid before; on a miss it runs validate and, when it
// finds the inputs valid, remembers the key.
func (vc *verdictCache) check(key []byte, validate func() error) error {
	vc.mu.RLock()
	_, hit := vc.seen[string(key)]
	vc.mu.RUnlock()
	if hit {
		return nil
	}
	if err := validate(); err != nil {
		return err
	}
	vc.mu.Lock()
	if len(vc.seen) >= vc.max {
		clear(vc.seen)
	}
	vc.seen[string(key)] = struct{}{}
	vc.mu.Unlock()
	return nil
}

func (vc *verdictCache) getBuf() *[]byte { return vc.bufs.Get().(*[]byte) }

func (vc *verdictCache) putBuf(b *[]byte) {
	if cap(*b) > 2*verdictKeyLimit {
		return
	}
	*b = (*b)[:0]
	vc.bufs.Put(b)
}
