// Command clockwise runs fault-injection tests against a replicated
// key-value store and judges their histories.
//
//	clockwise check      --strategy lww        run a randomized test, write a run folder, judge it
//	clockwise analyze    runs/latest           re-judge a stored history
//	clockwise demo                             the scripted stories: clock skew, a far-future tombstone
//	clockwise matrix                           every strategy under every nemesis, in one table
//	clockwise metadata                         causal metadata per key from 3 to 50 nodes
//	clockwise report     runs/latest           print a stored run's summary (--full: its report.txt)
//	clockwise serve      runs                  browse the run folders on 127.0.0.1
//	clockwise node       --id n1 --peers ...   serve one replica over the node protocol
//	clockwise node-check http://host:port      check that running nodes speak the node protocol
//	clockwise sweep      --seeds 1-1000        one run per seed; keeps the failing ones
//	clockwise shrink     runs/latest           the smallest run that still fails the same way
//
// Exit codes: 0 the history is valid, 1 the checker found anomalies, 2 bad
// usage or bad input (the message says which flag, file, line or field) or
// a file that could not be read or written (the message says which, without
// the usage line), 3 the history cannot decide (a key or node without a
// final read, replicas that did not converge, an interrupted run): Jepsen's :valid? true, false
// and :unknown are 0, 1 and 3.
//
// clockwise --version prints the build: the module version and, when the
// build recorded it, the VCS revision; run.json records the same.
//
// The command is flags to structs to calls: it turns flags into a
// harness.Config and checker.Options, calls package experiment to run and
// judge, report to print, and runs to read run folders, and maps what
// comes back to an exit code.
package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/internal/cli"
	"github.com/clockwise-kv/clockwise/internal/version"
)

// Exit codes.
const (
	exitValid   = 0
	exitInvalid = 1
	exitUsage   = 2
	exitUnknown = 3
)

// exitError carries an exit code out of a command.
type exitError struct {
	code  int
	err   error
	usage bool // print the usage line too
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErr is bad usage: a flag or argument that cannot work.
func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...), usage: true}
}

// inputErr is bad input that exits 2 without the usage line even when err
// wraps a usage error: a recorded command line's bad flag is the input's
// fault, not this command line's. (An unmarked error a command returns
// exits so already: failsWithoutUsage.)
func inputErr(err error) error { return &exitError{code: exitUsage, err: err} }

// errInvalid reports that the checker found anomalies, and errUnknown that
// the history cannot decide; the report has already been printed.
var (
	errInvalid = &exitError{code: exitInvalid, err: errors.New("anomalies found")}
	errUnknown = &exitError{code: exitUnknown, err: errors.New("the history cannot decide")}
)

// verdictErr is the exit of a verdict: nil when valid.
func verdictErr(v checker.Verdict) error {
	switch v {
	case checker.Valid:
		return nil
	case checker.Invalid:
		return errInvalid
	}
	return errUnknown
}

// memoryLimit is the soft memory limit clockwise runs under unless
// GOMEMLIMIT sets one: near it the garbage collector works harder, so a
// million-operation check or analyze stays near it instead of doubling its
// live data, at some cost in time. It never fails a run. Below it, the
// collector lets the heap grow to three times the live data (gcPercent,
// unless GOGC sets another): a check allocates much that dies young, and
// collecting less often saves time while the limit bounds the peak.
// check and analyze go further (collectNearLimit).
const (
	memoryLimit = 900 << 20
	gcPercent   = 200
)

// collectNearLimit has the garbage collector run only as the heap nears
// the soft memory limit, unless GOGC sets how it runs or no limit is in
// force (as when the commands run inside a test): check and analyze are
// one judgement of a history each, whose operations, graph and findings
// live to the end, and a collection before the limit would mark them only
// to find them live. Their peak stays under the limit, as before, and a
// history of 100,000 operations is judged without one collection.
func collectNearLimit() {
	if os.Getenv("GOGC") == "" && debug.SetMemoryLimit(-1) < math.MaxInt64 {
		debug.SetGCPercent(-1)
	}
}

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	cli.SetSelf()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err == nil {
		return exitValid
	}
	var ee *exitError
	if errors.As(err, &ee) && (ee == errInvalid || ee == errUnknown) {
		return ee.code
	}
	fmt.Fprintf(stderr, "clockwise: %v\n", err)
	if !errors.As(err, &ee) || ee.usage {
		// cobra's own errors (unknown command, bad argument count) are
		// usage errors too.
		fmt.Fprintf(stderr, "usage: %s\nrun '%s --help' for details\n", cmd.UseLine(), cmd.CommandPath())
	}
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitUsage
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "clockwise",
		Short: "Fault-injection tests that catch a replicated store losing acknowledged writes",
		Long: `clockwise runs concurrent clients against a replicated key-value store while a
nemesis skews clocks and partitions the network, records every operation in a
history, and proves from that history which acknowledged writes were lost.`,
		Version:       version.String(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("clockwise {{.Version}}\n")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(newCheck(), newAnalyze(), newDemo(), newMatrix(), newMetadata(), newReport(), newServe(), newNode(), newNodeCheck(), newSweep(), newShrink())
	failsWithoutUsage(root)
	return root
}

// failsWithoutUsage makes an error that the RunE of c or of any command
// under it returns unmarked (a file that cannot be read or written, a run
// that failed) exit 2 without the usage line: the command line was fine.
// Errors that are bad usage say so (usageErr); cobra's own errors, before
// RunE, keep the usage line.
func failsWithoutUsage(c *cobra.Command) {
	for _, sub := range c.Commands() {
		failsWithoutUsage(sub)
	}
	if c.RunE == nil {
		return
	}
	runE := c.RunE
	c.RunE = func(cmd *cobra.Command, args []string) error {
		err := runE(cmd, args)
		var ee *exitError
		if err != nil && !errors.As(err, &ee) {
			return &exitError{code: exitUsage, err: err}
		}
		return err
	}
}
