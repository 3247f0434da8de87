package contracttest

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Scenario is one file of fixtures/contract: steps run in order, in one session.
type Scenario struct {
	// Name identifies the scenario (unique across files); -run matches it.
	Name string
	// Description says what the scenario checks, for people.
	Description string
	// File is the file the scenario came from, and Line its line there.
	File string
	Line int
	// RequiresControl: the scenario uses control steps and is skipped without the control API.
	RequiresControl bool
	// Steps run in order; the first failing step ends the scenario.
	Steps []Step
}

// Step is a request to the API or a call to the control API, with what to expect.
type Step struct {
	// Name says what the step does; Line is where it is in the file.
	Name string
	Line int
	// Request is set for an API step, Control for a control step: exactly one of them.
	Request *Request
	Control *Control
	Expect  Expect
}

// Request is an HTTP request to the API. Strings may hold {{variables}}.
type Request struct {
	Method string
	Path   string
	// Query holds parameters; a list value repeats the parameter.
	Query map[string][]string
	// Auth, when set, sends "Authorization: Bearer <Auth>".
	Auth    string
	Headers map[string]string
	// Body is sent as JSON (a YAML value); RawBody is sent as is; BodyBytes sends a JSON body of
	// that many bytes. At most one of them.
	Body      any
	HasBody   bool
	RawBody   *string
	BodyBytes int
}

// The control operations a step may call.
const (
	ControlReset              = "reset"
	ControlCompleteCheckout   = "complete_checkout"
	ControlDeclineCheckout    = "decline_checkout"
	ControlCompleteCardUpdate = "complete_card_update"
	ControlDeclineCardUpdate  = "decline_card_update"
	// ControlFault adds a fault rule (its body, e.g. {action: getorganization, status: 500,
	// count: 1}); ControlClearFaults deletes the session's fault rules.
	ControlFault       = "fault"
	ControlClearFaults = "clear_faults"
)

var controlOps = []string{ControlReset, ControlCompleteCheckout, ControlDeclineCheckout, ControlCompleteCardUpdate, ControlDeclineCardUpdate, ControlFault, ControlClearFaults}

// controlCall is how a control operation is called: its method, its path (%s is the link's id
// when it takes a link), whether it needs a body, and the status it answers on success.
type controlCall struct {
	method, path string
	link, body   bool
	status       int
}

var controlCalls = map[string]controlCall{
	ControlReset:              {method: http.MethodPost, path: "/_mock/reset", status: http.StatusOK},
	ControlCompleteCheckout:   {method: http.MethodPost, path: "/_mock/checkouts/%s/complete", link: true, status: http.StatusOK},
	ControlDeclineCheckout:    {method: http.MethodPost, path: "/_mock/checkouts/%s/decline", link: true, status: http.StatusOK},
	ControlCompleteCardUpdate: {method: http.MethodPost, path: "/_mock/card-updates/%s/complete", link: true, status: http.StatusOK},
	ControlDeclineCardUpdate:  {method: http.MethodPost, path: "/_mock/card-updates/%s/decline", link: true, status: http.StatusOK},
	ControlFault:              {method: http.MethodPost, path: "/_mock/faults", body: true, status: http.StatusCreated},
	ControlClearFaults:        {method: http.MethodDelete, path: "/_mock/faults", status: http.StatusOK},
}

// Control is a call to the control API.
type Control struct {
	// Op is one of the Control* constants.
	Op string
	// Link is a payment or update-card link (its last path segment is the id).
	Link string
	// Body is sent as JSON when set (e.g. {payment_exp: "2031-06"}); ControlFault needs one.
	Body    any
	HasBody bool
}

// Expect is what a step's answer must be.
type Expect struct {
	// Status is the HTTP status; 0 means 200.
	Status int
	// Body is compared with the answer: as a subset (Exact false) or exactly.
	Body    any
	HasBody bool
	Exact   bool
	// Ignore lists JSON pointers left out of the comparison.
	Ignore []string
	// Len maps a JSON pointer to the length its array must have (a template).
	Len map[string]string
	// Each maps a JSON pointer to an array whose every element must contain this subset.
	Each map[string]any
	// Capture maps a variable name to a JSON pointer ("/response") or "len(/pointer)".
	Capture map[string]string
}

// LoadError names the file and line of a scenario that cannot be loaded.
type LoadError struct {
	File string
	Line int
	Err  error
}

func (e *LoadError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *LoadError) Unwrap() error { return e.Err }

