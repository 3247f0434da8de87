package contractdiff

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"

	"github.com/cloudplans/billing-mock/contract"
)

// oasdiffAlone is what oasdiff says on its own about two versions of the whole document, at
// the operation level: "rule METHOD path" per finding (api-version-not-bumped left out).
func oasdiffAlone(t *testing.T, old, new *contract.Contract) []string {
	t.Helper()
	d, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(),
		&load.SpecInfo{Url: "OLD", Spec: old.Document()}, &load.SpecInfo{Url: "NEW", Spec: new.Document()})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range checker.CheckBackwardCompatibilityUntilLevel(checker.NewConfig(checker.GetAllChecks()), d, sources, checker.INFO) {
		if c.GetId() != "api-version-not-bumped" {
			out = append(out, c.GetId()+" "+c.GetOperation()+" "+c.GetPath())
		}
	}
	slices.Sort(out)
	return out
}

// TestOasdiffOnUnions measures what oasdiff finds on its own when one branch of one of the
// document's unions changes (oasdiff#314: it misses oneOf changes), next to what the per-action
// layer finds. docs/breaking-changes.md states these results: keep the two in step.
func TestOasdiffOnUnions(t *testing.T) {
	t.Parallel()
	const updateOp = " POST /v1/organizations/billing/update"
	cases := []struct {
		name      string
		new       []edit
		alone     []string // oasdiff on the whole documents
		perAction []string // Compare, as summary lines
	}{
		{name: "a new required member in the OrgRequest branch of the body union", new: []edit{orgRequestRequiresReason},
			alone:     []string{"new-required-request-property" + updateOp},
			perAction: every("B %s request #/properties/reason new-required-request-property", cancel, cardLink)},
		{name: "a looser bound in the LinkResponse branch of the 200 union", new: []edit{replace("          maxLength: 2048", "          maxLength: 4096")},
			alone:     []string{"response-property-max-length-increased" + updateOp},
			perAction: every("B %s response 200 #/properties/response/maxLength response-property-max-length-increased", payLink, cardLink)},
		{name: "a widened enum in the NoActiveSubscriptionError branch of the 409 union", new: []edit{replace(
			"enum: [no_active_subscription]", "enum: [no_active_subscription, subscription_paused]")},
			alone:     []string{"response-property-enum-value-added" + updateOp},
			perAction: every("B %s response 409 #/properties/error/properties/code/enum response-property-enum-value-added", cancel, cardLink, updateSub)},
		{name: "a new required member in the GetPaymentLinkQuery branch of the query union", new: []edit{payLinkQueryRequiresCoupon},
			alone:     nil, // missed
			perAction: []string{"B getpaymentlink query #/properties/coupon new-required-request-parameter"}},
		{name: "a tighter bound in Quantity, in the query union and the body union", new: []edit{replace("      maximum: 10000", "      maximum: 100")},
			alone: []string{"request-property-max-decreased" + updateOp}, // the body's; the query's is missed
			perAction: []string{
				"B getpaymentlink query #/properties/quantity/maximum request-parameter-max-decreased",
				"B updatesubscription request #/properties/quantity/maximum request-property-max-decreased",
			}},
		{name: "x-actions gives getupdatecardlink the QuantityRequest body", new: []edit{cardLinkTakesQuantityRequest},
			alone: nil, // missed: the extension is not OpenAPI
			perAction: []string{
				"B getupdatecardlink request #/properties/quantity new-required-request-property",
				"C getupdatecardlink request #/description description-changed",
			}},
		{name: "x-actions gives getpaymentlink the NoActiveSubscriptionError answer", new: []edit{payLinkAnswersNoActiveSubscription},
			alone: nil, // missed: the extension is not OpenAPI
			perAction: []string{
				"B getpaymentlink response 409 #/properties/error/properties/code/enum response-property-enum-value-added",
				"C getpaymentlink response 409 #/description description-changed",
				"C getpaymentlink response 409 #/properties/error/properties/code/enum response-property-enum-value-removed",
			}},
		{name: "cancelsubscription removed from the query union", new: cancelRemoved, alone: nil, perAction: []string{"B cancelsubscription action - action-removed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			old, _ := loadEdited(t)
			new, _ := loadEdited(t, tc.new...)
			if diff := cmp.Diff(tc.alone, oasdiffAlone(t, old, new)); diff != "" {
				t.Errorf("oasdiff alone (-want +got):\n%s", diff)
			}
			checkChanges(t, old, new, tc.perAction)
		})
	}
}
