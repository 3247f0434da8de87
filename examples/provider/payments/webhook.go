// Package payments is the payment provider's way into the billing: the webhook it calls when a
// customer completes or declines a hosted checkout or card update, and the signature that proves
// the call comes from it.
//
// A webhook call is POST /webhooks/payments with a JSON event,
//
//	{"id": "evt_1", "type": "checkout.completed", "link_id": "chk_5f2a9c1e7b3d4a60", "payment_exp": "2031-06"}
//
// signed with the secret the provider and this service share: the header
// Payment-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>"> (see Sign). The
// event is applied in one transaction by billing.Store.ApplyPaymentEvent; an event delivered
// again (the same id) changes nothing and is answered 200, as providers that deliver at least
// once expect.
package payments

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cloudplans/billing-mock/examples/provider/billing"
	"github.com/cloudplans/billing-mock/examples/provider/internal/reply"
)

// Path is where the payment provider posts its events.
const Path = "/webhooks/payments"

// SignatureHeader carries the event's signature.
const SignatureHeader = "Payment-Signature"

// DefaultTolerance is how far a signature's time may be from the wall clock.
const DefaultTolerance = 5 * time.Minute

// MinSecretBytes is the shortest secret NewWebhook accepts.
const MinSecretBytes = 16

// maxEventBytes bounds an event's body.
const maxEventBytes = 64 << 10

// Sign returns the Payment-Signature header value of body sent at t with secret.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts + "."))
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks that header is a signature of body with secret, made within tolerance of now.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if sig, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, sig)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return fmt.Errorf("the %s header is not t=<unix seconds>,v1=<hex>", SignatureHeader)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("the signature was made %v from now, more than %v", d.Round(time.Second), tolerance)
	}
	want := mac(secret, ts, body)
	for _, sig := range sigs { // several v1 entries: the provider is rolling its secret
		if hmac.Equal(sig, want) {
			return nil
		}
	}
	return errors.New("no signature matches the shared secret")
}

// WebhookOptions configure a Webhook; the zero value of a field means its default.
type WebhookOptions struct {
	Now       func() time.Time // the wall clock that signatures are checked against; time.Now
	Tolerance time.Duration    // DefaultTolerance
	Log       *slog.Logger     // receives the events that failed on the server's side; discarded
}

// Webhook is the http.Handler of Path.
type Webhook struct {
	billing   *billing.Store
	secret    []byte
	now       func() time.Time
	tolerance time.Duration
	log       *slog.Logger
}

// NewWebhook returns the webhook that applies signed events to store.
func NewWebhook(store *billing.Store, secret []byte, opts WebhookOptions) (*Webhook, error) {
	if len(secret) < MinSecretBytes {
		return nil, fmt.Errorf("the webhook secret must be at least %d bytes, got %d", MinSecretBytes, len(secret))
	}
	h := &Webhook{billing: store, secret: secret, now: opts.Now, tolerance: opts.Tolerance, log: opts.Log}
	if h.now == nil {
		h.now = time.Now
	}
	if h.tolerance == 0 {
		h.tolerance = DefaultTolerance
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h, nil
}

// Event is the webhook's body. Members it does not know are ignored: providers add some.
type Event struct {
	ID         string            `json:"id"`                    // the same for every delivery of one event
	Type       billing.EventType `json:"type"`                  // checkout.completed, checkout.declined, card_update.completed, card_update.declined
	LinkID     string            `json:"link_id"`               // the last path segment of the link
	PaymentExp string            `json:"payment_exp,omitempty"` // the card's expiry, YYYY-MM, for a completion
}

type applied struct {
	Status    int  `json:"status"`
	Duplicate bool `json:"duplicate"`
}

// ServeHTTP applies one event: 200 when it is applied or was already, else the envelope.
func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		reply.Error(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed on "+Path+" (allowed: POST)")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxEventBytes+1))
	switch {
	case err != nil:
		reply.Error(w, http.StatusBadRequest, "invalid_json", "the body could not be read: "+err.Error())
		return
	case len(body) > maxEventBytes:
		reply.Error(w, http.StatusRequestEntityTooLarge, "payload_too_large", fmt.Sprintf("an event is at most %d bytes", maxEventBytes))
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		reply.Error(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send the event as application/json")
		return
	}
	if err := Verify(h.secret, r.Header.Get(SignatureHeader), body, h.now(), h.tolerance); err != nil {
		reply.Error(w, http.StatusUnauthorized, "invalid_signature", err.Error())
		return
	}
	var ev Event
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&ev); err != nil || dec.More() {
		reply.Error(w, http.StatusBadRequest, "invalid_json", "the event is not one JSON object")
		return
	}
	dup, err := h.billing.ApplyPaymentEvent(r.Context(), billing.PaymentEvent{
		ID: ev.ID, Type: ev.Type, LinkID: ev.LinkID, PaymentExp: ev.PaymentExp,
	})
	if err != nil {
		status, code := RefusalStatus(err)
		if status == http.StatusInternalServerError {
			h.log.Error("payment event failed", "event", ev.ID, "type", ev.Type, "link", ev.LinkID, "err", err)
			reply.Error(w, status, code, "the event could not be applied; deliver it again")
			return
		}
		reply.Error(w, status, code, err.Error())
		return
	}
	reply.JSON(w, http.StatusOK, applied{Status: http.StatusOK, Duplicate: dup})
}

// RefusalStatus maps a refusal of ApplyPaymentEvent to its HTTP status and error code; any other
// error is a 500 internal_error.
func RefusalStatus(err error) (int, string) {
	switch code := billing.CodeOf(err); code {
	case billing.CodeLinkNotFound:
		return http.StatusNotFound, string(code)
	case billing.CodeLinkClosed, billing.CodeSubscriptionExists, billing.CodeNoActiveSubscription:
		return http.StatusConflict, string(code)
	case billing.CodeLinkExpired:
		return http.StatusGone, string(code)
	case billing.CodeInvalidCard:
		return http.StatusBadRequest, string(code)
	case billing.CodeInvalidArgument:
		return http.StatusBadRequest, "invalid_event"
	}
	return http.StatusInternalServerError, "internal_error"
}