// LoadScenarios reads every *.yaml file of fsys's root, sorted by name, and checks that scenario
// names are unique.
func LoadScenarios(fsys fs.FS) ([]*Scenario, error) {
	files, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("contracttest: list scenarios: %w", err)
	}
	if len(files) == 0 {
		return nil, errors.New("contracttest: no *.yaml scenario files")
	}
	slices.Sort(files)
	var out []*Scenario
	seen := map[string]string{}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("contracttest: read %s: %w", f, err)
		}
		sc, err := ParseScenario(f, data)
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[sc.Name]; dup {
			return nil, &LoadError{File: f, Line: sc.Line, Err: fmt.Errorf("scenario name %q is already used in %s", sc.Name, prev)}
		}
		seen[sc.Name] = f
		out = append(out, sc)
	}
	return out, nil
}

// ParseScenario parses one scenario file. Errors are *LoadError naming the file and line.
func ParseScenario(file string, data []byte) (*Scenario, error) {
	fail := func(n *yaml.Node, format string, args ...any) error {
		line := 0
		if n != nil {
			line = n.Line
		}
		return &LoadError{File: file, Line: line, Err: fmt.Errorf(format, args...)}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, &LoadError{File: file, Err: fmt.Errorf("not YAML: %w", err)}
	}
	if len(doc.Content) != 1 {
		return nil, fail(&doc, "expected one YAML document")
	}
	root := doc.Content[0]
	m, err := mapping(root, "scenario", "name", "description", "requires", "steps")
	if err != nil {
		return nil, fail(errNode(err, root), "%v", errText(err))
	}
	sc := &Scenario{File: file, Line: root.Line}
	if sc.Name, err = str(m["name"]); err != nil || sc.Name == "" {
		return nil, fail(orNode(m["name"], root), "name: a non-empty string is required")
	}
	if strings.ContainsAny(sc.Name, " \t\n/") {
		return nil, fail(m["name"], "name %q: use letters, digits, - and _ only", sc.Name)
	}
	if sc.Description, err = str(m["description"]); err != nil {
		return nil, fail(m["description"], "description: %v", err)
	}
	req, err := str(m["requires"])
	switch {
	case err != nil:
		return nil, fail(m["requires"], "requires: %v", err)
	case req == "control":
		sc.RequiresControl = true
	case req != "":
		return nil, fail(m["requires"], "requires: only \"control\" is known, not %q", req)
	}
	steps := m["steps"]
	if steps == nil || steps.Kind != yaml.SequenceNode || len(steps.Content) == 0 {
		return nil, fail(orNode(steps, root), "steps: a non-empty list is required")
	}
	for i, n := range steps.Content {
		st, err := parseStep(n)
		if err != nil {
			return nil, fail(errNode(err, n), "step %d: %v", i+1, errText(err))
		}
		if st.Control != nil && !sc.RequiresControl {
			return nil, fail(n, "step %d: a control step needs \"requires: control\" on the scenario", i+1)
		}
		if st.Name == "" {
			st.Name = fmt.Sprintf("step %d", i+1)
		}
		sc.Steps = append(sc.Steps, st)
	}
	return sc, nil
}

// nodeError is an error at a node, for a line number.
type nodeError struct {
	node *yaml.Node
	err  error
}

func (e *nodeError) Error() string { return e.err.Error() }

func at(n *yaml.Node, format string, args ...any) error {
	return &nodeError{node: n, err: fmt.Errorf(format, args...)}
}

func errNode(err error, def *yaml.Node) *yaml.Node {
	var ne *nodeError
	if errors.As(err, &ne) && ne.node != nil {
		return ne.node
	}
	return def
}

func errText(err error) string { return err.Error() }

func orNode(n, def *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return def
}

// mapping returns a mapping node's members by key, refusing keys not in allowed.
func mapping(n *yaml.Node, what string, allowed ...string) (map[string]*yaml.Node, error) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, at(n, "%s must be a mapping", what)
	}
	out := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !slices.Contains(allowed, k.Value) {
			return nil, at(k, "%s: unknown key %q (known: %s)", what, k.Value, strings.Join(allowed, ", "))
		}
		if _, dup := out[k.Value]; dup {
			return nil, at(k, "%s: key %q appears twice", what, k.Value)
		}
		out[k.Value] = n.Content[i+1]
	}
	return out, nil
}

// str decodes an optional scalar string.
func str(n *yaml.Node) (string, error) {
	if n == nil {
		return "", nil
	}
	if n.Kind != yaml.ScalarNode {
		return "", at(n, "expected a string")
	}
	return n.Value, nil
}

