package contracttest

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"regexp"
	"slices"
	"strings"
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
	// Requires lists the capabilities the scenario needs; it is skipped when one is missing.
	Requires []Capability
	// Steps run in order; the first failing step ends the scenario.
	Steps []Step
}

// Step is a request to the API or a state step, with what to expect.
type Step struct {
	// Name says what the step does; Line is where it is in the file.
	Name string
	Line int
	// Rule is where the step's expectations come from (every API step has one).
	Rule Rule
	// Request is set for an API step, Control for a state step: exactly one of them.
	Request *Request
	Control *Control
	Expect  Expect
}

// Level says where a rule comes from.
type Level string

// The levels of conformance. A Finding is at LevelSetup when it is not about the contract: a
// state step that failed, a broken scenario, roles that do not fit the target.
const (
	// LevelDocs: the Billing page of the API reference says it.
	LevelDocs Level = "docs"
	// LevelDecision: this contract decided it where the docs are silent (a README row "D<n>").
	LevelDecision Level = "decision"
	LevelSetup    Level = "setup"
)

// String is the level's name.
func (l Level) String() string { return string(l) }

// Rule is where a check comes from: the docs, or a decision of this contract with the id of its
// row in the README's "Where the docs were unclear" table ("D4").
type Rule struct {
	Level    Level  `json:"level"`
	Decision string `json:"decision,omitempty"`
}

// String renders a rule as reports show it: "docs" or "decision D4".
func (r Rule) String() string {
	if r.Level == LevelDecision {
		return "decision " + r.Decision
	}
	return string(r.Level)
}

var (
	docsRule  = Rule{Level: LevelDocs}
	setupRule = Rule{Level: LevelSetup}
)

// decision is the rule of a decision of this contract.
func decision(id string) Rule { return Rule{Level: LevelDecision, Decision: id} }

// decisionID matches the id of a row of the README's decision table.
var decisionID = regexp.MustCompile(`^D[1-9][0-9]*$`)

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

// The state steps a scenario may call ("control: <op>"). Each needs a capability: its own name,
// or Fault for ControlClearFaults.
const (
	ControlReset              = "reset"
	ControlCompleteCheckout   = "complete_checkout"
	ControlDeclineCheckout    = "decline_checkout"
	ControlCompleteCardUpdate = "complete_card_update"
	ControlDeclineCardUpdate  = "decline_card_update"
	// ControlAdvanceClock moves the billing clock forward by its body's "by" (a Go duration).
	ControlAdvanceClock = "advance_clock"
	// ControlFault adds a fault rule (its body, e.g. {action: getorganization, status: 500,
	// count: 1}); ControlClearFaults deletes the session's fault rules.
	ControlFault       = "fault"
	ControlClearFaults = "clear_faults"
)

var controlOps = []string{ControlReset, ControlCompleteCheckout, ControlDeclineCheckout, ControlCompleteCardUpdate, ControlDeclineCardUpdate, ControlAdvanceClock, ControlFault, ControlClearFaults}

// controlCall is how the test-support protocol performs a state step: its method, its path (%s is
// the link's id when it takes a link), whether it needs a body, the status it answers on success,
// and the capability it needs.
type controlCall struct {
	method, path string
	link, body   bool
	status       int
	needs        Capability
}

var controlCalls = map[string]controlCall{
	ControlReset:              {method: http.MethodPost, path: "/_mock/reset", status: http.StatusOK, needs: Reset},
	ControlCompleteCheckout:   {method: http.MethodPost, path: "/_mock/checkouts/%s/complete", link: true, status: http.StatusOK, needs: CompleteCheckout},
	ControlDeclineCheckout:    {method: http.MethodPost, path: "/_mock/checkouts/%s/decline", link: true, status: http.StatusOK, needs: DeclineCheckout},
	ControlCompleteCardUpdate: {method: http.MethodPost, path: "/_mock/card-updates/%s/complete", link: true, status: http.StatusOK, needs: CompleteCardUpdate},
	ControlDeclineCardUpdate:  {method: http.MethodPost, path: "/_mock/card-updates/%s/decline", link: true, status: http.StatusOK, needs: DeclineCardUpdate},
	ControlAdvanceClock:       {method: http.MethodPost, path: "/_mock/clock/advance", body: true, status: http.StatusOK, needs: AdvanceClock},
	ControlFault:              {method: http.MethodPost, path: "/_mock/faults", body: true, status: http.StatusCreated, needs: Fault},
	ControlClearFaults:        {method: http.MethodDelete, path: "/_mock/faults", status: http.StatusOK, needs: Fault},
}

