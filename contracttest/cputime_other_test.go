//go:build !unix

package contracttest

import "time"

// cpuTime is the CPU time the process has used; ok is false where it cannot be read.
func cpuTime() (time.Duration, bool) { return 0, false }
