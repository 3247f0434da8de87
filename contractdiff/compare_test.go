package contractdiff

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/cloudplans/billing-mock/contract"
)

// summary is a change in one line: "B|C action in[ status] pointer rule", where B is breaking, C
// compatible, and the pointer "-" for a change outside the action's schemas.
func summary(c Change) string {
	kind := "C"
	if c.Breaking {
		kind = "B"
	}
	in := c.In
	if c.In == InResponse {
		in += " " + strconv.Itoa(c.Status)
	}
	pointer := "-"
	if c.InSchema {
		pointer = "#" + c.Pointer
	}
	return strings.Join([]string{kind, c.Action, in, pointer, c.Rule}, " ")
}

// orgRequestPlan gives OrgRequest an optional member with an enum, for the cases that change a
// request enum (openapi.yaml's requests have none but the action names).
var orgRequestPlan = replace(`        org_id:
          $ref: '#/components/schemas/OrgId'
      example:
        org_id: org_acme
    QuantityRequest:`, `        org_id:
          $ref: '#/components/schemas/OrgId'
        plan:
          type: string
          enum: [pro, team]
      example:
        org_id: org_acme
    QuantityRequest:`)

// Edits that the table of TestCompare and the measure of oasdiff share.
var (
	orgRequestRequiresReason = replace(
		"      required: [org_id]\n      additionalProperties: false\n      description: The JSON body of `getupdatecardlink` and `cancelsubscription`.\n      properties:\n",
		"      required: [org_id, reason]\n      additionalProperties: false\n      description: The JSON body of `getupdatecardlink` and `cancelsubscription`.\n      properties:\n        reason:\n          type: string\n")
	payLinkQueryRequiresCoupon = replace(
		"      required: [action, org_id, quantity]\n      description: The query string of `getpaymentlink`, which takes every parameter there.\n      properties:\n",
		"      required: [action, org_id, quantity, coupon]\n      description: The query string of `getpaymentlink`, which takes every parameter there.\n      properties:\n        coupon:\n          type: string\n")
	cardLinkTakesQuantityRequest = replace(
		"        getupdatecardlink:\n          request:\n            $ref: '#/components/schemas/OrgRequest'",
		"        getupdatecardlink:\n          request:\n            $ref: '#/components/schemas/QuantityRequest'")
	payLinkAnswersNoActiveSubscription = replace(
		"            '409':\n              $ref: '#/components/schemas/SubscriptionExistsError'",
		"            '409':\n              $ref: '#/components/schemas/NoActiveSubscriptionError'")
	// cancelRemoved removes cancelsubscription from the query union, its discriminator and x-actions.
	cancelRemoved = []edit{
		replace("        - $ref: '#/components/schemas/CancelSubscriptionQuery'\n", ""),
		replace("          cancelsubscription: '#/components/schemas/CancelSubscriptionQuery'\n", ""),
		deleteKey("paths", "/v1/organizations/billing/update", "post", "x-actions", "cancelsubscription"),
	}
)

const (
	cardLink  = "getupdatecardlink"
	payLink   = "getpaymentlink"
	updateSub = "updatesubscription"
	cancel    = "cancelsubscription"
	describe  = "getorganization"
	history   = "list_billing"
)

// every returns one summary per action, for a change shared by actions.
func every(format string, actions ...string) []string {
	out := make([]string, len(actions))
	for i, a := range actions {
		out[i] = fmt.Sprintf(format, a)
	}
	return out
}

