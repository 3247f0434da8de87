package spec

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	billingmock "github.com/cloudplans/billing-mock"
	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/mock/internal/session"
)

// docJSON is the loaded document of an OpenAPI text, as kin-openapi writes it back: two texts
// that load to the same document give the same bytes.
func docJSON(t *testing.T, text []byte) string {
	t.Helper()
	c, err := contract.Load(text)
	require.NoError(t, err)
	out, err := json.Marshal(c.Document())
	require.NoError(t, err)
	return string(out)
}

// TestEmbeddedBothForms checks that /openapi.yaml is the embedded document byte for byte and that
// /openapi.json loads to the same document, its members in the YAML's order.
func TestEmbeddedBothForms(t *testing.T) {
	src := billingmock.OpenAPI()
	h, err := convert(src)
	require.NoError(t, err)
	assert.Equal(t, string(src), string(h.yaml.body))
	assert.Equal(t, docJSON(t, src), docJSON(t, h.json.body), "the JSON form is the same document")
	assert.True(t, strings.HasPrefix(string(h.json.body), "{\n  \"openapi\": \"3.0.3\",\n  \"info\": {\n    \"title\""), "members keep the YAML's order:\n%.200s", h.json.body)
	assert.True(t, strings.Contains(string(h.json.body), "Bearer <token>") && !strings.Contains(string(h.json.body), `\u003c`), "no HTML escapes")
	var v any
	require.NoError(t, json.Unmarshal(h.json.body, &v))
}

// TestJSONSource checks a document written in JSON: served as written at /openapi.json, and as
// block YAML that loads to the same document at /openapi.yaml.
func TestJSONSource(t *testing.T) {
	h, err := convert(billingmock.OpenAPI())
	require.NoError(t, err)
	src := h.json.body
	fromJSON, err := convert(src)
	require.NoError(t, err)
	assert.Equal(t, string(src), string(fromJSON.json.body))
	y := string(fromJSON.yaml.body)
	assert.True(t, strings.HasPrefix(y, "openapi: 3.0.3\ninfo:\n  title: Cloud Plans Billing API\n"), "block YAML:\n%.200s", y)
	assert.Equal(t, docJSON(t, src), docJSON(t, fromJSON.yaml.body))
}

// TestScalarsAndMerges checks the YAML-to-JSON conversion of each kind of scalar, aliases and
// merge keys.
func TestScalarsAndMerges(t *testing.T) {
	in := `
base: &base {a: 1, b: two}
m:
  <<: *base
  b: 2
  c: [*base]
scalars: [~, null, true, no, 0x1f, 1_000, 1.5, .inf, "007", 2026-09-15, 12:30, '200', "a<b&c"]
99: int key
`
	var root yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(in), &root))
	var buf bytes.Buffer
	require.NoError(t, writeJSON(&buf, &root))
	assert.Equal(t, `{"base":{"a":1,"b":"two"},"m":{"b":2,"c":[{"a":1,"b":"two"}],"a":1},`+
		`"scalars":[null,null,true,"no",31,1000,1.5,".inf","007","2026-09-15","12:30","200","a<b&c"],"99":"int key"}`, buf.String())
}

func TestServe(t *testing.T) {
	h := New(billingmock.OpenAPI())
	f, err := convert(billingmock.OpenAPI())
	require.NoError(t, err)
	for _, tt := range []struct {
		serve func(http.ResponseWriter, *http.Request)
		doc   document
	}{
		{func(w http.ResponseWriter, r *http.Request) { h.YAML(w, r, nil) }, f.yaml},
		{func(w http.ResponseWriter, r *http.Request) { h.JSON(w, r, nil) }, f.json},
	} {
		w := httptest.NewRecorder()
		tt.serve(w, httptest.NewRequest(http.MethodGet, "/", nil))
		assert.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, tt.doc.contentType, w.Header().Get("Content-Type"))
		assert.Equal(t, string(tt.doc.body), w.Body.String())
		etag := w.Header().Get("ETag")
		require.NotEmpty(t, etag)

		w = httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("If-None-Match", etag)
		tt.serve(w, r)
		assert.Equal(t, http.StatusNotModified, w.Code)
	}
}

// TestUnconvertible checks that a document that cannot be written in the other form is answered
// with the error envelope and the reason, on both paths, rather than an empty or partial document.
func TestUnconvertible(t *testing.T) {
	h := New([]byte("openapi: 3.0.3\nx-flag: !!bool maybe\n"))
	for _, serve := range []func(http.ResponseWriter, *http.Request, *session.Record){h.YAML, h.JSON} {
		w := httptest.NewRecorder()
		serve(w, httptest.NewRequest(http.MethodGet, "/", nil), nil)
		assert.Equal(t, http.StatusInternalServerError, w.Code)
		var env struct {
			Error struct{ Code, Message string }
		}
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &env), w.Body.String())
		assert.Equal(t, "internal_error", env.Error.Code)
		assert.Contains(t, env.Error.Message, "line 2")
	}
}
