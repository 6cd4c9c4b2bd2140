package cli

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/clockwise-kv/clockwise/experiment"
)

// Replay is the command line that reproduces this invocation: the command,
// --strategy and --seed always, and every other flag the user set.
func Replay(cmd *cobra.Command, skip ...string) string {
	parts := []string{"clockwise", cmd.Name()}
	fs := cmd.Flags()
	for _, name := range []string{"strategy", "seed"} {
		if f := fs.Lookup(name); f != nil {
			parts = append(parts, "--"+name, experiment.ShellQuote(FlagValue(f)))
		}
	}
	fs.Visit(func(f *pflag.Flag) {
		if f.Name == "strategy" || f.Name == "seed" || slices.Contains(skip, f.Name) {
			return
		}
		parts = append(parts, "--"+f.Name, experiment.ShellQuote(FlagValue(f)))
	})
	parts = append(parts, cmd.Flags().Args()...)
	return strings.Join(parts, " ")
}

// ownFlag is the annotation of a flag of sweep or matrix that is the
// command's own: not a flag of check that each of its runs is given.
const ownFlag = "own"

// MarkOwn annotates the flags named on fs as the command's own.
func MarkOwn(fs *pflag.FlagSet, names ...string) {
	for _, name := range names {
		_ = fs.SetAnnotation(name, ownFlag, []string{"true"})
	}
}

// PassedOn returns what the flags set on cmd (sweep, matrix) say: the flags
// of check among them, as the arguments every run is given, and the command
// line that repeats cmd, which names every flag set but those of local.
func PassedOn(cmd *cobra.Command, local ...string) (flags []string, command string) {
	command = "clockwise " + cmd.Name()
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if _, own := f.Annotations[ownFlag]; !own {
			flags = append(flags, "--"+f.Name, FlagValue(f))
		}
		if !slices.Contains(local, f.Name) {
			command += " --" + f.Name + " " + experiment.ShellQuote(FlagValue(f))
		}
	})
	return flags, command
}

// FlagValue is f's value as a command line gives it: a list joined by
// commas.
func FlagValue(f *pflag.Flag) string {
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		return strings.Join(sv.GetSlice(), ",")
	}
	return f.Value.String()
}

// Suggest is the flag of c closest to typed: the one typed begins, or
// within an edit distance of 2 (a third of typed's length for short
// names); "" when none is.
func Suggest(c *cobra.Command, typed string) string {
	typed = strings.ToLower(strings.TrimLeft(typed, "-"))
	if typed == "" {
		return ""
	}
	limit := min(2, max(1, len(typed)/3))
	best, bestD := "", limit+1
	visit := func(f *pflag.Flag) {
		d := levenshtein(typed, f.Name)
		if len(typed) >= 3 && strings.HasPrefix(f.Name, typed) {
			d = 1
		}
		if d < bestD || d == bestD && best != "" && f.Name < best {
			best, bestD = f.Name, d
		}
	}
	c.Flags().VisitAll(visit)
	c.InheritedFlags().VisitAll(visit)
	return best
}

// levenshtein is the edit distance between a and b: the fewest
// insertions, deletions and substitutions of a byte that turn a into b
// (flag names are ASCII).
func levenshtein(a, b string) int {
	row := make([]int, len(b)+1)
	for j := range row {
		row[j] = j
	}
	for i := 1; i <= len(a); i++ {
		prev := row[0]
		row[0] = i
		for j := 1; j <= len(b); j++ {
			cur := row[j]
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			row[j] = min(row[j]+1, row[j-1]+1, prev+cost)
			prev = cur
		}
	}
	return row[len(b)]
}
