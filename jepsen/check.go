package jepsen

import (
	"cmp"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/internal/parallel"
)

// DefaultTimeout is the time limit of each key's check when
// Options.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// Options tune Check.
type Options struct {
	// Timeout bounds the linearizability check of each key (0:
	// DefaultTimeout). A key not decided in time is Unknown.
	Timeout time.Duration
	// Visualize, when set, receives porcupine's HTML visualization of
	// every key: each operation on a time line in history order, the
	// longest partial linearizations, the operation where each gets stuck,
	// and the nemesis events as annotations. Drawing it checks the history
	// once more, within Timeout for each key.
	Visualize io.Writer
}

// Verdict is the judgement of a history or of one key: clockwise's own, as
// Jepsen's :valid? gives it (Verdict.Jepsen).
type Verdict = checker.Verdict

// The verdicts. Unknown is never a pass.
const (
	Valid   = checker.Valid   // linearizable (:valid? true)
	Invalid = checker.Invalid // not linearizable (:valid? false)
	Unknown = checker.Unknown // undecided: out of time, or nothing to judge (:valid? :unknown)
)

// KeyResult is the verdict for one key.
type KeyResult struct {
	Key           string  `json:"key"` // "" in a single-register history
	Verdict       Verdict `json:"verdict"`
	Ops           int     `json:"ops"`           // operations judged: ok ones and indeterminate writes and cas
	Indeterminate int     `json:"indeterminate"` // of which outcome unknown
	Why           string  `json:"why,omitempty"` // for Unknown: why it is undecided
}

// Coverage says whether one of clockwise's checks applied to the history,
// and why not when it did not.
type Coverage struct {
	Check   string `json:"check"`
	Applied bool   `json:"applied"`
	Why     string `json:"why"`
}

// Result is the judgement of an imported history.
type Result struct {
	Format  Format        `json:"format"`
	Verdict Verdict       `json:"verdict"`
	Reason  string        `json:"reason"`  // the verdict in plain words
	Timeout time.Duration `json:"timeout"` // the time limit of each key
	Keys    []KeyResult   `json:"keys"`    // by key, sorted
	Checks  []Coverage    `json:"checks"`  // which checks applied, which could not

	// What the history holds: client operations by outcome (an operation
	// the history ended before completing counts as indeterminate), and
	// nemesis events.
	Ops           int `json:"ops"`
	OK            int `json:"ok"`
	Failed        int `json:"failed"`
	Indeterminate int `json:"indeterminate"`
	Faults        int `json:"faults"`
}

// coverage lists clockwise's checks for an imported register history: only
// linearizability applies.
var coverage = []Coverage{
	{"linearizability", true, "porcupine checks each key against a register with read, write and cas that starts at nil; " +
		"fail operations never happened and are left out; info operations may or may not have taken effect, at any time after their invocation"},
	{"lost writes", false, "needs a unique id for every write and final reads of every key from every node; " +
		"these histories name a write only by its value and have no final reads"},
	{"siblings", false, "stale siblings and sibling preservation need the versions each read returned and the context each write was made from; " +
		"here a read returns one value and a write carries no context"},
	{"phantom, future and corrupted reads", false, "need write ids to tell which write a read returned; " +
		"a read of a value that no write could have left there fails linearizability instead"},
	{"divergence", false, "needs final reads from every node; these histories do not say which node served an operation"},
	{"external consistency and skew damage", false, "need the timestamps the store gave each write and the nodes' clock offsets; these histories have neither"},
}

// Check judges h: porcupine checks each key's operations for
// linearizability against a register with read, write and cas, each key
// within opts.Timeout, keys in parallel. The history is Invalid when some
// key is not linearizable (whatever the other keys), else Unknown when some
// key is undecided in time or the history has no operation to judge, else
// Valid. A key with nothing to judge (every operation on it failed or went
// unanswered) is listed as Unknown with the reason, and leaves the verdict
// to the other keys. The error is the visualization's, if one was asked for
// and could not be written.
func Check(h *History, opts Options) (*Result, error) {
	timeout := cmp.Or(opts.Timeout, DefaultTimeout)
	r := &Result{Format: h.Format, Timeout: timeout, Checks: slices.Clone(coverage), Faults: len(h.Faults)}
	for _, op := range h.Ops {
		r.Ops++
		switch op.Type {
		case OK:
			r.OK++
		case Fail:
			r.Failed++
		default:
			r.Indeterminate++
		}
	}
	keys, byKey, infos := operations(h)
	r.Keys = make([]KeyResult, 0, len(keys))
	for _, k := range h.Keys() {
		kr := KeyResult{Key: k, Verdict: Unknown, Ops: len(byKey[k]), Indeterminate: infos[k]}
		if kr.Ops == 0 {
			kr.Why = "no operation on this key took effect or returned a value"
		}
		r.Keys = append(r.Keys, kr)
	}
	judge(r.Keys, byKey, timeout)
	r.Verdict, r.Reason = verdict(r.Keys, timeout)
	if opts.Visualize != nil {
		if err := visualize(h, keys, byKey, timeout, opts.Visualize); err != nil {
			return r, err
		}
	}
	return r, nil
}

