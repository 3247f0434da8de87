package broken

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cloudplans/billing-mock/contracttest"
)

const (
	describe = "getorganization"
	history  = "list_billing"
	update   = "updatesubscription"
	cancel   = "cancelsubscription"
)

// Variants lists the broken implementations, each with the finding the suite must report.
func Variants() []Variant {
	return append(classic(), holes()...)
}

// classic are the variants the suite caught from the start.
func classic() []Variant {
	return []Variant{
		{Name: "drops subscription", Want: "/response/subscription", Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			return rewrite(h, func(q request, a *answer) {
				if q.action == describe && a.status == 200 {
					a.editJSON(func(m map[string]any) { delete(m["response"].(map[string]any), "subscription") })
				}
			})
		}},
		{Name: "quantity as a number", Want: "/response/subscription/quantity", Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			return rewrite(h, func(q request, a *answer) {
				if q.action == describe && a.status == 200 {
					a.editJSON(func(m map[string]any) {
						if s := subscription(m); s != nil {
							s["quantity"] = 3
						}
					})
				}
			})
		}},
		{Name: "200 instead of 409", Want: "status: expected 409, got 200", Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			return rewrite(h, func(q request, a *answer) {
				if a.status == 409 {
					a.status, a.body = 200, []byte(`{"status":200}`)
				}
			})
		}},
		{Name: "ignores auth", Want: "status: expected 401", Wrap: func(roles contracttest.Roles, h http.Handler) http.Handler {
			return intercept(h, func(w http.ResponseWriter, q request) bool {
				h.ServeHTTP(w, q.as(roles.Token).clone())
				return true
			})
		}},
		{Name: "ignores ownership", Want: "status: expected 403, got 200", Wrap: func(roles contracttest.Roles, h http.Handler) http.Handler {
			return intercept(h, func(w http.ResponseWriter, q request) bool {
				if q.token() != roles.OutsiderToken || q.org() == roles.OutsiderOrg {
					return false
				}
				h.ServeHTTP(w, q.as(roles.Token).clone())
				return true
			})
		}},
		{Name: "skips an update", Want: "/response/subscription/quantity", Wrap: func(roles contracttest.Roles, h http.Handler) http.Handler {
			return intercept(h, func(w http.ResponseWriter, q request) bool {
				if q.action != update || q.token() != roles.Token {
					return false
				}
				writeJSON(w, 200, `{"status":200}`)
				return true
			})
		}},
		{Name: "accepts bad input", Want: "status: expected 400, got 200", Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			return rewrite(h, func(q request, a *answer) {
				if a.status == 400 {
					a.status, a.body = 200, []byte(`{"status":200}`)
				}
			})
		}},
		{Name: "stale describe", Want: "/response/subscription/quantity", Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			var mu sync.Mutex
			cache := map[string][]byte{}
			return rewrite(h, func(q request, a *answer) {
				if q.action != describe || a.status != 200 {
					return
				}
				key := q.partition() + " " + q.token() + " " + q.org()
				mu.Lock()
				defer mu.Unlock()
				if old, ok := cache[key]; ok {
					a.body = old
				} else {
					cache[key] = a.body
				}
			})
		}},
		{Name: "another org's describe", Want: "the organization asked for", Wrap: func(roles contracttest.Roles, h http.Handler) http.Handler {
			return intercept(h, func(w http.ResponseWriter, q request) bool {
				if q.action != describe || q.org() != roles.FreshOrg {
					return false
				}
				h.ServeHTTP(w, q.with("org_id", roles.Org).clone())
				return true
			})
		}},
		{Name: "history of another org", Want: "/billing_history/0/organization", Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			return rewrite(h, func(q request, a *answer) {
				if q.action == history && a.status == 200 {
					a.editJSON(func(m map[string]any) {
						m["billing_history"] = append([]any{map[string]any{"status": "paid", "id": "inv_broken_other", "organization": "org_broken_other", "date": "2099-01-01", "due_date": "2099-01-02", "amount": "1.00"}}, invoices(m)...)
					})
				}
			})
		}},
		{Name: "history oldest first", Want: "expected newest first (dates never increasing), got 2026-01-02 after 2026-01-01", Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			return rewrite(h, func(q request, a *answer) {
				if q.action == history && a.status == 200 {
					a.editJSON(func(m map[string]any) { datesInOrder(m, 1) })
				}
			})
		}},
		{Name: "a 500 with another error code", Want: "/error/code", Wrap: func(roles contracttest.Roles, h http.Handler) http.Handler {
			return intercept(h, func(w http.ResponseWriter, q request) bool {
				if q.action != describe || q.org() != roles.Org {
					return false
				}
				writeJSON(w, 500, `{"status":500,"error":{"code":"server_error","message":"down"}}`)
				return true
			})
		}},
		{Name: "answers 500 after updating", Want: "status: expected 200, got 500", Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			return intercept(h, func(w http.ResponseWriter, q request) bool {
				if q.action != update {
					return false
				}
				if a := record(h, q.clone()); a.status != 200 {
					a.send(w)
					return true
				}
				writeJSON(w, 500, `{"status":500,"error":{"code":"internal_error","message":"the update was saved, then the answer failed"}}`)
				return true
			})
		}},
		{Name: "history ignores a text body", Want: "status: expected 415, got 200", Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			return intercept(h, func(w http.ResponseWriter, q request) bool {
				if q.action != history || !strings.HasPrefix(q.r.Header.Get("Content-Type"), "text/") {
					return false
				}
				r2 := q.r.Clone(q.r.Context())
				r2.Body, r2.ContentLength = http.NoBody, 0
				r2.Header.Del("Content-Type")
				h.ServeHTTP(w, r2)
				return true
			})
		}},
		{Name: "rejected request changes state", Want: "changed the state", Wrap: func(roles contracttest.Roles, h http.Handler) http.Handler {
			return intercept(h, func(w http.ResponseWriter, q request) bool {
				if q.action == update && q.token() == roles.MemberToken {
					record(h, q.as(roles.Token).clone())
				}
				return false
			})
		}},
		{Name: "wrong content type", Want: `header "Content-Type": expected application/json, got "text/plain"`, Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			return rewrite(h, func(q request, a *answer) {
				if q.action == history {
					a.header.Set("Content-Type", "text/plain")
				}
			})
		}},
		{Name: "envelope status mismatch", Want: "/status: expected 200, the HTTP status, got 201", Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			return rewrite(h, func(q request, a *answer) {
				if q.action == describe && a.status == 200 {
					a.editJSON(func(m map[string]any) { m["status"] = 201 })
				}
			})
		}},
		{Name: "a 5xx", Want: "got 503", Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			return intercept(h, func(w http.ResponseWriter, q request) bool {
				if q.action != history {
					return false
				}
				writeJSON(w, 503, `{"status":503,"error":{"code":"internal_error","message":"down"}}`)
				return true
			})
		}},
		{Name: "not JSON", Want: "expected a JSON document", Wrap: answersBody(describe, "<html>oops</html>")},
		{Name: "null body", Want: "contract: body", Wrap: answersBody(describe, "null")},
		{Name: "array body", Want: "contract: body", Wrap: answersBody(history, "[]")},
		{Name: "huge numbers", Want: "contract:", Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			return rewrite(h, func(q request, a *answer) {
				if q.action == describe && a.status == 200 {
					a.body = []byte(strings.Replace(string(a.body), `"status":200`, `"status":1e400`, 1))
				}
			})
		}},
		{Name: "405 without Allow", Want: `header "Allow": expected "POST", got none`, Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			return rewrite(h, func(q request, a *answer) {
				if a.status == 405 {
					a.header.Del("Allow")
				}
			})
		}},
		{Name: "wrong error code", Want: "/error/code", Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			return rewrite(h, func(q request, a *answer) {
				if a.status == 403 {
					a.body = []byte(`{"status":403,"error":{"code":"not_allowed","message":"no"}}`)
				}
			})
		}},
		{Name: "hangs", Want: "-timeout", Timeout: 300 * time.Millisecond, Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			return intercept(h, func(w http.ResponseWriter, q request) bool {
				if q.action != history {
					return false
				}
				select {
				case <-q.r.Context().Done():
				case <-time.After(5 * time.Second):
				}
				return true
			})
		}},
		{Name: "drops the connection", Want: "the request failed", Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			return intercept(h, func(w http.ResponseWriter, q request) bool {
				if q.action != cancel {
					return false
				}
				if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
					conn.Close()
				}
				return true
			})
		}},
	}
}