// Control is a state step.
type Control struct {
	// Op is one of the Control* constants.
	Op string
	// Link is a payment or update-card link (the whole URL the API answered).
	Link string
	// Body is sent as JSON when set (e.g. {payment_exp: "2031-06"}); ControlFault and
	// ControlAdvanceClock need one.
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
	// At maps a JSON pointer to a value that must contain this subset ("/billing_history/0").
	At map[string]any
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
	doc, pos, err := decodeScenario(data)
	if err != nil {
		return nil, &LoadError{File: file, Line: err.line, Err: err.err}
	}
	fail := func(line int, format string, args ...any) error {
		return &LoadError{File: file, Line: line, Err: fmt.Errorf(format, args...)}
	}
	sc := &Scenario{File: file, Line: pos.line(), Name: doc.Name, Description: doc.Description}
	if sc.Name == "" {
		return nil, fail(pos.line("name"), "name: a non-empty string is required")
	}
	if strings.ContainsAny(sc.Name, " \t\n/") {
		return nil, fail(pos.line("name"), "name %q: use letters, digits, - and _ only", sc.Name)
	}
	if sc.Requires, err = doc.Requires.capabilities(pos.sub("requires")); err != nil {
		return nil, fail(err.line, "requires: %v", err.err)
	}
	def, rerr := parseRule(doc.Level, doc.Decision)
	if rerr != nil {
		return nil, fail(ruleLine(pos), "%v", rerr)
	}
	if len(doc.Steps) == 0 {
		return nil, fail(pos.line("steps"), "steps: a non-empty list is required")
	}
	for i, sd := range doc.Steps {
		sp := pos.sub("steps", i)
		st, err := sd.step(sp, def)
		if err != nil {
			return nil, fail(err.line, "step %d: %v", i+1, err.err)
		}
		if st.Control != nil {
			if need := controlCalls[st.Control.Op].needs; !slices.Contains(sc.Requires, need) {
				return nil, fail(sp.line(), "step %d: control %s needs %s in the scenario's requires (requires: [%s])", i+1, st.Control.Op, need, need)
			}
		}
		if st.Request != nil && hasHeader(st.Request.Headers, "Prefer") && !slices.Contains(sc.Requires, Prefer) {
			return nil, fail(sp.line("request", "headers"), "step %d: the Prefer header is the mock's own: add prefer to the scenario's requires", i+1)
		}
		if st.Name == "" {
			st.Name = fmt.Sprintf("step %d", i+1)
		}
		sc.Steps = append(sc.Steps, st)
	}
	return sc, nil
}

