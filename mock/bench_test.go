package mock

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// benchRequests are the requests the benchmarks send, one per action; updates alternate between two
// quantities so each one really changes the state.
var benchRequests = []struct {
	name, method, target, body string
}{
	{"describe", "GET", describePath + "?action=getorganization&org_id=org_acme", ""},
	{"history", "GET", historyPath + "?action=list_billing&org_id=org_acme", ""},
	{"getpaymentlink", "POST", updatePath + "?action=getpaymentlink&org_id=org_new&quantity=2", ""},
	{"getupdatecardlink", "POST", updatePath + "?action=getupdatecardlink&org_id=org_acme", ""},
	{"updatesubscription", "POST", updatePath + "?action=updatesubscription", `{"org_id":"org_acme","quantity":%d}`},
	{"cancelsubscription", "POST", updatePath + "?action=cancelsubscription&org_id=org_acme", ""},
}

// referenceBody is a fixed answer of the size of describe's.
const referenceBody = `{"status":200,"response":{"organization":{"resources":12,"name":"Acme Corp","id":"org_acme","owner":"usr_owner"},"subscription":{"payment_exp":"2028-04","plan":"pro","quantity":"3","status":"active"}}}`

// BenchmarkReference is a bare http.Handler writing a fixed body: the floor every action is
// compared with (make bench prints each action's cost as a ratio to it).
func BenchmarkReference(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(referenceBody))
	})
	r := httptest.NewRequest("GET", describePath+"?action=getorganization&org_id=org_acme", nil)
	r.Header.Set("Authorization", "Bearer tok_owner")
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
}

// BenchmarkAction runs each action through the whole handler chain: routing, CORS, logging,
// authentication, request validation, the state change, encoding and response validation, with
// the verdict cache as billing-mock has it by default.
func BenchmarkAction(b *testing.B) { benchActions(b, Options{ValidationCache: DefaultValidationCache}) }

// BenchmarkActionUncached is BenchmarkAction with the verdict cache off: every request and every
// answer is validated in full.
func BenchmarkActionUncached(b *testing.B) { benchActions(b, Options{}) }

func benchActions(b *testing.B, opts Options) {
	for _, br := range benchRequests {
		b.Run(br.name, func(b *testing.B) {
			s, err := New(opts)
			if err != nil {
				b.Fatal(err)
			}
			if br.name == "cancelsubscription" {
				// Cancel needs a subscription each time: a new session per cancel, each made from the
				// seed (the least recently used one is dropped once DefaultMaxSessions live).
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					i++
					serveBench(b, s, br.method, br.target, "", fmt.Sprint("cancel-", i))
				}
				return
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				body := br.body
				if body != "" {
					body = fmt.Sprintf(body, 3+i%2)
				}
				serveBench(b, s, br.method, br.target, body, "")
			}
		})
	}
}

func serveBench(b *testing.B, h http.Handler, method, target, body, session string) {
	var r *http.Request
	if body != "" {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	r.Header.Set("Authorization", "Bearer tok_owner")
	if session != "" {
		r.Header.Set(SessionHeader, session)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK && w.Code != http.StatusConflict {
		b.Fatalf("%s %s: %d %s", method, target, w.Code, w.Body)
	}
}

// discardWriter is a ResponseWriter that allocates nothing.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

// TestAllocationsPerRequest: with the verdict cache warm, the whole chain (record, CORS, route,
// session, validation, state, encoding, journal) allocates at most 5 times per describe or history
// request (for describe: the writer and record, the state's copy of the subscription, the answer's
// subscription and its boxing, the encoded body). An answer written around the Recorder (copied into
// the journal instead of shared), or a closure or copy made per request, shows up here first.
func TestAllocationsPerRequest(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	s := newTestServer(t, Options{ValidationCache: DefaultValidationCache})
	for _, target := range []string{benchRequests[0].target, benchRequests[1].target} {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r.Header.Set("Authorization", "Bearer tok_owner")
		w := &discardWriter{h: http.Header{}}
		s.ServeHTTP(w, r) // the verdicts are kept
		allocs := testing.AllocsPerRun(100, func() {
			clear(w.h)
			s.ServeHTTP(w, r)
		})
		if allocs > 5 {
			t.Errorf("%s: %.1f allocations per request, at most 5", target, allocs)
		}
	}
}
