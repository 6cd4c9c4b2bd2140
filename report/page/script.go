package page

import (
	"encoding/json"
	"html/template"
	"slices"
	"strconv"
)

// scriptJSON is v as the page's script reads it from a script element of
// type application/json: the bytes html/template writes for {{v}} there
// (encoding/json's, and a null set apart by spaces), made before the page
// is executed so that the largest values of the page are encoded beside
// other work and without reflection where it costs most (opsData).
func scriptJSON(v any) (template.JS, error) {
	var b []byte
	var err error
	if d, ok := v.(*opsData); ok {
		b, err = d.appendJSON(nil)
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		return "", err
	}
	if string(b) == "null" {
		return " null ", nil
	}
	return template.JS(b), nil
}

// appendJSON appends d to b as encoding/json encodes it: its columns of
// numbers, a run's every operation, are written without reflection.
func (d *opsData) appendJSON(b []byte) ([]byte, error) {
	b = slices.Grow(b, 8*(len(d.Start)+len(d.Dur)+len(d.Invoke)+len(d.Code))+1024)
	b = append(b, `{"q":`...)
	b = strconv.AppendInt(b, d.Q, 10)
	var err error
	if b, err = appendStrings(append(b, `,"lanes":`...), d.Lanes); err != nil {
		return nil, err
	}
	b = appendInts(append(b, `,"laneY":`...), d.LaneY)
	b = strconv.AppendInt(append(b, `,"laneH":`...), int64(d.LaneH), 10)
	b = strconv.AppendInt(append(b, `,"lostY":`...), int64(d.LostY), 10)
	b = strconv.AppendInt(append(b, `,"lostH":`...), int64(d.LostH), 10)
	for _, f := range []struct {
		name string
		v    []string
	}{{`,"keys":`, d.Keys}, {`,"nodes":`, d.Nodes}, {`,"classes":`, d.Classes}} {
		if b, err = appendStrings(append(b, f.name...), f.v); err != nil {
			return nil, err
		}
	}
	b = appendInts(append(b, `,"start":`...), d.Start)
	b = appendInts(append(b, `,"dur":`...), d.Dur)
	b = appendInts(append(b, `,"invoke":`...), d.Invoke)
	b = appendInts(append(b, `,"code":`...), d.Code)
	b = appendInts(append(b, `,"details":`...), d.Details)
	return append(b, '}'), nil
}

// appendStrings appends ss as encoding/json encodes it.
func appendStrings(b []byte, ss []string) ([]byte, error) {
	j, err := json.Marshal(ss)
	return append(b, j...), err
}

// appendInts appends ns as encoding/json encodes it: null when nil.
func appendInts[T int | int64](b []byte, ns []T) []byte {
	if ns == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, n := range ns {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(n), 10)
	}
	return append(b, ']')
}
