package writer

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudplans/billing-mock/mock/errcode"
)

func TestContentLengthValues(t *testing.T) {
	t.Parallel()
	for n := range contentLengthsCached + 3 {
		v := contentLength(n)
		require.Equal(t, []string{strconv.Itoa(n)}, v)
		require.Equal(t, 1, cap(v), "a shared value has no room to append into")
	}
	assert.Equal(t, []string{"1048576"}, contentLength(1<<20))
}

// TestSharedHeaderValuesStayUnchanged: whatever a handler or net/http does to an answer's header
// after JSON (add to a value, replace it), the values JSON shares do not change.
func TestSharedHeaderValuesStayUnchanged(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	JSON(w, http.StatusOK, []byte(`{"status":200}`))
	h := w.Header()
	h.Add("Content-Type", "text/plain")
	h.Add("Cache-Control", "private")
	h.Add("Content-Length", "1")
	h.Set("Content-Type", "x")
	assert.Equal(t, []string{"application/json"}, jsonContentType)
	assert.Equal(t, []string{"no-store"}, noStore)
	assert.Equal(t, []string{"14"}, contentLength(14))

	for _, n := range []int{0, 14, contentLengthsCached - 1, contentLengthsCached, 5000} {
		w := httptest.NewRecorder()
		JSON(w, http.StatusOK, bytes.Repeat([]byte(" "), n))
		assert.Equal(t, strconv.Itoa(n), w.Header().Get("Content-Length"))
		assert.Equal(t, n, w.Body.Len())
	}
}

func TestError(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	e := errcode.New(errcode.MethodNotAllowed, "no")
	e.Allow = "GET"
	Error(w, e)
	assert.Equal(t, 405, w.Code)
	assert.Equal(t, "GET", w.Header().Get("Allow"))
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"status":405,"error":{"code":"method_not_allowed","message":"no"}}`, w.Body.String())
	assert.Nil(t, ErrorHeader(errcode.New(errcode.Internal, "x")))
}

// TestRecorderSharesOnlySmallBodies: JSON's body is kept by reference when its array is small, and
// its start is copied when its array is large, so that a record never pins a large array.
func TestRecorderSharesOnlySmallBodies(t *testing.T) {
	t.Parallel()
	const keep = 100
	small := []byte(`{"status":200}`)
	large := bytes.Repeat([]byte("x"), 10*keep)
	rw := &Recorder{ResponseWriter: httptest.NewRecorder(), Keep: keep}
	JSON(rw, http.StatusOK, small)
	assert.Same(t, &small[0], &rw.Body()[0])
	assert.Equal(t, len(small), cap(rw.Body()), "a shared body has no room to append into")
	rw = &Recorder{ResponseWriter: httptest.NewRecorder(), Keep: keep}
	JSON(rw, http.StatusOK, large)
	assert.Len(t, rw.Body(), keep)
	assert.LessOrEqual(t, cap(rw.Body()), 2*keep)
	rw = &Recorder{ResponseWriter: httptest.NewRecorder()}
	JSON(rw, http.StatusCreated, small)
	assert.Nil(t, rw.Body(), "Keep 0 records nothing")
	assert.Equal(t, http.StatusCreated, rw.Status())
}

// FuzzRecorder: whatever is written, in whatever pieces, the Recorder records the status written
// first and the first Keep bytes of what the client got, and passes everything on.
func FuzzRecorder(f *testing.F) {
	f.Add([]byte(`{"status":200}`), uint8(5), uint16(2048), uint16(0), false)
	f.Add(bytes.Repeat([]byte("é"), 300), uint8(7), uint16(10), uint16(404), true)
	f.Fuzz(func(t *testing.T, data []byte, pieces uint8, keep uint16, status uint16, immutableFirst bool) {
		rec := httptest.NewRecorder()
		rw := &Recorder{ResponseWriter: rec, Keep: int(keep)}
		wantStatus := 0
		if status >= 200 && status <= 599 {
			rw.WriteHeader(int(status))
			wantStatus = int(status)
		}
		rest := data
		if immutableFirst && len(rest) > 0 {
			n := len(rest) / 2
			_, _ = rw.writeImmutable(rest[:n:n])
			rest = rest[n:]
		}
		step := max(1, int(pieces))
		for len(rest) > 0 {
			n := min(step, len(rest))
			_, _ = rw.Write(rest[:n])
			rest = rest[n:]
		}
		if !bytes.Equal(rec.Body.Bytes(), data) {
			t.Fatalf("passed on %q, wrote %q", rec.Body.Bytes(), data)
		}
		want := data[:min(len(data), int(keep))]
		if !bytes.Equal(rw.Body(), want) {
			t.Fatalf("recorded %q, want %q", rw.Body(), want)
		}
		if wantStatus == 0 && len(data) > 0 {
			wantStatus = http.StatusOK
		}
		if rw.Status() != wantStatus {
			t.Fatalf("status %d, want %d", rw.Status(), wantStatus)
		}
	})
}
