//go:build !race

package contracttest

// raceEnabled: the race detector is on, and the code runs several times slower.
const raceEnabled = false
