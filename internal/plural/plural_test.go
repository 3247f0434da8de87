package plural

import "testing"

func TestCount(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want string
	}{{0, "0 invoices"}, {1, "1 invoice"}, {2, "2 invoices"}, {-1, "-1 invoice"}, {-3, "-3 invoices"}} {
		if got := Count(tt.n, "invoice"); got != tt.want {
			t.Errorf("Count(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	if got := Noun(1, "step"); got != "step" {
		t.Errorf("Noun(1) = %q", got)
	}
}
