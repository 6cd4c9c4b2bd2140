// Package report writes what the checker found as text, for people: the
// compact terminal summary (WriteBrief, the verdict and the replay command
// last), the text report of a result (WriteText) under a run's header
// (WriteHeader, WriteRun), the demo's stories (WriteStory) and its
// side-by-side table (WriteSideBySide), and the words every report shares:
// the verdict's Headline, Plural, Millis, a run's Setup, and how names,
// fault parameters, versions and version vectors are written
// (CompareNames, Params, Versions, VV).
//
// The checker computes; report only presents, and never changes a finding.
// It depends on checker, histories, clock and runs, never on the store or
// the harness, so it tells any history in the clockwise format. Output is a
// function of its inputs.
//
// The rest of what people read lives below it: report.html in package
// page, its plots in package plot, and the runs folder served over HTTP in
// package serve.
package report
