package jepsen

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/clockwise-kv/clockwise/checker/results"
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
	// Initial is the value every register starts with, as EDN text
	// (ParseValue): a cas-register's, each of a multi-register's, each kv
	// key's string. "" leaves the model's own: nil for registers, the
	// empty string for kv. A mutex has no value and ignores it.
	Initial Value
	// Visualize, when set, receives porcupine's HTML visualization of
	// every key: each operation on a time line in history order, the
	// longest partial linearizations, the operation where each gets stuck,
	// and the nemesis events as annotations. Drawing it checks the history
	// once more, within Timeout for each key.
	Visualize io.Writer
}

// Verdict is the judgement of a history or of one key: clockwise's own, as
// Jepsen's :valid? gives it (Verdict.Jepsen).
type Verdict = results.Verdict

// The verdicts. Unknown is never a pass.
const (
	Valid   = results.Valid   // linearizable (:valid? true)
	Invalid = results.Invalid // not linearizable (:valid? false)
	Unknown = results.Unknown // undecided: out of time, or nothing to judge (:valid? :unknown)
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
	Model   Model         `json:"model,omitempty"`   // "" when the history has no client operation
	Initial Value         `json:"initial,omitempty"` // the registers' starting value, when the model has one
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

// coverage lists clockwise's checks for an imported history: only
// linearizability applies, against m.
func coverage(m Model, initial Value, anyNil bool) []Coverage {
	var spec string
	switch m {
	case MultiRegister:
		spec = fmt.Sprintf("a multi-register (transactions of reads and writes, each atomic) whose registers start at %s", initial)
	case Mutex:
		spec = "a mutex, one per key, with acquire and release, that starts free"
	case KV:
		spec = fmt.Sprintf("porcupine's kv (get, put and append of strings), each key starting at %s", initial)
	default:
		spec = fmt.Sprintf("a register with read, write and cas that starts at %s", initial)
	}
	if anyNil && m != Mutex {
		spec += "; a read that returned nil matches any value, as in Knossos"
	}
	return []Coverage{
		{"linearizability", true, "porcupine checks each key against " + spec + "; " +
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
}

// initialOf is the starting value m's registers are given: opts', else the
// model's own. A mutex has none.
func initialOf(m Model, v Value) Value {
	switch {
	case m == Mutex:
		return ""
	case v != "":
		return v
	case m == KV:
		return `""`
	}
	return Nil
}

// Check judges h: porcupine checks each key's operations for
// linearizability against h's model (a cas-register when h has no client
// operation), each key within opts.Timeout, keys in parallel. The history
// is Invalid when some key is not linearizable (whatever the other keys),
// else Unknown when some key is undecided in time or the history has no
// client operation at all, else Valid. As in Knossos, client operations
// none of which took effect (every one failed, or was a read that went
// unanswered) are linearizable: such a key is Valid and says why, and so
// is a history of them. The error is the visualization's, if one was asked
// for and could not be written, or opts.Initial's, if it does not fit the
// model.
func Check(h *History, opts Options) (*Result, error) {
	timeout := cmp.Or(opts.Timeout, DefaultTimeout)
	m := cmp.Or(h.Model, CASRegister)
	initial := initialOf(m, opts.Initial)
	if m == KV && !strings.HasPrefix(string(initial), `"`) {
		return nil, fmt.Errorf("jepsen: initial value %s: a kv history's values are strings", initial)
	}
	rl := rules{initial: initial, anyNil: h.Format == EDN}
	if m == MultiRegister {
		rl.keys = registers(h)
	}
	r := &Result{Format: h.Format, Model: h.Model, Timeout: timeout, Checks: coverage(m, initial, rl.anyNil), Faults: len(h.Faults)}
	if h.Model != "" {
		r.Initial = initial
	}
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
			kr.Verdict, kr.Why = Valid, vacuous
		}
		r.Keys = append(r.Keys, kr)
	}
	pm := model(m, rl)
	judge(pm, r.Keys, byKey, timeout)
	r.Verdict, r.Reason = verdict(m, r.Keys, timeout)
	if opts.Visualize != nil {
		if err := visualize(pm, h, keys, byKey, timeout, opts.Visualize); err != nil {
			return r, err
		}
	}
	return r, nil
}

// stopAfter is how many steps of the model a key's search takes before it
// heeds another key's proof that the history is not linearizable: a key
// decided in fewer steps always gets its own verdict, whatever the timing.
const stopAfter = 1 << 20

// judge checks every key that has operations, as many at once as there are
// CPUs. Once a key is not linearizable the history is not either, whatever
// the others: a key whose search has taken stopAfter steps of the model
// then stops, as in porcupine's own partitioned check, and is Unknown,
// saying so.
func judge(m porcupine.Model, keys []KeyResult, byKey map[string][]porcupine.Operation, timeout time.Duration) {
	var illegal atomic.Pointer[string] // the first key found not linearizable
	parallel.Do(len(keys), runtime.GOMAXPROCS(0), func(i int) error {
		kr := &keys[i]
		if kr.Ops == 0 {
			return nil
		}
		var stopped atomic.Bool // written by porcupine's goroutine
		steps := 0              // taken on that goroutine only
		km := m
		km.Step = nil
		km.StepContext = func(_ context.Context, state, input, output any) (bool, any) {
			if steps++; steps > stopAfter && illegal.Load() != nil {
				stopped.Store(true)
				return false, state
			}
			return m.Step(state, input, output)
		}
		res := porcupine.CheckOperationsTimeout(km, byKey[kr.Key], timeout)
		switch {
		case stopped.Load():
			kr.Why = fmt.Sprintf("not decided: the search stopped once %s proved the history not linearizable", *illegal.Load())
		case res == porcupine.Ok:
			kr.Verdict = Valid
		case res == porcupine.Illegal:
			kr.Verdict = Invalid
			name := keyName(Model(""), kr.Key)
			illegal.CompareAndSwap(nil, &name)
		default:
			kr.Why = fmt.Sprintf("not decided within %s", timeout)
		}
		return nil
	}, nil)
}

// vacuous is why a key none of whose operations took effect is
// linearizable.
const vacuous = "no operation on this key took effect or returned a value: linearizable, as Knossos judges it"

// verdict sums up the keys' verdicts. A key with nothing to judge (every
// operation on it failed, or every read on it went unanswered) is
// linearizable, as in Knossos; a history with no client operation at all is
// Unknown: there is nothing to judge.
func verdict(m Model, keys []KeyResult, timeout time.Duration) (Verdict, string) {
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
			illegal = append(illegal, keyName(m, k.Key))
		case Unknown:
			unknown = append(unknown, keyName(m, k.Key))
		}
	}
	empty := ""
	if n := len(keys) - judged; n > 0 && judged > 0 {
		empty = fmt.Sprintf("; nothing took effect on %s", plural(n, "other key"))
	}
	switch {
	case len(keys) == 0:
		return Unknown, "nothing to judge: the history has no client operations"
	case judged == 0:
		return Valid, "linearizable: no client operation took effect or returned a value (each failed, or was a read that went unanswered), as Knossos judges it"
	case len(illegal) > 0:
		return Invalid, "not linearizable: " + list(illegal, judged)
	case len(unknown) > 0:
		return Unknown, fmt.Sprintf("linearizability not decided within %s for %s%s", timeout, list(unknown, judged), empty)
	}
	return Valid, fmt.Sprintf("linearizable: %s on %s%s", plural(ops, "operation"), plural(judged, "key"), empty)
}

// keyName names a key of model m in plain words.
func keyName(m Model, k string) string {
	switch {
	case k != "":
		return "key " + k
	case m == MultiRegister:
		return "the registers"
	case m == Mutex:
		return "the mutex"
	case m == KV:
		return "the key"
	}
	return "the register"
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
func visualize(m porcupine.Model, h *History, keys []string, byKey map[string][]porcupine.Operation, timeout time.Duration, w io.Writer) error {
	var all []porcupine.Operation
	for _, k := range keys {
		all = append(all, byKey[k]...)
	}
	slices.SortStableFunc(all, func(a, b porcupine.Operation) int { return cmp.Compare(a.Call, b.Call) })
	_, info := porcupine.CheckOperationsVerbose(m, all, timeout*time.Duration(max(1, len(keys))))
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
	if err := porcupine.Visualize(m, info, w); err != nil {
		return fmt.Errorf("jepsen: visualization: %w", err)
	}
	return nil
}
