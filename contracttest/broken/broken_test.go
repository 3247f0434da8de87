package broken_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cloudplans/billing-mock/contracttest"
	"github.com/cloudplans/billing-mock/contracttest/broken"
	"github.com/cloudplans/billing-mock/contracttest/internal/sidechannel"
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

// TestVariantsAgainstTheMockAsAService: every broken variant is reported also when the mock looks
// like a real service: no test-support protocol, so no isolation and no fault rules, and Go
// hooks for the state steps (as the independent provider runs the table).
func TestVariantsAgainstTheMockAsAService(t *testing.T) {
	t.Parallel()
	broken.Check(t, func(t *testing.T) broken.Target {
		srv, err := mock.New(mock.Options{})
		if err != nil {
			t.Fatal(err)
		}
		control := httptest.NewServer(srv)
		t.Cleanup(control.Close)
		return broken.Target{Handler: sidechannel.HideControl(srv), Options: contracttest.Options{Hooks: sidechannel.Hooks(control.URL)}}
	})
}
