package contractdiff

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"

	"github.com/cloudplans/billing-mock/contract"
)

// What part of an action a change is in (Change.In).
const (
	InAction   = "action"   // the action itself: whether it exists, its operation, its security, its description
	InQuery    = "query"    // its query string, as one object schema with a property per parameter
	InRequest  = "request"  // its JSON body's schema
	InResponse = "response" // its answer with Change.Status: the JSON body's schema, or the response's headers and description
)

// Which version of the contract a document pointer is in (Change.Document).
const (
	Old = "old"
	New = "new"
)

// Change is one difference between two versions of the contract, in one action.
type Change struct {
	// Action is the action's name; Operation its method and path ("POST /v1/…") in NEW, or in
	// OLD when NEW does not have the action.
	Action, Operation string
	// Rule is the id of the rule that found the change: one of oasdiff's, or of the per-action
	// layer's (the Rule* constants). Oasdiff says whether the rule is oasdiff's.
	Rule    string
	Oasdiff bool
	// Breaking is true when a client written against OLD can break against NEW.
	Breaking bool
	// In says which part of the action changed (InAction, InQuery, InRequest, InResponse) and
	// Status which answer, for InResponse.
	In     string
	Status int
	// Pointer is a JSON pointer (RFC 6901) into the schema In names: the action's query-string
	// object, its request body or its answer ("" is the schema itself). InSchema is false for a
	// change outside those schemas (an action removed, a response's header), which has no
	// Pointer.
	Pointer  string
	InSchema bool
	// DocumentPointer is a JSON pointer into the document Document names (Old or New) to the
	// place that states what changed, following $refs: NEW's when NEW has the place, else OLD's.
	// Both are empty when the place is not known.
	Document, DocumentPointer string
	// Message says what changed, for people.
	Message string
}

// Report is what Compare found, sorted by action, then breaking changes first.
type Report struct {
	Changes []Change
	// Actions is the number of actions in either version.
	Actions int
}

// Breaking returns the number of breaking changes.
func (r *Report) Breaking() int {
	n := 0
	for _, c := range r.Changes {
		if c.Breaking {
			n++
		}
	}
	return n
}

// ChangedActions returns the names of the actions with at least one change, sorted.
func (r *Report) ChangedActions() []string {
	var names []string
	for _, c := range r.Changes {
		if !slices.Contains(names, c.Action) {
			names = append(names, c.Action)
		}
	}
	slices.Sort(names)
	return names
}

// comparison is one run of Compare.
type comparison struct {
	old, new map[string]*view
	docOld   *openapi3.T
	docNew   *openapi3.T
	pairs    map[pairKey]*schemaPair
	changes  []Change
}

type pairKey struct {
	key, in string
	status  int
}

// Compare compares two versions of the contract action by action: for each action, what it
// takes (its query parameters, its body) and what it answers (each status), as each document
// writes it, x-actions included. The leniency x-actions records for the billing mock ("lenient")
// is not compared: no client needs it. Operations without actions are not compared.
//
// Compare projects each version onto a document with one path per action's request and one per
// action's answer, runs oasdiff's diff and checker on the two projections, so that each of its
// findings belongs to one action, and adds the per-action layer's own rules (actions and
// statuses removed or added, descriptions). It does not modify the contracts.
func Compare(old, new *contract.Contract) (*Report, error) {
	c := &comparison{old: views(old), new: views(new), docOld: old.Document(), docNew: new.Document(), pairs: map[pairKey]*schemaPair{}}
	c.actions()
	if err := c.oasdiff(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(c.changes, func(a, b Change) int {
		return cmp.Or(strings.Compare(a.Action, b.Action), boolOrder(a.Breaking, b.Breaking),
			strings.Compare(a.In, b.In), cmp.Compare(a.Status, b.Status), strings.Compare(a.Pointer, b.Pointer),
			strings.Compare(a.Rule, b.Rule), strings.Compare(a.Message, b.Message))
	})
	c.changes = slices.CompactFunc(c.changes, func(a, b Change) bool { return a == b })
	keys := map[string]bool{}
	for k := range c.old {
		keys[k] = true
	}
	for k := range c.new {
		keys[k] = true
	}
	return &Report{Changes: c.changes, Actions: len(keys)}, nil
}

// boolOrder puts true first.
func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	default:
		return 1
	}
}

