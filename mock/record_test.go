package mock

import (
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudplans/billing-mock/mock/internal/session"
)

// The tests of this file hold the request's record to what reaches the journal, through the whole
// middleware chain.

// legacyTruncate is the journal's cut, on strings.
func legacyTruncate(s string) (string, bool) {
	if len(s) <= session.JournalBodyLimit {
		return s, false
	}
	cut := session.JournalBodyLimit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut], true
}

// TestJournalBodiesThroughTheServer: GET /_mock/requests shows what the billing API was sent and
// answered, encoded as before, whatever the bytes.
func TestJournalBodiesThroughTheServer(t *testing.T) {
	t.Parallel()
	c := tc{t: t, h: newTestServer(t, Options{}), session: "journal-bytes"}
	bodies := []string{
		"{\"org_id\":\"<b>&\xff\xfe\",\"quantity\":4}",
		`{"org_id":"` + strings.Repeat("é", 3000) + `"}`,
		`{"org_id":"org_acme","quantity":4}`,
	}
	var answers []string
	for _, b := range bodies {
		r := c.do(req{method: http.MethodPost, target: updatePath + "?action=updatesubscription", token: "tok_owner", body: b})
		answers = append(answers, string(r.body))
	}
	list := c.do(req{method: http.MethodGet, target: "/_mock/requests"})
	require.Equal(t, http.StatusOK, list.status)
	for i, b := range bodies {
		rb, _ := legacyTruncate(b)
		sb, _ := legacyTruncate(answers[i])
		wantReq, _ := json.Marshal(rb)
		wantResp, _ := json.Marshal(sb)
		assert.Contains(t, string(list.body), `"request_body":`+string(wantReq)+`,"response_body":`+string(wantResp)+`,`, "body %d", i)
	}
}

// TestRecordReachesTheJournal: what the handlers learn about a request reaches its journal entry,
// through every middleware between the record and the handlers (CORS, the added latency, the
// route table), for an answer and for a connection a fault drops.
func TestRecordReachesTheJournal(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{Latency: Latency{Min: time.Millisecond, Max: time.Millisecond}})
	serve := func(method, target, body string) (status int, panicked any) {
		r := httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer tok_owner")
		r.Header.Set(SessionHeader, "rec-writer")
		r.Header.Set("Origin", "http://localhost:5173")
		if body != "" {
			r.Header.Set("Content-Type", "application/json")
		}
		w := httptest.NewRecorder()
		defer func() { panicked = recover() }()
		s.ServeHTTP(w, r)
		return w.Code, nil
	}
	status, _ := serve("POST", updatePath+"?action=updatesubscription", `{"org_id":"org_acme","quantity":5}`)
	require.Equal(t, http.StatusOK, status)
	status, _ = serve("POST", "/_mock/faults", `{"action":"getorganization","drop":true,"count":1}`)
	require.Equal(t, http.StatusCreated, status)
	_, p := serve("GET", describePath+"?action=getorganization&org_id=org_acme", "")
	require.Equal(t, http.ErrAbortHandler, p, "the fault drops the connection")

	list := tc{t: t, h: s, session: "rec-writer"}.do(req{method: http.MethodGet, target: "/_mock/requests"})
	entries := list.json(t)["requests"].([]any)
	require.Len(t, entries, 2)
	dropped, update := entries[0].(map[string]any), entries[1].(map[string]any)
	assert.Equal(t, "getorganization", dropped["action"])
	assert.Equal(t, "org_acme", dropped["org"])
	assert.EqualValues(t, 0, dropped["status"], "a dropped request is journaled with status 0")
	assert.Equal(t, "updatesubscription", update["action"])
	assert.Equal(t, "org_acme", update["org"], "the org of the body")
	assert.Equal(t, `{"org_id":"org_acme","quantity":5}`, update["request_body"])
	assert.EqualValues(t, 200, update["status"])
}

// TestLinkBase: a link's base is PublicURL, else the request's scheme and host, read when the link
// is made.
func TestLinkBase(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	for _, tt := range []struct {
		tls  bool
		want string
	}{{false, "http://mock.test:8080/checkout/"}, {true, "https://mock.test:8080/checkout/"}} {
		r := httptest.NewRequest("POST", "http://mock.test:8080"+updatePath+"?action=getpaymentlink&org_id=org_new&quantity=1", nil)
		r.Header.Set("Authorization", "Bearer tok_owner")
		if tt.tls {
			r.TLS = &tls.ConnectionState{}
		} else {
			r.TLS = nil
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		require.Equal(t, http.StatusOK, w.Code, "%s", w.Body)
		var a struct{ Response string }
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &a))
		assert.True(t, strings.HasPrefix(a.Response, tt.want), "%s", a.Response)
	}
}
