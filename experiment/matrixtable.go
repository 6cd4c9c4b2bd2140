package experiment

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/report"
)

// SaveRun writes the matrix into a folder of its own under root,
// matrix-<UTC time>, with its run.json, and prints the table to w (Save).
// It returns the folder.
func (m *Matrix) SaveRun(w io.Writer, root string, started time.Time) (string, error) {
	dir, err := runs.New(root, "matrix", started)
	if err != nil {
		return "", err
	}
	info := folderInfo(runs.KindMatrix, m.Command, started)
	var cols []string
	for _, c := range m.Nemeses {
		cols = append(cols, c.Name)
	}
	info.Strategy, info.Nemesis, info.Seed = strings.Join(m.Strategies, ","), strings.Join(cols, ","), m.Seeds[0]
	info.Nodes, info.Clients, info.Keys, info.Ops = m.Nodes, m.Clients, m.Keys, m.Ops
	if err := runs.WriteJSON(filepath.Join(dir, runs.InfoFile), info); err != nil {
		return "", err
	}
	return dir, m.Save(w, dir)
}

// Save writes matrix.md and matrix.json into dir and prints the table to
// w, aligned for a terminal (Table).
func (m *Matrix) Save(w io.Writer, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("experiment: matrix: %w", err)
	}
	var md bytes.Buffer
	m.Markdown(&md)
	mdPath, jsonPath := filepath.Join(dir, MatrixMarkdown), filepath.Join(dir, MatrixJSON)
	if err := os.WriteFile(mdPath, md.Bytes(), 0o644); err != nil {
		return fmt.Errorf("experiment: matrix: %w", err)
	}
	if err := runs.WriteJSON(jsonPath, m); err != nil {
		return fmt.Errorf("experiment: matrix: %w", err)
	}
	if err := m.Table(w); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nwritten: %s, %s\n", mdPath, jsonPath)
	return err
}

