package state

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestDefaultCardExpiry: a card given no expiry expires in the clock's month, three calendar years
// on (3 × 365 days from 1 November 2026 would end in October 2029).
func TestDefaultCardExpiry(t *testing.T) {
	t.Parallel()
	for clock, want := range map[string]string{
		"2026-11-01T09:00:00Z": "2029-11",
		"2026-12-31T23:59:59Z": "2029-12",
		"2027-01-01T00:00:00Z": "2030-01",
		"2028-02-29T12:00:00Z": "2031-02", // a leap day: still February
	} {
		st := newState(t, strings.Replace(testSeed, "clock: 2026-11-01T09:00:00Z", "clock: "+clock, 1))
		assert.Equal(t, want, st.DefaultCardExpiry(), clock)
	}
}
