package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/cloudplans/billing-mock/examples/provider/billing"
	"github.com/cloudplans/billing-mock/examples/provider/payments"
)

// hookEvent is one event of the contract runner's -hook protocol: one JSON object on stdin.
type hookEvent struct {
	Event      string `json:"event"`
	Link       string `json:"link"`
	PaymentExp string `json:"payment_exp"`
	By         string `json:"by"`
}

// runHook is `provider hook`: the contract runner's -hook command for a running provider. It
// reads one event from stdin and performs it as production would: a payment event is the payment
// provider's signed webhook call (it needs the secret in BILLING_WEBHOOK_SECRET); reset (the demo
// data again) and advance_clock (the test clock) write to the database file the provider serves
// (-db; SQLite lets two processes share it). {"event":"capabilities"} prints the events it can
// perform with what it was given.
func runHook(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("provider hook", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "", "the provider's SQLite database `FILE`, for reset and advance_clock")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: provider hook [-db FILE] < event.json\n\nThe contract runner's -hook command (contracttest -hook 'provider hook -db FILE').\n\n")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "  %s\n    \tthe webhook secret, for the payment events\n", WebhookSecretEnv)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	var ev hookEvent
	if err := json.NewDecoder(stdin).Decode(&ev); err != nil {
		return fmt.Errorf("read the event from stdin: %w", err)
	}
	secret := getenv(WebhookSecretEnv)
	pay := payments.Provider{Secret: []byte(secret)}
	needSecret := func() error {
		if secret == "" {
			return fmt.Errorf("%s: set %s to the provider's webhook secret", ev.Event, WebhookSecretEnv)
		}
		return nil
	}
	withStore := func(fn func(*billing.Store) error) error {
		if *db == "" {
			return fmt.Errorf("%s: give -db, the database file the provider serves", ev.Event)
		}
		s, err := billing.Open(ctx, *db)
		if err != nil {
			return err
		}
		return errors.Join(fn(s), s.Close())
	}
	switch ev.Event {
	case "capabilities":
		var caps []string
		if secret != "" {
			caps = append(caps, "complete_checkout", "decline_checkout", "complete_card_update", "decline_card_update")
		}
		if *db != "" {
			caps = append(caps, "reset", "advance_clock")
		}
		return json.NewEncoder(stdout).Encode(append([]string{}, caps...))
	case "complete_checkout", "complete_card_update":
		if err := needSecret(); err != nil {
			return err
		}
		return pay.Complete(ctx, ev.Link, ev.PaymentExp)
	case "decline_checkout", "decline_card_update":
		if err := needSecret(); err != nil {
			return err
		}
		return pay.Decline(ctx, ev.Link)
	case "reset":
		return withStore(func(s *billing.Store) error { return s.Load(ctx, billing.Demo()) })
	case "advance_clock":
		by, err := time.ParseDuration(ev.By)
		if err != nil {
			return fmt.Errorf("advance_clock: by %q: %w", ev.By, err)
		}
		return withStore(func(s *billing.Store) error { _, _, err := s.AdvanceClock(ctx, by); return err })
	}
	return fmt.Errorf("unknown event %q", ev.Event)
}
