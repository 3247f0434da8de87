// Package contractdiff compares two versions of the billing contract action by action and says
// which changes can break a client written against the older one.
//
// OpenAPI tools compare operations; the billing API's update path is one operation with four
// actions, told apart by the `action` query parameter, whose inputs and answers are unions that
// x-actions narrows per action. Compare projects each version onto a document with one path per
// action's request and one per action's answer (the action's query parameters, its JSON body,
// each status's answer narrowed to the action's branch), runs oasdiff's diff and checker rules on
// the two projections, so that each finding belongs to exactly one action, and adds the rules
// oasdiff cannot apply to a projection: actions and statuses removed or added, descriptions
// changed. Each change carries the action, the rule's id, whether it breaks, a JSON pointer into
// the action's query-string, request or answer schema, and one into the document.
//
// It is for a code-review gate (`contracttest diff`); it compares documents, not traffic.
package contractdiff
