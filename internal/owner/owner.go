// Package owner names the running process so that what it leaves behind
// (packet filter tables, database processes) can be told from what a
// running process still owns. A tag is the process id and its start time,
// "<pid>_<start>": a later process given the same id has another start time.
package owner

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Self is the running process's tag.
func Self() (string, error) {
	start, err := StartTime(os.Getpid())
	if err != nil {
		return "", fmt.Errorf("owner: %w", err)
	}
	return Tag(os.Getpid(), start), nil
}

// Tag is the tag of the process pid that started at start.
func Tag(pid int, start uint64) string {
	return strconv.Itoa(pid) + "_" + strconv.FormatUint(start, 10)
}

// Alive reports whether the process a tag names still runs. A tag that does
// not parse names no process.
func Alive(tag string) bool {
	p, s, ok := strings.Cut(tag, "_")
	if !ok {
		return false
	}
	pid, err := strconv.Atoi(p)
	if err != nil {
		return false
	}
	start, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return false
	}
	now, err := StartTime(pid)
	return err == nil && now == start
}

// StartTime is a process's start time in clock ticks since boot (field 22
// of /proc/<pid>/stat).
func StartTime(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields after the name", pid, len(f))
	}
	return strconv.ParseUint(f[19], 10, 64)
}
