// Package spec serves the contract the mock validates with, as the document it was loaded from:
// GET /openapi.yaml and GET /openapi.json. A document written in YAML is served as written at
// /openapi.yaml and converted to JSON for /openapi.json (members in the document's order); one
// written in JSON the other way round. Both are made once, at the first request for either: most
// runs of the mock never ask, and the conversion's garbage would stay in an idle mock's memory.
package spec

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/internal/session"
	"github.com/cloudplans/billing-mock/mock/internal/writer"
)

// The paths it serves, and their media types (application/yaml is RFC 9512's).
const (
	YAMLPath = "/openapi.yaml"
	JSONPath = "/openapi.json"

	YAMLType = "application/yaml"
	JSONType = "application/json"
)

// Handler serves one document in both forms. Make one with New.
type Handler struct {
	forms func() (forms, error) // converts the document at its first call, then returns that
}

// forms is the document in both forms.
type forms struct {
	yaml, json document
}

// document is one form of the document, with its entity tag.
type document struct {
	body        []byte
	contentType string
	etag        string
}

// New returns the handler that serves source, an OpenAPI document in YAML or JSON (as
// contract.Load takes it). A document that cannot be converted (which contract.Load would already
// have refused) is answered with a 500 internal_error envelope giving the reason.
func New(source []byte) *Handler {
	return &Handler{forms: sync.OnceValues(func() (forms, error) { return convert(source) })}
}

// convert parses source and writes it in the other form.
func convert(source []byte) (forms, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(source, &root); err != nil {
		return forms{}, fmt.Errorf("spec: parse the document: %w", err)
	}
	var yamlText, jsonText []byte
	if trimmed := bytes.TrimLeft(source, " \t\r\n\ufeff"); len(trimmed) > 0 && trimmed[0] == '{' {
		jsonText = source
		blockStyle(&root)
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(&root); err != nil {
			return forms{}, fmt.Errorf("spec: write the document as YAML: %w", err)
		}
		if err := enc.Close(); err != nil {
			return forms{}, fmt.Errorf("spec: write the document as YAML: %w", err)
		}
		yamlText = buf.Bytes()
	} else {
		yamlText = source
		var buf bytes.Buffer
		if err := writeJSON(&buf, &root); err != nil {
			return forms{}, fmt.Errorf("spec: write the document as JSON: %w", err)
		}
		var indented bytes.Buffer
		if err := json.Indent(&indented, buf.Bytes(), "", "  "); err != nil {
			return forms{}, fmt.Errorf("spec: write the document as JSON: %w", err)
		}
		indented.WriteByte('\n')
		jsonText = indented.Bytes()
	}
	return forms{yaml: newDocument(yamlText, YAMLType), json: newDocument(jsonText, JSONType)}, nil
}

func newDocument(body []byte, contentType string) document {
	sum := sha256.Sum256(body)
	return document{body: body, contentType: contentType, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
}

// YAML answers GET and HEAD /openapi.yaml.
func (h *Handler) YAML(w http.ResponseWriter, r *http.Request, _ *session.Record) {
	h.serve(w, r, func(f forms) document { return f.yaml })
}

// JSON answers GET and HEAD /openapi.json.
func (h *Handler) JSON(w http.ResponseWriter, r *http.Request, _ *session.Record) {
	h.serve(w, r, func(f forms) document { return f.json })
}

// serve answers with the form pick chooses, or with the reason the document could not be converted.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, pick func(forms) document) {
	f, err := h.forms()
	if err != nil {
		writer.Error(w, errcode.New(errcode.Internal, err.Error()))
		return
	}
	pick(f).serve(w, r)
}

// serve answers with the document: its Content-Type and ETag, revalidated on every use (no-cache),
// 304 to a matching If-None-Match, the headers alone to HEAD (http.ServeContent).
func (d document) serve(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Type", d.contentType)
	hdr.Set("ETag", d.etag)
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(d.body))
}

// blockStyle clears the flow style a JSON document parses with, so that it encodes as block YAML.
func blockStyle(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style &^= yaml.FlowStyle
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		n.Style &^= yaml.DoubleQuotedStyle // the encoder quotes what would read back otherwise
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}

// writeJSON writes the YAML node n as compact JSON, mapping members in the document's order. A
// merge key (<<) brings in the members of the mappings it names that the mapping does not set
// itself. Scalars keep their YAML types: null, booleans, numbers (an infinity or NaN, which JSON
// cannot hold, as a string), and every other scalar as a string.
func writeJSON(buf *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			buf.WriteString("null")
			return nil
		}
		return writeJSON(buf, n.Content[0])
	case yaml.AliasNode:
		return writeJSON(buf, n.Alias)
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeJSON(buf, c); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	case yaml.MappingNode:
		buf.WriteByte('{')
		for i, m := range members(n) {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, m.key)
			buf.WriteByte(':')
			if err := writeJSON(buf, m.value); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
		return nil
	case yaml.ScalarNode:
		return writeScalar(buf, n)
	}
	return fmt.Errorf("line %d: a YAML node of kind %d", n.Line, n.Kind)
}

type member struct {
	key   string
	value *yaml.Node
}

// members lists a mapping's members in order, its merge keys resolved.
func members(n *yaml.Node) []member {
	var own, merged []member
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Tag == "!!merge" {
			continue
		}
		own = append(own, member{k.Value, v})
		seen[k.Value] = true
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Tag != "!!merge" {
			continue
		}
		sources := []*yaml.Node{n.Content[i+1]}
		if s := sources[0]; s.Kind == yaml.SequenceNode {
			sources = s.Content
		}
		for _, src := range sources {
			if src.Kind == yaml.AliasNode {
				src = src.Alias
			}
			if src.Kind != yaml.MappingNode {
				continue
			}
			for _, m := range members(src) {
				if !seen[m.key] {
					seen[m.key] = true
					merged = append(merged, m)
				}
			}
		}
	}
	return append(own, merged...)
}

func writeScalar(buf *bytes.Buffer, n *yaml.Node) error {
	switch n.ShortTag() {
	case "!!null":
		buf.WriteString("null")
		return nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		buf.WriteString(strconv.FormatBool(b))
		return nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			buf.WriteString(strconv.FormatInt(i, 10))
			return nil
		}
	case "!!float":
		var f float64
		if err := n.Decode(&f); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			buf.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
			return nil
		}
	}
	writeString(buf, n.Value)
	return nil
}

// writeString writes s as a JSON string, leaving <, > and & as they are.
func writeString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)           // a string always encodes
	buf.Truncate(buf.Len() - 1) // Encode's newline
}
