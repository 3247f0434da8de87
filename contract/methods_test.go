package contract

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestMethodList: an Allow header's methods as a sorted, upper-cased set, and sameMethods on top
// of it, which lets HEAD and OPTIONS be listed besides the documented methods.
func TestMethodList(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		allow string
		want  []string
	}{
		{"", nil},
		{"GET", []string{"GET"}},
		{" post, get ,,", []string{"GET", "POST"}},
		{"OPTIONS, GET, HEAD", []string{"GET", "HEAD", "OPTIONS"}},
	} {
		assert.Equal(t, tt.want, MethodList(tt.allow), "%q", tt.allow)
	}
	for _, tt := range []struct {
		got, want string
		same      bool
	}{
		{"GET, HEAD, OPTIONS", "GET", true},
		{"get", "GET", true},
		{"POST", "GET", false},
		{"GET, POST", "GET", false},
		{"HEAD", "GET", false},
	} {
		assert.Equal(t, tt.same, sameMethods(tt.got, tt.want), "%q against %q", tt.got, tt.want)
	}
}
