package clock

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// ParseOffsets never panics, and each offset it reads, written back with
// Signed, reads to the same offset.
func FuzzParseOffsets(f *testing.F) {
	for _, s := range []string{"n1=+5s,n2=-1s", "n1=5s", "", " ", "n1=soon", "n1", "=5s", "n1=+5s,n1=-1s", "n1=+1h2m3.5s", "n1=-9223372036s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		offs, err := ParseOffsets(s)
		if err != nil {
			return
		}
		for n, off := range offs {
			back, err := ParseOffsets(n + "=" + Signed(off))
			require.NoError(t, err, "%s=%s", n, Signed(off))
			require.Equal(t, map[string]int64{n: off}, back)
		}
	})
}
