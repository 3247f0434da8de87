package testsupport_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cloudplans/billing-mock/examples/provider/billing"
	"github.com/cloudplans/billing-mock/examples/provider/internal/billingtest"
	"github.com/cloudplans/billing-mock/examples/provider/testsupport"
)

func TestCalls(t *testing.T) {
	ctx := context.Background()
	store := billingtest.Store(t)
	h := testsupport.New(store, billing.Demo())
	checkout, err := store.CreateCheckout(ctx, "usr_owner", "org_new", 2)
	if err != nil {
		t.Fatal(err)
	}
	card, err := store.CreateCardUpdate(ctx, "usr_owner", "org_acme")
	if err != nil {
		t.Fatal(err)
	}
	json := "application/json"
	for _, c := range []struct {
		method, path, contentType, body string
		status                          int
		want                            string
	}{
		{"GET", "/_mock/health", "", "", 200, `"capabilities":["complete_checkout","decline_checkout","complete_card_update","decline_card_update","reset","advance_clock"]`},
		{"POST", "/_mock/health", "", "", 405, "method_not_allowed"},
		{"GET", "/_mock/faults", "", "", 404, "not_found"},
		{"POST", "/_mock/checkouts/" + checkout.ID + "/complete", json, `{"payment_exp":"2031-06"}`, 200, `"outcome":"paid"`},
		{"POST", "/_mock/checkouts/" + checkout.ID + "/decline", "", "", 409, "link_closed"},
		{"POST", "/_mock/checkouts/chk_nope/complete", "", "", 404, "link_not_found"},
		{"POST", "/_mock/card-updates/" + card.ID + "/complete", "text/plain", `x`, 415, "unsupported_media_type"},
		{"POST", "/_mock/card-updates/" + card.ID + "/complete", json, `{"payment_exp":"1999-01"}`, 400, "invalid_card"},
		{"POST", "/_mock/card-updates/" + card.ID + "/decline", "", "", 200, `"outcome":"canceled"`},
		{"POST", "/_mock/clock/advance", json, `{"by":"0s"}`, 400, "invalid_parameter"},
		{"POST", "/_mock/clock/advance", json, `{"by":"1h","to":"2030-01-01T00:00:00Z"}`, 400, "invalid_parameter"},
		{"POST", "/_mock/clock/advance", json, `{}`, 400, "invalid_parameter"},
		{"POST", "/_mock/clock/advance", json, `{"by":"720h"}`, 200, `"now":"2026-12-01T09:00:00Z","renewals":[{"org":"org_acme"`},
		{"POST", "/_mock/clock/advance", json, `{"to":"2026-12-02T09:00:00Z"}`, 200, `"now":"2026-12-02T09:00:00Z","renewals":[]`},
		{"POST", "/_mock/reset", "", "", 200, `{"status":200}`},
	} {
		r := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
		if c.contentType != "" {
			r.Header.Set("Content-Type", c.contentType)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.status || !strings.Contains(w.Body.String(), c.want) {
			t.Errorf("%s %s %s: %d %s, want %d with %s", c.method, c.path, c.body, w.Code, w.Body, c.status, c.want)
		}
	}
	if d, err := store.Describe(ctx, "usr_owner", "org_new"); err != nil || d.Subscription != nil {
		t.Errorf("after reset: %+v, %v", d.Subscription, err)
	}
	if now, _ := store.Now(ctx); now.Format("2006-01-02") != "2026-11-01" {
		t.Errorf("after reset the clock is %v", now)
	}
}
