package histories

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// The scanner reads a line only when it can read it exactly as
// encoding/json does: whatever it accepts, encoding/json decodes to the
// same event.
func FuzzScan(f *testing.F) {
	var b bytes.Buffer
	require.NoError(f, Encode(&b, sample()))
	for _, l := range bytes.Split(b.Bytes(), []byte("\n")) {
		f.Add(l)
	}
	for _, s := range []string{
		`{}`, `{"index":0,"index":1}`, `{"Index":3}`, `{"index":01}`, `{"index":-0,"time":1e3}`, `{"time":9223372036854775808}`,
		`{"index":0,"time":1,"process":"c1","type":"ok","f":"read","key":"x","versions":[]}`,
		`{"meta":{"vv":{"n1":1,"n1":2}}}`, `{"meta":{"vv":{"n1":-1}}}`, `{"meta":{"dot":{"node":"n1","counter":18446744073709551615}}}`,
		`{"value":"\u00e9"}`, "{\"value\":\"\xff\"}", `{"value":null}`, `{"context":["a","b"] , "versions" : [ {"write":"w","deleted":true} ] }`,
		`{"versions":[{"write":"w","deleted":tru}]}`, `{"index":1}x`, `{"meta":{}}`, `{"offset":-5,"error":"é"}`,
		`{"process":"nemesis","f":"skew","value":{"n1":"+5s","n2":"-1s"}}`, `{"value":{}}`, `{"value":{"a":"x","a":"y"}}`, `{"value":{"a":1}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var fast raw
		if !newScanner().line(line, &fast) {
			return
		}
		var ref raw
		require.NoError(t, json.Unmarshal(line, &ref), "the scanner read a line encoding/json rejects: %q", line)
		got, gerr := fast.event(0, 0)
		want, werr := ref.event(0, 0)
		require.Equal(t, werr, gerr, "%q", line)
		require.Equal(t, want, got, "%q", line)
		require.Equal(t, ref.Index, fast.Index)
		require.Equal(t, ref.Time, fast.Time)
	})
}

// A history decodes to the same events whether its lines take the
// scanner's path or encoding/json's.
func TestScanMatchesJSON(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, Encode(&b, sample()))
	got, err := Decode(bytes.NewReader(b.Bytes()))
	require.NoError(t, err)
	var want []Event
	for i, l := range bytes.Split(bytes.TrimSpace(b.Bytes()), []byte("\n")) {
		var in raw
		require.NoError(t, json.Unmarshal(l, &in))
		e, err := in.event(i, 0)
		require.NoError(t, err)
		want = append(want, e)
	}
	require.Equal(t, want, got)
	plain := 0
	for _, l := range bytes.Split(bytes.TrimSpace(b.Bytes()), []byte("\n")) {
		var in raw
		if newScanner().line(l, &in) {
			plain++
		}
	}
	require.GreaterOrEqual(t, plain, 5, "the plain lines take the scanner's path")
}

// BenchmarkDecode reads a history of 20,000 simulated-looking events.
func BenchmarkDecode(b *testing.B) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	off := int64(-5_000_000)
	for i := range 10_000 {
		id := "w" + strconv.Itoa(i)
		require.NoError(b, w.Write(&Event{Index: 2 * i, Time: int64(10 * i), Process: "c1", Type: Invoke, F: Write, Key: "k1", Node: "n1", Write: id, Value: strconv.Itoa(i), Context: []string{"w1"}}))
		require.NoError(b, w.Write(&Event{Index: 2*i + 1, Time: int64(10*i + 5), Process: "c1", Type: OK, F: Write, Key: "k1", Node: "n1", Write: id, Meta: &Meta{TS: 1_000_000_000 + int64(i), Bytes: 10}, Offset: &off}))
	}
	require.NoError(b, w.Flush())
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, err := Decode(bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}

// event is the line's event, the index-th of the history, after an event
// at time last.
func (in *raw) event(index int, last int64) (Event, error) {
	if err := sequence(in.Index, in.Time, index, last); err != nil {
		return Event{}, err
	}
	var e Event
	err := in.fields(&e)
	return e, err
}

// TestFieldNames holds the names the scanner reads at once to the bits
// rawField gives them.
func TestFieldNames(t *testing.T) {
	for _, f := range fieldNames {
		name := f.text[1 : len(f.text)-2]
		require.Equal(t, rawField([]byte(name)), f.bit, name)
		var s scanner
		s.b = []byte(f.text + "1")
		require.Equal(t, f.bit, s.known(), name)
		require.Equal(t, len(f.text), s.i, name)
	}
	var s scanner
	for _, b := range []string{`"index" :1`, `"ind\u0065x":1`, `"indexes":1`, `"x":1`, `"in`} {
		s.b, s.i = []byte(b), 0
		require.Zero(t, s.known(), b)
		require.Zero(t, s.i, b)
	}
}
