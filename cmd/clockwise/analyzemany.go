package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/experiment"
	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/jepsen"
)

// extensions are the names of the files analyze judges in a folder, by
// format.
var extensions = map[string]string{formatClockwise: ".jsonl", string(jepsen.EDN): ".edn", string(jepsen.Porcupine): ".log"}

// historiesIn lists the histories args name (runs.Histories), each
// folder's files of format's extension.
func historiesIn(args []string, format string) (paths []string, many bool, err error) {
	paths, many, err = runs.Histories(args, format, extensions[format], format == formatClockwise)
	if err != nil {
		return nil, false, inputErr(fmt.Errorf("analyze: %w", err))
	}
	return paths, many, nil
}

// judged is one of several histories analyze judged, as --json prints it.
type judged struct {
	Path    string          `json:"path"`
	Verdict checker.Verdict `json:"verdict"`
	Reason  string          `json:"reason,omitempty"`
	Error   string          `json:"error,omitempty"` // it could not be read; Verdict is unknown
	Result  any             `json:"result,omitempty"`
}

// analyzeMany judges several histories in turn and prints a line each (a
// JSON object each with asJSON), then a summary. It exits 2 when any could
// not be read, else on the worst verdict.
func analyzeMany(out io.Writer, paths []string, imp *imported, opts checker.Options, asJSON bool) error {
	counts := map[checker.Verdict]int{}
	failed := 0
	enc := json.NewEncoder(out)
	for _, p := range paths {
		j := judge(p, imp, opts)
		if j.Error != "" {
			failed++
		} else {
			counts[j.Verdict]++
		}
		if asJSON {
			if err := enc.Encode(j); err != nil {
				return err
			}
			continue
		}
		switch {
		case j.Error != "":
			fmt.Fprintf(out, "%-8s %s\n", "ERROR", j.Error) // the error names the file
		default:
			fmt.Fprintf(out, "%-8s %s: %s\n", strings.ToUpper(j.Verdict.String()), p, j.Reason)
		}
	}
	if !asJSON {
		fmt.Fprintf(out, "clockwise analyze: %s: %d valid, %d invalid, %d unknown, %d not read (malformed or unreadable)\n",
			plural(len(paths), "history", "histories"), counts[checker.Valid], counts[checker.Invalid], counts[checker.Unknown], failed)
	}
	switch {
	case failed > 0:
		return inputErr(fmt.Errorf("analyze: %d of %d histories could not be read", failed, len(paths)))
	case counts[checker.Invalid] > 0:
		return errInvalid
	case counts[checker.Unknown] > 0:
		return errUnknown
	}
	return nil
}

// judge judges one of several histories.
func judge(path string, imp *imported, opts checker.Options) judged {
	j := judged{Path: path}
	if imp != nil {
		r, err := judgeImported(path, imp)
		if err != nil {
			j.Error = err.Error()
			return j
		}
		j.Verdict, j.Reason, j.Result = r.Verdict, r.Reason, r
		return j
	}
	opts.Explain = 0
	res, err := experiment.Judge(path, opts)
	if err != nil {
		j.Error = err.Error()
		return j
	}
	r := res.Result
	j.Verdict, j.Result = r.Verdict, r
	switch {
	case len(r.Failures) > 0:
		j.Reason = strings.Join(r.Failures, "; ")
	case len(r.Unknown) > 0:
		j.Reason = strings.Join(r.Unknown, "; ")
	default:
		j.Reason = fmt.Sprintf("%d operations, no anomaly", r.Summary.Ops)
	}
	return j
}

// plural is n of a thing, in the singular or the plural.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