func TestCompare(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		old, new []edit
		want     []string
	}{
		// Breaking.
		{name: "an action removed", new: cancelRemoved, want: []string{"B cancelsubscription action - action-removed"}},
		{name: "a status removed", new: []edit{deleteKey("paths", "/v1/organizations/billing/describe", "get", "responses", "403")},
			want: []string{"B getorganization response 403 - action-status-removed"}},
		{name: "an answer member removed", new: []edit{
			replace("      required: [resources, name, id, owner]", "      required: [resources, name, id]"),
			deleteKey("components", "schemas", "Organization", "properties", "owner"),
		}, want: []string{"B getorganization response 200 #/properties/response/properties/organization/properties/owner response-required-property-removed"}},
		{name: "an optional answer member removed", new: []edit{deleteKey("components", "schemas", "Subscription", "properties", "status")},
			want: []string{"B getorganization response 200 #/properties/response/properties/subscription/properties/status response-optional-property-removed"}},
		{name: "an answer member renamed", new: []edit{
			replace("      required: [status, id, organization, date, due_date, amount]", "      required: [status, id, organization, date, due, amount]"),
			replace("        due_date:\n          type: string", "        due:\n          type: string"),
		}, want: []string{
			"B list_billing response 200 #/properties/billing_history/items/properties/due_date response-required-property-removed",
			"C list_billing response 200 #/properties/billing_history/items/properties/due response-required-property-added",
		}},
		{name: "an answer member's type changed", new: []edit{replace("        resources:\n          type: number", "        resources:\n          type: string")},
			want: []string{
				"B getorganization response 200 #/properties/response/properties/organization/properties/resources/type response-property-type-changed",
			}},
		{name: "a body member's type changed", new: []edit{replace(`      description: The JSON body of `+"`updatesubscription`"+`.
      properties:
        org_id:
          $ref: '#/components/schemas/OrgId'
        quantity:
          $ref: '#/components/schemas/Quantity'`, `      description: The JSON body of `+"`updatesubscription`"+`.
      properties:
        org_id:
          $ref: '#/components/schemas/OrgId'
        quantity:
          type: string`)},
			want: []string{
				"B updatesubscription request #/properties/quantity/type request-property-type-changed",
				// Quantity's bounds and description went with its $ref.
				"C updatesubscription request #/properties/quantity/maximum request-property-max-unset",
				"C updatesubscription request #/properties/quantity/minimum request-property-min-unset",
				"C updatesubscription request #/properties/quantity/description description-changed",
			}},
		{name: "a new required query parameter in one branch of the query union", new: []edit{payLinkQueryRequiresCoupon},
			want: []string{"B getpaymentlink query #/properties/coupon new-required-request-parameter"}},
		{name: "a new required plain query parameter", new: []edit{replace(
			"        - $ref: '#/components/parameters/DescribeAction'\n",
			"        - $ref: '#/components/parameters/DescribeAction'\n        - {name: expand, in: query, required: true, schema: {type: string}}\n")},
			want: []string{"B getorganization query #/properties/expand new-required-request-parameter"}},
		{name: "a new required member in one branch of the body union", new: []edit{orgRequestRequiresReason},
			want: every("B %s request #/properties/reason new-required-request-property", cancel, cardLink)},
		{name: "x-actions gives an action another body", new: []edit{cardLinkTakesQuantityRequest},
			want: []string{
				"B getupdatecardlink request #/properties/quantity new-required-request-property",
				"C getupdatecardlink request #/description description-changed",
			}},
		{name: "x-actions gives an action another answer", new: []edit{payLinkAnswersNoActiveSubscription},
			want: []string{
				"B getpaymentlink response 409 #/properties/error/properties/code/enum response-property-enum-value-added",
				"C getpaymentlink response 409 #/description description-changed",
				"C getpaymentlink response 409 #/properties/error/properties/code/enum response-property-enum-value-removed",
			}},
		{name: "a request enum narrowed", old: []edit{orgRequestPlan}, new: []edit{orgRequestPlan, replace("enum: [pro, team]", "enum: [pro]")},
			want: every("B %s request #/properties/plan/enum request-property-enum-value-removed", cancel, cardLink)},
		{name: "an answer enum widened", new: []edit{replace("enum: [active, past_due]", "enum: [active, past_due, paused]")},
			want: []string{"B getorganization response 200 #/properties/response/properties/subscription/properties/status/enum response-property-enum-value-added"}},
		{name: "a request bound tightened, in the query of one action and the body of another", new: []edit{replace("      maximum: 10000", "      maximum: 100")},
			want: []string{
				"B getpaymentlink query #/properties/quantity/maximum request-parameter-max-decreased",
				"B updatesubscription request #/properties/quantity/maximum request-property-max-decreased",
			}},
		{name: "a shared bound tightened: breaking in requests, compatible in answers", new: []edit{replace(
			"    OrgId:\n      type: string\n      minLength: 1", "    OrgId:\n      type: string\n      minLength: 3")},
			want: append(append(
				every("B %s query #/properties/org_id/minLength request-parameter-min-length-increased", describe, payLink, history),
				every("B %s request #/properties/org_id/minLength request-property-min-length-increased", cancel, cardLink, updateSub)...),
				"C getorganization response 200 #/properties/response/properties/organization/properties/id/minLength response-property-min-length-increased")},
		{name: "an answer pattern changed", new: []edit{replace(`pattern: '^https?://[^\s/?#@]+([/?#][^\s]*)?$'`, `pattern: '^https://[^\s/?#@]+([/?#][^\s]*)?$'`)},
			want: every("B %s response 200 #/properties/response/pattern response-property-pattern-changed", payLink, cardLink)},
		{name: "an answer bound loosened in one branch of the answer union", new: []edit{replace("          maxLength: 2048", "          maxLength: 4096")},
			want: every("B %s response 200 #/properties/response/maxLength response-property-max-length-increased", payLink, cardLink)},
		{name: "a pattern added: breaking in requests, compatible in answers", new: []edit{replace(
			"    OrgId:\n      type: string\n", "    OrgId:\n      type: string\n      pattern: '^org_'\n")},
			want: append(append(
				every("B %s query #/properties/org_id/pattern request-parameter-pattern-added", describe, payLink, history),
				every("B %s request #/properties/org_id/pattern request-property-pattern-added", cancel, cardLink, updateSub)...),
				"C getorganization response 200 #/properties/response/properties/organization/properties/id/pattern response-property-pattern-added")},

		// Compatible.
		{name: "a request enum widened", old: []edit{orgRequestPlan}, new: []edit{orgRequestPlan, replace("enum: [pro, team]", "enum: [pro, team, enterprise]")},
			want: every("C %s request #/properties/plan/enum request-property-enum-value-added", cancel, cardLink)},
		{name: "an answer enum narrowed", new: []edit{replace("          enum: [paid, unpaid]", "          enum: [paid]")},
			want: []string{"C list_billing response 200 #/properties/billing_history/items/properties/status/enum response-property-enum-value-removed"}},
		{name: "a request bound loosened", new: []edit{replace("      maximum: 10000", "      maximum: 20000")},
			want: []string{
				"C getpaymentlink query #/properties/quantity/maximum request-parameter-max-increased",
				"C updatesubscription request #/properties/quantity/maximum request-property-max-increased",
			}},
		{name: "an answer bound added", new: []edit{replace("        billing_history:\n          type: array\n", "        billing_history:\n          type: array\n          maxItems: 1000\n")},
			want: []string{"C list_billing response 200 #/properties/billing_history/maxItems response-property-max-items-set"}},
		{name: "a new optional body member", new: []edit{replace(
			"      description: The JSON body of `updatesubscription`.\n      properties:\n",
			"      description: The JSON body of `updatesubscription`.\n      properties:\n        note:\n          type: string\n")},
			want: []string{"C updatesubscription request #/properties/note new-optional-request-property"}},
		{name: "a new optional answer member in one branch of the answer union", new: []edit{replace(
			"      properties:\n        status:\n          $ref: '#/components/schemas/Status200'\n    Status200:",
			"      properties:\n        status:\n          $ref: '#/components/schemas/Status200'\n        note:\n          type: string\n    Status200:")},
			want: every("C %s response 200 #/properties/note response-optional-property-added", cancel, updateSub)},
		{name: "a new action", new: []edit{
			replace("        - $ref: '#/components/schemas/CancelSubscriptionQuery'\n",
				"        - $ref: '#/components/schemas/CancelSubscriptionQuery'\n        - $ref: '#/components/schemas/PauseSubscriptionQuery'\n"),
			replace("    OrgRequest:\n", "    PauseSubscriptionQuery:\n      type: object\n      required: [action, org_id]\n      properties:\n        action:\n          type: string\n          enum: [pausesubscription]\n        org_id:\n          $ref: '#/components/schemas/OrgId'\n    OrgRequest:\n"),
		}, want: []string{"C pausesubscription action - action-added"}},
		{name: "a new status", new: []edit{replace(
			"        '409':\n          description: |\n            `getpaymentlink`",
			"        '402':\n          $ref: '#/components/responses/BadRequest'\n        '409':\n          description: |\n            `getpaymentlink`")},
			want: every("C %s response 402 - action-status-added", cancel, payLink, cardLink, updateSub)},
		{name: "a description changed", new: []edit{replace("The organization's display name.", "The organization's name, for people.")},
			want: []string{"C getorganization response 200 #/properties/response/properties/organization/properties/name/description description-changed"}},
		{name: "a required query parameter became optional", new: []edit{replace(
			"      required: [action, org_id, quantity]\n", "      required: [action, org_id]\n")},
			want: []string{"C getpaymentlink query #/properties/quantity request-parameter-became-optional"}},
		{name: "a query parameter's type changed", new: []edit{replace(
			"          enum: [getpaymentlink]\n        org_id:\n          $ref: '#/components/schemas/OrgId'\n        quantity:\n          $ref: '#/components/schemas/Quantity'",
			"          enum: [getpaymentlink]\n        org_id:\n          $ref: '#/components/schemas/OrgId'\n        quantity:\n          type: string")},
			want: []string{
				// oasdiff: a widening (a query parameter is a string on the wire); the gate: a changed type.
				"B getpaymentlink query #/properties/quantity/type request-parameter-type-generalized",
				// oasdiff files these two under its schema area; they are the query's.
				"C getpaymentlink query #/properties/quantity/maximum request-parameter-max-unset",
				"C getpaymentlink query #/properties/quantity/minimum request-parameter-min-unset",
				"C getpaymentlink query #/properties/quantity/description description-changed",
			}},
		{name: "a body member's type widened", new: []edit{replace("    Quantity:\n      type: integer\n", "    Quantity:\n      type: number\n")},
			want: []string{
				"B getpaymentlink query #/properties/quantity/type request-parameter-type-generalized",
				"B updatesubscription request #/properties/quantity/type request-property-type-generalized",
			}},
		{name: "a multipleOf set on a query parameter and a body member", new: []edit{replace("      maximum: 10000\n", "      maximum: 10000\n      multipleOf: 5\n")},
			want: []string{
				"B getpaymentlink query #/properties/quantity/multipleOf request-parameter-multiple-of-set",
				"B updatesubscription request #/properties/quantity/multipleOf request-property-multiple-of-set",
			}},
		{name: "a plain query parameter's description changed", new: []edit{replace(
			"      required: true\n      description: The organization's id.\n", "      required: true\n      description: The id of the organization.\n")},
			want: every("C %s query - description-changed", describe, history)},
		{name: "the security scheme's HTTP scheme changed", new: []edit{replace("      type: http\n      scheme: bearer\n", "      type: http\n      scheme: basic\n")},
			want: every("B %s action - api-security-component-http-scheme-changed", cancel, describe, payLink, cardLink, history, updateSub)},
		{name: "one action requires a second security scheme", new: []edit{
			replace("  securitySchemes:\n", "  securitySchemes:\n    apiKey:\n      type: apiKey\n      in: header\n      name: X-Key\n"),
			replace("      security:\n        - bearerAuth: []\n      parameters:\n        - $ref: '#/components/parameters/DescribeAction'",
				"      security:\n        - bearerAuth: []\n          apiKey: []\n      parameters:\n        - $ref: '#/components/parameters/DescribeAction'"),
		}, want: []string{
			// The scheme added to the components is no finding of its own.
			"B getorganization action - api-security-removed",
			"C getorganization action - api-security-added",
		}},
		{name: "an optional header removed", new: []edit{deleteKey("components", "responses", "Unauthorized", "headers")},
			want: every("C %s response 401 - optional-response-header-removed", cancel, describe, payLink, cardLink, history, updateSub)},
	}
	if len(cases) < 20 {
		t.Fatalf("%d cases; the issue asks for at least 20", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			old, oldDoc := loadEdited(t, tc.old...)
			new, newDoc := loadEdited(t, tc.new...)
			checkChanges(t, old, new, tc.want, oldDoc, newDoc)
		})
	}
}

