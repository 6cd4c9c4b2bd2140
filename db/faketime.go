package db

import "path/filepath"

// Faketime is the path of libfaketime's library for multithreaded programs
// (or the plain one) where Debian's faketime package, or a local build, put
// it, or "" when none is found.
func Faketime() string {
	for _, pattern := range []string{
		"/usr/lib/*/faketime/libfaketimeMT.so.1",
		"/usr/lib/faketime/libfaketimeMT.so.1",
		"/usr/local/lib/faketime/libfaketimeMT.so.1",
		"/usr/lib/*/faketime/libfaketime.so.1",
		"/usr/lib/faketime/libfaketime.so.1",
		"/usr/local/lib/faketime/libfaketime.so.1",
	} {
		if m, _ := filepath.Glob(pattern); len(m) > 0 {
			return m[0]
		}
	}
	return ""
}
