package contract

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"sync"
)

// Validator validates requests and answers against a Contract, and remembers the inputs it found
// valid, so that the same request or answer is not validated twice. A verdict is keyed on every
// input the validation reads: for a request, its method, path, raw query string, body and the
// values of each header the operation's validation reads (Operation.requestHeaders: Authorization,
// Content-Type, the header and cookie parameters the document declares); for an answer, the method,
// path, action, status, every header given and the body. A Contract is immutable, so the same
// inputs always get the same verdict: the cache changes how fast a verdict comes, never which one.
// Only "valid" verdicts are kept (an invalid input is validated again, and its message built
// fresh); inputs over verdictKeyLimit bytes are always validated in full. When the cache holds its
// size, it starts again empty.
//
// A Validator is safe for concurrent use.
type Validator struct {
	contract *Contract
	size     int // the most verdicts kept; 0: none
	mu       sync.RWMutex
	seen     map[string]struct{}
	bufs     sync.Pool
}

// NewValidator returns a Validator of c that keeps up to size verdicts; with size 0 it keeps none
// and validates every input in full.
func NewValidator(c *Contract, size int) *Validator {
	v := &Validator{contract: c, size: max(size, 0), seen: make(map[string]struct{})}
	v.bufs.New = func() any { b := make([]byte, 0, 512); return &b }
	return v
}

// Contract returns the contract v validates against.
func (v *Validator) Contract() *Contract { return v.contract }

// Len returns the number of verdicts v holds.
func (v *Validator) Len() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.seen)
}

// verdictKeyLimit bounds the key of a remembered verdict.
const verdictKeyLimit = 4 << 10

// ValidateRequest is op.ValidateRequest(ctx, r, body), answered from the cache when the same
// inputs were found valid before.
func (v *Validator) ValidateRequest(ctx context.Context, op *Operation, r *http.Request, body []byte) error {
	if v.size == 0 {
		return op.ValidateRequest(ctx, r, body)
	}
	buf := v.getBuf()
	defer v.putBuf(buf)
	*buf, _ = requestKey(*buf, op, r, body)
	return v.through(*buf, func() error { return op.ValidateRequest(ctx, r, body) })
}

// ValidateResponse is op.ValidateResponse(ctx, in) (for op nil, the contract's ValidateResponse:
// the answer to a request that matched no operation), answered from the cache when the same
// inputs were found valid before.
func (v *Validator) ValidateResponse(ctx context.Context, op *Operation, in Response) error {
	if v.size == 0 {
		return v.validateResponse(ctx, op, in)
	}
	buf := v.getBuf()
	defer v.putBuf(buf)
	*buf, _ = responseKey(*buf, in)
	return v.through(*buf, func() error { return v.validateResponse(ctx, op, in) })
}

// through answers nil when the inputs of key were found valid before, and else validate's verdict,
// which it keeps when it is "valid". An empty key (inputs too large to keep) is always validated.
func (v *Validator) through(key []byte, validate func() error) error {
	if len(key) > 0 && v.known(key) {
		return nil
	}
	err := validate()
	if len(key) > 0 && err == nil {
		v.remember(key)
	}
	return err
}

func (v *Validator) validateResponse(ctx context.Context, op *Operation, in Response) error {
	if op == nil {
		return v.contract.ValidateResponse(ctx, in)
	}
	return op.ValidateResponse(ctx, in)
}

// requestKey appends the inputs of op.ValidateRequest to b; when they are too large it returns b
// as it was (empty) and ok false.
func requestKey(b []byte, op *Operation, r *http.Request, body []byte) ([]byte, bool) {
	n := len(r.Method) + len(r.URL.Path) + len(r.URL.RawQuery) + len(body) + 16
	for _, name := range op.requestHeaders {
		for _, val := range r.Header[name] {
			n += len(val) + 8
		}
	}
	if n > verdictKeyLimit {
		return b, false
	}
	b = append(b, 'Q')
	b = appendField(b, r.Method)
	b = appendField(b, r.URL.Path)
	b = appendField(b, r.URL.RawQuery)
	for _, name := range op.requestHeaders { // the same names, in the same order, for every request of op
		vals := r.Header[name]
		b = strconv.AppendInt(b, int64(len(vals)), 10)
		for _, val := range vals {
			b = appendField(b, val)
		}
	}
	return appendField(b, body), true
}

// responseKey appends the inputs of ValidateResponse to b; when they are too large it returns b
// as it was (empty) and ok false.
func responseKey(b []byte, in Response) ([]byte, bool) {
	n := len(in.Method) + len(in.Path) + len(in.Action) + len(in.Body) + 16
	for name, vals := range in.Header {
		n += len(name) + 8
		for _, val := range vals {
			n += len(val) + 8
		}
	}
	if n > verdictKeyLimit {
		return b, false
	}
	b = append(b, 'A')
	b = appendField(b, in.Method)
	b = appendField(b, in.Path)
	b = appendField(b, in.Action)
	b = strconv.AppendInt(b, int64(in.Status), 10)
	b = strconv.AppendInt(b, int64(len(in.Header)), 10)
	if len(in.Header) == 1 { // no order to fix
		for name, vals := range in.Header {
			b = appendHeader(b, name, vals)
		}
	} else {
		names := make([]string, 0, len(in.Header))
		for name := range in.Header {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			b = appendHeader(b, name, in.Header[name])
		}
	}
	return appendField(b, in.Body), true
}

// appendHeader appends a header's name and its values.
func appendHeader(b []byte, name string, vals []string) []byte {
	b = appendField(b, name)
	b = strconv.AppendInt(b, int64(len(vals)), 10)
	for _, val := range vals {
		b = appendField(b, val)
	}
	return b
}

// appendField appends a length-prefixed string, so that no two different inputs make one key.
func appendField[S string | []byte](b []byte, s S) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}

// known reports whether the inputs of key were found valid before.
func (v *Validator) known(key []byte) bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	_, hit := v.seen[string(key)]
	return hit
}

// remember keeps key, whose inputs were found valid.
func (v *Validator) remember(key []byte) {
	v.mu.Lock()
	if len(v.seen) >= v.size {
		clear(v.seen)
	}
	v.seen[string(key)] = struct{}{}
	v.mu.Unlock()
}

func (v *Validator) getBuf() *[]byte { return v.bufs.Get().(*[]byte) }

func (v *Validator) putBuf(b *[]byte) {
	if cap(*b) > 2*verdictKeyLimit {
		return
	}
	*b = (*b)[:0]
	v.bufs.Put(b)
}
