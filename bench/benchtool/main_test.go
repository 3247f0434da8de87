package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestReadResults: a value measured once is taken as it is, one measured in several rounds is the
// median of its rounds, and lines that are not "name number" are skipped.
func TestReadResults(t *testing.T) {
	t.Parallel()
	got := readResults([]byte(`mock.describe.50.p99 3.1
reference.describe.50.p99 1.5
mock.describe.50.p99 2.5
mock.describe.50.p99 9.0
reference.describe.50.p99 1.7
startup.ms 19.4
rss.idle
not a result line
`))
	assert.Equal(t, map[string]float64{
		"mock.describe.50.p99":      3.1,
		"reference.describe.50.p99": 1.6,
		"startup.ms":                19.4,
	}, got)
}

// TestCompareBaseline: each req/s ratio is the median of the rounds' ratios, the change is the
// median of the rounds' own changes, and a change below -5% is missed.
func TestCompareBaseline(t *testing.T) {
	t.Parallel()
	rounds := map[string][]float64{
		// Three rounds, the machine at half speed in the second: the ratios are those of each round.
		"reference.describe.10.rps": {100, 50, 100},
		"baseline.describe.10.rps":  {80, 40, 80},
		"mock.describe.10.rps":      {79, 40, 81},
		"reference.history.10.rps":  {100},
		"baseline.history.10.rps":   {80},
		"mock.history.10.rps":       {75},
		// The mock was faster than the baseline in two rounds of three: the quotient of the two
		// medians (70% ÷ 80%) would say -12.5%, the median of the rounds' changes says +12.5%.
		"reference.update.10.rps": {100, 100, 100},
		"baseline.update.10.rps":  {60, 80, 100},
		"mock.update.10.rps":      {70, 90, 50},
	}
	var out strings.Builder
	assert.Equal(t, 1, compareBaseline(&out, rounds), out.String())
	assert.Regexp(t, `mock +10 +describe +80\.0% +80\.0% +\+0\.0% .* met`, out.String())
	assert.Regexp(t, `mock +10 +history +80\.0% +75\.0% +-6\.2% .* MISSED`, out.String())
	assert.Regexp(t, `mock +10 +update +80\.0% +70\.0% +\+12\.5% .* met`, out.String())
	assert.Equal(t, 0, compareBaseline(&out, readRounds([]byte("mock.describe.10.rps 1\n"))), "no baseline, no comparison")
}