// holes are variants that the suite let through before it checked every change, the past-due
// status, the order among invoices of one date and the ids across organizations.
func holes() []Variant {
	return []Variant{
		{Name: "hides the newest invoice", Want: "expected exactly one new invoice, got none", Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			return editHistory(h, func(_ request, m map[string]any) {
				if list := invoices(m); len(list) > 0 {
					m["billing_history"] = list[1:]
				}
			})
		}},
		{Name: "same-date invoices oldest first", Want: "expected first (newest first: it is the most recently created)", Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			return editHistory(h, func(_ request, m map[string]any) {
				list := invoices(m)
				for i := 0; i < len(list); {
					j := i
					for j < len(list) && field(list[j], "date") == field(list[i], "date") {
						j++
					}
					slices.Reverse(list[i:j])
					i = j
				}
			})
		}},
		{Name: "due before its date", Want: "expected on or after its date", Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			return editHistory(h, func(_ request, m map[string]any) {
				for _, inv := range invoices(m) {
					if inv, ok := inv.(map[string]any); ok && inv["date"] == inv["due_date"] {
						if d, err := time.Parse(time.DateOnly, field(inv, "date")); err == nil {
							inv["due_date"] = d.AddDate(0, 0, -1).Format(time.DateOnly)
						}
					}
				}
			})
		}},
		{Name: "a credit as a charge", Want: "expected a credit (negative)", Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			return editHistory(h, func(_ request, m map[string]any) {
				for _, inv := range invoices(m) {
					if inv, ok := inv.(map[string]any); ok {
						inv["amount"] = strings.TrimPrefix(field(inv, "amount"), "-")
					}
				}
			})
		}},
		{Name: "always active", Want: "subscription.status active, expected past_due", Wrap: subscriptionStatus("active")},
		{Name: "always past_due", Want: "subscription.status past_due, expected active", Wrap: subscriptionStatus("past_due")},
		{Name: "an update changes another organization", Want: "another organization (- before, + after)", Wrap: func(roles contracttest.Roles, h http.Handler) http.Handler {
			return intercept(h, func(w http.ResponseWriter, q request) bool {
				if q.action != update || q.token() != roles.Token || q.org() != roles.Org {
					return false
				}
				a := record(h, q.clone())
				if a.status == 200 {
					record(h, q.with("org_id", roles.OutsiderOrg).as(roles.OutsiderToken).clone())
				}
				a.send(w)
				return true
			})
		}},
		{Name: "ids by position", Want: "ids are unique across organizations", Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			return editHistory(h, func(_ request, m map[string]any) {
				list := invoices(m)
				for i, inv := range list {
					if inv, ok := inv.(map[string]any); ok {
						inv["id"] = fmt.Sprintf("inv_%d", len(list)-i)
					}
				}
			})
		}},
		{Name: "an invoice twice in a history", Want: "each invoice once", Wrap: func(_ contracttest.Roles, h http.Handler) http.Handler {
			return editHistory(h, func(_ request, m map[string]any) {
				if list := invoices(m); len(list) > 1 {
					if first, ok := list[0].(map[string]any); ok {
						if second, ok := list[1].(map[string]any); ok {
							second["id"] = first["id"]
						}
					}
				}
			})
		}},
		{Name: "another organization's invoices, relabelled", Want: "ids are unique across organizations", Wrap: func(roles contracttest.Roles, h http.Handler) http.Handler {
			return intercept(h, func(w http.ResponseWriter, q request) bool {
				if q.action != history || q.org() != roles.FreshOrg {
					return false
				}
				a := record(h, q.clone())
				theirs := record(h, q.with("org_id", roles.Org).as(roles.Token).clone())
				if a.status == 200 && theirs.status == 200 {
					var extra []any
					theirs.editJSON(func(m map[string]any) { extra = invoices(m) })
					a.editJSON(func(m map[string]any) {
						for _, inv := range extra {
							if inv, ok := inv.(map[string]any); ok {
								inv["organization"] = roles.FreshOrg
							}
						}
						m["billing_history"] = append(invoices(m), extra...)
					})
				}
				a.send(w)
				return true
			})
		}},
		{Name: "an update renames the organization", Want: "expected exactly that change; differs at /response/organization/name",
			Wrap: afterAnUpdate(describe, func(m map[string]any) {
				if o, ok := m["response"].(map[string]any)["organization"].(map[string]any); ok {
					o["name"] = fmt.Sprint(o["name"], " (changed)")
				}
			})},
		{Name: "an update marks every invoice paid", Want: "the invoices that were there changed",
			Wrap: afterAnUpdate(history, func(m map[string]any) {
				for _, inv := range invoices(m) {
					if inv, ok := inv.(map[string]any); ok {
						inv["status"] = "paid"
					}
				}
			})},
	}
}

