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

// invariants are the rules of the contract that a schema cannot say, checked on every 200 of
// describe and history: a describe shows the organization asked for; a history lists only that
// organization's invoices, newest first (dates never increase down the list; among invoices of
// one date, creation order shows only when a change adds one, which the change check holds),
// each due on or after its date, each id once.
func invariants(o *outgoing, action string, doc any) []Finding {
	org := orgOf(o)
	if org == "" || o.Method != http.MethodGet {
		return nil
	}
	var out []Finding
	switch {
	case o.Path == describePath && action == describeAction:
		if id, _ := lookup(doc, "/response/organization/id"); id != org {
			out = append(out, Finding{docsRule, fmt.Sprintf("body /response/organization/id: expected %q (the organization asked for), got %s", org, show(id))})
		}
	case o.Path == historyPath && action == historyAction:
		list, _ := lookup(doc, "/billing_history")
		invoices, _ := list.([]any)
		var prevDate string
		seen := map[string]int{}
		for i, inv := range invoices {
			m, _ := inv.(map[string]any)
			if got := m["organization"]; got != org {
				out = append(out, Finding{decision(decIDs), fmt.Sprintf("body /billing_history/%d/organization: expected %q (the organization asked for), got %s", i, org, show(got))})
			}
			// Dates are YYYY-MM-DD (format: date), so they compare as strings.
			date, due := str(m["date"]), str(m["due_date"])
			if i > 0 && date > prevDate {
				out = append(out, Finding{decision(decHistoryOrder), fmt.Sprintf("body /billing_history/%d/date: expected newest first (dates never increasing), got %s after %s", i, date, prevDate)})
			}
			prevDate = date
			if due < date {
				out = append(out, Finding{decision(decDates), fmt.Sprintf("body /billing_history/%d/due_date: expected on or after its date %s, got %s", i, date, due)})
			}
			id := str(m["id"])
			if j, dup := seen[id]; dup {
				out = append(out, Finding{decision(decInvoiceIDs), fmt.Sprintf("body /billing_history/%d/id: %s is also /billing_history/%d: each invoice once", i, id, j)})
			}
			seen[id] = i
		}
	}
	return out
}
