package contract

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
)

// The fast path of ValidateResponse may only ever say "valid" when the complete path says so;
// these tests hold it to that.

// responseSeeds are answers, well-formed and not, for the fast path of ValidateResponse.
var responseSeeds = []string{
	`{"status":200,"response":{"organization":{"resources":12,"name":"Acme Corp","id":"org_acme","owner":"usr_owner"},"subscription":{"payment_exp":"2028-04","plan":"pro","quantity":"3","status":"active"}}}`,
	`{"status":200,"response":{"organization":{"resources":12,"name":"Acme Corp","id":"org_acme","owner":"usr_owner"},"subscription":null}}`,
	`{"status":200,"billing_history":[{"status":"paid","id":"inv_1","organization":"org_acme","date":"2026-10-01","due_date":"2026-10-15","amount":"36.00"}]}`,
	`{"status":200,"response":"http://127.0.0.1:8080/checkout/chk_5f2a9c1e7b3d4a60"}`,
	`{"status":200}`, `{"status":200,"status":200}`, `{"status":200.0}`, `{"status":2e2}`, `{"status":200}]`,
	`{"status":404,"error":{"code":"org_not_found","message":"no organization \"org_x\""}}`,
	`{"status":409,"error":{"code":"subscription_exists","message":"x"}}`,
}

// FuzzFastResponse: whenever the fast path accepts an answer, the complete path accepts it too.
func FuzzFastResponse(f *testing.F) {
	c, err := Embedded()
	if err != nil {
		f.Fatal(err)
	}
	ops := c.Operations()
	for _, s := range responseSeeds {
		for i := range ops {
			f.Add(uint8(i), uint8(0), uint16(200), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, opIndex, actionIndex uint8, status uint16, body []byte) {
		op := ops[int(opIndex)%len(ops)]
		names := append(op.Actions(), "", "nope")
		in := Response{
			Method: op.Method, Path: op.Path, Action: names[int(actionIndex)%len(names)], Status: int(status),
			Header: http.Header{"Content-Type": {"application/json"}}, Body: body,
		}
		if c.responseValid(in) {
			if err := c.validateResponse(context.Background(), in); err != nil {
				t.Fatalf("fast path accepted what the complete path refuses: %v", err)
			}
		}
	})
}

// TestFastPathAgreesOnExamples: on every example of the document, for every action and status,
// the fast path and the complete path agree whenever the fast path applies, and it applies to
// every 200.
func TestFastPathAgreesOnExamples(t *testing.T) {
	c, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	fast := 0
	for _, op := range c.Operations() {
		item := c.Document().Paths.Find(op.Path)
		for _, name := range op.Actions() {
			for _, status := range op.Statuses(name) {
				resp := item.GetOperation(op.Method).Responses.Status(status)
				if resp == nil || resp.Value == nil || resp.Value.Content.Get("application/json") == nil {
					continue
				}
				for exName, ex := range resp.Value.Content.Get("application/json").Examples {
					body, _ := json.Marshal(ex.Value.Value)
					in := Response{Method: op.Method, Path: op.Path, Action: name, Status: status,
						Header: http.Header{"Content-Type": {"application/json"}}, Body: body}
					slow := c.validateResponse(context.Background(), in)
					if c.responseValid(in) {
						fast++
						if slow != nil {
							t.Errorf("%s %s %d %s: fast path accepts, complete path says %v", op.Path, name, status, exName, slow)
						}
					} else if slow == nil && op.action(name).fast[status].ok {
						t.Errorf("%s %s %d %s: valid, but the fast path refused it", op.Path, name, status, exName)
					}
				}
			}
		}
	}
	if fast == 0 {
		t.Fatal("the fast path never applied")
	}
}
