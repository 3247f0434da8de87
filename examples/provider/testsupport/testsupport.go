// Package testsupport serves, for a test build of the provider, the contract kit's test-support
// protocol (controlapi.yaml, tag test-support): the state steps the contract-test runner cannot
// perform over the billing API itself, over HTTP under /_mock/.
//
//	GET  /_mock/health                       {"status":200,"capabilities":[...]}
//	POST /_mock/checkouts/{id}/complete      optional {"payment_exp":"2031-06"}
//	POST /_mock/checkouts/{id}/decline
//	POST /_mock/card-updates/{id}/complete   optional {"payment_exp":"2031-06"}
//	POST /_mock/card-updates/{id}/decline
//	POST /_mock/reset                        the dataset again
//	POST /_mock/clock/advance                {"by":"744h"} or {"to":"2027-01-01T00:00:00Z"}
//
// A completion or a decline is applied as the payment provider's event would be
// (billing.Store.ApplyPaymentEvent). Never serve it in production: whoever reaches it can pay
// any link, replace the whole database and move the clock. It does not isolate sessions, so the
// runner runs the scenarios that change state one at a time.
package testsupport

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/cloudplans/billing-mock/examples/provider/billing"
	"github.com/cloudplans/billing-mock/examples/provider/internal/reply"
	"github.com/cloudplans/billing-mock/examples/provider/payments"
)

// Prefix is where the protocol is served.
const Prefix = "/_mock/"

// Handler serves the protocol over a store; reset loads dataset.
type Handler struct {
	store   *billing.Store
	dataset billing.Dataset
}

// New returns the protocol's handler; reset replaces the store's contents with dataset.
func New(store *billing.Store, dataset billing.Dataset) *Handler {
	return &Handler{store: store, dataset: dataset}
}

// capabilities are the state steps it performs: all but the mock's own fault and prefer.
var capabilities = []string{"complete_checkout", "decline_checkout", "complete_card_update", "decline_card_update", "reset", "advance_clock"}

type health struct {
	Status       int      `json:"status"`
	Service      string   `json:"service"`
	Capabilities []string `json:"capabilities"`
}

type linkResult struct {
	Status  int    `json:"status"`
	ID      string `json:"id"`
	Outcome string `json:"outcome"`
}

type advanced struct {
	Status   int       `json:"status"`
	Now      string    `json:"now"`
	Renewals []renewal `json:"renewals"`
}

type renewal struct {
	Org    string `json:"org"`
	ID     string `json:"id"`
	Date   string `json:"date"`
	Status string `json:"status"`
	Amount string `json:"amount"`
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, Prefix), "/")
	route, method := "", http.MethodPost
	switch {
	case len(parts) == 1 && parts[0] == "health":
		route, method = "health", http.MethodGet
	case len(parts) == 1 && parts[0] == "reset":
		route = "reset"
	case len(parts) == 2 && parts[0] == "clock" && parts[1] == "advance":
		route = "advance"
	case len(parts) == 3 && (parts[0] == "checkouts" || parts[0] == "card-updates") && parts[1] != "" && (parts[2] == "complete" || parts[2] == "decline"):
		route = "link"
	default:
		reply.Error(w, http.StatusNotFound, "not_found", "no test-support call at "+reply.Quote(r.URL.Path))
		return
	}
	if r.Method != method {
		w.Header().Set("Allow", method)
		reply.Error(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed on "+r.URL.Path+" (allowed: "+method+")")
		return
	}
	body, ok := readJSON(w, r)
	if !ok {
		return
	}
	switch route {
	case "health":
		reply.JSON(w, http.StatusOK, health{Status: http.StatusOK, Service: "cloudplans-billing-provider", Capabilities: capabilities})
	case "reset":
		if err := h.store.Load(r.Context(), h.dataset); err != nil {
			reply.Error(w, http.StatusInternalServerError, "internal_error", err.Error())
			return
		}
		reply.JSON(w, http.StatusOK, map[string]int{"status": http.StatusOK})
	case "advance":
		h.advance(w, r, body)
	case "link":
		h.link(w, r, parts[0] == "checkouts", parts[1], parts[2] == "complete", body)
	}
}

