// Package billingtest gives tests a fresh billing database.
package billingtest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/cloudplans/billing-mock/examples/provider/billing"
)

// Store opens a new database file in t's temporary directory, loaded with the demo data, and
// closes it when t ends.
func Store(t testing.TB) *billing.Store {
	t.Helper()
	s, err := billing.Open(context.Background(), filepath.Join(t.TempDir(), "billing.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Load(context.Background(), billing.Demo()); err != nil {
		t.Fatal(err)
	}
	return s
}