// judge checks every key that has operations, as many at once as there are
// CPUs.
func judge(keys []KeyResult, byKey map[string][]porcupine.Operation, timeout time.Duration) {
	parallel.Do(len(keys), runtime.GOMAXPROCS(0), func(i int) error {
		kr := &keys[i]
		if kr.Ops == 0 {
			return nil
		}
		switch porcupine.CheckOperationsTimeout(casRegister, byKey[kr.Key], timeout) {
		case porcupine.Ok:
			kr.Verdict = Valid
		case porcupine.Illegal:
			kr.Verdict = Invalid
		default:
			kr.Why = fmt.Sprintf("not decided within %s", timeout)
		}
		return nil
	}, nil)
}

// verdict sums up the keys' verdicts. A key with nothing to judge (every
// operation on it failed, or every read on it went unanswered) is listed as
// Unknown but does not decide the history; a history with nothing to judge
// at all is Unknown.
func verdict(keys []KeyResult, timeout time.Duration) (Verdict, string) {
	var illegal, unknown []string
	ops, judged := 0, 0
	for _, k := range keys {
		if k.Ops == 0 {
			continue
		}
		ops += k.Ops
		judged++
		switch k.Verdict {
		case Invalid:
			illegal = append(illegal, keyName(k.Key))
		case Unknown:
			unknown = append(unknown, keyName(k.Key))
		}
	}
	empty := ""
	if n := len(keys) - judged; n > 0 && judged > 0 {
		empty = fmt.Sprintf("; nothing to judge on %s", plural(n, "other key"))
	}
	switch {
	case len(keys) == 0:
		return Unknown, "nothing to judge: the history has no client operations"
	case judged == 0:
		return Unknown, "nothing to judge: no operation took effect or returned a value"
	case len(illegal) > 0:
		return Invalid, "not linearizable: " + list(illegal, judged)
	case len(unknown) > 0:
		return Unknown, fmt.Sprintf("linearizability not decided within %s for %s%s", timeout, list(unknown, judged), empty)
	}
	return Valid, fmt.Sprintf("linearizable: %s on %s%s", plural(ops, "operation"), plural(judged, "key"), empty)
}

// keyName names a key in plain words.
func keyName(k string) string {
	if k == "" {
		return "the register"
	}
	return "key " + k
}

// list names keys, at most ten, out of all.
func list(keys []string, all int) string {
	const most = 10
	s := strings.Join(keys[:min(len(keys), most)], ", ")
	if len(keys) > most {
		s += fmt.Sprintf(" and %d more", len(keys)-most)
	}
	if all > 1 {
		s += fmt.Sprintf(" (%d of %d keys judged)", len(keys), all)
	}
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// visualize checks the whole history once more, partitioned by key, and
// writes porcupine's visualization to w, with the nemesis events as
// annotations.
func visualize(h *History, keys []string, byKey map[string][]porcupine.Operation, timeout time.Duration, w io.Writer) error {
	var all []porcupine.Operation
	for _, k := range keys {
		all = append(all, byKey[k]...)
	}
	slices.SortStableFunc(all, func(a, b porcupine.Operation) int { return cmp.Compare(a.Call, b.Call) })
	_, info := porcupine.CheckOperationsVerbose(casRegister, all, timeout*time.Duration(max(1, len(keys))))
	var notes []porcupine.Annotation
	for _, f := range h.Faults {
		notes = append(notes, porcupine.Annotation{
			Tag:             "nemesis",
			Start:           int64(f.At),
			Description:     fmt.Sprintf("%s :%s", f.Type, f.F),
			Details:         fmt.Sprintf("line %d: :%s :%s %s", f.Line, f.Type, f.F, f.Value),
			BackgroundColor: "#f4cccc",
		})
	}
	info.AddAnnotations(notes)
	if err := porcupine.Visualize(casRegister, info, w); err != nil {
		return fmt.Errorf("jepsen: visualization: %w", err)
	}
	return nil
}
