// Package recorder writes the traffic the validating proxy observes as contract scenarios, in the
// format of fixtures/contract (contracttest/FORMAT.md), one file per flow.
//
// A flow is the consecutive billing API requests of one token on one organization, in one
// X-Mock-Session session (the default session for requests without one). A flow ends, and is
// written, when a request of its session names another token or organization, when its session
// resets (POST /_mock/reset), when its session saw no request for Options.Idle, and when the
// recorder closes (billing-mock's shutdown).
//
// In a scenario, the roles' tokens and organizations are the role variables ({{token}},
// {{org}}, …); a token of no role is {{unknown_token}} when the answer was a 401 (a flow with
// another token of no role is not written); other organization ids stay as they are. Dynamic values of the answers (links, ids, dates) are not compared: each one
// that a later step uses is captured, and used as its variable there. Error messages are not
// compared either (codes are).
//
// A flow rarely starts from the seed: before its own steps, a scenario replays, as setup steps
// that check the status only, what changed its session's state since the session was reset
// (links asked and state changes that succeeded, the test-support calls, and every request while
// a fault rule was set), so that it replays green against a fresh mock.
package recorder

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/contracttest/scenariofile"
	"github.com/cloudplans/billing-mock/mock/internal/proxy"
)

// Options configure a Recorder.
type Options struct {
	// Dir is where scenario files go; it is made if missing.
	Dir string
	// Roles are the role variables and their values (token, member_token, outsider_token, org,
	// fresh_org, outsider_org).
	Roles map[string]string
	// Idle ends a flow whose session saw no request for that long; 0 means DefaultIdle.
	Idle time.Duration
	// Logger gets a line per file written and per flow left out; nil logs nothing.
	Logger *slog.Logger
}

// DefaultIdle is how long a session may be quiet before its flow is written.
const DefaultIdle = 30 * time.Second

// maxSetup bounds the setup steps replayed before a flow; a session with more changes writes its
// flows without setup (they may then fail against a fresh mock).
const maxSetup = 1000

// maxFlow bounds a flow's own steps: a longer one is written and a new one started.
const maxFlow = 500

// Recorder writes flows as scenarios. It is safe for concurrent use.
type Recorder struct {
	opts     Options
	mu       sync.Mutex
	sessions map[string]*sessionFlows
	next     int // the number of the next file
	stop     chan struct{}
	done     chan struct{}
	closed   bool
	err      error // the first write error, returned by Close
}

// sessionFlows is one session's open flow and the setup the flows after it replay.
type sessionFlows struct {
	id         string
	setup      []*proxy.Exchange
	flow       []*proxy.Exchange
	token, org string
	hasAPI     bool
	faulty     bool // a fault rule may be set: every request goes into the setup
	last       time.Time
}

// New makes the directory and starts the idle timer.
func New(opts Options) (*Recorder, error) {
	if opts.Idle <= 0 {
		opts.Idle = DefaultIdle
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("make %s: %w", opts.Dir, err)
	}
	next, err := nextNumber(opts.Dir)
	if err != nil {
		return nil, err
	}
	rec := &Recorder{opts: opts, sessions: map[string]*sessionFlows{}, next: next, stop: make(chan struct{}), done: make(chan struct{})}
	go rec.tick()
	return rec, nil
}

// fileName matches the files a Recorder writes.
var fileName = regexp.MustCompile(`^flow-([0-9]+)\.yaml$`)

// nextNumber is one more than the highest flow-N.yaml in dir, so that a second run adds files.
func nextNumber(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", dir, err)
	}
	next := 1
	for _, e := range entries {
		if m := fileName.FindStringSubmatch(e.Name()); m != nil {
			n, _ := strconv.Atoi(m[1])
			next = max(next, n+1)
		}
	}
	return next, nil
}

func (rec *Recorder) tick() {
	defer close(rec.done)
	t := time.NewTicker(max(rec.opts.Idle/4, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-rec.stop:
			return
		case now := <-t.C:
			rec.mu.Lock()
			for _, s := range rec.sessions {
				if len(s.flow) > 0 && now.Sub(s.last) >= rec.opts.Idle {
					rec.flush(s)
				}
			}
			rec.mu.Unlock()
		}
	}
}

// Close writes every open flow and stops the idle timer; it returns the first error of a write.
func (rec *Recorder) Close() error {
	rec.mu.Lock()
	if rec.closed {
		rec.mu.Unlock()
		return rec.err
	}
	rec.closed = true
	close(rec.stop)
	ids := make([]string, 0, len(rec.sessions))
	for id := range rec.sessions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		rec.flush(rec.sessions[id])
	}
	rec.mu.Unlock()
	<-rec.done
	return rec.err
}