func hasHeader(h map[string]string, name string) bool {
	for k := range h {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// ruleLine is the line of a level or decision key.
func ruleLine(pos positions) int {
	if pos.has("level") {
		return pos.line("level")
	}
	return pos.line("decision")
}

// parseRule reads the level and decision keys of a scenario or a step; both empty is the zero
// Rule (none given).
func parseRule(level, id string) (Rule, error) {
	switch {
	case level != "" && id != "":
		return Rule{}, errors.New(`give level: docs or decision: D<n>, not both`)
	case id != "":
		if !decisionID.MatchString(id) {
			return Rule{}, fmt.Errorf(`decision %q: the id of a row of the README's "Where the docs were unclear" table, as D4`, id)
		}
		return decision(id), nil
	case level == "docs":
		return docsRule, nil
	case level != "":
		return Rule{}, fmt.Errorf(`level %q: docs, or decision: D<n> for a decision of this contract`, level)
	}
	return Rule{}, nil
}

// step turns a decoded step into a Step; def is the scenario's rule.
func (sd *stepDoc) step(pos positions, def Rule) (Step, *posError) {
	st := Step{Name: sd.Name, Line: pos.line()}
	rule, err := parseRule(sd.Level, sd.Decision)
	if err != nil {
		return st, &posError{ruleLine(pos), err}
	}
	switch {
	case sd.Request != nil && sd.Control != "":
		return st, pos.errorf(nil, "a step has either request or control, not both")
	case sd.Request != nil:
		if sd.Link != "" || pos.has("body") {
			return st, pos.errorf(nil, "link and body belong to control steps; put the body under request")
		}
		req, perr := sd.Request.request(pos.sub("request"))
		if perr != nil {
			return st, asPosError(perr, pos.line("request"))
		}
		st.Request = req
		if st.Rule = rule; st.Rule.Level == "" {
			st.Rule = def
		}
	case sd.Control != "":
		if rule.Level != "" {
			return st, pos.errorf([]any{"level"}, "a control step checks nothing of the contract: it takes no level or decision")
		}
		c, err := sd.control(pos)
		if err != nil {
			return st, err
		}
		st.Control = c
	default:
		return st, pos.errorf(nil, "a step needs request or control")
	}
	exp, perr := sd.Expect.expect(pos.sub("expect"))
	if perr != nil {
		return st, asPosError(perr, pos.line("expect"))
	}
	st.Expect = exp
	if st.Request != nil && st.Rule.Level == "" {
		return st, pos.errorf(nil, `tag the step with level: docs (the Billing page says it) or decision: D<n> (a row of the README's "Where the docs were unclear" table), here or on the scenario`)
	}
	return st, nil
}

func (sd *stepDoc) control(pos positions) (*Control, *posError) {
	c := &Control{Op: sd.Control, Link: sd.Link}
	call, known := controlCalls[c.Op]
	if !known {
		return nil, pos.errorf([]any{"control"}, "unknown control %q (known: %s)", c.Op, strings.Join(controlOps, ", "))
	}
	switch {
	case call.link && c.Link == "":
		return nil, pos.errorf(nil, "control %s needs link (e.g. \"{{link}}\", captured from an earlier step)", c.Op)
	case !call.link && pos.has("link"):
		return nil, pos.errorf([]any{"link"}, "control %s takes no link", c.Op)
	}
	if pos.has("body") {
		v, err := sd.Body.json(pos.sub("body"))
		if err != nil {
			return nil, err
		}
		c.Body, c.HasBody = v, true
	}
	switch {
	case call.body && !c.HasBody && c.Op == ControlAdvanceClock:
		return nil, pos.errorf(nil, "control advance_clock needs body (e.g. {by: 744h})")
	case call.body && !c.HasBody:
		return nil, pos.errorf(nil, "control %s needs body (e.g. {action: getorganization, status: 500, count: 1})", c.Op)
	case c.HasBody && call.method != http.MethodPost:
		return nil, pos.errorf([]any{"body"}, "control %s takes no body", c.Op)
	}
	if c.Op == ControlAdvanceClock {
		m, _ := c.Body.(map[string]any)
		if by, _ := m["by"].(string); len(m) != 1 || by == "" {
			return nil, pos.errorf([]any{"body"}, "control advance_clock: body is {by: <a Go duration, e.g. 744h>}")
		}
	}
	return c, nil
}

func (rd *requestDoc) request(pos positions) (*Request, *posError) {
	r := &Request{Method: http.MethodGet, Path: rd.Path, Auth: rd.Auth, Headers: rd.Headers}
	if rd.Method != "" {
		r.Method = strings.ToUpper(rd.Method)
	}
	if !strings.HasPrefix(r.Path, "/") {
		return nil, pos.errorf([]any{"path"}, "path must start with /")
	}
	if len(rd.Query) > 0 {
		r.Query = map[string][]string{}
		for k, v := range rd.Query {
			r.Query[k] = v
		}
	}
	bodies := 0
	if pos.has("body") {
		v, err := rd.Body.json(pos.sub("body"))
		if err != nil {
			return nil, err
		}
		r.Body, r.HasBody = v, true
		bodies++
	}
	if rd.RawBody != nil {
		r.RawBody = rd.RawBody
		bodies++
	}
	if rd.BodyBytes != nil {
		if r.BodyBytes = *rd.BodyBytes; r.BodyBytes < 16 || r.BodyBytes > 8<<20 {
			return nil, pos.errorf([]any{"body_bytes"}, "body_bytes: an integer from 16 to 8388608")
		}
		bodies++
	}
	if bodies > 1 {
		return nil, pos.errorf(nil, "use one of body, raw_body and body_bytes")
	}
	return r, nil
}

func (ed *expectDoc) expect(pos positions) (Expect, *posError) {
	e := Expect{Status: ed.Status, Ignore: ed.Ignore, Len: ed.Len, Capture: ed.Capture}
	if pos.has("status") && (e.Status < 100 || e.Status > 599) {
		return e, pos.errorf([]any{"status"}, "status: an HTTP status from 100 to 599")
	}
	if pos.has("body") {
		v, err := ed.Body.json(pos.sub("body"))
		if err != nil {
			return e, err
		}
		e.Body, e.HasBody = v, true
	}
	switch ed.Match {
	case "", "subset":
	case "exact":
		e.Exact = true
	default:
		return e, pos.errorf([]any{"match"}, "match: subset or exact, not %q", ed.Match)
	}
	for i, p := range e.Ignore {
		if !validPointer(p) {
			return e, pos.errorf([]any{"ignore", i}, "ignore: %q is not a JSON pointer (\"/response/id\")", p)
		}
	}
	for k := range e.Len {
		if !validPointer(k) {
			return e, pos.errorf([]any{"len"}, "len: %q is not a JSON pointer", k)
		}
	}
	var perr *posError
	if e.Each, perr = subsets(pos, "each", ed.Each); perr != nil {
		return e, perr
	}
	if e.At, perr = subsets(pos, "at", ed.At); perr != nil {
		return e, perr
	}
	for k, p := range e.Capture {
		if !validName(k) {
			return e, pos.errorf([]any{"capture"}, "capture: %q is not a variable name (letters, digits, _)", k)
		}
		inner := p
		if strings.HasPrefix(p, "len(") && strings.HasSuffix(p, ")") {
			inner = p[4 : len(p)-1]
		}
		if !validPointer(inner) {
			return e, pos.errorf([]any{"capture", k}, "capture %s: %q is not a JSON pointer or len(pointer)", k, p)
		}
	}
	return e, nil
}

// subsets reads a map of JSON pointers to expected subsets (each, at).
func subsets(pos positions, key string, in map[string]yamlValue) (map[string]any, *posError) {
	if len(in) == 0 {
		return nil, nil
	}
	out := map[string]any{}
	for k, v := range in {
		if !validPointer(k) {
			return nil, pos.errorf([]any{key}, "%s: %q is not a JSON pointer", key, k)
		}
		jv, err := v.json(pos.sub(key, k))
		if err != nil {
			return nil, err
		}
		out[k] = jv
	}
	return out, nil
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
