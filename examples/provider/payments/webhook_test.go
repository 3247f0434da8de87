package payments_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloudplans/billing-mock/examples/provider/api"
	"github.com/cloudplans/billing-mock/examples/provider/billing"
	"github.com/cloudplans/billing-mock/examples/provider/internal/billingtest"
	"github.com/cloudplans/billing-mock/examples/provider/payments"
)

var secret = []byte("whsec_0123456789abcdef")

func TestSignVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"evt_1"}`)
	sig := payments.Sign(secret, now, body)
	if err := payments.Verify(secret, sig, body, now.Add(time.Minute), payments.DefaultTolerance); err != nil {
		t.Fatalf("a fresh signature: %v", err)
	}
	ts, v1, _ := strings.Cut(sig, ",")
	rolled := ts + ",v1=" + strings.Repeat("00", 32) + "," + v1 // the provider is rolling its secret
	if err := payments.Verify(secret, rolled, body, now, time.Minute); err != nil {
		t.Errorf("one matching v1 among several: %v", err)
	}
	for name, c := range map[string]struct {
		secret []byte
		header string
		body   string
		now    time.Time
	}{
		"another secret":  {[]byte("whsec_another_secret!"), sig, string(body), now},
		"another body":    {secret, sig, `{"id":"evt_2"}`, now},
		"too old":         {secret, sig, string(body), now.Add(6 * time.Minute)},
		"from the future": {secret, sig, string(body), now.Add(-6 * time.Minute)},
		"no header":       {secret, "", string(body), now},
		"no t":            {secret, strings.Split(sig, ",")[1], string(body), now},
		"not hex":         {secret, "t=1800000000,v1=zz", string(body), now},
	} {
		if err := payments.Verify(c.secret, c.header, []byte(c.body), c.now, payments.DefaultTolerance); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
}

// fixture serves the billing API and the webhook over one store with the demo data.
type fixture struct {
	store *billing.Store
	url   string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	store := billingtest.Store(t)
	billingAPI, _ := api.New(store, api.Options{})
	hook, err := payments.NewWebhook(store, secret, payments.WebhookOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(payments.Path, hook)
	mux.Handle("/", billingAPI)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return &fixture{store: store, url: ts.URL}
}

func (f *fixture) link(t *testing.T, query string) string {
	t.Helper()
	r, _ := http.NewRequest("POST", f.url+"/v1/organizations/billing/update?"+query, nil)
	r.Header.Set("Authorization", "Bearer tok_owner")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var a struct{ Response string }
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %v", resp.StatusCode, err)
	}
	return a.Response
}

func TestProviderCompletesThroughTheWebhook(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	pay := payments.Provider{Secret: secret}
	link := f.link(t, "action=getpaymentlink&org_id=org_new&quantity=2")
	if err := pay.Complete(ctx, link, "2031-06"); err != nil {
		t.Fatal(err)
	}
	d, err := f.store.Describe(ctx, "usr_owner", "org_new")
	if err != nil || d.Subscription == nil || d.Subscription.PaymentExp != "2031-06" || d.Subscription.Quantity != 2 {
		t.Fatalf("after the webhook: %+v, %v", d.Subscription, err)
	}
	err = pay.Complete(ctx, link, "")
	if err == nil || !strings.Contains(err.Error(), "409") || !strings.Contains(err.Error(), "link_closed") {
		t.Errorf("a second completion: %v", err)
	}
	card := f.link(t, "action=getupdatecardlink&org_id=org_new")
	if err := pay.Decline(ctx, card); err != nil {
		t.Fatal(err)
	}
	if err := pay.Complete(ctx, f.link(t, "action=getupdatecardlink&org_id=org_new"), "2033-01"); err != nil {
		t.Fatal(err)
	}
	if d, _ := f.store.Describe(ctx, "usr_owner", "org_new"); d.Subscription.PaymentExp != "2033-01" {
		t.Errorf("card after update: %s", d.Subscription.PaymentExp)
	}
	if err := (payments.Provider{Secret: []byte("whsec_not_the_right_one")}).Complete(ctx, f.link(t, "action=getupdatecardlink&org_id=org_new"), ""); err == nil || !strings.Contains(err.Error(), "invalid_signature") {
		t.Errorf("a wrong secret: %v", err)
	}
	if err := pay.Complete(ctx, "http://x/elsewhere/chk_1", ""); err == nil {
		t.Error("a link that is neither kind was sent")
	}
}

func TestWebhookAnswers(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	pay := payments.Provider{Secret: secret}
	link := f.link(t, "action=getpaymentlink&org_id=org_new&quantity=1")
	id := link[strings.LastIndex(link, "/")+1:]
	send := func(ev payments.Event) error { return pay.Send(ctx, f.url+payments.Path, ev) }
	ev := payments.Event{ID: "evt_a", Type: billing.CheckoutCompleted, LinkID: id}
	if err := send(ev); err != nil {
		t.Fatal(err)
	}
	if err := send(ev); err != nil {
		t.Errorf("a redelivered event: %v", err)
	}
	if h, _ := f.store.History(ctx, "usr_owner", "org_new"); len(h) != 1 {
		t.Errorf("a redelivered event billed again: %d invoices", len(h))
	}
	for _, c := range []struct {
		ev   payments.Event
		want string
	}{
		{payments.Event{ID: "evt_b", Type: billing.CheckoutDeclined, LinkID: id}, "409"},
		{payments.Event{ID: "evt_c", Type: billing.CheckoutCompleted, LinkID: "chk_nope"}, "404"},
		{payments.Event{ID: "evt_d", Type: "refund.created", LinkID: id}, "invalid_event"},
		{payments.Event{Type: billing.CheckoutCompleted, LinkID: id}, "invalid_event"},
		{payments.Event{ID: "evt_e", Type: billing.CardUpdateCompleted, LinkID: id}, "404"},
	} {
		if err := send(c.ev); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %s", c.ev, err, c.want)
		}
	}
	expired := f.link(t, "action=getupdatecardlink&org_id=org_new")
	if _, _, err := f.store.AdvanceClock(ctx, 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := pay.Complete(ctx, expired, ""); err == nil || !strings.Contains(err.Error(), "410") {
		t.Errorf("an expired link: %v", err)
	}
	for _, c := range []struct {
		method, contentType, body string
		status                    int
	}{
		{"GET", "", "", 405},
		{"POST", "text/plain", "{}", 415},
		{"POST", "application/json", strings.Repeat(" ", 70<<10), 413},
		{"POST", "application/json", "{}", 401}, // unsigned
	} {
		r, _ := http.NewRequest(c.method, f.url+payments.Path, strings.NewReader(c.body))
		r.Header.Set("Content-Type", c.contentType)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.contentType, resp.StatusCode, c.status)
		}
	}
	if _, err := payments.NewWebhook(f.store, []byte("short"), payments.WebhookOptions{}); err == nil {
		t.Error("a 5-byte secret was accepted")
	}
}