// editHistory rewrites every 200 answer of history.
func editHistory(h http.Handler, fn func(q request, m map[string]any)) http.Handler {
	return rewrite(h, func(q request, a *answer) {
		if q.action == history && a.status == 200 {
			a.editJSON(func(m map[string]any) { fn(q, m) })
		}
	})
}

// subscriptionStatus breaks describe: its subscription.status is always this one.
func subscriptionStatus(status string) func(contracttest.Roles, http.Handler) http.Handler {
	return func(_ contracttest.Roles, h http.Handler) http.Handler {
		return rewrite(h, func(q request, a *answer) {
			if q.action == describe && a.status == 200 {
				a.editJSON(func(m map[string]any) {
					if s := subscription(m); s != nil {
						s["status"] = status
					}
				})
			}
		})
	}
}

// afterAnUpdate breaks an action's 200 answers about an organization once an update of that
// organization succeeded: edit rewrites them.
func afterAnUpdate(action string, edit func(m map[string]any)) func(contracttest.Roles, http.Handler) http.Handler {
	return func(_ contracttest.Roles, h http.Handler) http.Handler {
		changed := &updated{orgs: map[string]bool{}}
		return rewrite(h, func(q request, a *answer) {
			changed.note(q, a)
			if q.action == action && a.status == 200 && changed.has(q) {
				a.editJSON(edit)
			}
		})
	}
}

