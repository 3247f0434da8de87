package testsupport_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cloudplans/billing-mock/examples/provider/internal/billingtest"
	"github.com/cloudplans/billing-mock/examples/provider/testsupport"
)

func TestPages(t *testing.T) {
	ctx := context.Background()
	store := billingtest.Store(t)
	pages := testsupport.NewPages(store)
	post := func(path string, form url.Values) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		pages.ServeHTTP(w, r)
		return w
	}
	checkout, _ := store.CreateCheckout(ctx, "usr_owner", "org_new", 2)
	w := httptest.NewRecorder()
	pages.ServeHTTP(w, httptest.NewRequest("GET", "/checkout/"+checkout.ID+"?return_url=http://localhost:5173/app", nil))
	if w.Code != 200 || !strings.Contains(w.Body.String(), `value="http://localhost:5173/app"`) || !strings.Contains(w.Body.String(), ">Pay</button>") {
		t.Fatalf("GET the checkout page: %d %s", w.Code, w.Body)
	}
	w = post("/checkout/"+checkout.ID, url.Values{"outcome": {"paid"}, "payment_exp": {"2031-06"}, "return_url": {"http://localhost:5173/app?tab=billing"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "http://localhost:5173/app?checkout=paid&tab=billing" {
		t.Errorf("pay: %d, Location %q", w.Code, w.Header().Get("Location"))
	}
	if d, _ := store.Describe(ctx, "usr_owner", "org_new"); d.Subscription == nil || d.Subscription.PaymentExp != "2031-06" {
		t.Errorf("after paying on the page: %+v", d.Subscription)
	}
	if w = post("/checkout/"+checkout.ID, url.Values{"outcome": {"paid"}}); w.Code != http.StatusConflict {
		t.Errorf("paying twice: %d", w.Code)
	}
	card, _ := store.CreateCardUpdate(ctx, "usr_owner", "org_new")
	w = post("/update-card/"+card.ID, url.Values{"outcome": {"canceled"}, "return_url": {"https://evil.example/"}})
	if w.Code != 200 || w.Header().Get("Location") != "" || !strings.Contains(w.Body.String(), "Done: canceled.") {
		t.Errorf("cancel with a foreign return_url: %d, Location %q, %s", w.Code, w.Header().Get("Location"), w.Body)
	}
	if d, _ := store.Describe(ctx, "usr_owner", "org_new"); d.Subscription.PaymentExp != "2031-06" {
		t.Errorf("a canceled card update changed the card: %s", d.Subscription.PaymentExp)
	}
}
