package runs

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/clockwise-kv/clockwise/checker/results"
)

// MaxFindings bounds the findings of each kind that results.json and
// report.txt list in full: a long run can lose hundreds of thousands of
// writes, and a file sized for reading gives the first ones and counts the
// rest (the summary counts them all).
const MaxFindings = 1000

// WriteResult writes r to path as WriteJSON does, but lists at most bound
// findings of each kind (0: all) and says in the file how many it left
// out (Result.Omitted). It writes the document as it goes, a field and a
// finding at a time, never the whole document in memory.
func WriteResult(path string, r *results.Result, bound int) error {
	b := Bounded(r, bound)
	return CreateFile(path, func(w io.Writer) error { return encodeStreamed(w, b) })
}

// Bounded returns r with at most bound findings of each kind (0: all),
// Omitted counting the ones left out; r itself when nothing is. Of the
// lost writes it keeps those results.Interest ranks first, of the other
// findings the first.
func Bounded(r *results.Result, bound int) *results.Result {
	if bound <= 0 {
		return r
	}
	b := *r
	omitted := map[string]int{}
	if n := len(b.Lost); n > bound {
		// The lost writes a report lists first (results.Interest), which
		// are the ones a bounded check explains, in the checker's order.
		keep := make([]results.Lost, 0, bound)
		for _, i := range results.MostInteresting(b.Lost, bound) {
			keep = append(keep, b.Lost[i])
		}
		b.Lost, omitted["lost"] = keep, n-bound
	}
	cut(&b.Stale, bound, "stale", omitted)
	cut(&b.Phantoms, bound, "phantoms", omitted)
	cut(&b.Corrupted, bound, "corrupted", omitted)
	cut(&b.Future, bound, "future_reads", omitted)
	cut(&b.Duplicated, bound, "duplicated", omitted)
	cut(&b.Divergent, bound, "divergent", omitted)
	cut(&b.External, bound, "external", omitted)
	if len(omitted) == 0 {
		return r
	}
	b.Omitted = omitted
	return &b
}

func cut[T any](s *[]T, bound int, name string, omitted map[string]int) {
	if len(*s) > bound {
		omitted[name] = len(*s) - bound
		*s = (*s)[:bound:bound]
	}
}

// encodeStreamed writes v, a struct, exactly as EncodeJSON does, but
// encodes one top-level field at a time and a slice field one element at a
// time.
func encodeStreamed(w io.Writer, v any) error {
	bw := bufio.NewWriter(w)
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	rt := rv.Type()
	first := true
	bw.WriteString("{")
	for i := range rt.NumField() {
		sf := rt.Field(i)
		name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if !sf.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fv := rv.Field(i)
		if strings.Contains(opts, "omitempty") && empty(fv) {
			continue
		}
		if !first {
			bw.WriteString(",")
		}
		first = false
		key, _ := json.Marshal(name)
		fmt.Fprintf(bw, "\n  %s: ", key)
		if fv.Kind() == reflect.Slice && fv.Len() > 0 {
			bw.WriteString("[")
			for j := range fv.Len() {
				if j > 0 {
					bw.WriteString(",")
				}
				b, err := json.MarshalIndent(fv.Index(j).Interface(), "    ", "  ")
				if err != nil {
					return fmt.Errorf("runs: %s: %w", name, err)
				}
				bw.WriteString("\n    ")
				bw.Write(b)
			}
			bw.WriteString("\n  ]")
			continue
		}
		b, err := json.MarshalIndent(fv.Interface(), "  ", "  ")
		if err != nil {
			return fmt.Errorf("runs: %s: %w", name, err)
		}
		bw.Write(b)
	}
	if first {
		bw.WriteString("}\n")
	} else {
		bw.WriteString("\n}\n")
	}
	return bw.Flush()
}

// empty is encoding/json's omitempty test.
func empty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}
