//go:build race

package mock

// raceEnabled: the race detector is on, and allocations are not what they are in production.
const raceEnabled = true