// value decodes any YAML value into JSON-compatible Go values.
func value(n *yaml.Node) (any, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, at(n, "%v", err)
	}
	return normalizeYAML(v, n)
}

// normalizeYAML turns YAML-decoded maps into map[string]any and refuses what JSON cannot hold.
func normalizeYAML(v any, n *yaml.Node) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			ne, err := normalizeYAML(e, n)
			if err != nil {
				return nil, err
			}
			v[k] = ne
		}
		return v, nil
	case map[any]any:
		return nil, at(n, "mapping keys must be strings")
	case []any:
		for i, e := range v {
			ne, err := normalizeYAML(e, n)
			if err != nil {
				return nil, err
			}
			v[i] = ne
		}
		return v, nil
	case nil, string, bool, int, int64, uint64, float64:
		return v, nil
	default:
		return nil, at(n, "a %T cannot be sent as JSON; quote it", v)
	}
}

func parseStep(n *yaml.Node) (Step, error) {
	m, err := mapping(n, "step", "name", "request", "control", "link", "body", "expect")
	if err != nil {
		return Step{}, err
	}
	st := Step{Line: n.Line}
	if st.Name, err = str(m["name"]); err != nil {
		return st, err
	}
	switch {
	case m["request"] != nil && m["control"] != nil:
		return st, at(n, "a step has either request or control, not both")
	case m["request"] != nil:
		if m["link"] != nil || m["body"] != nil {
			return st, at(n, "link and body belong to control steps; put the body under request")
		}
		if st.Request, err = parseRequest(m["request"]); err != nil {
			return st, err
		}
	case m["control"] != nil:
		c := &Control{}
		if c.Op, err = str(m["control"]); err != nil {
			return st, err
		}
		if !slices.Contains(controlOps, c.Op) {
			return st, at(m["control"], "unknown control %q (known: %s)", c.Op, strings.Join(controlOps, ", "))
		}
		call := controlCalls[c.Op]
		if c.Link, err = str(m["link"]); err != nil {
			return st, err
		}
		switch {
		case call.link && c.Link == "":
			return st, at(n, "control %s needs link (e.g. \"{{link}}\", captured from an earlier step)", c.Op)
		case !call.link && m["link"] != nil:
			return st, at(m["link"], "control %s takes no link", c.Op)
		}
		if b := m["body"]; b != nil {
			if c.Body, err = value(b); err != nil {
				return st, err
			}
			c.HasBody = true
		}
		switch {
		case call.body && !c.HasBody:
			return st, at(n, "control %s needs body (e.g. {action: getorganization, status: 500, count: 1})", c.Op)
		case c.HasBody && call.method != http.MethodPost:
			return st, at(m["body"], "control %s takes no body", c.Op)
		}
		st.Control = c
	default:
		return st, at(n, "a step needs request or control")
	}
	if e := m["expect"]; e != nil {
		if st.Expect, err = parseExpect(e); err != nil {
			return st, err
		}
	}
	return st, nil
}

func parseRequest(n *yaml.Node) (*Request, error) {
	m, err := mapping(n, "request", "method", "path", "query", "auth", "headers", "body", "raw_body", "body_bytes")
	if err != nil {
		return nil, err
	}
	r := &Request{Method: http.MethodGet}
	if v, err := str(m["method"]); err != nil {
		return nil, err
	} else if v != "" {
		r.Method = strings.ToUpper(v)
	}
	if r.Path, err = str(m["path"]); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(r.Path, "/") {
		return nil, at(orNode(m["path"], n), "path must start with /")
	}
	if q := m["query"]; q != nil {
		qm, err := mapping(q, "query", keysOf(q)...)
		if err != nil {
			return nil, err
		}
		r.Query = map[string][]string{}
		for k, v := range qm {
			switch v.Kind {
			case yaml.ScalarNode:
				r.Query[k] = []string{v.Value}
			case yaml.SequenceNode:
				for _, e := range v.Content {
					if e.Kind != yaml.ScalarNode {
						return nil, at(e, "query %s: expected strings", k)
					}
					r.Query[k] = append(r.Query[k], e.Value)
				}
			default:
				return nil, at(v, "query %s: expected a string or a list of strings", k)
			}
		}
	}
	if r.Auth, err = str(m["auth"]); err != nil {
		return nil, err
	}
	if h := m["headers"]; h != nil {
		hm, err := mapping(h, "headers", keysOf(h)...)
		if err != nil {
			return nil, err
		}
		r.Headers = map[string]string{}
		for k, v := range hm {
			if r.Headers[k], err = str(v); err != nil {
				return nil, err
			}
		}
	}
	bodies := 0
	if b := m["body"]; b != nil {
		if r.Body, err = value(b); err != nil {
			return nil, err
		}
		r.HasBody = true
		bodies++
	}
	if b := m["raw_body"]; b != nil {
		s, err := str(b)
		if err != nil {
			return nil, err
		}
		r.RawBody = &s
		bodies++
	}
	if b := m["body_bytes"]; b != nil {
		if err := b.Decode(&r.BodyBytes); err != nil || r.BodyBytes < 16 || r.BodyBytes > 8<<20 {
			return nil, at(b, "body_bytes: an integer from 16 to 8388608")
		}
		bodies++
	}
	if bodies > 1 {
		return nil, at(n, "use one of body, raw_body and body_bytes")
	}
	return r, nil
}

