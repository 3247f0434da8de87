package body

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudplans/billing-mock/mock/errcode"
)

// checkReadAtMost fails t when ReadAtMost does not read what io.ReadAll through
// http.MaxBytesReader reads, refuse what it refuses, and fail where it fails.
func checkReadAtMost(t *testing.T, where string, mk func() io.Reader, limit, size int64) {
	t.Helper()
	want, wantErr := io.ReadAll(http.MaxBytesReader(httptest.NewRecorder(), io.NopCloser(mk()), limit))
	var mbe *http.MaxBytesError
	wantOver := errors.As(wantErr, &mbe) && mbe.Limit == limit
	got, over, err := ReadAtMost(mk(), limit, size)
	require.Equal(t, wantOver, over, where)
	if wantOver {
		return
	}
	require.Equal(t, wantErr, err, where)
	if wantErr == nil {
		require.Equal(t, want, got, where)
	}
}

// TestReadAtMostMatchesMaxBytesReader: whatever the reader and the size it announced.
func TestReadAtMostMatchesMaxBytesReader(t *testing.T) {
	t.Parallel()
	const limit = 1000
	boom := errors.New("boom")
	readers := map[string]func(string) io.Reader{
		"plain":    func(s string) io.Reader { return strings.NewReader(s) },
		"one byte": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
		"half":     func(s string) io.Reader { return iotest.HalfReader(strings.NewReader(s)) },
		"data+EOF": func(s string) io.Reader { return iotest.DataErrReader(strings.NewReader(s)) },
		"timeout":  func(s string) io.Reader { return iotest.TimeoutReader(strings.NewReader(s)) },
		"fails":    func(s string) io.Reader { return io.MultiReader(strings.NewReader(s), iotest.ErrReader(boom)) },
		"too large": func(s string) io.Reader {
			return io.MultiReader(strings.NewReader(s), iotest.ErrReader(&http.MaxBytesError{Limit: 1}))
		},
	}
	for name, mk := range readers {
		for _, n := range []int{0, 1, 511, 512, 513, limit - 1, limit, limit + 1, 3 * limit} {
			body := strings.Repeat("x", n)
			for _, size := range []int64{-1, 0, int64(n) / 2, int64(n), int64(n) + 1, 2 * int64(n)} {
				if name == "timeout" && size >= 0 {
					// With a size, ReadAtMost asks for more per Read than io.ReadAll: a reader
					// whose answer depends on the number of calls alone may then end otherwise.
					// Without one, its calls are io.ReadAll's.
					continue
				}
				checkReadAtMost(t, fmt.Sprintf("%s, %d bytes, size %d", name, n, size), func() io.Reader { return mk(body) }, limit, size)
			}
		}
	}
}

// FuzzReadAtMost: any data, limit, announced size and read size.
func FuzzReadAtMost(f *testing.F) {
	f.Add([]byte(`{"org_id":"org_acme","quantity":4}`), uint16(1000), int16(-1), uint8(0))
	f.Add(bytes.Repeat([]byte("x"), 600), uint16(512), int16(600), uint8(7))
	f.Add([]byte("abc"), uint16(2), int16(1), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, limit uint16, size int16, chunk uint8) {
		mk := func() io.Reader { return bytes.NewReader(data) }
		if chunk > 0 {
			mk = func() io.Reader { return &chunkReader{data: data, n: int(chunk)} }
		}
		checkReadAtMost(t, fmt.Sprintf("%d bytes, limit %d, size %d, chunk %d", len(data), limit, size, chunk), mk, int64(limit), max(int64(size), -1))
	})
}

// chunkReader hands out at most n bytes per Read.
type chunkReader struct {
	data []byte
	n    int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.data)
	c.data = c.data[k:]
	return k, nil
}

func TestRead(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{"a":1}`))
	got, e := Read(r)
	require.Nil(t, e)
	assert.Equal(t, `{"a":1}`, string(got))

	r = httptest.NewRequest("GET", "/", nil)
	got, e = Read(r)
	assert.Nil(t, e)
	assert.Nil(t, got)

	r = httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", Limit+1)))
	_, e = Read(r)
	require.NotNil(t, e)
	assert.Equal(t, errcode.PayloadTooLarge, e.Code)

	r = httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 10)))
	r.ContentLength = -1
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 5)
	_, e = Read(r)
	require.NotNil(t, e)
	assert.Equal(t, errcode.PayloadTooLarge, e.Code, "a limit set before")
}

// TestReadAllocatesOnce: a body of the announced length is read into one buffer of that size.
func TestReadAllocatesOnce(t *testing.T) {
	body := `{"org_id":"org_acme","quantity":4}`
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	var data []byte
	allocs := testing.AllocsPerRun(100, func() {
		r.Body = io.NopCloser(strings.NewReader(body))
		data, _ = Read(r)
	})
	assert.Equal(t, body, string(data))
	assert.LessOrEqual(t, cap(data), 64)
	assert.LessOrEqual(t, allocs, 3.0, "the body, and the test's own reader and NopCloser")
}
