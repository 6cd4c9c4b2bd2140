// Package checker judges a history: it proves from the history alone which
// acknowledged writes were lost and why, which stale versions failed to
// collapse, whether concurrent writes survived as siblings, and whether the
// replicas agree (Jepsen's "checker").
//
// Causality comes only from what clients saw (see Graph): write B follows
// write A when B's context named A or a write that follows A. The final set
// F of a key is the union of its final reads, taken after every fault healed
// and the replicas converged. Then:
//
//   - an acknowledged write W (or an indeterminate one that some read
//     returned: it happened) is lost when W is not in F and no member of F
//     follows W; the loss is overwritten-by-older when a member of F precedes
//     W (the clock-skew signature), suppressed-by-tombstone when the winner
//     is a tombstone, concurrent-dropped when the winner is concurrent with
//     W (a silent pick), and missing when F is empty. A tombstone is not
//     blamed for a write acknowledged before the delete began when what the
//     delete's client had read explains the loss better: a version that
//     precedes W, or is concurrent with it, and outranks it (a higher
//     timestamp) is then the winner, and the tombstone only deleted it later.
//     A loss to a tombstone carries, when the stamps are physical clock
//     readings, the moment until which the tombstone outranks writes stamped
//     by clocks on true time (Lost.Until): a delete stamped by a clock an hour
//     ahead keeps its key dead for an hour. A lost write stamped below a
//     write it follows names that write (Lost.Inverted). A lost write
//     names what beat it when it was written (Lost.Above): an acknowledged
//     write of its key, a tombstone included, that precedes it causally or
//     in real time (acknowledged before it was invoked) and carries a
//     higher stamp, compared as (timestamp, node). When both stamps are
//     physical clock readings the write is lost to clock skew (Lost.Skew):
//     the highest timestamp belonged to the fastest clock, not to the latest
//     write; logical stamps (lamport) that contradict real time are named
//     apart, never as skew. Every loss says how its winner relates to it in
//     real time (Lost.WinnerTime): acknowledged before it began, raced
//     (overlapped), or began after it was acknowledged without reading it;
//     the summary divides the losses into the clauses of the headline
//     (Losses), which add up to the total;
//   - a stale sibling is a version returned next to one that follows it;
//   - sibling preservation holds for a key when F is exactly the maximal
//     writes among the acknowledged and the visible indeterminate ones;
//   - a phantom is a read of a write that failed or was never written;
//   - a corrupted read returns a write's id with another value, or a write
//     as a tombstone, or a delete as a live value;
//   - a future read returns a write invoked after the read completed;
//   - a key is divergent when its final reads differ between nodes;
//   - external consistency, for writes that carry a timestamp (meta.ts, the
//     register strategies): an acknowledged write that began after another
//     write of its key was acknowledged, in true time, must carry a strictly
//     higher stamp, compared as (timestamp, node) as the store compares them
//     (External);
//   - linearizability: porcupine checks each key's history against a
//     single-value register within a time limit; a key it cannot decide in
//     time is unknown, never a pass (Linear, Analysis.Visualize). A key a read
//     returned siblings of, or a value no linearization allows (a stale
//     read, nothing after a write, a write never made or not yet made),
//     is decided without porcupine's search.
//
// The summary also gives the commit wait the coordinators reported
// (meta.wait), the write latency in true time, the causal metadata size per
// key (meta.bytes) and how many reads returned siblings.
//
// The nemesis's own reads and deletes (a tombstone fault's) are operations
// like any client's; its other events are faults.
//
// Writes whose outcome is unknown (info) are never counted lost while no
// read has returned them. Lost writes, phantoms, corrupted and future reads
// and divergence make a history invalid; other findings gate only when
// Options.Gate names them (the gates are one table, in verdict.go).
//
// What the history cannot decide makes it unknown, never valid
// (Result.Unknown): a key with writes judged only when every node the
// history names answered its final read (else its losses and its
// preservation are not judged, and the missing nodes are named), and the
// harness's unconverged event. A failure the complete part proves still
// makes the history invalid. Result.Verdict is Jepsen's :valid? true, false
// or :unknown.
//
// A write's context must name only versions its process received from an
// earlier ok read of the same key; Analyze rejects a history where it does
// not (EventError), since a context no read supports invents causality.
//
// Analyze assembles a history once: its operations, faults and causal Graph.
// What reads an Analysis does not change what it holds (its graph only
// remembers the answers of Precedes, per key), so Check, the report and the
// demo share one. Each finding has its own file: reads.go (phantoms and
// stale siblings), divergence.go (the final set, divergence, sibling
// preservation), lost.go (lost writes), external.go, linear.go, stats.go,
// and verdict.go, which applies the gates. The checker computes and returns
// data; each finding's Why is its one piece of prose, because results.json
// carries it. Package report presents results.
//
// Five parts are packages of their own below the checker, which imports
// them; they take plain data and never import the checker:
//
//   - results: what a check finds, as results.json carries it (Result,
//     Summary, the findings, Ref, Verdict); the checker names its types
//     under their old names, as aliases;
//   - linear: the register linearizability check under porcupine, and its
//     visualization, over each key's operations (linear.Op);
//   - stats: latency percentiles, metadata sizes and each key's metadata
//     and siblings (stats.Meter);
//   - explain: the Why of a lost write, an external-consistency violation
//     and a corrupted read, written from the finding (package results);
//   - ids: the write ids found and sorted as numbers (ids.Index,
//     ids.Sort), the names an operation repeats numbered (ids.Names), and
//     the ids a process's reads of a key returned (ids.Reads).
//
// The checker imports nothing of the store: it judges any history in the
// format of package histories.
package checker