func keysOf(n *yaml.Node) []string {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var out []string
	for i := 0; i < len(n.Content); i += 2 {
		out = append(out, n.Content[i].Value)
	}
	return out
}

func parseExpect(n *yaml.Node) (Expect, error) {
	var e Expect
	m, err := mapping(n, "expect", "status", "body", "match", "ignore", "len", "each", "capture")
	if err != nil {
		return e, err
	}
	if s := m["status"]; s != nil {
		if err := s.Decode(&e.Status); err != nil || e.Status < 100 || e.Status > 599 {
			return e, at(s, "status: an HTTP status from 100 to 599")
		}
	}
	if b := m["body"]; b != nil {
		if e.Body, err = value(b); err != nil {
			return e, err
		}
		e.HasBody = true
	}
	switch mt, err := str(m["match"]); {
	case err != nil:
		return e, err
	case mt == "" || mt == "subset":
	case mt == "exact":
		e.Exact = true
	default:
		return e, at(m["match"], "match: subset or exact, not %q", mt)
	}
	if ig := m["ignore"]; ig != nil {
		if ig.Kind != yaml.SequenceNode {
			return e, at(ig, "ignore: a list of JSON pointers")
		}
		for _, p := range ig.Content {
			if p.Kind != yaml.ScalarNode || !validPointer(p.Value) {
				return e, at(p, "ignore: %q is not a JSON pointer (\"/response/id\")", p.Value)
			}
			e.Ignore = append(e.Ignore, p.Value)
		}
	}
	if l := m["len"]; l != nil {
		lm, err := mapping(l, "len", keysOf(l)...)
		if err != nil {
			return e, err
		}
		e.Len = map[string]string{}
		for k, v := range lm {
			if !validPointer(k) {
				return e, at(v, "len: %q is not a JSON pointer", k)
			}
			if e.Len[k], err = str(v); err != nil {
				return e, err
			}
		}
	}
	if each := m["each"]; each != nil {
		em, err := mapping(each, "each", keysOf(each)...)
		if err != nil {
			return e, err
		}
		e.Each = map[string]any{}
		for k, v := range em {
			if !validPointer(k) {
				return e, at(v, "each: %q is not a JSON pointer", k)
			}
			if e.Each[k], err = value(v); err != nil {
				return e, err
			}
		}
	}
	if c := m["capture"]; c != nil {
		cm, err := mapping(c, "capture", keysOf(c)...)
		if err != nil {
			return e, err
		}
		e.Capture = map[string]string{}
		for k, v := range cm {
			if !validName(k) {
				return e, at(v, "capture: %q is not a variable name (letters, digits, _)", k)
			}
			p, err := str(v)
			if err != nil {
				return e, err
			}
			inner := p
			if strings.HasPrefix(p, "len(") && strings.HasSuffix(p, ")") {
				inner = p[4 : len(p)-1]
			}
			if !validPointer(inner) {
				return e, at(v, "capture %s: %q is not a JSON pointer or len(pointer)", k, p)
			}
			e.Capture[k] = p
		}
	}
	return e, nil
}

// validPointer accepts "" (the whole document) and "/a/b".
func validPointer(p string) bool { return p == "" || strings.HasPrefix(p, "/") }

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// embeddedDir is the directory of the embedded scenarios inside billingmock.Fixtures().
const embeddedDir = "contract"

// subFS roots fsys at dir.
func subFS(fsys fs.FS, dir string) (fs.FS, error) {
	return fs.Sub(fsys, path.Clean(dir))
}
