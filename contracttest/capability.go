package contracttest

import (
	"context"
	"time"
)

// Capability is a state step that a scenario may need and that the billing API itself cannot
// perform: completing a payment, moving the clock, resetting the state. The set is closed; the
// names are also the events of the -hook protocol and the members of the capabilities list of
// GET /_mock/health (FORMAT.md, "Provider states").
type Capability string

// The capabilities, in the order reports list them. Fault and Prefer are the mock's own: only
// its control API supplies them, never a hook.
const (
	CompleteCheckout   Capability = "complete_checkout"
	DeclineCheckout    Capability = "decline_checkout"
	CompleteCardUpdate Capability = "complete_card_update"
	DeclineCardUpdate  Capability = "decline_card_update"
	Reset              Capability = "reset"
	AdvanceClock       Capability = "advance_clock"
	Fault              Capability = "fault"
	Prefer             Capability = "prefer"
)

// AllCapabilities lists every capability, in the order reports list them.
func AllCapabilities() []Capability {
	return []Capability{CompleteCheckout, DeclineCheckout, CompleteCardUpdate, DeclineCardUpdate, Reset, AdvanceClock, Fault, Prefer}
}

// Hooks perform state steps from Go, for an implementation that runs the suite from its own
// tests. A nil func means the capability is absent; a non-nil one wins over the test-support
// protocol for its capability. Each call is bounded by Options.Timeout through ctx, and an error
// fails the step that called it.
type Hooks struct {
	// CompleteCheckout pays a payment link: link is the whole URL that getpaymentlink answered;
	// paymentExp is the card's expiry ("YYYY-MM"), "" for the implementation's default.
	CompleteCheckout func(ctx context.Context, link, paymentExp string) error
	// DeclineCheckout declines a payment link: nothing changes but the link.
	DeclineCheckout func(ctx context.Context, link string) error
	// CompleteCardUpdate saves a new card through an update-card link (the whole URL that
	// getupdatecardlink answered); paymentExp "" is the implementation's default.
	CompleteCardUpdate func(ctx context.Context, link, paymentExp string) error
	// DeclineCardUpdate cancels an update-card link: the card stays.
	DeclineCardUpdate func(ctx context.Context, link string) error
	// Reset puts every organization back to the state the run started from.
	Reset func(ctx context.Context) error
	// AdvanceClock moves the billing clock forward by a positive duration, renewing
	// subscriptions on the way.
	AdvanceClock func(ctx context.Context, by time.Duration) error
}

// has reports whether h supplies a capability.
func (h Hooks) has(c Capability) bool {
	switch c {
	case CompleteCheckout:
		return h.CompleteCheckout != nil
	case DeclineCheckout:
		return h.DeclineCheckout != nil
	case CompleteCardUpdate:
		return h.CompleteCardUpdate != nil
	case DeclineCardUpdate:
		return h.DeclineCardUpdate != nil
	case Reset:
		return h.Reset != nil
	case AdvanceClock:
		return h.AdvanceClock != nil
	}
	return false
}
