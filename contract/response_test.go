package contract_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/cloudplans/billing-mock/contract"
)

// answer is one response to validate.
type answer struct {
	name   string
	method string
	path   string
	action string
	status int
	header http.Header
	body   string
}

func (a answer) response() contract.Response {
	header := a.header
	if header == nil {
		header = jsonHeader()
	}
	return contract.Response{Method: a.method, Path: a.path, Action: a.action, Status: a.status, Header: header, Body: []byte(a.body)}
}

func jsonHeader(kv ...string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// Correct bodies.
const (
	describeBody = `{"status":200,"response":{"organization":{"resources":12,"name":"Acme Corp","id":"org_acme","owner":"usr_owner"},` +
		`"subscription":{"payment_exp":"2028-04","plan":"pro","quantity":"3","status":"active"}}}`
	describeNoSubscription = `{"status":200,"response":{"organization":{"resources":0,"name":"New Co","id":"org_new","owner":"usr_owner"},"subscription":null}}`
	historyBody            = `{"status":200,"billing_history":[{"status":"unpaid","id":"inv_2","organization":"org_acme","date":"2026-10-15","due_date":"2026-10-29","amount":"36.00"},` +
		`{"status":"paid","id":"inv_1","organization":"org_acme","date":"2026-09-15","due_date":"2026-09-29","amount":"-12.00"}]}`
	linkBody   = `{"status":200,"response":"http://127.0.0.1:8080/checkout/chk_5f2a9c1e7b3d4a60"}`
	statusBody = `{"status":200}`
)

func errorBody(status int, code string) string {
	return fmt.Sprintf(`{"status":%d,"error":{"code":%q,"message":"something went wrong"}}`, status, code)
}

// actionPaths maps every action to its operation.
var actionPaths = map[string]struct{ method, path string }{
	"getorganization":    {"GET", describePath},
	"list_billing":       {"GET", historyPath},
	"getpaymentlink":     {"POST", updatePath},
	"getupdatecardlink":  {"POST", updatePath},
	"updatesubscription": {"POST", updatePath},
	"cancelsubscription": {"POST", updatePath},
}

// correctAnswers returns, for every action of the document and every status it declares, correct
// answers (every error code documented for that status and action). It fails the test for a
// status it does not know how to answer, so that a new status gets covered.
func correctAnswers(t testing.TB, c *contract.Contract) []answer {
	t.Helper()
	successes := map[string][]string{
		"getorganization":    {describeBody, describeNoSubscription},
		"list_billing":       {historyBody, `{"status":200,"billing_history":[]}`},
		"getpaymentlink":     {linkBody, `{"status":200,"response":"https://pay.example.com/c/1?return_url=https%3A%2F%2Fapp.example.com"}`},
		"getupdatecardlink":  {`{"status":200,"response":"http://127.0.0.1:8080/update-card/crd_0c7e1b2a9d4f5e83"}`, `{"status":200,"response":"https://localhost"}`},
		"updatesubscription": {statusBody},
		"cancelsubscription": {statusBody},
	}
	codes := map[int][]string{
		400: {"missing_action", "unknown_action", "missing_parameter", "invalid_parameter", "invalid_quantity", "conflicting_parameter", "invalid_json"},
		401: {"missing_token", "invalid_token"},
		403: {"forbidden"},
		404: {"org_not_found"},
		413: {"payload_too_large"},
		414: {"uri_too_long"},
		415: {"unsupported_media_type"},
		500: {"internal_error"},
	}
	conflicts := map[string]string{
		"getpaymentlink":     "subscription_exists",
		"getupdatecardlink":  "no_active_subscription",
		"updatesubscription": "no_active_subscription",
		"cancelsubscription": "no_active_subscription",
	}
	var out []answer
	for _, op := range c.Operations() {
		for _, name := range op.Actions() {
			for _, status := range op.Statuses(name) {
				var bodies []string
				switch {
				case status == 200:
					bodies = successes[name]
				case status == 409:
					bodies = []string{errorBody(409, conflicts[name])}
				default:
					for _, code := range codes[status] {
						bodies = append(bodies, errorBody(status, code))
					}
				}
				if len(bodies) == 0 {
					t.Fatalf("no correct answer known for %s %d; add one to correctAnswers", name, status)
				}
				for i, body := range bodies {
					out = append(out, answer{
						name:   fmt.Sprintf("%s/%d/%d", name, status, i),
						method: op.Method, path: op.Path, action: name, status: status, body: body,
					})
				}
			}
		}
	}
	return out
}

func TestValidateResponseAcceptsCorrectAnswers(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	answers := correctAnswers(t, c)
	answers = append(answers,
		answer{name: "charset", method: "GET", path: describePath, action: "getorganization", status: 200,
			header: jsonHeader("Content-Type", "Application/JSON; charset=utf-8"), body: describeBody},
		answer{name: "whitespace around the body", method: "POST", path: updatePath, action: "cancelsubscription", status: 200,
			body: " \n{\"status\": 200}\r\n\t"},
		answer{name: "401 with WWW-Authenticate", method: "GET", path: historyPath, action: "list_billing", status: 401,
			header: jsonHeader("WWW-Authenticate", `Bearer error="invalid_token"`), body: errorBody(401, "invalid_token")},
		answer{name: "unknown path", method: "GET", path: "/v1/nope", status: 404, body: errorBody(404, "not_found")},
		answer{name: "unknown path with an action", method: "POST", path: "/v1/organizations/billing/refund", action: "refund", status: 404, body: errorBody(404, "not_found")},
		answer{name: "405 on describe", method: "POST", path: describePath, action: "getorganization", status: 405,
			header: jsonHeader("Allow", "GET"), body: errorBody(405, "method_not_allowed")},
		answer{name: "405 on update, HEAD and OPTIONS listed too", method: "DELETE", path: updatePath, status: 405,
			header: jsonHeader("Allow", "OPTIONS, post, HEAD"), body: errorBody(405, "method_not_allowed")},
		// What x-unrouted-responses declares for any request, on any path and method.
		answer{name: "414 on describe", method: "GET", path: describePath, action: "getorganization", status: 414, body: errorBody(414, "uri_too_long")},
		answer{name: "414 on update", method: "POST", path: updatePath, action: "cancelsubscription", status: 414, body: errorBody(414, "uri_too_long")},
		answer{name: "414 on an unknown path", method: "GET", path: "/v1/nope", status: 414, body: errorBody(414, "uri_too_long")},
		answer{name: "414 with a method describe lacks", method: "DELETE", path: describePath, status: 414, body: errorBody(414, "uri_too_long")},
		answer{name: "431 from the server, in plain text", method: "GET", path: historyPath, action: "list_billing", status: 431,
			header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, body: "431 Request Header Fields Too Large"},
		answer{name: "431 on an unknown path", method: "GET", path: "/nope", status: 431,
			header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, body: "431 Request Header Fields Too Large"},
		answer{name: "501 from the server", method: "POST", path: updatePath, status: 501,
			header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, body: "Unsupported transfer encoding"},
		answer{name: "505 from the server", method: "GET", path: describePath, status: 505,
			header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, body: "505 HTTP Version Not Supported: unsupported protocol version"},
		answer{name: "417 from the server, no body", method: "POST", path: updatePath, status: 417, header: http.Header{}},
	)
	for _, a := range answers {
		t.Run(a.name, func(t *testing.T) {
			t.Parallel()
			if err := c.ValidateResponse(context.Background(), a.response()); err != nil {
				t.Errorf("a correct answer was rejected: %v\nbody: %s", err, a.body)
			}
		})
	}
}

func TestValidateResponseRejects(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	const (
		missing   = contract.Missing
		invalid   = contract.Invalid
		status    = contract.Status
		malformed = contract.Malformed
		mediaType = contract.MediaType
	)
	describe := func(body string) answer {
		return answer{method: "GET", path: describePath, action: "getorganization", status: 200, body: body}
	}
	history := func(body string) answer {
		return answer{method: "GET", path: historyPath, action: "list_billing", status: 200, body: body}
	}
	update := func(action string, code int, body string) answer {
		return answer{method: "POST", path: updatePath, action: action, status: code, body: body}
	}
	link := func(url string) answer {
		return update("getpaymentlink", 200, fmt.Sprintf(`{"status":200,"response":%q}`, url))
	}
	withHeader := func(a answer, h http.Header) answer { a.header = h; return a }
	invoice := func(member, value string) string {
		fields := map[string]string{"status": `"paid"`, "id": `"inv_1"`, "organization": `"org_acme"`, "date": `"2026-09-15"`, "due_date": `"2026-09-29"`, "amount": `"36.00"`}
		fields[member] = value
		var b strings.Builder
		for _, k := range []string{"status", "id", "organization", "date", "due_date", "amount"} {
			fmt.Fprintf(&b, ",%q:%s", k, fields[k])
		}
		return `{"status":200,"billing_history":[{` + b.String()[1:] + `}]}`
	}
	org := `{"resources":12,"name":"Acme Corp","id":"org_acme","owner":"usr_owner"}`
	sub := func(quantity string) string {
		return `{"payment_exp":"2028-04","plan":"pro","quantity":` + quantity + `,"status":"active"}`
	}

	tests := []struct {
		name     string
		answer   answer
		kind     contract.Kind
		location string
		field    string
	}{
		// Missing members.
		{"getpaymentlink without response", update("getpaymentlink", 200, statusBody), missing, "body", "/response"},
		{"getupdatecardlink without response", update("getupdatecardlink", 200, statusBody), missing, "body", "/response"},
		{"getpaymentlink with an empty object", update("getpaymentlink", 200, `{}`), missing, "body", "/status"},
		{"describe without subscription", describe(`{"status":200,"response":{"organization":` + org + `}}`), missing, "body", "/response/subscription"},
		{"describe without organization", describe(`{"status":200,"response":{"subscription":null}}`), missing, "body", "/response/organization"},
		{"describe without response", describe(`{"status":200}`), missing, "body", "/response"},
		{"describe subscription without plan", describe(`{"status":200,"response":{"organization":` + org + `,"subscription":{"payment_exp":"2028-04","quantity":"3"}}}`), missing, "body", "/response/subscription/plan"},
		{"history without billing_history", history(statusBody), missing, "body", "/billing_history"},
		{"invoice without amount", history(`{"status":200,"billing_history":[{"status":"paid","id":"i","organization":"o","date":"2026-09-15","due_date":"2026-09-29"}]}`), missing, "body", "/billing_history/0/amount"},

		// Wrong types.
		{"resources as a string", describe(`{"status":200,"response":{"organization":{"resources":"12","name":"Acme","id":"org_acme","owner":"usr_owner"},"subscription":null}}`), invalid, "body", "/response/organization/resources"},
		{"resources negative", describe(`{"status":200,"response":{"organization":{"resources":-1,"name":"Acme","id":"org_acme","owner":"usr_owner"},"subscription":null}}`), invalid, "body", "/response/organization/resources"},
		{"amount as a number", history(invoice("amount", "36.00")), invalid, "body", "/billing_history/0/amount"},
		{"amount with one decimal", history(invoice("amount", `"36.0"`)), invalid, "body", "/billing_history/0/amount"},
		{"subscription quantity as a number", describe(`{"status":200,"response":{"organization":` + org + `,"subscription":` + sub("3") + `}}`), invalid, "body", "/response/subscription/quantity"},
		{"subscription quantity zero", describe(`{"status":200,"response":{"organization":` + org + `,"subscription":` + sub(`"0"`) + `}}`), invalid, "body", "/response/subscription/quantity"},
		{"subscription as a string", describe(`{"status":200,"response":{"organization":` + org + `,"subscription":"none"}}`), invalid, "body", "/response/subscription"},
		{"payment_exp month 13", describe(`{"status":200,"response":{"organization":` + org + `,"subscription":{"payment_exp":"2028-13","plan":"pro","quantity":"3"}}}`), invalid, "body", "/response/subscription/payment_exp"},
		{"billing_history as an object", history(`{"status":200,"billing_history":{}}`), invalid, "body", "/billing_history"},
		{"status as a string", update("cancelsubscription", 200, `{"status":"200"}`), invalid, "body", "/status"},
		{"body is an array", update("cancelsubscription", 200, `[]`), invalid, "body", "/"},

		// Enums.
		{"invoice status PAID", history(invoice("status", `"PAID"`)), invalid, "body", "/billing_history/0/status"},
		{"subscription status canceled", describe(`{"status":200,"response":{"organization":` + org + `,"subscription":{"payment_exp":"2028-04","plan":"pro","quantity":"3","status":"canceled"}}}`), invalid, "body", "/response/subscription/status"},

		// Links.
		{"ftp link", link("ftp://example.com/x"), invalid, "body", "/response"},
		{"relative link", link("/relative"), invalid, "body", "/response"},
		{"not a url", link("not a url"), invalid, "body", "/response"},
		{"http:// alone", link("http://"), invalid, "body", "/response"},
		{"link with a space", link("http://example.com/a b"), invalid, "body", "/response"},
		{"link with userinfo", link("http://user@example.com/"), invalid, "body", "/response"},
		{"link as a number", update("getupdatecardlink", 200, `{"status":200,"response":1}`), invalid, "body", "/response"},
		{"link null", update("getupdatecardlink", 200, `{"status":200,"response":null}`), invalid, "body", "/response"},

		// Extra members where none are allowed.
		{"updatesubscription answering a link", update("updatesubscription", 200, linkBody), contract.Undocumented, "body", "/response"},
		{"cancelsubscription with an extra member", update("cancelsubscription", 200, `{"status":200,"ok":true}`), contract.Undocumented, "body", "/ok"},

		// The envelope status.
		{"HTTP 200, body status 201", update("updatesubscription", 200, `{"status":201}`), status, "body", "/status"},
		{"HTTP 200 link, body status 201", update("getpaymentlink", 200, `{"status":201,"response":"http://a.example/"}`), status, "body", "/status"},
		{"HTTP 409, body status 400", update("updatesubscription", 409, errorBody(400, "no_active_subscription")), status, "body", "/status"},
		{"HTTP 400, body status 409", update("getpaymentlink", 400, errorBody(409, "invalid_quantity")), status, "body", "/status"},
		{"HTTP 200 describe, body status 200.5", describe(`{"status":200.5,"response":{"organization":` + org + `,"subscription":null}}`), status, "body", "/status"},
		{"unknown path, body status 400", answer{method: "GET", path: "/v1/nope", status: 404, body: errorBody(400, "not_found")}, status, "body", "/status"},

		// Statuses the action does not declare.
		{"409 on describe", answer{method: "GET", path: describePath, action: "getorganization", status: 409, body: errorBody(409, "subscription_exists")}, status, "status", ""},
		{"201 on describe", answer{method: "GET", path: describePath, action: "getorganization", status: 201, body: `{"status":201}`}, status, "status", ""},
		{"201 on history", answer{method: "GET", path: historyPath, action: "list_billing", status: 201, body: `{"status":201}`}, status, "status", ""},
		{"201 on cancelsubscription", update("cancelsubscription", 201, `{"status":201}`), status, "status", ""},
		{"405 on a routed request", update("cancelsubscription", 405, errorBody(405, "method_not_allowed")), status, "status", ""},
		{"204 on update", update("updatesubscription", 204, ``), status, "status", ""},
		{"unknown-path 404 code on describe", answer{method: "GET", path: describePath, action: "getorganization", status: 404, body: errorBody(404, "not_found")}, invalid, "body", "/error/code"},

		// Media types.
		{"text/plain", withHeader(update("cancelsubscription", 200, statusBody), http.Header{"Content-Type": {"text/plain"}}), mediaType, "header", "Content-Type"},
		{"text/html", withHeader(describe(describeBody), http.Header{"Content-Type": {"text/html; charset=utf-8"}}), mediaType, "header", "Content-Type"},
		{"no Content-Type", withHeader(update("cancelsubscription", 200, statusBody), http.Header{}), mediaType, "header", "Content-Type"},
		{"problem+json", withHeader(update("cancelsubscription", 400, errorBody(400, "invalid_json")), http.Header{"Content-Type": {"application/problem+json"}}), mediaType, "header", "Content-Type"},
		{"unknown path as text/plain", answer{method: "GET", path: "/nope", status: 404, header: http.Header{"Content-Type": {"text/plain"}}, body: "404 page not found"}, mediaType, "header", "Content-Type"},

		// Error envelopes.
		{"subscription_exists for updatesubscription", update("updatesubscription", 409, errorBody(409, "subscription_exists")), invalid, "body", "/error/code"},
		{"no_active_subscription for getpaymentlink", update("getpaymentlink", 409, errorBody(409, "no_active_subscription")), invalid, "body", "/error/code"},
		{"400 with forbidden", update("getpaymentlink", 400, errorBody(400, "forbidden")), invalid, "body", "/error/code"},
		{"401 with an unknown code", answer{method: "GET", path: historyPath, action: "list_billing", status: 401, body: errorBody(401, "expired_token")}, invalid, "body", "/error/code"},
		{"error without message", update("cancelsubscription", 403, `{"status":403,"error":{"code":"forbidden"}}`), missing, "body", "/error/message"},
		{"error with an empty message", update("cancelsubscription", 403, `{"status":403,"error":{"code":"forbidden","message":""}}`), invalid, "body", "/error/message"},
		{"error without code", update("cancelsubscription", 403, `{"status":403,"error":{"message":"no"}}`), missing, "body", "/error/code"},
		{"error without error", update("cancelsubscription", 500, `{"status":500}`), missing, "body", "/error"},
		{"error as a string", update("cancelsubscription", 500, `{"status":500,"error":"internal_error"}`), invalid, "body", "/error"},
		{"success body on a 400", update("cancelsubscription", 400, `{"status":400}`), missing, "body", "/error"},

		// Bodies that are not one JSON document.
		{"not JSON", update("cancelsubscription", 200, `status: 200`), malformed, "body", ""},
		{"empty body", update("cancelsubscription", 200, ``), malformed, "body", ""},
		{"truncated", describe(describeBody[:40]), malformed, "body", ""},
		{"trailing garbage", update("cancelsubscription", 200, `{"status":200} x`), malformed, "body", ""},
		{"two documents", update("cancelsubscription", 200, `{"status":200}{"status":200}`), malformed, "body", ""},
		{"trailing brace", update("cancelsubscription", 200, `{"status":200}}`), malformed, "body", ""},
		{"trailing bracket", update("cancelsubscription", 200, `{"status":200}]`), malformed, "body", ""},
		{"trailing comma", update("cancelsubscription", 200, `{"status":200},`), malformed, "body", ""},
		{"trailing NUL", update("cancelsubscription", 200, "{\"status\":200}\x00"), malformed, "body", ""},
		{"trailing non-JSON whitespace", update("cancelsubscription", 200, "{\"status\":200}\u00a0"), malformed, "body", ""},
		{"duplicate member", update("cancelsubscription", 200, `{"status":200,"status":200}`), malformed, "body", "/status"},
		{"duplicate nested member", update("cancelsubscription", 409, `{"status":409,"error":{"code":"no_active_subscription","message":"a","code":"x"}}`), malformed, "body", "/error/code"},
		{"duplicate member in an array", history(`{"status":200,"billing_history":[{},{"a/b":1,"a/b":2}]}`), malformed, "body", "/billing_history/1/a~1b"},

		// Unrouted requests.
		{"unknown path, org_not_found", answer{method: "GET", path: "/v1/nope", status: 404, body: errorBody(404, "org_not_found")}, invalid, "body", "/error/code"},
		{"unknown path, 200", answer{method: "GET", path: "/v1/nope", status: 200, body: statusBody}, status, "status", ""},
		{"unknown path, 405", answer{method: "GET", path: "/v1/nope", status: 405, header: jsonHeader("Allow", "GET"), body: errorBody(405, "method_not_allowed")}, status, "status", ""},
		{"unknown path, no message", answer{method: "GET", path: "/v1/nope", status: 404, body: `{"status":404,"error":{"code":"not_found"}}`}, missing, "body", "/error/message"},
		{"405 without Allow", answer{method: "POST", path: describePath, action: "getorganization", status: 405, body: errorBody(405, "method_not_allowed")}, invalid, "header", "Allow"},
		{"405 with the wrong Allow", answer{method: "POST", path: describePath, action: "getorganization", status: 405, header: jsonHeader("Allow", "POST"), body: errorBody(405, "method_not_allowed")}, invalid, "header", "Allow"},
		{"405 with too many methods in Allow", answer{method: "POST", path: describePath, status: 405, header: jsonHeader("Allow", "GET, POST"), body: errorBody(405, "method_not_allowed")}, invalid, "header", "Allow"},
		{"405 with the wrong code", answer{method: "POST", path: describePath, status: 405, header: jsonHeader("Allow", "GET"), body: errorBody(405, "not_found")}, invalid, "body", "/error/code"},
		{"POST on describe answered 400", answer{method: "POST", path: describePath, action: "getorganization", status: 400, body: errorBody(400, "invalid_json")}, status, "status", ""},
		{"unknown path answered like describe", answer{method: "GET", path: describePath + "/x", action: "getorganization", status: 200, body: describeBody}, status, "status", ""},

		// x-unrouted-responses: answers it declares where they apply, and only there.
		{"414 with another code", update("cancelsubscription", 414, errorBody(414, "payload_too_large")), invalid, "body", "/error/code"},
		{"414 with a wrong body status", update("cancelsubscription", 414, errorBody(413, "uri_too_long")), status, "body", "/status"},
		{"414 in plain text", answer{method: "GET", path: describePath, status: 414, header: http.Header{"Content-Type": {"text/plain"}}, body: "414 URI Too Long"}, mediaType, "header", "Content-Type"},
		{"a plain-text 400 on describe", answer{method: "GET", path: describePath, action: "getorganization", status: 400, header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, body: "400 Bad Request"}, mediaType, "header", "Content-Type"},
		{"a plain-text 400 on an unknown path", answer{method: "GET", path: "/v1/nope", status: 400, header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, body: "400 Bad Request"}, status, "status", ""},
		{"431 as JSON", answer{method: "GET", path: describePath, status: 431, body: errorBody(431, "too_large")}, mediaType, "header", "Content-Type"},
		{"417 with a body", answer{method: "POST", path: updatePath, status: 417, header: http.Header{"Content-Type": {"text/plain"}}, body: "no"}, invalid, "body", ""},
		{"418, declared nowhere", update("cancelsubscription", 418, errorBody(418, "teapot")), status, "status", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := c.ValidateResponse(context.Background(), tt.answer.response())
			wantProblem(t, err, tt.kind, tt.location, tt.field)
		})
	}
}

