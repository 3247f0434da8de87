package version

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	t.Parallel()
	build := func(version string, settings ...string) *debug.BuildInfo {
		info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/cloudplans/billing-mock", Version: version}}
		for i := 0; i+1 < len(settings); i += 2 {
			info.Settings = append(info.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return info
	}
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"go install @version", build("v1.4.0"), "billing-mock v1.4.0 (go1.26.8, linux/amd64)"},
		{"a git checkout (pseudo-version)", build("v0.0.0-20261201091851-b4e2625d0d7f+dirty", "vcs.revision", "b4e2625d0d7f2e9687b97751412a5dbc693882f7"), "billing-mock v0.0.0-20261201091851-b4e2625d0d7f+dirty (go1.26.8, linux/amd64)"},
		{"VCS information without a module version", build("(devel)", "vcs.revision", "b4e2625d0d7f2e9687b97751412a5dbc693882f7", "vcs.modified", "true"), "billing-mock devel-b4e2625d0d7f+dirty (go1.26.8, linux/amd64)"},
		{"a clean revision", build("(devel)", "vcs.revision", "abc", "vcs.modified", "false"), "billing-mock devel-abc (go1.26.8, linux/amd64)"},
		{"no VCS information", build("(devel)"), "billing-mock devel (go1.26.8, linux/amd64, built from source without version information)"},
		{"no build information", nil, "billing-mock devel (linux/amd64, built without build information)"},
	}
	for _, tt := range tests {
		if got := format("billing-mock", tt.info, "linux/amd64"); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

// TestLine: the test binary has build information, so Line names the toolchain, never "without
// build information".
func TestLine(t *testing.T) {
	t.Parallel()
	got := Line("x")
	if !strings.HasPrefix(got, "x ") || !strings.Contains(got, "go1.") || strings.Contains(got, "without build information") {
		t.Errorf("Line = %q", got)
	}
}
