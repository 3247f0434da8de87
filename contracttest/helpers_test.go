package contracttest

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cloudplans/billing-mock/mock"
)

// newMock returns a fresh mock, in process.
func newMock(t testing.TB) http.Handler {
	t.Helper()
	srv, err := mock.New(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// serve starts h on 127.0.0.1 for the test.
func serve(t testing.TB, h http.Handler) string {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

// execute runs the suite and fails the test on a run error.
func execute(t *testing.T, opts Options) *Report {
	t.Helper()
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Second
	}
	rep, err := Execute(context.Background(), opts)
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	return rep
}

func text(t *testing.T, rep *Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteText(&b, rep, false); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// recorded is an answer of the wrapped handler, to rewrite before it is sent.
type recorded struct {
	status int
	header http.Header
	body   []byte
}

// rewrite wraps h: fn may change the answer (and the request's copy it sees) before it is sent.
func rewrite(h http.Handler, fn func(r *http.Request, ans *recorded)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		ans := &recorded{status: rec.Code, header: rec.Header().Clone(), body: rec.Body.Bytes()}
		fn(r, ans)
		for k, v := range ans.header {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(ans.status)
		_, _ = w.Write(ans.body)
	})
}

func isAction(r *http.Request, action string) bool { return r.URL.Query().Get("action") == action }