// The problems say where and what: no field is repeated, body fields are JSON pointers.
func TestValidateResponseProblemsAreClear(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	err := c.ValidateResponse(context.Background(), contract.Response{
		Method: "GET", Path: historyPath, Action: "list_billing", Status: 200, Header: jsonHeader(),
		Body: []byte(`{"status":201,"billing_history":[{"status":"PAID","id":"","organization":"o","date":"2026-9-15","due_date":"2026-09-29","amount":36}]}`),
	})
	problems := problemsOf(t, err)
	want := map[string]bool{"/status": false, "/billing_history/0/status": false, "/billing_history/0/id": false, "/billing_history/0/date": false, "/billing_history/0/amount": false}
	for _, p := range problems {
		if p.Location == contract.InBody && (p.Field == "" || p.Field[0] != '/') {
			t.Errorf("body problem without a JSON pointer: %+v", p)
		}
		if _, ok := want[p.Field]; ok {
			want[p.Field] = true
		}
		if p.Expected == "" {
			t.Errorf("problem without Expected: %+v", p)
		}
	}
	for field, seen := range want {
		if !seen {
			t.Errorf("no problem at %s in:\n%v", field, err)
		}
	}
	msg := err.Error()
	for _, s := range []string{"response of GET " + historyPath + "?action=list_billing", "(status 200)", "/billing_history/0/status"} {
		if !strings.Contains(msg, s) {
			t.Errorf("message does not contain %q:\n%s", s, msg)
		}
	}
}
