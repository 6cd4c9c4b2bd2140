package jepsen

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteText writes r for people: the verdict with Jepsen's :valid?, what
// the history holds, each key's verdict, and which checks applied and which
// could not, and why.
func WriteText(w io.Writer, r *Result) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "%s (Jepsen :valid? %s): %s\n", upper(r.Verdict), r.Verdict.Jepsen(), r.Reason)
	model := ""
	switch {
	case r.Model != "" && r.Initial != "":
		model = fmt.Sprintf("; model %s, starting at %s", r.Model, r.Initial)
	case r.Model != "":
		model = "; model " + string(r.Model)
	}
	fmt.Fprintf(b, "history (%s%s): %s: %d ok, %d failed (never happened), %d indeterminate (may have happened); %s\n",
		r.Format, model, plural(r.Ops, "operation"), r.OK, r.Failed, r.Indeterminate, plural(r.Faults, "nemesis event"))
	fmt.Fprintf(b, "linearizability, within %s per key:\n", r.Timeout)
	if len(r.Keys) == 0 {
		fmt.Fprintln(b, "  no keys")
	}
	for _, k := range r.Keys {
		fmt.Fprintf(b, "  %s: %s, %s judged (%d indeterminate)", keyName(r.Model, k.Key), k.Verdict, plural(k.Ops, "operation"), k.Indeterminate)
		if k.Why != "" {
			fmt.Fprintf(b, ": %s", k.Why)
		}
		fmt.Fprintln(b)
	}
	for _, applied := range []bool{true, false} {
		if applied {
			fmt.Fprintln(b, "checks applied:")
		} else {
			fmt.Fprintln(b, "checks that could not apply to this format:")
		}
		for _, c := range r.Checks {
			if c.Applied == applied {
				fmt.Fprintf(b, "  %s: %s\n", c.Check, c.Why)
			}
		}
	}
	return b.Flush()
}

// upper is the verdict as clockwise prints it: VALID, INVALID, UNKNOWN.
func upper(v Verdict) string { return strings.ToUpper(v.String()) }
