// Package version names the clockwise build that is running: the main
// module's version and, when the build recorded them, the VCS revision it
// was built from and whether the tree had uncommitted changes. Run folders
// record it, so that "same seed, same bytes" is tied to a build.
package version

import (
	"runtime/debug"
	"strings"
)

// String describes the running build, e.g. "v0.3.0", "(devel) rev
// 57513b6c1e2f, modified" or "unknown" when the binary carries no build
// information.
func String() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	return describe(bi)
}

func describe(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	parts := []string{v}
	if rev != "" {
		parts = append(parts, "rev "+rev[:min(len(rev), 12)])
	}
	if modified == "true" {
		parts = append(parts, "modified")
	}
	return strings.Join(parts, ", ")
}
