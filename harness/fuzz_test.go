package harness_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/harness"
)

// ParseMix never panics, and a mix it reads writes back to a text that
// reads to the same mix.
func FuzzParseMix(f *testing.F) {
	for _, s := range []string{"read=3,rw=4,blind=2,delete=0", "rw-other=1", "read=1, rw=2", "read=-1", "read=x", "", ",", "read=0", "bogus=1", "read=99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := harness.ParseMix(s)
		if err != nil {
			require.Contains(t, err.Error(), "mix")
			return
		}
		back, err := harness.ParseMix(m.String())
		require.NoError(t, err, m.String())
		require.Equal(t, m, back)
		require.Positive(t, m.Read+m.ReadWrite+m.Blind+m.Delete+m.ReadElsewhere)
	})
}
