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

// plain is an event as docs/ARCHITECTURE.md and design.md write it, for
// encoding/json: the fields in order, an optional one left out when empty,
// a write's invoke always with its value and context, a successful read
// always with its versions.
type plain struct {
	Index    int        `json:"index"`
	Time     int64      `json:"time"`
	Process  string     `json:"process"`
	Type     Type       `json:"type"`
	F        Func       `json:"f"`
	Key      string     `json:"key,omitempty"`
	Node     string     `json:"node,omitempty"`
	Write    string     `json:"write,omitempty"`
	Value    any        `json:"value,omitempty"`
	Context  *[]string  `json:"context,omitempty"`
	Versions *[]Version `json:"versions,omitempty"`
	Meta     *Meta      `json:"meta,omitempty"`
	Error    string     `json:"error,omitempty"`
	Offset   *int64     `json:"offset,omitempty"`
}

func plainOf(e Event) plain {
	w := plain{Index: e.Index, Time: e.Time, Process: e.Process, Type: e.Type, F: e.F, Key: e.Key, Node: e.Node,
		Write: e.Write, Meta: e.Meta, Error: e.Error, Offset: e.Offset}
	switch {
	case e.Params != nil:
		w.Value = e.Params
	case e.Value != "" || (e.F == Write && e.Type == Invoke):
		w.Value = e.Value
	}
	if e.Context != nil || (e.Type == Invoke && e.IsWrite()) {
		ctx := append([]string{}, e.Context...)
		w.Context = &ctx
	}
	if e.Versions != nil || (e.Type == OK && e.F == Read) {
		vs := append([]Version{}, e.Versions...)
		w.Versions = &vs
	}
	return w
}

// encodingJSON is v as encoding/json writes it, without escaping HTML.
func encodingJSON(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(v))
	return strings.TrimSuffix(b.String(), "\n")
}

