// Package docs is the mock's API reference page, /_mock/docs: every action of the contract the mock
// validates with (its parameters where the contract puts them, its body, its answers and error
// codes, the decisions the contract marks), rendered on the server from the loaded contract with
// html/template, and a form per action that sends it to the mock (a small script embedded in the
// binary, /_mock/docs/try.js). Nothing is loaded from elsewhere; without JavaScript the page reads
// the same, with a curl command per action instead of the form.
package docs

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/internal/examples"
	"github.com/cloudplans/billing-mock/mock/internal/link"
	"github.com/cloudplans/billing-mock/mock/internal/session"
	"github.com/cloudplans/billing-mock/mock/internal/writer"
)

// The paths it answers.
const (
	Path       = "/_mock/docs"
	ScriptPath = "/_mock/docs/try.js"
)

//go:embed docs.html
var docsHTML string

//go:embed try.js
var tryJS []byte

// Handler answers the API reference page and its script. Make one with New.
type Handler struct {
	// Links gives the mock's own base URL, for the page's curl commands.
	Links link.Base
	page  func() reference // builds the page's content at its first call, then returns that
	tmpl  *template.Template
}

// New parses the page's template. The page's content is read from the contract c, with the
// answers' examples from book and the tokens a try-it form offers (the first is filled in), at the
// first request for the page: most runs of the mock never open it, and an idle mock should not
// hold it. c and book are only read.
func New(c *contract.Contract, book *examples.Book, tokens []string, links link.Base) (*Handler, error) {
	t, err := template.New("docs").Funcs(template.FuncMap{"statusClass": statusClass}).Parse(docsHTML)
	if err != nil {
		return nil, fmt.Errorf("parse the docs page's template: %w", err)
	}
	tokens = slices.Clone(tokens)
	return &Handler{Links: links, page: sync.OnceValue(func() reference { return build(c, book, tokens) }), tmpl: t}, nil
}

// reference is the page: the contract as it documents itself, and the forms' defaults.
type reference struct {
	Title, Version string
	Intro          template.HTML
	Auth           template.HTML
	Errors         []errorRow
	Operations     []operation
	Tokens         []string
	Token          string
	// Base is the mock's base URL, per request.
	Base string
}

type operation struct {
	ID, Method, Path, Summary string
	Description               template.HTML
	Actions                   []action
}

type action struct {
	Name, Method, Path string
	Decisions          []string
	Params             []param
	Body               *body
	Answers            []answer
	// Query are the try-it form's query fields (action aside), with the contract's example values.
	Query []field
	// BodyExample is the try-it form's body, the contract's example for the action ("" for none).
	BodyExample string
	Statuses    []int
}

type param struct {
	Name, In, Type, Constraints string
	Required                    bool
	Description                 template.HTML
}

type body struct {
	Schema  string
	Rows    []row
	Example string
}

type row struct {
	Depth                   int
	Name, Type, Constraints string
	Required                bool
	Description             template.HTML
}

type answer struct {
	Status      int
	Text        string
	Description template.HTML
	Codes       []string
	Schema      string
	Rows        []row
	Example     string
}

type errorRow struct {
	Status int
	Text   string
	Codes  []string
}

type field struct{ Name, Value string }