// checkChanges compares two versions and checks that the changes are exactly want (summary
// lines, in any order) and, given the documents, that each document pointer names something.
func checkChanges(t *testing.T, old, new *contract.Contract, want []string, docs ...string) {
	t.Helper()
	r, err := Compare(old, new)
	if err != nil {
		t.Fatal(err)
	}
	decoded := map[string]any{}
	for i, side := range []string{Old, New} {
		if i < len(docs) {
			var v any
			if err := yaml.Unmarshal([]byte(docs[i]), &v); err != nil {
				t.Fatal(err)
			}
			decoded[side] = v
		}
	}
	var got []string
	for _, c := range r.Changes {
		got = append(got, summary(c))
		if !c.InSchema && c.Document == "" {
			t.Errorf("%s: neither a pointer into the action's schema nor one into a document", summary(c))
		}
		if doc, ok := decoded[c.Document]; ok {
			checkDocumentPointer(t, c, doc)
		}
	}
	want = slices.Clone(want)
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

// checkDocumentPointer checks that a change's document pointer names something in its
// document, decoded.
func checkDocumentPointer(t *testing.T, c Change, v any) {
	t.Helper()
	for _, seg := range splitPointer(c.DocumentPointer) {
		switch node := v.(type) {
		case map[string]any:
			v = node[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i >= len(node) {
				v = nil
			} else {
				v = node[i]
			}
		default:
			v = nil
		}
		if v == nil {
			t.Errorf("%s: document pointer %s#%s names nothing", summary(c), c.Document, c.DocumentPointer)
			return
		}
	}
}
