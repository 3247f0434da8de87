package contracttest

import (
	"fmt"
	"net/http"
)

// The documented read operations, which the built-in checks know.
const (
	describePath   = "/v1/organizations/billing/describe"
	historyPath    = "/v1/organizations/billing/history"
	describeAction = "getorganization"
	historyAction  = "list_billing"
)

// invariants are the rules of the contract that a schema cannot say, checked on every 200: a
// describe shows the organization asked for, a history lists only that organization's invoices,
// newest first. The contract orders invoices by date descending and, among invoices of one date,
// by creation, most recent first; a client cannot see creation order, so only the dates are checked
// (never increasing).
func invariants(o *outgoing, action string, doc any) []string {
	org := orgOf(o)
	if org == "" || o.Method != http.MethodGet {
		return nil
	}
	var out []string
	switch {
	case o.Path == describePath && action == describeAction:
		if id, _ := lookup(doc, "/response/organization/id"); id != org {
			out = append(out, fmt.Sprintf("body /response/organization/id: expected %q (the organization asked for), got %s", org, show(id)))
		}
	case o.Path == historyPath && action == historyAction:
		list, _ := lookup(doc, "/billing_history")
		invoices, _ := list.([]any)
		var prevDate string
		for i, inv := range invoices {
			m, _ := inv.(map[string]any)
			if got := m["organization"]; got != org {
				out = append(out, fmt.Sprintf("body /billing_history/%d/organization: expected %q (the organization asked for), got %s", i, org, show(got)))
			}
			// Dates are YYYY-MM-DD (format: date), so they sort as strings.
			date, _ := m["date"].(string)
			if i > 0 && date > prevDate {
				out = append(out, fmt.Sprintf("body /billing_history/%d/date: expected newest first (dates never increasing), got %s after %s", i, date, prevDate))
			}
			prevDate = date
		}
	}
	return out
}
