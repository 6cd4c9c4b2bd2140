// Package page writes report.html, the self-contained HTML page of a
// judged run (Begin, Draft.Finish, HTML.Write; Rewrite for a stored run),
// and each of its plots as a PNG beside it. The checker computes; page only
// presents.
//
// The page needs nothing but the history's analysis and the checker's
// result. It reads top to bottom in the order a reader wants: the verdict
// with the command that replays the run, the summary, the writes lost to
// clock skew with their stories (the write and its ack, the winner, both
// timestamps, every node's clock offset at that moment, the causal
// relation, the kind), a timeline of the whole run with the nemesis
// intervals labelled in rows above its lanes, the plots of package plot,
// per key the final siblings on each node and the causal graph of its
// writes; then the full lists (every lost write, stale siblings, the
// nemesis's events), folded in <details>.
//
// The timeline's operations go to the page's own small script as columns
// of small numbers (opsData), which it draws at any zoom (wheel, buttons,
// drag to pan): while they are too many or too close to draw one by one,
// each lane shows how many start in each column of a few pixels, and a row
// above the lanes how many of them wrote a lost write (those lost to clock
// skew apart), so clusters of losses stand out; zoomed in, each operation
// is a bar, a lost write marked. Fault intervals are shaded across the
// lanes only while few are in view. The page describes up to 2,500
// operations in full (those it links to first, then the lost writes); the
// script names the rest from their columns.
//
// A causal graph is fitted to its box but drawn no smaller than 0.6 of its
// size, scrolling sideways beyond, and is left out past 300 writes. Long
// lists are trimmed (100 stories, 2,000 further lost writes in a line
// each, 120,000 operations on the timeline, …), and the page says what it
// cut; results.json has everything.
//
// The page is built in two steps so that its work overlaps the check's: a
// Draft, begun from the analysis alone, draws the plots that need no
// verdict while the history is judged (and, when reads returned siblings,
// the latency plot as it is when no write was lost, kept if none was);
// Finish builds the rest from the result, the timeline's data and the
// latency plot side by side, and the HTML is written last, when it can
// link every file of the run folder, its longest sections executed side by
// side and its longest tables written without reflection.
//
// The page is one file: styles, script and plots are inlined, so it opens
// from file:// with no network. The package depends on checker, histories,
// clock, runs (the files of a run folder), report (the verdict's headline
// and how names, versions and clocks are written) and plot, never on the
// store or the harness, so it renders any history in the clockwise format.
// Output is a function of its inputs: the same history, result and Info
// give the same bytes.
//
// Clock offsets come from two places: nemesis events whose parameters are
// clocks ({"n1": "+5s"}, {"n1": "+0s strobe +200ms/10ms"}) set a node's
// clock until the next event that names the node, and each operation's
// "offset" field is the serving node's offset as the harness measured it.
package page
