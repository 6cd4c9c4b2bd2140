package histories

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every decode error is a LineError naming the line it stopped at, and the
// events before that line are returned whole.
func FuzzDecodeErrors(f *testing.F) {
	var b bytes.Buffer
	require.NoError(f, Encode(&b, sample()))
	f.Add(b.Bytes())
	for _, s := range []string{
		`{"index":0,"time":"soon"}`, `{"index":1,`, "\n\n", `[]`, `{"index":0,"time":-1,"process":"c","type":"ok","f":"x"}`,
		`{"index":0,"time":1,"process":"c1","type":"ok","f":"read","versions":[{"write":1}]}`, "{}\n{}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		h, err := Decode(bytes.NewReader(in))
		if err == nil {
			return
		}
		var le *LineError
		require.True(t, errors.As(err, &le), "an error that names no line: %v", err)
		require.GreaterOrEqual(t, le.Line, 1, "%v", err)
		require.Contains(t, err.Error(), "line ")
		lines := bytes.Count(in, []byte("\n")) + 1
		require.LessOrEqual(t, le.Line, lines, "%v", err)
		require.LessOrEqual(t, len(h), le.Line-1, "only the lines before the bad one")
	})
}
