// Package plot draws clockwise's plots, with gonum.org/v1/plot: the four
// plots of a run's report.html, Jepsen's latency quantiles (Quantiles) and
// rate (Rate), each node's clock offset (Clocks) and every operation's
// latency with the lost writes ringed (Latency), and the metadata
// measurement's bytes per key by cluster size (Metadata).
//
// A run's plot is a Figure: Render draws it for the page as a data URL,
// SVG, or a PNG past 4,000 points, so a long run's page stays small; PNG
// writes it as a PNG for the run folder. Every plot of a run shows the
// fault intervals it is given (Faults): intervals of a kind closer than a
// few pixels merge into one band, shaded across the plot's height; past a
// dozen bands, the faults are drawn as a strip under the plot instead (a
// row per kind), so a thousand faults never stripe the data. Axes are
// marked at round numbers (1, 2 or 5 times a power of ten), about twelve
// along the time axis and six up the other. Plots thin long
// series to the lowest and highest point of each pixel column of its PNG,
// so the outline and every outlier survive. The clock plot turns
// symmetric-logarithmic past an offset of 30s, so a clock an hour off and
// one a few milliseconds off both read.
//
// Plots need only the checker's operations and the faults; the package
// never reads a history or a run folder. Output is a function of its
// inputs: the same operations and faults give the same bytes.
package plot