// updated remembers the organizations an updatesubscription succeeded on.
type updated struct {
	mu   sync.Mutex
	orgs map[string]bool
}

func (u *updated) note(q request, a *answer) {
	if q.action == update && a.status == 200 {
		u.mu.Lock()
		u.orgs[q.partition()+" "+q.org()] = true
		u.mu.Unlock()
	}
}

// has reports whether the organization a request names was updated (in its partition).
func (u *updated) has(q request) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.orgs[q.partition()+" "+q.org()]
}

// field is a string member of an invoice ("" when absent).
func field(inv any, name string) string {
	m, _ := inv.(map[string]any)
	s, _ := m[name].(string)
	return s
}

// answersBody breaks an action: its every answer has this body.
func answersBody(action, body string) func(contracttest.Roles, http.Handler) http.Handler {
	return func(_ contracttest.Roles, h http.Handler) http.Handler {
		return rewrite(h, func(q request, a *answer) {
			if q.action == action {
				a.body = []byte(body)
			}
		})
	}
}

// datesInOrder gives the invoices of a history answer distinct dates from 2026-01-01 on, one day
// apart, in list order (step 1: oldest first), or all the same date (step 0).
func datesInOrder(m map[string]any, step int) {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, inv := range invoices(m) {
		if inv, ok := inv.(map[string]any); ok {
			d := day.AddDate(0, 0, i*step).Format(time.DateOnly)
			inv["date"], inv["due_date"] = d, d
		}
	}
}