// actions applies the per-action layer's rules.
func (c *comparison) actions() {
	for key, o := range c.old {
		n, ok := c.new[key]
		if !ok {
			c.add(Change{Action: o.action, Operation: o.operation, Rule: RuleActionRemoved, Breaking: true, In: InAction,
				Document: Old, DocumentPointer: o.op.ActionPointer(o.action),
				Message: fmt.Sprintf("the action %s was removed (it was on %s)", o.action, o.operation)})
			continue
		}
		if o.operation != n.operation {
			c.add(Change{Action: n.action, Operation: n.operation, Rule: RuleActionMoved, Breaking: true, In: InAction,
				Document: New, DocumentPointer: n.op.ActionPointer(n.action),
				Message: fmt.Sprintf("the action moved from %s to %s", o.operation, n.operation)})
		}
		for _, status := range o.statuses {
			if !slices.Contains(n.statuses, status) {
				_, pointer := o.op.Response(o.action, status)
				c.add(Change{Action: n.action, Operation: n.operation, Rule: RuleStatusRemoved, Breaking: true, In: InResponse, Status: status,
					Document: Old, DocumentPointer: pointer,
					Message: fmt.Sprintf("the action no longer answers %d", status)})
			}
		}
		for _, status := range n.statuses {
			if !slices.Contains(o.statuses, status) {
				_, pointer := n.op.Response(n.action, status)
				c.add(Change{Action: n.action, Operation: n.operation, Rule: RuleStatusAdded, In: InResponse, Status: status,
					Document: New, DocumentPointer: pointer,
					Message: fmt.Sprintf("the action now also answers %d", status)})
			}
		}
		c.descriptions(key, o, n)
	}
	for key, n := range c.new {
		if _, ok := c.old[key]; !ok {
			c.add(Change{Action: n.action, Operation: n.operation, Rule: RuleActionAdded, In: InAction,
				Document: New, DocumentPointer: n.op.ActionPointer(n.action),
				Message: fmt.Sprintf("the action %s was added on %s", n.action, n.operation)})
		}
	}
}

// descriptions reports the changed descriptions, summaries and titles of an action present in
// both versions: its operation's, its parameters', its schemas' and its responses'.
func (c *comparison) descriptions(key string, o, n *view) {
	described := func(in string, status int, pointer, document, docPointer, what string) {
		c.add(Change{Action: n.action, Operation: n.operation, Rule: RuleDescriptionChanged, In: in, Status: status,
			Pointer: pointer, InSchema: pointer != "", Document: document, DocumentPointer: docPointer,
			Message: what + " changed"})
	}
	od, nd := o.op.Definition(), n.op.Definition()
	if od.Summary != nd.Summary {
		described(InAction, 0, "", New, n.op.Pointer()+"/summary", "the operation's summary")
	}
	if od.Description != nd.Description {
		described(InAction, 0, "", New, n.op.Pointer()+"/description", "the operation's description")
	}
	for _, np := range n.query {
		for _, oq := range o.query {
			if oq.Name == np.Name && oq.Description != np.Description {
				// Only a plain parameter has a description of its own, next to its "schema".
				document, place := New, np.Pointer
				if np.Description == "" {
					document, place = Old, oq.Pointer
				}
				described(InQuery, 0, "", document, strings.TrimSuffix(place, "/schema")+"/description",
					"the description of the query parameter "+np.Name)
			}
		}
	}
	schemaDocs := func(in string, status int) {
		p := c.pair(key, in, status)
		for _, d := range p.docs {
			document, dp := c.place(o, n, in, status, d.pointer)
			described(in, status, d.pointer, document, dp, "the "+d.keyword+" of "+describePointer(in, status, strings.TrimSuffix(d.pointer, "/"+d.keyword)))
		}
	}
	schemaDocs(InQuery, 0)
	if o.body != nil && n.body != nil {
		schemaDocs(InRequest, 0)
	}
	for _, status := range n.statuses {
		if !slices.Contains(o.statuses, status) {
			continue
		}
		or, _ := o.op.Response(o.action, status)
		nr, pointer := n.op.Response(n.action, status)
		if or.Description != nil && nr.Description != nil && *or.Description != *nr.Description {
			c.add(Change{Action: n.action, Operation: n.operation, Rule: RuleDescriptionChanged, In: InResponse, Status: status,
				Document: New, DocumentPointer: pointer + "/description", Message: "the description of the response changed"})
		}
		schemaDocs(InResponse, status)
	}
}