// Table writes the matrix for a terminal: the grid of lost writes and the
// table of every figure, in aligned columns (matrix.md has the same as
// Markdown, with what the columns mean).
func (m *Matrix) Table(w io.Writer) error {
	fmt.Fprintf(w, "clockwise matrix: %s\n\n", m.shape())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(cells ...string) { fmt.Fprintln(tw, strings.Join(cells, "\t")) }
	row(m.gridHead()...)
	for i := range m.Strategies {
		row(m.gridRow(i)...)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nEvery figure (see matrix.md for what each column means):\n\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row(figureHead()...)
	for _, c := range m.Cells {
		row(c.Figures()...)
	}
	return tw.Flush()
}

// shape is the matrix's runs in a sentence.
func (m *Matrix) shape() string {
	seeds := make([]string, len(m.Seeds))
	for i, s := range m.Seeds {
		seeds[i] = fmt.Sprint(s)
	}
	return fmt.Sprintf("%s, %s, %s, %s per run; seeds %s in every cell; ε %s, max skew ±%s.",
		report.Plural(m.Nodes, "node"), report.Plural(m.Clients, "client"), report.Plural(m.Keys, "key"), report.Plural(m.Ops, "op"),
		strings.Join(seeds, ", "), m.Epsilon, m.MaxSkew)
}

// gridHead and gridRow are the grid of lost writes: a row per strategy, a
// column per nemesis.
func (m *Matrix) gridHead() []string {
	head := []string{"lost of acked"}
	for _, c := range m.Nemeses {
		head = append(head, c.Name)
	}
	return head
}

func (m *Matrix) gridRow(i int) []string {
	line := []string{m.Strategies[i]}
	for j := range m.Nemeses {
		c := m.Cells[i*len(m.Nemeses)+j]
		line = append(line, c.Grid())
	}
	return line
}

// figureHead is the head of the table of every figure.
func figureHead() []string {
	head := []string{"strategy", "nemesis", "acked", "lost", "lost to clock skew", "dropped racing", "overwritten later", "stamped against real time"}
	for _, k := range checker.LostKinds {
		head = append(head, string(k))
	}
	return append(head, "stale siblings", "external violations", "linearizable", "commit wait p50 / p99",
		"write latency p50 / p99", "metadata bytes/key mean (max)", "sibling reads")
}

// Markdown renders the matrix: a headline grid of lost writes, then one row
// per cell with every figure, then what the columns mean.
func (m *Matrix) Markdown(w io.Writer) {
	fmt.Fprintf(w, "# clockwise strategy matrix\n\n")
	fmt.Fprintf(w, "%s\n", m.shape())
	fmt.Fprintf(w, "Made by `%s`; matrix.json has every figure and the `clockwise check` command that replays each run.\n\n", m.Command)

	fmt.Fprintf(w, "## Acknowledged writes lost: to clock skew, then dropped as concurrent writes, racing or overwritten later\n\n")
	row := func(cells ...string) { fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | ")) }
	head := m.gridHead()
	head[0] = "strategy"
	row(head...)
	row(rule(len(head))...)
	for i := range m.Strategies {
		row(m.gridRow(i)...)
	}

	fmt.Fprintf(w, "\n## Every figure\n\n")
	head = figureHead()
	row(head...)
	row(rule(len(head))...)
	for _, c := range m.Cells {
		row(c.Figures()...)
	}

	fmt.Fprintf(w, "\nNemesis columns:\n\n")
	for _, c := range m.Nemeses {
		fmt.Fprintf(w, "- **%s** (`--nemesis %s`): %s\n", c.Name, c.Nemesis, c.About)
	}
	fmt.Fprintf(w, `
Figures add up over the seeds; percentiles pool every acknowledged write of every run.
A write is lost when it was acknowledged and the final state neither holds it nor a write
that follows it; its kind says what won. Lost to clock skew (skew): the lost writes stamped by a
physical clock below an acknowledged write that preceded them, in real time (acknowledged before
they began) or because their client had read it: the newer write lost because the highest
timestamp belongs to the fastest clock. Dropped racing (racing): the others dropped for a
concurrent write that overlapped them in real time; overwritten later (later): dropped for a
write that began after they were acknowledged without reading them, an overwrite a register also
makes, where siblings keep both. Stamped against real time: logical stamps (lamport) below an
earlier write, not clock skew. External violations: acknowledged writes that began
after another write of the key was acknowledged, in true time, yet carry a timestamp no higher
than it (n/a: the strategy stamps no timestamps). Linearizable: porcupine's verdict on each
key's register history (no: some key is not, with how many of the keys checked). Commit wait
is what the coordinator's own clock measured; write latency is invoke to acknowledgement in
true time. Metadata bytes: the key's causal metadata at the coordinator after each write.
Sibling reads: client reads that returned more than one version, for the application to merge.
`)
}

// Grid is the cell in the grid of lost writes: "431 of 451 (skew 57;
// racing 0, later 374)", the headline's parts, and the logically stamped
// ones when there are any.
func (c *Cell) Grid() string {
	s := fmt.Sprintf("%d of %d (skew %d; racing %d, later %d", c.Lost, c.Acknowledged, c.SkewLost, c.Racing, c.Overwritten)
	if c.Misordered > 0 {
		s += fmt.Sprintf(", against real time %d", c.Misordered)
	}
	return s + ")"
}

// Figures are the cell's row of the detailed table.
func (c *Cell) Figures() []string {
	out := []string{c.Strategy, c.Nemesis, fmt.Sprint(c.Acknowledged), fmt.Sprint(c.Lost), fmt.Sprint(c.SkewLost),
		fmt.Sprint(c.Racing), fmt.Sprint(c.Overwritten), fmt.Sprint(c.Misordered)}
	for _, k := range checker.LostKinds {
		out = append(out, fmt.Sprint(c.LostByKind[k]))
	}
	ext := "n/a"
	if c.Stamped > 0 {
		ext = fmt.Sprintf("%d of %d", c.External, c.Stamped)
	}
	lin := c.Linearizable.String()
	switch checker.Verdict(c.Linearizable) {
	case checker.Invalid:
		lin += fmt.Sprintf(" (%d of %d keys)", c.NonLinearizable, c.Keys)
	case checker.Unknown:
		lin += fmt.Sprintf(" (%d of %d keys)", c.LinearUnknown, c.Keys)
	}
	wait := "0"
	if c.CommitWait.Max > 0 {
		wait = fmt.Sprintf("%s / %s", report.Millis(c.CommitWait.P50), report.Millis(c.CommitWait.P99))
	}
	meta := "0"
	if c.MetaBytes.Writes > 0 {
		meta = fmt.Sprintf("%.1f (%d)", c.MetaBytes.Mean, c.MetaBytes.Max)
	}
	return append(out, fmt.Sprint(c.Stale), ext, lin, wait,
		fmt.Sprintf("%s / %s", report.Millis(c.WriteLatency.P50), report.Millis(c.WriteLatency.P99)), meta, fmt.Sprint(c.SiblingReads))
}

// rule is a markdown table's header rule for n columns.
func rule(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "---"
	}
	return out
}
