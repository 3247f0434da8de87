package upstream

import (
	"bufio"
	"bytes"
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// netHTTPAnswer reads in as readAnswer did before readPlain: with net/http's parser only. It also
// says how many bytes of in were consumed.
func netHTTPAnswer(in []byte, method string, limit int64) (answer, int, error) {
	src := bytes.NewReader(in)
	br := bufio.NewReader(src)
	hr, err := readFinal(br, method, newMethodRequests())
	if err != nil {
		return answer{}, 0, err
	}
	a := answer{status: hr.StatusCode, header: hr.Header}
	var b bytes.Buffer
	n, err := b.ReadFrom(hr.Body)
	switch {
	case hr.ContentLength > limit || n > limit:
		return answer{}, 0, ErrTooLarge
	case err != nil:
		return answer{}, 0, err
	}
	a.body = b.Bytes()
	a.reusable = !hr.Close && (hr.ContentLength >= 0 || len(hr.TransferEncoding) > 0 || method == http.MethodHead)
	a.gzip = hasGzip(hr.Header)
	return a, len(in) - src.Len() - br.Buffered(), nil
}

// plainRead is readPlain on in, and how many bytes of it were consumed.
func plainRead(in []byte, method string, limit int64) (answer, bool, int, error) {
	src := bytes.NewReader(in)
	br := bufio.NewReader(src)
	a, ok, err := readPlain(br, method, limit)
	return a, ok, len(in) - src.Len() - br.Buffered(), err
}

var compareAnswers = cmp.AllowUnexported(answer{})

// samePlain checks that readPlain read in as net/http does, or left it whole to net/http.
func samePlain(t *testing.T, in []byte, method string, limit int64) (taken bool) {
	t.Helper()
	got, ok, used, err := plainRead(in, method, limit)
	if !ok {
		require.NoError(t, err)
		assert.Zero(t, used, "readPlain consumed bytes of an answer it left to net/http: %q", in)
		return false
	}
	want, wantUsed, wantErr := netHTTPAnswer(in, method, limit)
	if wantErr != nil || err != nil {
		require.Error(t, err, "net/http: %v, on %q", wantErr, in)
		require.Error(t, wantErr, "readPlain: %v, on %q", err, in)
		assert.Equal(t, errors.Is(wantErr, ErrTooLarge), errors.Is(err, ErrTooLarge), "%v and %v on %q", wantErr, err, in)
		return true
	}
	if len(got.body) == 0 && len(want.body) == 0 {
		got.body, want.body = nil, nil // empty either way
	}
	if diff := cmp.Diff(want, got, compareAnswers); diff != "" {
		t.Fatalf("readPlain differs from net/http on %q (-net/http +readPlain):\n%s", in, diff)
	}
	assert.Equal(t, wantUsed, used, "bytes consumed of %q", in)
	return true
}

// TestPlainAnswers: which answers readPlain reads itself, each read as net/http reads it, and
// the others left whole to net/http.
func TestPlainAnswers(t *testing.T) {
	tests := []struct {
		name, method, answer string
		plain                bool
	}{
		{name: "the mock's", answer: "HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nContent-Length: 2\r\nContent-Type: application/json\r\nDate: Tue, 01 Dec 2026 22:43:40 GMT\r\n\r\n{}", plain: true},
		{name: "an error status", answer: "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnope", plain: true},
		{name: "no reason phrase", answer: "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", plain: true},
		{name: "values repeated and spaced", answer: "HTTP/1.1 200 OK\r\nset-cookie: a=1\r\nSet-Cookie:   b=2 \t\r\nX-Empty:\r\nContent-Length: 1\r\n\r\nx", plain: true},
		{name: "gzip", answer: "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc", plain: true},
		{name: "more bytes after the answer", answer: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n", plain: true},
		{name: "body cut short", answer: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok", plain: true},
		{name: "over the limit", answer: "HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\nok", plain: true},
		{name: "not HTTP", answer: "SSH-2.0-OpenSSH\r\n\r\n"},
		{name: "HTTP/1.0", answer: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"},
		{name: "a HEAD", method: http.MethodHead, answer: "HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n"},
		{name: "informational", answer: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
		{name: "no content", answer: "HTTP/1.1 204 No Content\r\nContent-Length: 2\r\n\r\n"},
		{name: "not modified", answer: "HTTP/1.1 304 Not Modified\r\n\r\n"},
		{name: "chunked", answer: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"},
		{name: "connection close", answer: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"},
		{name: "pragma", answer: "HTTP/1.1 200 OK\r\nPragma: no-cache\r\nContent-Length: 2\r\n\r\nok"},
		{name: "trailer", answer: "HTTP/1.1 200 OK\r\nTrailer: X\r\nContent-Length: 2\r\n\r\nok"},
		{name: "until the connection ends", answer: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nto the end"},
		{name: "two lengths", answer: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"},
		{name: "a signed length", answer: "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok"},
		{name: "a continuation line", answer: "HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\nContent-Length: 2\r\n\r\nok"},
		{name: "a bare LF", answer: "HTTP/1.1 200 OK\nContent-Length: 2\r\n\r\nok"},
		{name: "a space before the colon", answer: "HTTP/1.1 200 OK\r\nX-A : 1\r\nContent-Length: 2\r\n\r\nok"},
		{name: "a control character", answer: "HTTP/1.1 200 OK\r\nX-A: 1\x00\r\nContent-Length: 2\r\n\r\nok"},
		{name: "no end of header in the buffer", answer: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"},
		{name: "empty", answer: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			if tt.answer == "" {
				_, ok, _, err := plainRead(nil, method, 64)
				assert.True(t, ok, "an answer that never came is reported, not left to net/http")
				assert.ErrorContains(t, err, "unexpected EOF")
				return
			}
			assert.Equal(t, tt.plain, samePlain(t, []byte(tt.answer), method, 64), "read by readPlain")
		})
	}
}

// FuzzPlainAnswer: on any bytes, readPlain either reads the answer as net/http does (the same
// status, header, body, reuse and bytes consumed, or an error where net/http has one) or leaves
// every byte to net/http.
func FuzzPlainAnswer(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}"), false)
	f.Add([]byte("HTTP/1.1 502 Bad Gateway\r\ncontent-length: 3\r\nX-A:  a b \r\nx-a: c\r\n\r\nabc"), false)
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"), false)
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n"), true)
	f.Fuzz(func(t *testing.T, in []byte, head bool) {
		method := http.MethodGet
		if head {
			method = http.MethodHead
		}
		samePlain(t, in, method, 64)
	})
}
