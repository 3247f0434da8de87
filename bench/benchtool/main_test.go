package main

import (
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
