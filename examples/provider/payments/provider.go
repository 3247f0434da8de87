package payments

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"time"

	"github.com/cloudplans/billing-mock/examples/provider/api"
	"github.com/cloudplans/billing-mock/examples/provider/billing"
)

// Provider is the payment provider's side of the webhook, for tests and tools: it signs events
// and posts them, as the provider does when a customer pays or declines on its hosted page.
type Provider struct {
	Secret []byte       // the secret shared with the billing service
	Client *http.Client // nil means http.DefaultClient
}

// Complete reports the link (the whole URL the billing API answered) completed with a card
// expiring in paymentExp ("" for the billing service's default); Decline reports it declined.
// The webhook is the link's scheme and host plus Path.
func (p Provider) Complete(ctx context.Context, link, paymentExp string) error {
	return p.report(ctx, link, true, paymentExp)
}

// Decline reports the link declined.
func (p Provider) Decline(ctx context.Context, link string) error {
	return p.report(ctx, link, false, "")
}

func (p Provider) report(ctx context.Context, link string, completed bool, paymentExp string) error {
	u, err := url.Parse(link)
	if err != nil || u.Host == "" {
		return fmt.Errorf("link %q is not an absolute URL", link)
	}
	var kind string
	switch path.Dir(u.Path) + "/" {
	case api.CheckoutPath:
		kind = string(billing.CheckoutLink)
	case api.CardUpdatePath:
		kind = string(billing.CardUpdateLink)
	default:
		return fmt.Errorf("link %q is neither a checkout nor an update-card link", link)
	}
	outcome := ".declined"
	if completed {
		outcome = ".completed"
	}
	ev := Event{ID: newEventID(), Type: billing.EventType(kind + outcome), LinkID: path.Base(u.Path), PaymentExp: paymentExp}
	return p.Send(ctx, (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: Path}).String(), ev)
}

// Send signs ev and posts it to webhookURL; any answer but a 200 is an error that quotes it.
func (p Provider) Send(ctx context.Context, webhookURL string, ev Event) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, webhookURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("event %s: %w", ev.Type, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(p.Secret, time.Now(), body))
	client := p.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("event %s: %w", ev.Type, err)
	}
	defer func() { _ = resp.Body.Close() }()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("event %s for link %s: the webhook answered %d: %s", ev.Type, ev.LinkID, resp.StatusCode, bytes.TrimSpace(answer))
	}
	return nil
}

func newEventID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "evt_" + hex.EncodeToString(b[:])
}
