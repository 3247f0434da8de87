package mock

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when any goroutine outlives them: a request, a session, a
// fault's delay or a shutdown must not leave one behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
