package contracttest

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/cloudplans/billing-mock/contracttest/internal/model"
	"github.com/cloudplans/billing-mock/contracttest/scenariofile"
)

// The scenario file of a shrunk sequence, as the runner's parser reads it (FORMAT.md).
type (
	scenarioFile    = scenariofile.File
	scenarioStep    = scenariofile.Step
	scenarioRequest = scenariofile.Request
	scenarioExpect  = scenariofile.Expect
)

// scenario renders a shrunk sequence as a scenario of fixtures/contract: its steps, each expecting
// the model's answer, then, when the divergence showed in the reads after a step, that read. The
// expectations are the model's from the state this run started from (the roles' organizations as
// they were), so the scenario passes against a correct implementation started from that state.
func (e *explorer) scenario(out *outcome, sequence int) string {
	name := fmt.Sprintf("explore-%d", e.result.Seed)
	msg := "the target answered otherwise than the model"
	if len(out.div.failure.Messages) > 0 {
		msg = out.div.failure.Messages[0]
	}
	sc := scenarioFile{
		Name:        name,
		Description: fmt.Sprintf("Found by contracttest -explore -seed %d and shrunk to %d steps: %s\n", e.result.Seed, len(out.seq), msg),
		Decision:    decEffects,
	}
	var requires []string
	e.defaultCards = map[string]bool{}
	for i, st := range out.seq {
		if st.in == nil && out.answers[i].performed && (st.op == ControlCompleteCheckout || st.op == ControlCompleteCardUpdate) {
			e.defaultCards[out.seq[st.linkFrom].in.org] = st.paymentExp == ""
		}
	}
	for i, st := range out.seq {
		ans := out.answers[i]
		if !ans.performed {
			continue
		}
		step := scenarioStep{Name: st.name(i)}
		if st.in == nil {
			step.Control = st.op
			need := string(controlCalls[st.op].needs)
			if !slices.Contains(requires, need) {
				requires = append(requires, need)
			}
			switch st.op {
			case ControlAdvanceClock:
				step.Body = map[string]any{"by": st.by.String()}
			default:
				step.Link = "{{" + linkVar(st.linkFrom) + "}}"
				if st.paymentExp != "" {
					step.Body = map[string]any{"payment_exp": st.paymentExp}
				}
			}
			sc.Steps = append(sc.Steps, step)
			continue
		}
		step.Request = scenarioRequestOf(st.in.request())
		step.Expect = e.expectation(ans.answer, st.in.org, out.start)
		if ans.answer.Link != "" {
			step.Expect.Capture = map[string]string{linkVar(i): "/response"}
		}
		sc.Steps = append(sc.Steps, step)
	}
	if d := out.div; d.observed != "" {
		if x := out.model; x != nil {
			dv, h, _ := x.View(e.varValue(d.observed))
			want := model.Answer{Status: http.StatusOK, Describe: &dv}
			if d.read == historyAction {
				want = model.Answer{Status: http.StatusOK, History: h}
			}
			sc.Steps = append(sc.Steps, scenarioStep{
				Name:    fmt.Sprintf("after step %d: %s of %s as its owner", d.index+1, d.read, d.observed),
				Request: scenarioRequestOf(ownerRead(d.observed, d.read)),
				Expect:  e.expectation(want, d.observed, out.start),
			})
		}
	}
	sc.Requires = requires
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(sc); err != nil { // unreachable: strings, numbers, maps and lists
		return "# the scenario cannot be written: " + err.Error() + "\n"
	}
	data := buf.Bytes()
	head := fmt.Sprintf("# fixtures/contract/%s.yaml: found by contracttest -explore -seed %d (sequence %d).\n# The expectations are the reference model's, from the state the run started from.\n", name, e.result.Seed, sequence)
	return head + string(data)
}

// varValue is a role variable's value.
func (e *explorer) varValue(v string) string { return newVars(e.roles)[v] }

// expectation is what a scenario step expects: the model's status, the error code of an error, the
// subscription of a describe, and a history's invoices in order, each with its status and, when
// it is one the sequence started with (or with -model-strict), its id.
func (e *explorer) expectation(want model.Answer, org string, start map[string]bool) *scenarioExpect {
	x := &scenarioExpect{Status: want.Status}
	if want.Status == http.StatusOK {
		x.Status = 0
	}
	switch {
	case want.Status != http.StatusOK:
		x.Body = map[string]any{"error": map[string]any{"code": want.Code}}
	case want.Describe != nil:
		var sub any
		if s := want.Describe.Subscription; s != nil {
			m := map[string]any{"quantity": strconv.Itoa(s.Quantity), "status": string(s.Status)}
			if s.Plan != unknownPlan {
				m["plan"] = s.Plan
			}
			if !e.defaultCards[org] || e.opts.ModelStrict {
				m["payment_exp"] = s.PaymentExp
			}
			sub = m
		}
		x.Body = map[string]any{"response": map[string]any{"organization": map[string]any{"id": "{{" + org + "}}"}, "subscription": sub}}
	case want.History != nil:
		list := make([]any, len(want.History))
		for i, inv := range want.History {
			m := map[string]any{"status": inv.Status}
			if start[inv.ID] || e.opts.ModelStrict {
				m["id"] = inv.ID
			}
			list[i] = m
		}
		x.Body = map[string]any{"billing_history": list}
	}
	if x.Status == 0 && x.Body == nil {
		x.Body = map[string]any{"status": http.StatusOK}
	}
	return x
}

// scenarioRequestOf is a request as a scenario file writes it.
func scenarioRequestOf(r *Request) *scenarioRequest {
	out := &scenarioRequest{Method: r.Method, Path: r.Path, Auth: r.Auth, Headers: r.Headers, RawBody: r.RawBody}
	if len(r.Query) > 0 {
		out.Query = map[string]any{}
		for k, vs := range r.Query {
			if len(vs) == 1 {
				out.Query[k] = vs[0]
			} else {
				out.Query[k] = vs
			}
		}
	}
	if r.HasBody {
		out.Body = r.Body
	}
	return out
}