// Page answers GET and HEAD /_mock/docs.
func (h *Handler) Page(w http.ResponseWriter, r *http.Request, _ *session.Record) {
	ref := h.page()
	ref.Base = h.Links.Of(r)
	var buf bytes.Buffer
	if err := h.tmpl.ExecuteTemplate(&buf, "docs", ref); err != nil {
		writer.Error(w, errcode.New(errcode.Internal, "render the docs page: "+err.Error()))
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// Script answers GET and HEAD /_mock/docs/try.js.
func (h *Handler) Script(w http.ResponseWriter, r *http.Request, _ *session.Record) {
	hdr := w.Header()
	hdr.Set("Content-Type", "text/javascript; charset=utf-8")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(tryJS)
	}
}

// build reads the contract into the page's content.
func build(c *contract.Contract, book *examples.Book, tokens []string) reference {
	doc := c.Document()
	ref := reference{Tokens: tokens}
	if doc.Info != nil {
		ref.Title, ref.Version, ref.Intro = doc.Info.Title, doc.Info.Version, markdown(doc.Info.Description)
	}
	if len(tokens) > 0 {
		ref.Token = tokens[0]
	}
	if doc.Components != nil {
		for _, name := range sortedKeys(doc.Components.SecuritySchemes) {
			if s := doc.Components.SecuritySchemes[name]; s != nil && s.Value != nil {
				ref.Auth += markdown(s.Value.Description)
			}
		}
	}
	errs := map[int]*errorRow{}
	for _, op := range c.Operations() { // by path: describe, history, update
		def := op.Definition()
		o := operation{ID: op.ID, Method: op.Method, Path: op.Path, Summary: def.Summary, Description: markdown(def.Description)}
		for _, name := range actionOrder(op) {
			a := buildAction(op, book, name)
			for _, an := range a.Answers {
				if an.Status < 400 {
					continue
				}
				e := errs[an.Status]
				if e == nil {
					e = &errorRow{Status: an.Status, Text: http.StatusText(an.Status)}
					errs[an.Status] = e
				}
				for _, code := range an.Codes {
					if !slices.Contains(e.Codes, code) {
						e.Codes = append(e.Codes, code)
					}
				}
			}
			o.Actions = append(o.Actions, a)
		}
		ref.Operations = append(ref.Operations, o)
	}
	for _, status := range sortedKeys(errs) {
		ref.Errors = append(ref.Errors, *errs[status])
	}
	return ref
}

// actionParameter is the schema of an operation's action query parameter: the parameter's own,
// or the action member's of an object query parameter, with the description of whichever has one.
func actionParameter(def *openapi3.Operation) openapi3.Schema {
	for _, ref := range def.Parameters {
		if ref == nil || ref.Value == nil || ref.Value.Schema == nil || ref.Value.Schema.Value == nil {
			continue
		}
		s := ref.Value.Schema.Value
		if ref.Value.Name == "action" {
			out := *s
			if ref.Value.Description != "" {
				out.Description = ref.Value.Description
			}
			return out
		}
		if p := s.Properties["action"]; p != nil && p.Value != nil {
			return *p.Value
		}
	}
	return openapi3.Schema{}
}

// actionOrder is op's actions in the order of the action parameter's enum (the order the contract
// lists them in), any others after them.
func actionOrder(op *contract.Operation) []string {
	enum := actionParameter(op.Definition()).Enum
	names := op.Actions()
	at := func(name string) int {
		if i := slices.Index(enum, any(name)); i >= 0 {
			return i
		}
		return len(enum)
	}
	slices.SortStableFunc(names, func(x, y string) int { return at(x) - at(y) })
	return names
}

// buildAction documents one action of op.
func buildAction(op *contract.Operation, book *examples.Book, name string) action {
	def := op.Definition()
	a := action{Name: name, Method: op.Method, Path: op.Path, Statuses: op.Statuses(name)}
	texts := []string{def.Description}
	required := op.RequiredParameters(name)

	actionText := actionParameter(def).Description
	texts = append(texts, actionText)
	a.Params = append(a.Params, param{Name: "action", In: "query", Type: "string", Required: true,
		Constraints: "= " + strconv.Quote(name), Description: markdown(actionText)})
	for _, p := range op.QueryParameters(name) {
		text := p.Description
		if text == "" && p.Schema != nil && p.Schema.Value != nil {
			text = p.Schema.Value.Description
		}
		texts = append(texts, text)
		a.Params = append(a.Params, param{Name: p.Name, In: "query", Type: typeOf(p.Schema), Constraints: constraints(p.Schema),
			Required: p.Required || slices.Contains(required, p.Name), Description: markdown(text)})
		a.Query = append(a.Query, field{Name: p.Name, Value: queryExample(def, name, p)})
	}
	if schema, _ := op.RequestSchema(name); schema != nil && schema.Value != nil {
		b := &body{Schema: refName(schema.Ref), Rows: rows(schema, 0, nil)}
		for _, r := range b.Rows {
			texts = append(texts, string(r.Description))
		}
		for _, prop := range propertyNames(schema.Value) {
			ps := schema.Value.Properties[prop]
			text := ""
			if ps != nil && ps.Value != nil {
				text = ps.Value.Description
			}
			texts = append(texts, text)
			a.Params = append(a.Params, param{Name: prop, In: "JSON body", Type: typeOf(ps), Constraints: constraints(ps),
				Required: slices.Contains(schema.Value.Required, prop), Description: markdown(text)})
		}
		b.Example = bodyExample(def, name, schema)
		a.BodyExample = b.Example
		a.Body = b
	}

	for _, status := range a.Statuses {
		an := answer{Status: status, Text: http.StatusText(status)}
		if resp, _ := op.Response(name, status); resp != nil && resp.Description != nil {
			an.Description = markdown(*resp.Description)
			texts = append(texts, *resp.Description)
		}
		if schema, _ := op.ResponseSchema(name, status); schema != nil {
			an.Schema = refName(schema.Ref)
			if status < 400 {
				an.Rows = rows(schema, 0, nil)
				for _, r := range an.Rows {
					texts = append(texts, string(r.Description))
				}
			} else {
				an.Codes = errorCodes(schema)
			}
		}
		if _, ex, e := book.Answer(name, examples.Preference{Code: status}); e == nil {
			an.Example = indent(ex.Body)
		}
		a.Answers = append(a.Answers, an)
	}
	a.Decisions = decisionsIn(nil, texts...)
	slices.SortFunc(a.Decisions, func(x, y string) int { return decisionNumber(x) - decisionNumber(y) })
	return a
}

func decisionNumber(d string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(d, "D"))
	return n
}

