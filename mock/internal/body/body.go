// Package body reads a request's body up to a limit: what io.ReadAll(http.MaxBytesReader(w, r.Body,
// limit)) reads, refuses and fails on, without allocating the wrapper, and into one buffer of the
// announced size when the request announces one.
package body

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/cloudplans/billing-mock/mock/errcode"
)

// Limit is the largest request body the mock accepts (1 MiB).
const Limit = 1 << 20

// Read reads r's body. A body over Limit is a PayloadTooLarge error (also when a limit set before
// refuses it); one that cannot be read, an InvalidJSON error. A request without a body reads as nil.
func Read(r *http.Request) ([]byte, *errcode.Error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > Limit {
		return nil, TooLarge()
	}
	data, over, err := ReadAtMost(r.Body, Limit, r.ContentLength)
	if over {
		return nil, TooLarge()
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, TooLarge()
		}
		return nil, errcode.New(errcode.InvalidJSON, "the body could not be read: "+err.Error())
	}
	return data, nil
}

// TooLarge is the error of a body over Limit.
func TooLarge() *errcode.Error {
	return errcode.New(errcode.PayloadTooLarge, fmt.Sprintf("the body is over %d bytes", Limit))
}

// ReadAtMost reads r to its end, as io.ReadAll does, unless r holds more than limit bytes: then it
// stops once it has read limit+1 of them and reports over, where http.MaxBytesReader would return
// its error. An error of r before that is returned as is. size is how many bytes r announced (-1:
// unknown): the buffer starts with room for them and for seeing the end, so an honest body needs
// one allocation. Without a size it makes io.ReadAll's calls of r; with one, larger ones (which
// changes nothing for a reader whose data and errors do not depend on how much each call asks for).
func ReadAtMost(r io.Reader, limit, size int64) (data []byte, over bool, err error) {
	start := int64(512) // io.ReadAll's
	if size >= 0 {
		start = size + 1
	}
	b := make([]byte, 0, min(start, limit+1))
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // let append pick the next capacity, as io.ReadAll does
		}
		n, err := r.Read(b[len(b):min(int64(cap(b)), limit+1)])
		b = b[:len(b)+n]
		if int64(len(b)) > limit {
			return nil, true, nil
		}
		if err == io.EOF {
			return b, false, nil
		}
		if err != nil {
			return nil, false, err
		}
	}
}