// readJSON reads an optional JSON object body (at most 64 KiB).
func readJSON(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, bool) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		reply.Error(w, http.StatusBadRequest, "invalid_json", "the body could not be read")
		return nil, false
	}
	m := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(raw)) == 0 {
		return m, true
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		reply.Error(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json")
		return nil, false
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		reply.Error(w, http.StatusBadRequest, "invalid_json", "the body is not a JSON object")
		return nil, false
	}
	return m, true
}

func (h *Handler) advance(w http.ResponseWriter, r *http.Request, body map[string]json.RawMessage) {
	var by, to string
	rawBy, hasBy := body["by"]
	rawTo, hasTo := body["to"]
	if hasBy == hasTo || (hasBy && json.Unmarshal(rawBy, &by) != nil) || (hasTo && json.Unmarshal(rawTo, &to) != nil) {
		reply.Error(w, http.StatusBadRequest, "invalid_parameter", `give exactly one of "by" (a Go duration) and "to" (an RFC 3339 time)`)
		return
	}
	var d time.Duration
	var err error
	if hasBy {
		d, err = time.ParseDuration(by)
	} else {
		var t, now time.Time
		if t, err = time.Parse(time.RFC3339, to); err == nil {
			if now, err = h.store.Now(r.Context()); err == nil {
				d = t.Sub(now)
			}
		}
	}
	if err != nil {
		reply.Error(w, http.StatusBadRequest, "invalid_parameter", err.Error())
		return
	}
	now, invoices, err := h.store.AdvanceClock(r.Context(), d)
	if err != nil {
		refused(w, err)
		return
	}
	a := advanced{Status: http.StatusOK, Now: now.Format(time.RFC3339), Renewals: []renewal{}}
	for _, inv := range invoices {
		status := "unpaid"
		if inv.Paid {
			status = "paid"
		}
		a.Renewals = append(a.Renewals, renewal{Org: inv.Org, ID: inv.ID, Date: inv.Date, Status: status, Amount: inv.Amount()})
	}
	reply.JSON(w, http.StatusOK, a)
}

func (h *Handler) link(w http.ResponseWriter, r *http.Request, checkout bool, id string, complete bool, body map[string]json.RawMessage) {
	var exp string
	if raw, ok := body["payment_exp"]; ok && json.Unmarshal(raw, &exp) != nil {
		reply.Error(w, http.StatusBadRequest, "invalid_card", "payment_exp must be a string, YYYY-MM")
		return
	}
	typ, outcome := billing.CheckoutDeclined, "declined"
	switch {
	case checkout && complete:
		typ, outcome = billing.CheckoutCompleted, "paid"
	case !checkout && complete:
		typ, outcome = billing.CardUpdateCompleted, "saved"
	case !checkout:
		typ, outcome = billing.CardUpdateDeclined, "canceled"
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	ev := billing.PaymentEvent{ID: "evt_test_" + hex.EncodeToString(b[:]), Type: typ, LinkID: id, PaymentExp: exp}
	if _, err := h.store.ApplyPaymentEvent(r.Context(), ev); err != nil {
		refused(w, err)
		return
	}
	reply.JSON(w, http.StatusOK, linkResult{Status: http.StatusOK, ID: id, Outcome: outcome})
}

// refused answers a refusal of the store with its status, anything else with a 500.
func refused(w http.ResponseWriter, err error) {
	status, code := payments.RefusalStatus(err)
	switch billing.CodeOf(err) {
	case billing.CodeInvalidArgument:
		status, code = http.StatusBadRequest, "invalid_parameter"
	case billing.CodeNoTestClock:
		status, code = http.StatusConflict, string(billing.CodeNoTestClock)
	}
	reply.Error(w, status, code, err.Error())
}
