package contracttest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// The six actions and the path, method and location of parameters the contract gives each.
var exploreActions = []struct {
	name, path, method string
	// inBody: org_id (and quantity) go in a JSON body; else in the query string.
	inBody, quantity, write bool
}{
	{describeAction, describePath, http.MethodGet, false, false, false},
	{historyAction, historyPath, http.MethodGet, false, false, false},
	{"getpaymentlink", updatePath, http.MethodPost, false, true, true},
	{"getupdatecardlink", updatePath, http.MethodPost, true, false, true},
	{"updatesubscription", updatePath, http.MethodPost, true, true, true},
	{"cancelsubscription", updatePath, http.MethodPost, true, false, true},
}

// actionWeights make writes (which change the state the reads then see) commoner than reads.
var actionWeights = []int{15, 12, 14, 10, 30, 8}

// The roles a request acts as: a token variable, or no token, or a malformed header.
const (
	roleOwner     = "token"
	roleMember    = "member_token"
	roleOutsider  = "outsider_token"
	roleUnknown   = "unknown_token"
	roleNone      = ""
	roleMalformed = "malformed"
)

// The organizations a request names, by their variable.
var exploreOrgs = []string{"org", "fresh_org", "outsider_org", "unknown_org"}

// inputKind is how a generated request is built: valid, or one kind of invalid input the contract
// fixes the answer to.
type inputKind string

const (
	inputValid         inputKind = "valid"
	inputBadQuantity   inputKind = "quantity out of range"
	inputWrongType     inputKind = "quantity of a wrong type"
	inputMissingOrg    inputKind = "org_id missing"
	inputMissingQty    inputKind = "quantity missing"
	inputConflict      inputKind = "a parameter repeated with another value"
	inputUnknownMember inputKind = "an unknown body member"
	inputTextBody      inputKind = "a text/plain body"
	inputMissingAction inputKind = "action missing"
	inputWrongMethod   inputKind = "the wrong method"
)

// input is one generated API request, before it is built into a Request: shrinking simplifies it.
type input struct {
	action   int // index in exploreActions
	role     string
	org      string
	kind     inputKind
	quantity string // the quantity as JSON text ("3", "\"3\"", "2.5") or query text
}

// xstep is one step of an explored sequence: an API request (in) or a state step (op, with the
// step whose link it uses, the card expiry it pays with, or the time it advances by).
type xstep struct {
	in *input
	op string
	// linkFrom is the index, in the sequence, of the getpaymentlink or getupdatecardlink step
	// whose link a checkout or card-update step uses.
	linkFrom   int
	paymentExp string
	by         time.Duration
}

// generator makes sequences from a seed: sequence i from its own stream, so that sequences are
// the same whatever order they run in.
type generator struct {
	seed uint64
	// ops are the state steps the target can perform, of those exploration knows.
	ops []string
	// maxLen bounds a sequence's steps.
	maxLen int
}

// exploredOps are the state steps exploration mixes in, when the target offers them.
var exploredOps = []string{ControlCompleteCheckout, ControlDeclineCheckout, ControlCompleteCardUpdate, ControlDeclineCardUpdate, ControlAdvanceClock}

// sequence generates sequence i, of at most n steps.
func (g *generator) sequence(i, n int) []xstep {
	rng := rand.New(rand.NewPCG(g.seed, uint64(i)))
	length := min(n, 1+rng.IntN(g.maxLen))
	seq := make([]xstep, 0, length)
	for len(seq) < length {
		if st, ok := g.stateStep(rng, seq); ok {
			seq = append(seq, st)
			continue
		}
		in := g.request(rng)
		seq = append(seq, xstep{in: &in, linkFrom: -1})
	}
	return seq
}