// describePointer names a schema of an action for a message: "#/properties/x of the request
// body".
func describePointer(in string, status int, pointer string) string {
	what := map[string]string{InQuery: "the query string", InRequest: "the request body", InResponse: "the " + strconv.Itoa(status) + " answer"}[in]
	if pointer == "" {
		return what
	}
	return "#" + pointer + " in " + what
}

func (c *comparison) add(ch Change) { c.changes = append(c.changes, ch) }

// schema returns the root of the schema In names for an action of one version, with its
// document pointer and, for a query string, the document pointer of each parameter.
func (v *view) schema(in string, status int) (root *openapi3.SchemaRef, pointer string, members map[string]string) {
	if v == nil {
		return nil, "", nil
	}
	switch in {
	case InQuery:
		return v.queryRoot, "", v.memberPointers()
	case InRequest:
		return v.body, v.bodyPointer, nil
	default:
		s, p := v.op.ResponseSchema(v.action, status)
		return s, p, nil
	}
}

// pair returns the walk of one schema of an action in both versions.
func (c *comparison) pair(key, in string, status int) *schemaPair {
	k := pairKey{key, in, status}
	if p, ok := c.pairs[k]; ok {
		return p
	}
	o, _, _ := c.old[key].schema(in, status)
	n, _, _ := c.new[key].schema(in, status)
	p := walkPair(o, n)
	c.pairs[k] = p
	return p
}

// documentPointer returns the document pointer of a pointer into one schema of an action, in
// the version v is.
func (c *comparison) documentPointer(v *view, in string, status int, pointer string) (string, bool) {
	root, rootPointer, members := v.schema(in, status)
	if root == nil {
		return "", false
	}
	return documentPointer(root, rootPointer, members, pointer)
}

// oasdiff runs oasdiff's diff and checker on the projections of both versions and turns each of
// its findings into a Change of the action it belongs to.
func (c *comparison) oasdiff() error {
	po, targetsOld := project(c.old, c.docOld)
	pn, targetsNew := project(c.new, c.docNew)
	d, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(),
		&load.SpecInfo{Url: "OLD", Spec: po}, &load.SpecInfo{Url: "NEW", Spec: pn})
	if err != nil {
		return fmt.Errorf("contractdiff: oasdiff: %w", err)
	}
	localizer := checker.NewDefaultLocalizer()
	for _, ch := range checker.CheckBackwardCompatibilityUntilLevel(checkerConfig(), d, sources, checker.INFO) {
		if skipped[ch.GetId()] {
			continue
		}
		if ch.GetPath() == "" && strings.HasPrefix(ch.GetId(), securityComponentRules) {
			c.securityComponent(ch, localizer)
			continue
		}
		t, ok := targetsNew[ch.GetPath()]
		if !ok {
			t, ok = targetsOld[ch.GetPath()]
		}
		if !ok {
			return fmt.Errorf("contractdiff: oasdiff reported %s on %s, which is no path of the projection", ch.GetId(), ch.GetPath())
		}
		c.add(c.fromOasdiff(ch, t, localizer))
	}
	return nil
}