// queryExample is the example value of an action's query parameter: the member of the example of
// an object query parameter named after the action, else the parameter's or its schema's example.
func queryExample(def *openapi3.Operation, actionName string, p contract.Parameter) string {
	for _, ref := range def.Parameters {
		if ref == nil || ref.Value == nil || ref.Value.In != openapi3.ParameterInQuery {
			continue
		}
		v := ref.Value
		if v.Name == p.Name && v.Example != nil {
			return scalar(v.Example)
		}
		if ex := v.Examples[actionName]; ex != nil && ex.Value != nil {
			if m, ok := ex.Value.Value.(map[string]any); ok && m[p.Name] != nil {
				return scalar(m[p.Name])
			}
		}
	}
	if p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Example != nil {
		return scalar(p.Schema.Value.Example)
	}
	return ""
}

// bodyExample is the example JSON body of an action: the request body's example named after it,
// else its schema's example.
func bodyExample(def *openapi3.Operation, actionName string, schema *openapi3.SchemaRef) string {
	var v any
	if rb := def.RequestBody; rb != nil && rb.Value != nil {
		if mt := rb.Value.Content.Get("application/json"); mt != nil {
			if ex := mt.Examples[actionName]; ex != nil && ex.Value != nil {
				v = ex.Value.Value
			}
		}
	}
	if v == nil {
		v = schema.Value.Example
	}
	if v == nil {
		return ""
	}
	out, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return indent(out)
}

func scalar(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	out, _ := json.Marshal(v)
	return string(out)
}

func indent(raw []byte) string {
	var buf bytes.Buffer
	if json.Indent(&buf, raw, "", "  ") != nil {
		return string(raw)
	}
	return buf.String()
}

// statusClass is the page's class of an HTTP status: s2 for 2xx, s4 for 4xx, and so on.
func statusClass(status int) string { return "s" + strconv.Itoa(status/100) }

// TryURL is the request URL of an action's curl command: its path, the action and the example
// query parameters.
func (a action) TryURL() string {
	q := url.Values{}
	for _, f := range a.Query {
		if f.Value != "" {
			q.Set(f.Name, f.Value)
		}
	}
	s := a.Path + "?action=" + url.QueryEscape(a.Name)
	if len(q) > 0 {
		s += "&" + q.Encode()
	}
	return s
}

// Curl is the action's curl command against base, with the example values and token.
func (a action) Curl(base, token string) string {
	var b strings.Builder
	b.WriteString("curl -s")
	if a.Method != http.MethodGet {
		b.WriteString(" -X " + a.Method)
	}
	b.WriteString(" -H " + shellQuote("Authorization: Bearer "+token))
	if a.BodyExample != "" {
		var compact bytes.Buffer
		_ = json.Compact(&compact, []byte(a.BodyExample))
		b.WriteString(" -H 'Content-Type: application/json' \\\n  -d " + shellQuote(compact.String()))
	}
	b.WriteString(" \\\n  " + shellQuote(base+a.TryURL()))
	return b.String()
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