// stateStep maybe makes a state step: most often right after a link was asked, on that link.
func (g *generator) stateStep(rng *rand.Rand, seq []xstep) (xstep, bool) {
	if len(g.ops) == 0 {
		return xstep{}, false
	}
	chance := 0.12
	if n := len(seq); n > 0 && seq[n-1].in != nil && linkAction(seq[n-1].in.action) != "" {
		chance = 0.7
	}
	if rng.Float64() >= chance {
		return xstep{}, false
	}
	op := g.ops[rng.IntN(len(g.ops))]
	st := xstep{op: op, linkFrom: -1}
	switch op {
	case ControlAdvanceClock:
		st.by = []time.Duration{time.Hour, 24 * time.Hour, 14 * 24 * time.Hour, 744 * time.Hour}[rng.IntN(4)]
		return st, true
	case ControlCompleteCheckout, ControlCompleteCardUpdate:
		st.paymentExp = []string{"", "2031-06", "2027-01", "2026-11", "2020-01"}[rng.IntN(5)]
	}
	want := "getpaymentlink"
	if op == ControlCompleteCardUpdate || op == ControlDeclineCardUpdate {
		want = "getupdatecardlink"
	}
	for j := len(seq) - 1; j >= 0; j-- {
		if seq[j].in != nil && linkAction(seq[j].in.action) == want {
			st.linkFrom = j
			return st, true
		}
	}
	return xstep{}, false
}

// linkAction is the name of a link-making action, else "".
func linkAction(action int) string {
	if name := exploreActions[action].name; name == "getpaymentlink" || name == "getupdatecardlink" {
		return name
	}
	return ""
}

// request generates an API request: mostly the owner's valid ones, then every role and every
// invalid input the contract fixes the answer to.
func (g *generator) request(rng *rand.Rand) input {
	in := input{action: weighted(rng, actionWeights), kind: inputValid}
	a := exploreActions[in.action]
	switch r := rng.IntN(100); {
	case r < 58:
		in.role = roleOwner
	case r < 72:
		in.role = roleMember
	case r < 86:
		in.role = roleOutsider
	case r < 93:
		in.role = roleUnknown
	case r < 97:
		in.role = roleNone
	default:
		in.role = roleMalformed
	}
	switch in.role {
	case roleOwner:
		in.org = exploreOrgs[weighted(rng, []int{45, 40, 10, 5})]
	case roleMember:
		in.org = exploreOrgs[weighted(rng, []int{75, 10, 10, 5})]
	case roleOutsider:
		in.org = exploreOrgs[weighted(rng, []int{35, 10, 50, 5})]
	default:
		in.org = exploreOrgs[rng.IntN(3)]
	}
	in.quantity = strconv.Itoa([]int{1, 2, 3, 4, 5, 7, 12, 100, 9999, 10000}[rng.IntN(10)])
	if rng.IntN(100) < 30 {
		kinds := []inputKind{inputMissingOrg, inputTextBody, inputMissingAction, inputWrongMethod}
		if a.quantity {
			kinds = append(kinds, inputBadQuantity, inputBadQuantity, inputWrongType, inputWrongType, inputMissingQty)
		}
		if a.inBody {
			kinds = append(kinds, inputUnknownMember)
		} else {
			kinds = append(kinds, inputConflict)
		}
		in.kind = kinds[rng.IntN(len(kinds))]
	}
	switch in.kind {
	case inputBadQuantity:
		in.quantity = []string{"0", "-1", "10001", "100000"}[rng.IntN(4)]
	case inputWrongType:
		if a.inBody {
			in.quantity = []string{`"5"`, `2.5`, `true`, `null`}[rng.IntN(4)]
		} else {
			in.quantity = []string{"abc", "2.5", "", "1e2"}[rng.IntN(4)]
		}
	}
	return in
}

