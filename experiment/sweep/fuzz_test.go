package sweep

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// ParseSeeds and ParseShard never panic; what they read is a range that
// writes back to itself, and the shards of a range cover it once.
func FuzzParseSeeds(f *testing.F) {
	for _, s := range []string{"1-1000", "200", "0-0", "5-1", "a-b", "-", "18446744073709551615", "3-18446744073709551615"} {
		f.Add(s, "0/4")
	}
	f.Add("1-10", "3/3")
	f.Add("1-3", "2/7")
	f.Fuzz(func(t *testing.T, seeds, shard string) {
		s, err := ParseSeeds(seeds)
		if err != nil {
			return
		}
		require.LessOrEqual(t, s.From, s.To)
		back, err := ParseSeeds(s.String())
		require.NoError(t, err)
		require.Equal(t, s, back)
		sh, err := ParseShard(shard)
		if err != nil {
			return
		}
		require.True(t, sh.I >= 0 && sh.I < sh.N)
		if sl, ok := sh.Slice(s); ok {
			require.True(t, sl.From >= s.From && sl.To <= s.To && sl.From <= sl.To, "%v of %v: %v", sh, s, sl)
		}
	})
}
