package histories

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// long is a history of n events, several of Scan's chunks long, in the
// forms a history takes (the sample's events, renumbered).
func long(n int) []Event {
	s := sample()
	h := make([]Event, n)
	for i := range h {
		h[i] = s[i%len(s)]
		h[i].Index, h[i].Time = i, int64(i)*10
	}
	return h
}

func encode(t *testing.T, h []Event) []byte {
	t.Helper()
	var b bytes.Buffer
	w := NewWriter(&b)
	for i := range h {
		require.NoError(t, w.Write(&h[i]))
	}
	require.NoError(t, w.Flush())
	return b.Bytes()
}

// jagged reads at most a random handful of bytes at a time, so lines are
// split across reads everywhere.
type jagged struct {
	r   io.Reader
	rng *rand.Rand
	max int
}

func (j *jagged) Read(p []byte) (int, error) {
	return j.r.Read(p[:min(len(p), 1+j.rng.IntN(j.max))])
}

// Scan reads a history of many chunks, however the reads split it, into
// the events written, with their lines.
func TestScanAcrossChunks(t *testing.T) {
	h := long(40_000) // about 4 MiB: several chunks
	b := encode(t, h)
	require.Greater(t, len(b), 3*chunkSize)
	for _, max := range []int{1 << 20, 4096, 97} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			var got []Event
			var lines []int
			cut, err := Scan(&jagged{bytes.NewReader(b), rand.New(rand.NewPCG(1, uint64(max))), max}, func(e *Event, line int) error {
				got = append(got, *e)
				lines = append(lines, line)
				return nil
			})
			require.NoError(t, err)
			require.Nil(t, cut)
			require.Equal(t, len(h), len(got))
			assert.Equal(t, h, got)
			for i, l := range lines {
				if l != i+1 {
					require.Equal(t, i+1, l, "event %d", i)
				}
			}
		})
	}
}

// An error deep in a long history names its line, after every event
// before it reached fn; a last line cut short is cut, not an error.
func TestScanErrorsAcrossChunks(t *testing.T) {
	b := encode(t, long(30_000))
	lines := strings.SplitAfter(string(b), "\n")
	for _, c := range []struct {
		name  string
		line  int // from 1
		edit  func(string) string
		field string
		cut   bool
	}{
		{"a wrong index", 25_001, func(l string) string { return strings.Replace(l, `"index":25000`, `"index":7`, 1) }, "index", false},
		{"not JSON", 20_000, func(l string) string { return l[:10] + "\n" }, "", false},
		{"a missing process", 12_345, func(l string) string { return strings.Replace(l, `"process":`, `"proc":`, 1) }, "process", false},
		{"time going back", 29_999, func(l string) string { return strings.Replace(l, `"time":299980`, `"time":1`, 1) }, "time", false},
		{"the last line cut short", 30_000, func(l string) string { return l[:20] }, "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			edited := append([]string(nil), lines...)
			edited[c.line-1] = c.edit(edited[c.line-1])
			n := 0
			cut, err := Scan(strings.NewReader(strings.Join(edited, "")), func(e *Event, line int) error {
				n++
				return nil
			})
			le := cut
			if !c.cut {
				require.Nil(t, cut)
				require.ErrorAs(t, err, &le)
			} else {
				require.NoError(t, err)
				require.NotNil(t, cut)
			}
			assert.Equal(t, c.line, le.Line)
			assert.Equal(t, c.field, le.Field)
			assert.Equal(t, c.line-1, n, "every event before it")
		})
	}
}

// fn's error stops Scan, and is what it returns; the goroutines end.
func TestScanStopsAtFnsError(t *testing.T) {
	b := encode(t, long(30_000))
	stop := errors.New("enough")
	n := 0
	_, err := Scan(bytes.NewReader(b), func(e *Event, line int) error {
		if n++; n == 15_000 {
			return stop
		}
		return nil
	})
	require.ErrorIs(t, err, stop)
	assert.Equal(t, 15_000, n)
}

// A read that fails names the line it was reading.
func TestScanNamesTheLineAReadFailed(t *testing.T) {
	b := encode(t, long(30_000))
	boom := errors.New("boom")
	at := len(b) / 2
	n := 0
	_, err := Scan(io.MultiReader(bytes.NewReader(b[:at]), iotestErr{boom}), func(*Event, int) error { n++; return nil })
	require.ErrorIs(t, err, boom)
	line := bytes.Count(b[:at], []byte{'\n'}) + 1
	assert.Contains(t, err.Error(), fmt.Sprintf("line %d:", line))
	assert.Equal(t, line-1, n)
}

type iotestErr struct{ err error }

func (e iotestErr) Read([]byte) (int, error) { return 0, e.err }
