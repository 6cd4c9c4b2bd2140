package cli

import (
	"os"
	"os/exec"
	"slices"
	"strings"

	"github.com/clockwise-kv/clockwise/experiment"
)

// Launch is how the commands this process prints for the user to paste
// (the replay line, a sweep's failing seeds) name clockwise, so that they
// run as printed from the working directory.
type Launch struct {
	// Name runs this binary from the working directory: "clockwise" when
	// it was found on PATH, otherwise the path it was run by
	// ("bin/clockwise" through make or from the repository's root).
	Name string
	// Make is set when the working directory is clockwise's repository
	// (its Makefile and cmd/clockwise): the make form of a check is
	// printed next to the command.
	Make bool
}

// Self is this process's Launch: SetSelf sets it from os.Args[0]; the
// tests' in-process runs keep the plain name.
var Self = Launch{Name: "clockwise"}

// LaunchOf decides how to name the binary run as arg0: a bare name found
// on PATH stays bare, a path (relative to the working directory or
// absolute) is kept as typed, and a bare name that is not on PATH (a
// parent that set argv[0] freely) becomes the executable's path.
func LaunchOf(arg0 string, lookPath func(string) (string, error), executable func() (string, error), repo bool) Launch {
	l := Launch{Name: "clockwise", Make: repo}
	switch {
	case arg0 == "":
	case strings.Contains(arg0, "/"):
		l.Name = experiment.ShellQuote(arg0)
	default:
		if _, err := lookPath(arg0); err == nil {
			l.Name = experiment.ShellQuote(arg0)
		} else if p, err := executable(); err == nil {
			l.Name = experiment.ShellQuote(p)
		}
	}
	return l
}

// InRepo reports whether the working directory is clockwise's repository
// root, where 'make check' works.
func InRepo() bool {
	mk, err := os.ReadFile("Makefile")
	if err != nil || !strings.Contains(string(mk), "\ncheck:") {
		return false
	}
	st, err := os.Stat("cmd/clockwise")
	return err == nil && st.IsDir()
}

// Command is a recorded command line ("clockwise check …", as run.json
// keeps it) as it runs from here: the binary named as l names it.
func (l Launch) Command(recorded string) string {
	if rest, ok := strings.CutPrefix(recorded, "clockwise "); ok {
		return l.Name + " " + rest
	}
	return recorded
}

// MakeForm is the make command that runs the recorded check command
// again, "make check STRATEGY=lww SEED=1 ARGS=\"--nodes 5\"" (a real
// database's: "make check-db DB=redis SEED=1 ARGS=\"--workload set\""), or
// "" when the working directory has no such Makefile or make cannot say it
// (a run of clockwise's own real cluster, an argument make's quoting would
// change).
func (l Launch) MakeForm(recorded string) string {
	if !l.Make {
		return ""
	}
	rest, ok := strings.CutPrefix(recorded, "clockwise check ")
	if !ok {
		return ""
	}
	if strings.ContainsAny(rest, `'"\$`+"`") {
		return ""
	}
	words := strings.Fields(rest)
	form := []string{"make", "check"}
	if slices.Contains(words, "--db") {
		form = []string{"make", "check-db"}
	}
	vars := map[string]string{}
	var args []string
	for i := 0; i < len(words); i++ {
		switch w := words[i]; {
		case w == "--cluster":
			return ""
		case (w == "--strategy" || w == "--seed" || w == "--db") && i+1 < len(words):
			vars[strings.ToUpper(w[2:])] = words[i+1]
			i++
		default:
			args = append(args, w)
		}
	}
	for _, v := range []string{"DB", "STRATEGY", "SEED"} {
		if vars[v] != "" {
			form = append(form, v+"="+vars[v])
		}
	}
	if len(args) > 0 {
		form = append(form, `ARGS="`+strings.Join(args, " ")+`"`)
	}
	return strings.Join(form, " ")
}

// SetSelf sets Self for the process main runs.
func SetSelf() {
	Self = LaunchOf(os.Args[0], exec.LookPath, os.Executable, InRepo())
}