// The hand-written encoder writes what encoding/json writes for the same
// event, byte for byte, maps with sorted keys included.
func TestEncodingMatchesEncodingJSON(t *testing.T) {
	for _, e := range sample() {
		assert.Equal(t, encodingJSON(t, plainOf(e)), string(e.AppendJSON(nil)), "event %d", e.Index)
	}
	assert.Contains(t, string(sample()[2].AppendJSON(nil)), `"vv":{"n1":3,"n2":1}`)
	assert.Contains(t, string(sample()[1].AppendJSON(nil)), `"context":[]`, "a blind write says so")
	for _, s := range []string{"plain", `a "quote"`, `back\slash`, "tab\tnewline\nreturn\r", "\x00\x01\x1f\x7f",
		"é ü 漢字 🙂", "<a&b>", "bad \xff\xfe utf-8", "\xe2\x82"} {
		assert.Equal(t, encodingJSON(t, s), string(appendString(nil, s)), "%q", s)
	}
	// Two escapes differ and mean the same: encoding/json writes \b and \f
	// short and escapes U+2028 and U+2029; the encoder writes \u0008,
	// \u000c and the two characters as they are.
	for _, s := range []string{"\b\f", "line\u2028paragraph\u2029"} {
		var fromJSON, fromEncoder string
		require.NoError(t, json.Unmarshal([]byte(encodingJSON(t, s)), &fromJSON))
		require.NoError(t, json.Unmarshal(appendString(nil, s), &fromEncoder))
		assert.Equal(t, fromJSON, fromEncoder, "%q", s)
		assert.Equal(t, s, fromEncoder)
	}
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
		"not json":             {`{"index":1,`, "", "not valid JSON"},
		"time is a string":     {`{"index":1,"time":"soon","process":"c1","type":"ok","f":"read"}`, "time", "expected int64"},
		"unknown type":         {`{"index":1,"time":6,"process":"c1","type":"done","f":"read"}`, "type", `"done"`},
		"index out of step":    {`{"index":7,"time":6,"process":"c1","type":"ok","f":"read"}`, "index", "expected 1"},
		"time goes back":       {`{"index":1,"time":4,"process":"c1","type":"ok","f":"read"}`, "time", "backwards"},
		"missing process":      {`{"index":1,"time":6,"type":"ok","f":"read"}`, "process", "missing"},
		"write without id":     {`{"index":1,"time":6,"process":"c2","type":"invoke","f":"write","key":"x"}`, "write", "missing"},
		"value is a number":    {`{"index":1,"time":6,"process":"c2","type":"invoke","f":"write","key":"x","write":"w1","value":3}`, "value", "expected a string"},
		"unknown f":            {`{"index":1,"time":6,"process":"c1","type":"invoke","f":"raed","key":"x"}`, "f", `"raed", expected read, write or delete`},
		"missing key":          {`{"index":1,"time":6,"process":"c1","type":"ok","f":"read"}`, "key", "missing on a read"},
		"nemesis read, no key": {`{"index":1,"time":6,"process":"nemesis","type":"invoke","f":"read"}`, "key", "missing on a read"},
		"versions not list":    {`{"index":1,"time":6,"process":"c1","type":"ok","f":"read","versions":{}}`, "versions", "expected"},
		"read ok, no versions": {`{"index":1,"time":6,"process":"c1","type":"ok","f":"read","key":"x"}`, "versions", "missing (or null) on a read ok"},
		"read ok, null":        {`{"index":1,"time":6,"process":"final","type":"ok","f":"read","key":"x","versions":null}`, "versions", "missing (or null) on a read ok"},
		"a JSON array":         {`[{"index":1}]`, "", "expected an event, a JSON object, got JSON array: a history is one JSON object a line"},
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

func TestEmptyReadIsNotMissingVersions(t *testing.T) {
	in := `{"index":0,"time":5,"process":"c1","type":"invoke","f":"read","key":"x"}` + "\n" +
		`{"index":1,"time":6,"process":"c1","type":"ok","f":"read","key":"x","versions":[]}` + "\n" +
		`{"index":2,"time":7,"process":"c1","type":"invoke","f":"read","key":"x"}` + "\n" +
		`{"index":3,"time":8,"process":"c1","type":"fail","f":"read","key":"x"}` + "\n"
	h, err := Decode(strings.NewReader(in))
	require.NoError(t, err, "[] is a read that found nothing; a failed read returned nothing")
	assert.Empty(t, h[1].Versions)
}

func TestByteOrderMarkIsSkipped(t *testing.T) {
	in := "\xef\xbb\xbf" + `{"index":0,"time":5,"process":"c1","type":"invoke","f":"read","key":"x"}` + "\n"
	h, err := Decode(strings.NewReader(in))
	require.NoError(t, err)
	require.Len(t, h, 1)
}

func TestOverlongLineNamesTheLine(t *testing.T) {
	good := `{"index":0,"time":5,"process":"c1","type":"invoke","f":"read","key":"x"}` + "\n"
	long := `{"index":1,"time":6,"process":"c1","type":"ok","f":"read","key":"x","error":"` + strings.Repeat("x", MaxLine) + `"}` + "\n"
	h, err := Decode(strings.NewReader(good + long))
	var le *LineError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, 2, le.Line)
	assert.Contains(t, err.Error(), "line 2: longer than 64 MiB")
	assert.Len(t, h, 1)
}

// A last line cut short, as a killed writer leaves it: DecodeFile judges
// the whole lines and reports the cut; Decode refuses it; a malformed last
// line that ends in a newline was not cut, and is an error.
func TestCutLastLine(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, Encode(&b, sample()))
	whole := b.Bytes()
	cut := whole[:len(whole)-10]
	f, err := DecodeFile(bytes.NewReader(cut))
	require.NoError(t, err)
	require.NotNil(t, f.Cut)
	n := len(sample())
	assert.Equal(t, n, f.Cut.Line)
	assert.Len(t, f.Events, n-1)
	assert.Equal(t, n-1, f.Lines[n-2])
	_, err = Decode(bytes.NewReader(cut))
	require.Error(t, err)

	_, err = DecodeFile(bytes.NewReader(append(bytes.Clone(cut), '\n')))
	require.Error(t, err, "a malformed line with its newline is malformed, not cut")

	f, err = DecodeFile(bytes.NewReader(whole))
	require.NoError(t, err)
	assert.Nil(t, f.Cut)
	assert.Len(t, f.Events, n)
}

