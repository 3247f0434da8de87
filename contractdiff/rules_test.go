package contractdiff

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/cloudplans/billing-mock/contract"
)

func TestRuleIDsAreOasdiffs(t *testing.T) {
	t.Parallel()
	for id := range levelOverrides {
		if _, ok := oasdiffRules[id]; !ok {
			t.Errorf("levelOverrides: %s is not an oasdiff rule", id)
		}
	}
	for id := range skipped {
		if _, ok := oasdiffRules[id]; !ok {
			t.Errorf("skipped: %s is not an oasdiff rule", id)
		}
	}
	for _, id := range []string{RuleActionRemoved, RuleActionAdded, RuleActionMoved, RuleStatusRemoved, RuleStatusAdded, RuleDescriptionChanged} {
		if _, ok := oasdiffRules[id]; ok {
			t.Errorf("%s is also an oasdiff rule id", id)
		}
	}
}

func TestKeyword(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]string{
		"request-property-max-decreased":         "maximum",
		"request-parameter-max-length-decreased": "maxLength",
		"response-property-enum-value-added":     "enum",
		"response-property-became-optional":      "required",
		"request-property-type-changed":          "type",
		"new-required-request-property":          "",
		"new-required-request-parameter":         "",
	} {
		rule, ok := oasdiffRules[id]
		if !ok {
			t.Errorf("%s is not an oasdiff rule", id)
			continue
		}
		if got := keyword(rule); got != want {
			t.Errorf("keyword(%s) = %q, want %q", id, got, want)
		}
	}
}

func TestCompareIdenticalChangesNothing(t *testing.T) {
	t.Parallel()
	c, err := contract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	before, err := json.Marshal(c.Document())
	if err != nil {
		t.Fatal(err)
	}
	r, err := Compare(c, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Changes) != 0 || r.Breaking() != 0 {
		t.Errorf("the embedded document against itself: %d changes: %v", len(r.Changes), r.Changes)
	}
	if r.Actions != 6 {
		t.Errorf("Actions = %d, want 6", r.Actions)
	}
	after, _ := json.Marshal(c.Document())
	if !bytes.Equal(before, after) {
		t.Error("Compare modified the contract's document")
	}
}
