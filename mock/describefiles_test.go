package mock

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
)

// TestServeDescribes serves MOCK_DESCRIBES describe requests through the whole chain (none, and the
// test is skipped, when the variable is unset), so that tools/describefiles can tell from coverage
// profiles which files of the project one request runs code in.
func TestServeDescribes(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv("MOCK_DESCRIBES"))
	if err != nil {
		t.Skip("MOCK_DESCRIBES is not set (tools/describefiles sets it)")
	}
	s := newTestServer(t, Options{ValidationCache: DefaultValidationCache})
	for range n {
		r := httptest.NewRequest(http.MethodGet, describePath+"?action=getorganization&org_id=org_acme", nil)
		r.Header.Set("Authorization", "Bearer tok_owner")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("describe: %d %s", w.Code, w.Body)
		}
	}
}
