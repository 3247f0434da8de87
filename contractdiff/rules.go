package contractdiff

import (
	"strings"

	"github.com/oasdiff/oasdiff/checker"
)

// The rules of the per-action layer. The others are oasdiff's, by their oasdiff ids.
const (
	// RuleActionRemoved: an action of OLD is not in NEW. Breaking: its calls now get 400
	// unknown_action.
	RuleActionRemoved = "action-removed"
	// RuleActionAdded: an action of NEW is not in OLD. Compatible.
	RuleActionAdded = "action-added"
	// RuleActionMoved: an action is on another path or method. Breaking: its calls go to the
	// old one.
	RuleActionMoved = "action-operation-changed"
	// RuleStatusRemoved: an action no longer answers a status. Breaking: the situation the
	// status answered (a 409 subscription_exists) now gets another answer, which clients written
	// against OLD do not expect.
	RuleStatusRemoved = "action-status-removed"
	// RuleStatusAdded: an action answers a status it did not. Compatible (a new error a client
	// handles as it handles any other of its class).
	RuleStatusAdded = "action-status-added"
	// RuleDescriptionChanged: a description, summary or title changed. Compatible.
	RuleDescriptionChanged = "description-changed"
)

// levelOverrides are the oasdiff rules whose level the gate changes, with why. Every other
// oasdiff rule keeps its own level; a change of level WARN or ERR is breaking.
var levelOverrides = map[string]struct {
	level checker.Level
	why   string
}{
	// oasdiff: INFO. The issue: a removed answer member breaks clients that read it, whether
	// the document required it or not (Subscription.status is optional, and clients show it).
	"response-optional-property-removed": {checker.ERR, "a client that reads an optional member of an answer breaks when it goes"},
	// oasdiff: INFO, because every value of the old type is still valid on the wire (a query
	// parameter is a string there, so integer -> string is a widening; integer -> number in a
	// body too). The issue counts every changed type as breaking, and a client generated from
	// the document breaks: openapi-typescript turns getpaymentlink's quantity from number into
	// string, and a call that passes 3 no longer compiles. The same ids cover a format loosened.
	"request-parameter-type-generalized":          {checker.ERR, "a changed type changes the clients generated from the document"},
	"request-parameter-property-type-generalized": {checker.ERR, "a changed type changes the clients generated from the document"},
	"request-property-type-generalized":           {checker.ERR, "a changed type changes the clients generated from the document"},
	"request-body-type-generalized":               {checker.ERR, "a changed type changes the clients generated from the document"},
}

// skipped are oasdiff rules that describe the projection rather than the contract: the
// projection's paths come and go with actions and statuses, which the per-action rules report.
var skipped = map[string]bool{
	"endpoint-added":                       true,
	"api-path-removed-without-deprecation": true,
	"api-path-removed-with-deprecation":    true,
	"api-path-removed-before-sunset":       true,
	"api-removed-without-deprecation":      true,
	"api-removed-with-deprecation":         true,
	"api-removed-before-sunset":            true,
	"api-version-not-bumped":               true,
	"api-version-decreased":                true,
	"api-major-version-not-bumped":         true,
}

// oasdiffRules indexes oasdiff's rules by id, for their direction, area and location.
var oasdiffRules = func() map[string]checker.BackwardCompatibilityRule {
	out := map[string]checker.BackwardCompatibilityRule{}
	for _, r := range checker.GetAllRules() {
		out[r.Id] = r
	}
	return out
}()

// checkerConfig is oasdiff's checker with every rule and the gate's levels.
func checkerConfig() *checker.Config {
	levels := map[string]checker.Level{}
	for id, o := range levelOverrides {
		levels[id] = o.level
	}
	return checker.NewConfig(checker.GetAllChecks(), checker.WithSeverityLevels(levels))
}

// schemaKeywords are the keywords an oasdiff rule's location may end with that name a keyword
// of the changed schema itself.
var schemaKeywords = map[string]bool{
	"type": true, "format": true, "enum": true, "pattern": true, "nullable": true, "default": true,
	"maximum": true, "minimum": true, "exclusiveMaximum": true, "exclusiveMinimum": true, "multipleOf": true,
	"maxLength": true, "minLength": true, "maxItems": true, "minItems": true, "uniqueItems": true,
	"maxProperties": true, "minProperties": true, "readOnly": true, "writeOnly": true, "const": true,
	"additionalProperties": true, "discriminator": true, "deprecated": true, "not": true,
}

// keyword returns the schema keyword an oasdiff rule is about, from its first location
// ("paths.*.*.requestBody.content.*.schema.maximum:decrease" is "maximum"), or "".
func keyword(rule checker.BackwardCompatibilityRule) string {
	if len(rule.Locations) == 0 {
		return ""
	}
	loc, _, _ := strings.Cut(rule.Locations[0], ":")
	i := strings.LastIndex(loc, "schema.")
	if i < 0 {
		return ""
	}
	kw := loc[i+len("schema."):]
	if kw == "required" || schemaKeywords[kw] {
		return kw
	}
	return ""
}

// parameterRule reports whether an oasdiff rule is about a request parameter. Its area says so for
// most, but oasdiff files 28 of its request-parameter-* rules (request-parameter-max-unset,
// -min-length-set, -multiple-of-set…) under the schema area, which also holds the body's rules;
// their ids say which they are.
func parameterRule(rule checker.BackwardCompatibilityRule) bool {
	return rule.Area == checker.AreaParameters || strings.HasPrefix(rule.Id, "request-parameter-")
}
