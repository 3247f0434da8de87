package contracttest

import (
	"regexp"
	"slices"
	"strings"

	"github.com/cloudplans/billing-mock/contract"
)

// Finding is one thing a step found wrong, with the rule it breaks.
type Finding struct {
	Rule
	Message string `json:"message"`
}

// add records a finding unless the run's level leaves its rule out (-level docs drops the
// decisions); a dropped finding is counted, so the report can say how many it left out.
func (f *Failure) add(r *runner, rule Rule, msg string) {
	if r != nil && r.level == LevelDocs && rule.Level == LevelDecision {
		r.ignored.Add(1)
		return
	}
	f.Findings = append(f.Findings, Finding{Rule: rule, Message: msg})
	f.Messages = append(f.Messages, msg)
}

// settle sets the failure's level from its findings: docs before decision before setup, and the
// decisions it breaks.
func (f *Failure) settle() {
	f.Level = ""
	f.Decisions = nil
	for _, fd := range f.Findings {
		switch {
		case fd.Level == LevelDocs:
			f.Level = LevelDocs
		case fd.Level == LevelDecision && f.Level != LevelDocs:
			f.Level = LevelDecision
		case fd.Level == LevelSetup && f.Level == "":
			f.Level = LevelSetup
		}
		if fd.Decision != "" && !slices.Contains(f.Decisions, fd.Decision) {
			f.Decisions = append(f.Decisions, fd.Decision)
		}
	}
}

// The decisions the built-in checks rely on: ids of rows of the README's "Where the docs were
// unclear" table. TestDecisionIDsExist holds them to that table.
const (
	decQuantityString  = "D5"
	decAmount          = "D6"
	decCardExpiry      = "D7"
	decDates           = "D8"
	decIDs             = "D9"
	decResources       = "D10"
	decSubscriptionNil = "D11"
	decTypos           = "D13"
	decErrors          = "D15"
	decEnvelopeStatus  = "D16"
	decLinks           = "D17"
	decPastDue         = "D18"
	decHistoryOrder    = "D19"
	decEffects         = "D20"
	decInvoiceIDs      = "D21"
	decRejected        = "D22"
)

// builtinChecks are the checks the runner makes on its own, by the names RULES.md gives them, with
// the rules their findings carry ("docs", a decision's id, or "setup" for the runner's own).
var builtinChecks = map[string][]string{
	"schema": {"docs", decQuantityString, decAmount, decCardExpiry, decDates, decIDs, decResources, decSubscriptionNil,
		decTypos, decErrors, decEnvelopeStatus, decLinks, decPastDue},
	"describe-org":    {"docs"},
	"history-org":     {decIDs},
	"history-order":   {decHistoryOrder},
	"invoice-dates":   {decDates},
	"invoice-ids":     {decInvoiceIDs},
	"past-due":        {decPastDue},
	"rejected":        {decRejected},
	"change":          {decEffects},
	"new-invoice":     {decEffects, decHistoryOrder, decAmount},
	"answer-is-json":  {"docs", decErrors},
	"answer-in-time":  {"docs"},
	"restore":         {"setup"},
	"state-step":      {"setup"},
	"snapshot-reads":  {"setup"},
	"control-answers": {"setup"},
}

// problemRule says which rule a finding of the schema check breaks. Error answers are this
// contract's decisions (the envelope and its codes; the envelope's status). In a 2xx answer the
// presence and JSON type of a member are the docs' (the Billing page shows every member and its
// type); a format, pattern, range or enum is a decision, by the member it constrains.
func problemRule(status int, p contract.Problem) Rule {
	if status >= 300 {
		if p.Field == "/status" {
			return decision(decEnvelopeStatus)
		}
		return decision(decErrors)
	}
	field := genericPointer(p.Field)
	switch {
	case p.Kind == contract.Missing && field == "/response/subscription":
		return decision(decSubscriptionNil)
	case p.Kind == contract.Missing, p.Kind == contract.Status, p.Kind == contract.MediaType, p.Kind == contract.Malformed:
		return docsRule
	case strings.HasPrefix(p.Expected, "type "):
		return docsRule
	case p.Expected == "only the documented members":
		return decision(decTypos) // StatusResponse: `{"status":200}`, the docs' trailing comma read as this object
	}
	if id, ok := constrainedMembers[field]; ok {
		if id == "" {
			return docsRule
		}
		return decision(id)
	}
	return docsRule
}

// constrainedMembers maps the members of the 2xx answers (array indexes as *) to the decision
// that gives them their format, pattern, range or enum; "" where the docs give it (the envelope's
// status 200, an invoice's paid | unpaid). TestConstrainedMembers holds it to openapi.yaml.
var constrainedMembers = map[string]string{
	"/status":                            "",
	"/response":                          decLinks,
	"/response/organization/id":          "",
	"/response/organization/name":        "",
	"/response/organization/owner":       decIDs,
	"/response/organization/resources":   decResources,
	"/response/subscription":             decSubscriptionNil,
	"/response/subscription/payment_exp": decCardExpiry,
	"/response/subscription/plan":        "",
	"/response/subscription/quantity":    decQuantityString,
	"/response/subscription/status":      decPastDue,
	"/billing_history/*/status":          "",
	"/billing_history/*/id":              decInvoiceIDs,
	"/billing_history/*/organization":    decIDs,
	"/billing_history/*/date":            decDates,
	"/billing_history/*/due_date":        decDates,
	"/billing_history/*/amount":          decAmount,
}

var arrayIndex = regexp.MustCompile(`/[0-9]+(/|$)`)

// genericPointer replaces the array indexes of a JSON pointer with *.
func genericPointer(p string) string {
	for arrayIndex.MatchString(p) {
		p = arrayIndex.ReplaceAllString(p, "/*$1")
	}
	return p
}
