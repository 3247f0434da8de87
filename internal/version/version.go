// Package version says which build of a command is running, from the build information the Go
// toolchain records in every binary (runtime/debug.ReadBuildInfo), so that no release step has to
// stamp a version by hand.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Devel is the version of a binary whose build recorded none: `go build` or `go run` in a source
// tree without VCS information (a tarball, a git worktree, or GOFLAGS=-buildvcs=false).
const Devel = "devel"

// Line is what `-version` prints for program: its version, the Go toolchain and the platform, as in
//
//	billing-mock v1.4.0 (go1.26.8, linux/amd64)
//	billing-mock v0.0.0-20261201091851-b4e2625d0d7f+dirty (go1.26.8, linux/amd64)
//	billing-mock devel (go1.26.8, linux/amd64, built from source without version information)
//
// The first is a `go install …@v1.4.0` (or a build of a tagged, clean checkout); the second a build
// in a git checkout, whose pseudo-version names the commit and whether the tree had changes; the
// third a build without VCS information.
func Line(program string) string {
	info, _ := debug.ReadBuildInfo()
	return format(program, info, runtime.GOOS+"/"+runtime.GOARCH)
}

// format is Line for a given build information (nil when the binary has none) and platform.
func format(program string, info *debug.BuildInfo, platform string) string {
	if info == nil {
		return fmt.Sprintf("%s %s (%s, built without build information)", program, Devel, platform)
	}
	v := info.Main.Version
	if v != "" && v != "(devel)" {
		return fmt.Sprintf("%s %s (%s, %s)", program, v, info.GoVersion, platform)
	}
	if rev := setting(info, "vcs.revision"); rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if setting(info, "vcs.modified") == "true" {
			rev += "+dirty"
		}
		return fmt.Sprintf("%s %s-%s (%s, %s)", program, Devel, rev, info.GoVersion, platform)
	}
	return fmt.Sprintf("%s %s (%s, %s, built from source without version information)", program, Devel, info.GoVersion, platform)
}

// setting is the value of one build setting ("" when absent).
func setting(info *debug.BuildInfo, key string) string {
	for _, s := range info.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}