// Observe takes one exchange of the proxy.
func (rec *Recorder) Observe(x *proxy.Exchange) {
	kind := classify(x)
	if kind == ignored {
		return
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.closed {
		return
	}
	s := rec.sessions[x.Session]
	if s == nil {
		s = &sessionFlows{id: x.Session}
		rec.sessions[x.Session] = s
	}
	s.last = time.Now()
	switch {
	case kind == reset:
		rec.flush(s)
		s.setup, s.faulty = nil, false
		return
	case kind == api:
		if s.hasAPI && (x.Token != s.token || x.Org != s.org) || len(s.flow) >= maxFlow {
			rec.flush(s)
		}
		s.token, s.org, s.hasAPI = x.Token, x.Org, true
	}
	s.flow = append(s.flow, x)
}

// flush writes the session's open flow, if it has a billing API request, and moves what the
// flows after it depend on into the setup.
func (rec *Recorder) flush(s *sessionFlows) {
	flow := s.flow
	s.flow, s.hasAPI = nil, false
	if len(flow) == 0 {
		return
	}
	setup := s.setup
	if len(setup) > maxSetup {
		setup = nil
	}
	if slices.ContainsFunc(flow, func(x *proxy.Exchange) bool { return classify(x) == api }) {
		rec.write(s, setup, flow)
	}
	for _, x := range flow {
		switch c := controlOf(x); {
		case c == "fault":
			s.faulty = true
		case c == "clear_faults":
			s.faulty = false
		}
		if s.faulty || classify(x) == control || changesState(x) {
			s.setup = append(s.setup, x)
		}
	}
}

// write renders one flow and writes it as flow-N.yaml.
func (rec *Recorder) write(s *sessionFlows, setup, flow []*proxy.Exchange) {
	name := fmt.Sprintf("flow-%04d", rec.next)
	doc, err := render(name, rec.opts.Roles, s.id, setup, flow)
	if err != nil {
		if rec.opts.Logger != nil {
			rec.opts.Logger.Warn("flow not recorded", slog.String("flow", name), slog.String("reason", err.Error()))
		}
		return
	}
	rec.next++
	file := filepath.Join(rec.opts.Dir, name+".yaml")
	if err := os.WriteFile(file, doc, 0o644); err != nil {
		if rec.err == nil {
			rec.err = fmt.Errorf("write %s: %w", file, err)
		}
		return
	}
	if rec.opts.Logger != nil {
		rec.opts.Logger.Info("flow recorded", slog.String("file", file), slog.Int("steps", len(setup)+len(flow)))
	}
}

// The kinds of exchange.
type kind int

const (
	ignored kind = iota
	api
	control
	reset
)

// classify says what an exchange is to the recorder: a billing API request, a state step of the
// test-support protocol (or the mock's fault rules), a reset, or nothing it records. Exchanges
// the proxy answered itself with a 5xx (an unreachable upstream, an enforced violation) and
// failed test-support calls are not recorded: no implementation would answer them so.
func classify(x *proxy.Exchange) kind {
	if x.API {
		if x.Own {
			return ignored
		}
		return api
	}
	if x.Status < 200 || x.Status > 299 {
		return ignored
	}
	if x.Method == http.MethodPost && x.Path == "/_mock/reset" {
		return reset
	}
	if controlOf(x) != "" {
		return control
	}
	return ignored
}

// controlPaths are the state steps of FORMAT.md, "Provider states", by method and path pattern.
var controlPaths = []struct {
	method string
	re     *regexp.Regexp
	op     string
}{
	{http.MethodPost, regexp.MustCompile(`^/_mock/checkouts/([^/]+)/complete$`), "complete_checkout"},
	{http.MethodPost, regexp.MustCompile(`^/_mock/checkouts/([^/]+)/decline$`), "decline_checkout"},
	{http.MethodPost, regexp.MustCompile(`^/_mock/card-updates/([^/]+)/complete$`), "complete_card_update"},
	{http.MethodPost, regexp.MustCompile(`^/_mock/card-updates/([^/]+)/decline$`), "decline_card_update"},
	{http.MethodPost, regexp.MustCompile(`^/_mock/clock/advance$`), "advance_clock"},
	{http.MethodPost, regexp.MustCompile(`^/_mock/faults$`), "fault"},
	{http.MethodDelete, regexp.MustCompile(`^/_mock/faults$`), "clear_faults"},
}

// controlOf names the state step an exchange is ("" for none).
func controlOf(x *proxy.Exchange) string {
	op, _ := controlStep(x)
	return op
}

// controlStep names the state step an exchange is and, for a link's, the link's id.
func controlStep(x *proxy.Exchange) (op, id string) {
	if x.API {
		return "", ""
	}
	for _, c := range controlPaths {
		if m := c.re.FindStringSubmatch(x.Path); m != nil && x.Method == c.method {
			if len(m) > 1 {
				id = m[1]
			}
			return c.op, id
		}
	}
	return "", ""
}

// stateActions are the actions that change state when they succeed.
var stateActions = []string{"getpaymentlink", "getupdatecardlink", "updatesubscription", "cancelsubscription"}

func changesState(x *proxy.Exchange) bool {
	return x.API && x.Status == http.StatusOK && slices.Contains(stateActions, x.Action)
}

// capabilityOf is the capability a state step needs.
var capabilityOf = map[string]string{
	"complete_checkout": "complete_checkout", "decline_checkout": "decline_checkout",
	"complete_card_update": "complete_card_update", "decline_card_update": "decline_card_update",
	"advance_clock": "advance_clock", "fault": "fault", "clear_faults": "fault",
}

// errNotRecordable says why a flow cannot be written.
var errNotRecordable = errors.New("not recordable")

// recordedHeaders are the request headers a step keeps (besides Authorization, which is auth).
var recordedHeaders = []string{"Content-Type", "Prefer"}

// largeBody is the size from which a request body is written as body_bytes (its size) rather
// than as itself: the 413 tests' bodies.
const largeBody = 64 << 10

// scenario, step, request and expect are the file's format (contracttest/FORMAT.md).
type (
	scenario = scenariofile.File
	step     = scenariofile.Step
	request  = scenariofile.Request
	expect   = scenariofile.Expect
)

// writer turns exchanges into steps, keeping the variables known so far.
type writer struct {
	roles map[string]string // value → role variable
	vars  map[string]string // a captured value → its variable
	links map[string]string // a link's id → the variable of the link
	count map[string]int    // captures made, by kind
	// later are the strings the steps after the current one use (in requests and answers).
	later []map[string]bool
	i     int
}

// render writes one scenario: the setup steps (status only), then the flow's steps.
func render(name string, roles map[string]string, session string, setup, flow []*proxy.Exchange) ([]byte, error) {
	all := append(slices.Clip(setup), flow...)
	w := &writer{roles: map[string]string{}, vars: map[string]string{}, links: map[string]string{}, count: map[string]int{}}
	for _, v := range slices.Sorted(mapKeys(roles)) {
		if val := roles[v]; val != "" {
			if _, dup := w.roles[val]; !dup {
				w.roles[val] = v
			}
		}
	}
	w.later = laterUses(all)
	sc := scenario{Name: name, Level: "docs"}
	who := ""
	for idx, x := range all {
		w.i = idx
		st, caps, err := w.step(x, idx < len(setup))
		if err != nil {
			return nil, err
		}
		for _, c := range caps {
			if !slices.Contains(sc.Requires, c) {
				sc.Requires = append(sc.Requires, c)
			}
		}
		if idx >= len(setup) && x.API && who == "" {
			who = fmt.Sprintf("%s on %s", w.tokenRef(x), w.value(x.Org))
		}
		sc.Steps = append(sc.Steps, st)
	}
	slices.Sort(sc.Requires)
	where := "the default session"
	if session != "" {
		where = "session " + strconv.Quote(session)
	}
	sc.Description = fmt.Sprintf("Recorded by billing-mock -proxy in %s: %d requests of %s", where, len(flow), who)
	if len(setup) > 0 {
		sc.Description += fmt.Sprintf(", after %d setup steps that replay the session's earlier changes", len(setup))
	}
	sc.Description += "."
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(sc); err != nil {
		return nil, fmt.Errorf("encode %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// laterUses[i] is every string used by the steps after step i: query values, body strings, link
// ids of state steps and the strings of answers.
func laterUses(all []*proxy.Exchange) []map[string]bool {
	out := make([]map[string]bool, len(all))
	acc := map[string]bool{}
	for i := len(all) - 1; i >= 0; i-- {
		out[i] = maps(acc)
		x := all[i]
		q, _ := url.ParseQuery(x.Query)
		for _, vs := range q {
			for _, v := range vs {
				acc[v] = true
			}
		}
		if _, id := controlStep(x); id != "" {
			acc["link-id:"+id] = true
		}
		for _, raw := range [][]byte{x.Body, x.Answer} {
			var v any
			if json.Unmarshal(raw, &v) == nil {
				eachString(v, func(s string) { acc[s] = true })
			}
		}
	}
	return out
}

func maps(m map[string]bool) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func eachString(v any, f func(string)) {
	switch v := v.(type) {
	case string:
		f(v)
	case map[string]any:
		for _, e := range v {
			eachString(e, f)
		}
	case []any:
		for _, e := range v {
			eachString(e, f)
		}
	}
}

// tokenRef is the auth value of a token: its role variable, {{unknown_token}} for another token
// answered 401, "" for none.
func (w *writer) tokenRef(x *proxy.Exchange) string {
	if x.Token == "" {
		return ""
	}
	if v, ok := w.roles[x.Token]; ok {
		return "{{" + v + "}}"
	}
	if x.Status == http.StatusUnauthorized {
		return "{{unknown_token}}"
	}
	return ""
}

// value is a request's string as the scenario writes it: a role variable, a captured variable,
// {{unknown_org}}, or itself.
func (w *writer) value(s string) string {
	if v, ok := w.roles[s]; ok {
		return "{{" + v + "}}"
	}
	if v, ok := w.vars[s]; ok {
		return "{{" + v + "}}"
	}
	return s
}

// step converts one exchange; setup steps check the status only.
func (w *writer) step(x *proxy.Exchange, setup bool) (step, []string, error) {
	prefix := ""
	if setup {
		prefix = "setup: "
	}
	if op, id := controlStep(x); op != "" {
		st := step{Name: prefix + strings.ReplaceAll(op, "_", " "), Control: op}
		if id != "" {
			v, ok := w.links[id]
			if !ok {
				return step{}, nil, fmt.Errorf("%w: %s of a link no step of the session asked for", errNotRecordable, op)
			}
			st.Link = "{{" + v + "}}"
		}
		if op != "clear_faults" && len(x.Body) > 0 {
			var b any
			if json.Unmarshal(x.Body, &b) == nil {
				st.Body = w.requestValue(b)
			}
		}
		return st, []string{capabilityOf[op]}, nil
	}
	req := &request{Path: x.Path}
	if x.Method != http.MethodGet {
		req.Method = x.Method
	}
	var caps []string
	auth := x.Header.Get("Authorization")
	if x.Token != "" {
		if req.Auth = w.tokenRef(x); req.Auth == "" && x.Status != http.StatusUnauthorized {
			return step{}, nil, fmt.Errorf("%w: a request with a token of no role (give the roles with -proxy-roles)", errNotRecordable)
		}
	} else if auth != "" {
		req.Headers = map[string]string{"Authorization": w.scrub(auth)}
	}
	q, err := url.ParseQuery(x.Query)
	if err == nil && len(q) > 0 {
		req.Query = map[string]any{}
		for k, vs := range q {
			if len(vs) == 1 {
				req.Query[k] = w.value(vs[0])
				continue
			}
			list := make([]string, len(vs))
			for i, v := range vs {
				list[i] = w.value(v)
			}
			req.Query[k] = list
		}
	}
	ct := x.Header.Get("Content-Type")
	switch {
	case x.Oversize > 0:
		req.BodyBytes = int(x.Oversize)
	case len(x.Body) > largeBody:
		req.BodyBytes = len(x.Body)
	case len(x.Body) > 0:
		if b, ok := plainJSON(x.Body); ok && ct == "application/json" {
			req.Body = w.requestValue(b)
		} else {
			raw := w.scrub(string(x.Body))
			req.RawBody = &raw
		}
	}
	for _, h := range recordedHeaders {
		v := x.Header.Get(h)
		if v == "" || (h == "Content-Type" && (req.Body != nil || req.BodyBytes > 0 || len(x.Body) == 0)) {
			continue
		}
		if req.Headers == nil {
			req.Headers = map[string]string{}
		}
		req.Headers[h] = w.scrub(v)
		if h == "Prefer" {
			caps = append(caps, "prefer")
		}
	}
	st := step{Name: prefix + stepName(x, w), Request: req, Expect: &expect{}}
	if x.Status != http.StatusOK {
		st.Expect.Status = x.Status
	}
	var answer any
	if json.Unmarshal(x.Answer, &answer) == nil {
		body, captures := w.answer(answer, "", setup)
		if !setup && body != nil {
			st.Expect.Body = body
		}
		if len(captures) > 0 {
			st.Expect.Capture = captures
		}
	}
	if st.Expect.Status == 0 && st.Expect.Body == nil && st.Expect.Capture == nil {
		st.Expect = nil
	}
	return st, caps, nil
}

// plainJSON decodes a body that YAML can write back as the same JSON: an object whose members
// each appear once and whose numbers are integers written plainly. Anything else (3.0, 1e400, a
// member twice, an array) is sent as a raw_body, byte for byte.
func plainJSON(raw []byte) (any, bool) {
	if _, err := contract.ParseObject(raw); err != nil {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil, false
	}
	plain := true
	var walk func(v any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case json.Number:
			n, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil || strconv.FormatInt(n, 10) != string(v) {
				plain = false
			}
			return n
		case map[string]any:
			for k, e := range v {
				v[k] = walk(e)
			}
		case []any:
			for i, e := range v {
				v[i] = walk(e)
			}
		}
		return v
	}
	v = walk(v)
	return v, plain
}

func stepName(x *proxy.Exchange, w *writer) string {
	if x.Action != "" {
		return fmt.Sprintf("%s %s", x.Action, strings.Trim(w.value(x.Org), "{}"))
	}
	return x.Method + " " + path.Base(x.Path)
}

// scrub replaces the roles' tokens and organizations inside a string by their variables.
func (w *writer) scrub(s string) string {
	for val, v := range w.roles {
		s = strings.ReplaceAll(s, val, "{{"+v+"}}")
	}
	return s
}

// requestValue is a decoded request body with role values and captured values as variables.
func (w *writer) requestValue(v any) any {
	switch v := v.(type) {
	case string:
		return w.value(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = w.requestValue(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = w.requestValue(e)
		}
		return out
	case float64:
		if v == float64(int64(v)) {
			return int64(v)
		}
	}
	return v
}

// date matches the start of a date (and of a time stamp).
var date = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}`)

// dynamicKind says whether an answer's string at member name is dynamic: "link", "date", "id",
// or "" for a value compared as it is.
func dynamicKind(name, s string) string {
	switch {
	case strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://"):
		return "link"
	case date.MatchString(s):
		return "date"
	case name == "id" || strings.HasSuffix(name, "_id"):
		return "id"
	}
	return ""
}

// answer returns the expected body for an answer (nil for a setup step) and the captures it
// makes: role values as their variables, values captured before as theirs, dynamic values
// left out (and captured when a later step uses them), error messages left out.
func (w *writer) answer(v any, ptr string, setup bool) (any, map[string]string) {
	captures := map[string]string{}
	fresh := map[string]string{} // captured by this step: usable from the next one
	var walk func(v any, ptr, name string) (any, bool)
	walk = func(v any, ptr, name string) (any, bool) {
		switch v := v.(type) {
		case map[string]any:
			out := map[string]any{}
			for k, e := range v {
				if k == "message" && strings.HasSuffix(ptr, "/error") {
					continue
				}
				if ev, keep := walk(e, ptr+"/"+escape(k), k); keep {
					out[k] = ev
				}
			}
			return out, true
		case []any:
			out := make([]any, len(v))
			for i, e := range v {
				ev, keep := walk(e, ptr+"/"+strconv.Itoa(i), "")
				if !keep {
					ev = map[string]any{} // an element must stay: arrays are compared by length
				}
				out[i] = ev
			}
			return out, true
		case string:
			if r, ok := w.roles[v]; ok {
				return "{{" + r + "}}", true
			}
			if r, ok := w.vars[v]; ok {
				return "{{" + r + "}}", true
			}
			kind := dynamicKind(name, v)
			if kind == "" {
				return v, true
			}
			used := w.later[w.i][v]
			if kind == "link" {
				id := linkID(v)
				used = used || w.later[w.i]["link-id:"+id]
			}
			if _, done := fresh[v]; used && !done {
				w.count[kind]++
				nv := kind + strconv.Itoa(w.count[kind])
				captures[nv] = ptr
				fresh[v] = nv
				if kind == "link" {
					w.links[linkID(v)] = nv
				}
			}
			return nil, false
		case float64:
			if v == float64(int64(v)) {
				return int64(v), true
			}
		}
		return v, true
	}
	body, _ := walk(v, ptr, "")
	for val, name := range fresh {
		w.vars[val] = name
	}
	if setup {
		body = nil
	}
	return body, captures
}

// linkID is a link's last path segment, as the test-support protocol names it.
func linkID(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	return path.Base(u.Path)
}

// escape escapes a member name for a JSON pointer (RFC 6901).
func escape(k string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
}