// securityComponentRules is the prefix of the ids of oasdiff's rules about a security scheme of
// the components, whose findings have no path.
const securityComponentRules = "api-security-component-"

// securityComponent turns an oasdiff finding about a security scheme of the components into one
// Change for each action that uses the scheme in both versions: a scheme whose type, HTTP scheme
// or API key's name changed breaks every action that requires it. A scheme added or removed is
// not reported, nor a change of one no action uses in both: an action that starts or stops
// requiring a scheme has a finding of its own (api-security-added, api-security-removed).
func (c *comparison) securityComponent(ch checker.Change, localizer checker.Localizer) {
	args := stringArgs(ch.GetArgs())
	if len(args) == 0 {
		return
	}
	scheme := args[0]
	for key, n := range c.new {
		o, ok := c.old[key]
		if !ok || !o.requires(scheme) || !n.requires(scheme) {
			continue
		}
		c.add(Change{Action: n.action, Operation: n.operation, Rule: ch.GetId(), Oasdiff: true,
			Breaking: ch.GetLevel() >= checker.WARN, In: InAction,
			Document: New, DocumentPointer: "/components/securitySchemes/" + pointerEscaper.Replace(scheme),
			Message: ch.GetUncolorizedText(localizer)})
	}
}

// requires reports whether one of the action's security requirements names a scheme.
func (v *view) requires(scheme string) bool {
	for _, requirement := range v.security {
		if _, ok := requirement[scheme]; ok {
			return true
		}
	}
	return false
}

// fromOasdiff turns an oasdiff finding on the projection's path of target t into a Change:
// the action, the part of it, the pointer into its schema (found from the property or parameter
// the finding names, and the keyword its rule is about) and the document pointer.
func (c *comparison) fromOasdiff(ch checker.Change, t target, localizer checker.Localizer) Change {
	o, n := c.old[t.key], c.new[t.key]
	v := n
	if v == nil {
		v = o
	}
	rule := oasdiffRules[ch.GetId()]
	out := Change{Action: v.action, Operation: v.operation, Rule: ch.GetId(), Oasdiff: true,
		Breaking: ch.GetLevel() >= checker.WARN, Status: t.status, Message: ch.GetUncolorizedText(localizer)}
	if override, ok := levelOverrides[out.Rule]; ok {
		out.Message += " (breaking here: " + override.why + ")"
	}
	args := stringArgs(ch.GetArgs())
	switch {
	case t.status == 0 && parameterRule(rule):
		out.In = InQuery
		for _, a := range args {
			if o.hasParameter(a) || n.hasParameter(a) {
				out.Pointer, out.InSchema = "/properties/"+pointerEscaper.Replace(a), true
				break
			}
		}
	case t.status == 0 && (rule.Area == checker.AreaRequestBody || rule.Area == checker.AreaSchema):
		out.In, out.InSchema = InRequest, true
	case t.status == 0:
		out.In = InAction
		out.Document, out.DocumentPointer = New, v.op.Pointer()
		if rule.Area == checker.AreaSecurity {
			out.DocumentPointer += "/security"
		}
		return out
	case rule.Area == checker.AreaHeaders:
		out.In = InResponse
	headers:
		for _, a := range args {
			for _, side := range []struct {
				v    *view
				name string
			}{{n, New}, {o, Old}} {
				if _, pointer, ok := side.v.header(t.status, a); ok {
					out.Document, out.DocumentPointer = side.name, pointer
					break headers
				}
			}
		}
		return out
	case rule.Area == checker.AreaResponses && !strings.Contains(rule.Id, "-body-"): // media types, not the schema
		out.In = InResponse
		_, pointer := v.op.Response(v.action, t.status)
		out.Document, out.DocumentPointer = New, pointer
		return out
	default:
		out.In, out.InSchema = InResponse, true
	}
	if out.In != InQuery {
		pair := c.pair(t.key, out.In, t.status)
		for _, a := range args {
			if pointer, ok := pair.pointers[a]; ok {
				out.Pointer = pointer
				break
			}
		}
		if out.Pointer == "" {
			for _, a := range args {
				if strings.ContainsAny(a, "/[") {
					if pointer, ok := pair.locate(a); ok {
						out.Pointer = pointer
						break
					}
				}
			}
		}
	}
	if out.InSchema {
		switch kw := keyword(rule); kw {
		case "":
		case "required":
			out.Pointer = parentSchema(out.Pointer) + "/required"
		default:
			out.Pointer += "/" + kw
		}
		out.Document, out.DocumentPointer = c.place(o, n, out.In, t.status, out.Pointer)
	}
	return out
}

