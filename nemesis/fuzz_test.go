package nemesis

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// ParseKinds never panics and reads only known kinds, each once.
func FuzzParseKinds(f *testing.F) {
	for _, s := range []string{"skew,partition", "none", "", "skew,skew", " crash ", "fire", ",", "tombstone,strobe,crash"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kinds, err := ParseKinds(s)
		if err != nil {
			require.Contains(t, err.Error(), "unknown fault")
			return
		}
		for i, k := range kinds {
			require.Contains(t, Kinds, k)
			require.False(t, slices.Contains(kinds[:i], k), "%s twice", k)
		}
	})
}