// chunks records each Write call separately.
type chunks struct{ calls [][]byte }

func (c *chunks) Write(p []byte) (int, error) {
	c.calls = append(c.calls, bytes.Clone(p))
	return len(p), nil
}

// Every write ends a line, and only a write of one line crosses a page
// boundary of the file.
func TestWriterWritesWholeLines(t *testing.T) {
	var c chunks
	w := NewWriter(&c)
	for i := range 2000 {
		e := Event{Index: i, Time: int64(i), Process: "c1", Type: Invoke, F: Read, Key: "k" + strings.Repeat("k", i%97)}
		require.NoError(t, w.Write(&e))
	}
	require.NoError(t, w.Flush())
	require.Greater(t, len(c.calls), 20)
	var all []byte
	crossing := 0
	for _, p := range c.calls {
		assert.Equal(t, byte('\n'), p[len(p)-1], "every write ends a line")
		start, end := len(all), len(all)+len(p)
		if start/Page != (end-1)/Page {
			crossing++
			assert.Equal(t, 1, bytes.Count(p, []byte("\n")), "a write across a page boundary holds one line")
		}
		all = append(all, p...)
		// What reached the "disk" so far is always a readable history.
		h, err := Decode(bytes.NewReader(all))
		require.NoError(t, err)
		assert.Equal(t, bytes.Count(all, []byte("\n")), len(h))
	}
	assert.Positive(t, crossing)
}

func TestReadFileNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(`{"index":0}`+"\n"), 0o644))
	_, err := ReadFile(path)
	require.ErrorContains(t, err, path+": line 1: field \"time\": missing")
	_, err = ReadFile(filepath.Join(t.TempDir(), "nope.jsonl"))
	require.Error(t, err)
	var b bytes.Buffer
	require.NoError(t, Encode(&b, sample()))
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	h, err := ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, sample(), h)
}

// The decoder never panics, and what it reads the encoder writes back in a
// form that reads back to the same bytes.
func FuzzDecode(f *testing.F) {
	var b bytes.Buffer
	require.NoError(f, Encode(&b, sample()))
	f.Add(b.Bytes())
	for _, line := range bytes.SplitAfter(b.Bytes(), []byte("\n")) {
		f.Add(line)
	}
	for _, s := range []string{
		`{"index":0,"time":1,"process":"c1","type":"invoke","f":"write","key":"x","write":"w1","value":"a\u0008\u2028","context":null}`,
		`{"index":0,"time":1,"process":"nemesis","type":"info","f":"skew","value":{"n1":"+5s","n1":"-1s"}}`,
		`{"index":0,"time":1,"process":"c1","type":"ok","f":"read","versions":null,"meta":{"vv":{}},"offset":null}`,
		`{"index":0,"time":"soon"}`, `{"index":1,`, "\n\n", `[]`, `{"index":0,"time":-1,"process":"c","type":"ok","f":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		h, _ := Decode(bytes.NewReader(in)) // the events before a bad line
		var out bytes.Buffer
		require.NoError(t, Encode(&out, h))
		back, err := Decode(bytes.NewReader(out.Bytes()))
		require.NoError(t, err, "what the encoder writes, the decoder reads:\n%s", out.Bytes())
		require.Len(t, back, len(h))
		var again bytes.Buffer
		require.NoError(t, Encode(&again, back))
		require.Equal(t, out.String(), again.String(), "encode, decode, encode: the same bytes")
	})
}