// place returns the document and document pointer of a pointer into a schema of an action:
// NEW's when NEW has what it names, else OLD's when OLD has it, else NEW's nearest place.
func (c *comparison) place(o, n *view, in string, status int, pointer string) (string, string) {
	for _, side := range []struct {
		v    *view
		name string
	}{{n, New}, {o, Old}} {
		if side.v == nil || !has(side.v, in, status, pointer) {
			continue
		}
		if dp, ok := c.documentPointer(side.v, in, status, pointer); ok {
			return side.name, dp
		}
	}
	if n != nil {
		if dp, ok := c.documentPointer(n, in, status, pointer); ok {
			return New, dp
		}
	}
	return "", ""
}

// has reports whether a version of an action has what a pointer into one of its schemas names:
// every subschema on the way and, when the pointer ends with a keyword ("/maximum"), that keyword.
func has(v *view, in string, status int, pointer string) bool {
	s, _, _ := v.schema(in, status)
	segs := splitPointer(pointer)
	for i := 0; i < len(segs); i++ {
		if s == nil || s.Value == nil {
			return false
		}
		switch segs[i] {
		case "properties":
			if i+1 >= len(segs) {
				return hasKeyword(s.Value, "properties")
			}
			s = s.Value.Properties[segs[i+1]]
			i++
		case "items":
			s = s.Value.Items
		case "allOf", "anyOf", "oneOf":
			list := branches(s.Value, segs[i])
			n, err := strconv.Atoi(segAt(segs, i+1))
			if err != nil || n < 0 || n >= len(list) {
				return false
			}
			s = list[n]
			i++
		default:
			return hasKeyword(s.Value, segs[i])
		}
	}
	return s != nil && s.Value != nil
}

// hasKeyword reports whether a schema, written as JSON, has a member.
func hasKeyword(s *openapi3.Schema, keyword string) bool {
	data, err := json.Marshal(s)
	if err != nil {
		return false
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(data, &members) != nil {
		return false
	}
	_, ok := members[keyword]
	return ok
}

func segAt(segs []string, i int) string {
	if i < len(segs) {
		return segs[i]
	}
	return ""
}

// parentSchema drops the last "/properties/<name>" of a pointer: the schema whose required
// list names the property.
func parentSchema(pointer string) string {
	i := strings.LastIndex(pointer, "/properties/")
	if i < 0 {
		return pointer
	}
	return pointer[:i]
}

func (v *view) hasParameter(name string) bool {
	if v == nil {
		return false
	}
	return slices.ContainsFunc(v.query, func(p contract.Parameter) bool { return p.Name == name })
}

// header returns a header of an action's response and its document pointer.
func (v *view) header(status int, name string) (*openapi3.HeaderRef, string, bool) {
	if v == nil {
		return nil, "", false
	}
	r, pointer := v.op.Response(v.action, status)
	if r == nil || r.Headers[name] == nil {
		return nil, "", false
	}
	h := r.Headers[name]
	return h, refPointer(h.Ref, pointer+"/headers/"+pointerEscaper.Replace(name)), true
}

// stringArgs returns the arguments of an oasdiff finding that are strings.
func stringArgs(args []any) []string {
	var out []string
	for _, a := range args {
		if s, ok := a.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
