package main

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/cloudplans/billing-mock/contracttest"
	"github.com/cloudplans/billing-mock/examples/provider/billing"
	"github.com/cloudplans/billing-mock/examples/provider/internal/billingtest"
	"github.com/cloudplans/billing-mock/examples/provider/payments"
)

// testSecret is the webhook secret the tests share with their payment provider.
const testSecret = "whsec_test_0123456789abcdef"

// testProvider is the provider as main wires it (billing API and webhook), on a fresh database
// file loaded with the demo data.
type testProvider struct {
	store   *billing.Store
	handler http.Handler
}

func newTestProvider(t *testing.T) *testProvider {
	t.Helper()
	return newTestProviderWith(t, config{webhookSecret: testSecret})
}

// newTestProviderWith is newTestProvider with other settings (test support).
func newTestProviderWith(t *testing.T, cfg config) *testProvider {
	t.Helper()
	store := billingtest.Store(t)
	h, err := newHandler(store, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return &testProvider{store: store, handler: h}
}

// hooks perform the suite's state steps the way they happen in production: a payment step is
// the payment provider's signed webhook event (a row update in the provider's database), reset
// loads the demo data again, and advance_clock moves the database's test clock.
func (p *testProvider) hooks() contracttest.Hooks {
	pay := payments.Provider{Secret: []byte(testSecret)}
	return contracttest.Hooks{
		CompleteCheckout:   pay.Complete,
		DeclineCheckout:    pay.Decline,
		CompleteCardUpdate: pay.Complete,
		DeclineCardUpdate:  pay.Decline,
		Reset:              func(ctx context.Context) error { return p.store.Load(ctx, billing.Demo()) },
		AdvanceClock: func(ctx context.Context, by time.Duration) error {
			_, _, err := p.store.AdvanceClock(ctx, by)
			return err
		},
	}
}
