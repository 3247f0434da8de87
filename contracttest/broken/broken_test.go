package broken_test

import (
	"net/http"
	"testing"

	"github.com/cloudplans/billing-mock/contracttest"
	"github.com/cloudplans/billing-mock/contracttest/broken"
	"github.com/cloudplans/billing-mock/mock"
)

// TestVariantsAgainstTheMock: every broken variant, wrapped around the mock, is reported.
func TestVariantsAgainstTheMock(t *testing.T) {
	t.Parallel()
	broken.Check(t, func(t *testing.T) broken.Target {
		srv, err := mock.New(mock.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return broken.Target{Handler: http.Handler(srv), Options: contracttest.Options{RunID: "broken"}}
	})
}