// weighted picks an index with the given weights.
func weighted(rng *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := rng.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

// request builds the step's Request: its parameters where the contract puts them, but for the
// invalid input it is made to send. Templates name the roles' variables.
func (in *input) request() *Request {
	a := exploreActions[in.action]
	r := &Request{Method: a.method, Path: a.path, Query: map[string][]string{"action": {a.name}}}
	switch in.role {
	case roleNone:
	case roleMalformed:
		r.Headers = map[string]string{"Authorization": "Token {{token}}"}
	default:
		r.Auth = "{{" + in.role + "}}"
	}
	org := "{{" + in.org + "}}"
	params := map[string]any{}
	if in.kind != inputMissingOrg {
		params["org_id"] = org
	}
	if a.quantity && in.kind != inputMissingQty {
		if a.inBody {
			params["quantity"] = bodyQuantity(in.quantity)
		} else {
			params["quantity"] = in.quantity
		}
	}
	switch in.kind {
	case inputUnknownMember:
		params["plan"] = "enterprise"
	case inputMissingAction:
		delete(r.Query, "action")
	case inputWrongMethod:
		r.Method = map[string]string{http.MethodGet: http.MethodPost, http.MethodPost: http.MethodGet}[a.method]
	}
	if a.inBody {
		r.Body, r.HasBody = params, true
	} else {
		for _, k := range sortedKeys(params) {
			r.Query[k] = []string{params[k].(string)}
		}
	}
	switch in.kind {
	case inputConflict:
		other := "{{org}}"
		if in.org == "org" {
			other = "{{fresh_org}}"
		}
		if _, ok := r.Query["quantity"]; ok && in.org == "fresh_org" {
			r.Query["quantity"] = append(r.Query["quantity"], in.quantity+"1")
		} else {
			r.Query["org_id"] = []string{org, other}
		}
	case inputTextBody:
		raw := "org_id=" + org
		r.RawBody, r.HasBody, r.Body = &raw, false, nil
		r.Headers = mergeHeaders(r.Headers, map[string]string{"Content-Type": "text/plain"})
	}
	return r
}

// bodyQuantity is a body's quantity: a JSON number "{{num:…}}"-free, as the JSON text says.
func bodyQuantity(text string) any {
	switch text {
	case "true":
		return true
	case "null":
		return nil
	}
	if n, err := strconv.Atoi(text); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(text, 64); err == nil {
		return f
	}
	s, err := strconv.Unquote(text)
	if err != nil {
		return text
	}
	return s
}

func mergeHeaders(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// name says what a step does, for reports and the scenario.
func (st xstep) name(i int) string {
	if st.in == nil {
		switch st.op {
		case ControlAdvanceClock:
			return fmt.Sprintf("step %d: advance the clock by %s", i+1, st.by)
		case ControlCompleteCheckout, ControlCompleteCardUpdate:
			card := "the default card"
			if st.paymentExp != "" {
				card = "a card expiring " + st.paymentExp
			}
			return fmt.Sprintf("step %d: %s the link of step %d with %s", i+1, st.op, st.linkFrom+1, card)
		}
		return fmt.Sprintf("step %d: %s the link of step %d", i+1, st.op, st.linkFrom+1)
	}
	a := exploreActions[st.in.action]
	who := map[string]string{roleOwner: "the owner", roleMember: "the member", roleOutsider: "the outsider", roleUnknown: "an unknown token", roleNone: "no token", roleMalformed: "a malformed Authorization header"}[st.in.role]
	s := fmt.Sprintf("step %d: %s of %s by %s", i+1, a.name, st.in.org, who)
	if a.quantity && st.in.kind != inputMissingQty {
		s += ", quantity " + st.in.quantity
	}
	if st.in.kind != inputValid {
		s += " (" + string(st.in.kind) + ")"
	}
	return s
}

// simpler lists the simplifications of a step that shrinking tries, simplest first.
func (st xstep) simpler() []xstep {
	var out []xstep
	if st.in == nil {
		if st.paymentExp != "" {
			c := st
			c.paymentExp = "2031-06"
			if c.paymentExp != st.paymentExp {
				out = append(out, c)
			}
		}
		return out
	}
	try := func(edit func(in *input)) {
		in := *st.in
		edit(&in)
		if in != *st.in {
			out = append(out, xstep{in: &in, linkFrom: -1})
		}
	}
	try(func(in *input) { in.kind = inputValid; in.quantity = "2" })
	try(func(in *input) { in.role = roleOwner })
	try(func(in *input) {
		if in.kind == inputValid || in.kind == inputBadQuantity {
			for _, q := range []string{"1", "2", "10001"} {
				if q == in.quantity {
					return
				}
			}
			if n, err := strconv.Atoi(in.quantity); err == nil && n >= 1 && n <= 10000 {
				in.quantity = "2"
			}
		}
	})
	return slices.DeleteFunc(out, func(x xstep) bool { return x.in == nil })
}
