package histories

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sample() []Event {
	off := int64(5_000_000_000)
	return []Event{
		{Index: 0, Time: 0, Process: Nemesis, Type: Info, F: "skew", Params: map[string]string{"n1": "+5s"}},
		{Index: 1, Time: 10, Process: "c1", Type: Invoke, F: Write, Key: "x", Node: "n1", Write: "w1", Value: "a \"quoted\"\n\x01é", Context: []string{}},
		{Index: 2, Time: 20, Process: "c1", Type: OK, F: Write, Key: "x", Node: "n1", Write: "w1", Meta: &Meta{TS: 1_005_000_000_020, VV: map[string]uint64{"n2": 1, "n1": 3}, Dot: &Dot{Node: "n1", Counter: 3}, Wait: 14, Bytes: 9}, Offset: &off},
		{Index: 3, Time: 30, Process: "c2", Type: Invoke, F: Read, Key: "x", Node: "n2"},
		{Index: 4, Time: 40, Process: "c2", Type: OK, F: Read, Key: "x", Node: "n2", Versions: []Version{{Write: "w1", Value: "a"}, {Write: "d2", Deleted: true}}},
		{Index: 5, Time: 50, Process: "c2", Type: Invoke, F: Delete, Key: "x", Node: "n2", Write: "d3", Context: []string{"w1", "d2"}},
		{Index: 6, Time: 60, Process: "c2", Type: Fail, F: Delete, Key: "x", Node: "n2", Write: "d3", Error: "boom"},
		{Index: 7, Time: 60, Process: Nemesis, Type: Info, F: "heal", Params: map[string]string{}},
	}
}

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Encode(&buf, sample()))
	got, err := Decode(&buf)
	require.NoError(t, err)
	assert.Equal(t, sample(), got)
}

func TestEncodingIsValidJSONAndMatchesEncodingJSON(t *testing.T) {
	for _, e := range sample() {
		b := e.AppendJSON(nil)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m), "%s", b)
		assert.Equal(t, float64(e.Index), m["index"])
	}
	// Maps are written in sorted order, so equal events encode equally.
	e := sample()[2]
	assert.Contains(t, string(e.AppendJSON(nil)), `"vv":{"n1":3,"n2":1}`)
	assert.Contains(t, string(sample()[1].AppendJSON(nil)), `"context":[]`, "a blind write says so")
}

func TestDesignExampleDecodes(t *testing.T) {
	// The example of the history format in design.md.
	in := `{"index":0,"time":1200000,"process":"c2","type":"invoke","f":"read","key":"x","node":"n2"}
{"index":1,"time":1900000,"process":"c2","type":"ok","f":"read","key":"x","node":"n2","versions":[{"write":"w1","value":"1","deleted":false}]}
{"index":2,"time":2000000,"process":"c2","type":"invoke","f":"write","key":"x","node":"n2","write":"w2","value":"2","context":["w1"]}
{"index":3,"time":2600000,"process":"c2","type":"ok","f":"write","key":"x","node":"n2","write":"w2","meta":{"ts":1000002600000},"unknown":"fields are ignored"}
`
	h, err := Decode(strings.NewReader(in))
	require.NoError(t, err)
	require.Len(t, h, 4)
	assert.Equal(t, []string{"w1"}, h[2].Context)
	assert.Equal(t, int64(1000002600000), h[3].Meta.TS)
	var out bytes.Buffer
	require.NoError(t, Encode(&out, h))
	assert.Equal(t, strings.ReplaceAll(in, `,"unknown":"fields are ignored"`, ""), out.String(), "the encoder writes the documented form")
}

func TestMalformedLinesNameLineAndField(t *testing.T) {
	good := `{"index":0,"time":5,"process":"c1","type":"invoke","f":"read","key":"x"}` + "\n"
	for name, tc := range map[string]struct {
		line  string
		field string
		msg   string
	}{
		"not json":          {`{"index":1,`, "", "not valid JSON"},
		"time is a string":  {`{"index":1,"time":"soon","process":"c1","type":"ok","f":"read"}`, "time", "expected int64"},
		"unknown type":      {`{"index":1,"time":6,"process":"c1","type":"done","f":"read"}`, "type", `"done"`},
		"index out of step": {`{"index":7,"time":6,"process":"c1","type":"ok","f":"read"}`, "index", "expected 1"},
		"time goes back":    {`{"index":1,"time":4,"process":"c1","type":"ok","f":"read"}`, "time", "backwards"},
		"missing process":   {`{"index":1,"time":6,"type":"ok","f":"read"}`, "process", "missing"},
		"write without id":  {`{"index":1,"time":6,"process":"c2","type":"invoke","f":"write"}`, "write", "missing"},
		"value is a number": {`{"index":1,"time":6,"process":"c2","type":"invoke","f":"write","write":"w1","value":3}`, "value", "expected a string"},
		"versions not list": {`{"index":1,"time":6,"process":"c1","type":"ok","f":"read","versions":{}}`, "versions", "expected"},
	} {
		t.Run(name, func(t *testing.T) {
			h, err := Decode(strings.NewReader(good + "\n" + tc.line + "\n"))
			var le *LineError
			require.True(t, errors.As(err, &le), "got %v", err)
			assert.Equal(t, 3, le.Line, "blank lines count")
			assert.Equal(t, tc.field, le.Field)
			assert.Contains(t, err.Error(), tc.msg)
			assert.Len(t, h, 1, "the lines before the bad one are returned")
		})
	}
}

// chunks records each Write call separately.
type chunks struct{ calls [][]byte }

func (c *chunks) Write(p []byte) (int, error) {
	c.calls = append(c.calls, bytes.Clone(p))
	return len(p), nil
}

func TestWriterWritesWholeLines(t *testing.T) {
	var c chunks
	w := NewWriter(&c)
	w.limit = 300 // force many flushes
	for i := range 200 {
		e := Event{Index: i, Time: int64(i), Process: "c1", Type: Invoke, F: Read, Key: strings.Repeat("k", i%17)}
		require.NoError(t, w.Write(&e))
	}
	require.NoError(t, w.Flush())
	require.Greater(t, len(c.calls), 10)
	var all []byte
	for _, p := range c.calls {
		assert.Equal(t, byte('\n'), p[len(p)-1], "every write ends a line")
		all = append(all, p...)
		// What reached the "disk" so far is always a readable history.
		h, err := Decode(bytes.NewReader(all))
		require.NoError(t, err)
		assert.Equal(t, bytes.Count(all, []byte("\n")), len(h))
	}
}

func TestReadFileNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(`{"index":0}`+"\n"), 0o644))
	_, err := ReadFile(path)
	require.ErrorContains(t, err, path+": line 1: field \"time\": missing")
	_, err = ReadFile(filepath.Join(t.TempDir(), "nope.jsonl"))
	require.Error(t, err)
	require.NoError(t, WriteFile(path, sample()))
	h, err := ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, sample(), h)
}
