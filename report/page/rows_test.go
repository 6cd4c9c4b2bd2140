package page

import (
	"bytes"
	"html/template"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/histories"
)

// rowTemplates are the page's tables of writes, stale siblings and nemesis
// events as html/template writes them, row by row: writeRows, staleRows and
// faultRows must write the same bytes.
var rowTemplates = template.Must(template.New("").Funcs(template.FuncMap{"seconds": clock.Seconds, "join": strings.Join}).Parse(
	`{{define "writes"}}{{range .}}<tr class="{{.FateClass}}"><td><a href="#{{.Anchor}}" class="goto">{{.ID}}</a></td><td>{{if .Deleted}}(delete){{else}}{{.Value}}{{end}}</td><td>{{.Process}}</td><td>{{.Node}}</td><td>{{.Type}}</td><td>{{.TS}}</td><td>{{.Offset}}</td><td>{{.Context}}</td><td>{{.Fate}}</td></tr>{{end}}{{end}}` +
		`{{define "stale"}}{{range .}}<tr><td>{{.Key}}</td><td>{{.Write.Write}} ({{.Write.Process}} via {{.Write.Node}})</td><td>{{.Newer.Write}} ({{.Newer.Process}}, had read {{join .Newer.Context " "}})</td><td>event {{.Read}}</td><td>{{.Reads}}</td><td>{{if .Final}}yes{{else}}no{{end}}</td></tr>{{end}}{{end}}` +
		`{{define "faults"}}{{range .}}<tr class="fault" data-f="{{.F}}"><td>{{.Index}}</td><td>{{seconds .Time}}</td><td>{{.F}}</td><td>{{.Value}}</td></tr>{{end}}{{end}}`))

// markup draws strings rich in what HTML escapes, with other runes and, at
// times, bytes that are not UTF-8.
func markup() *rapid.Generator[string] {
	return rapid.OneOf(
		rapid.StringOf(rapid.SampledFrom([]rune{'a', 'Z', '7', ' ', '-', '<', '>', '&', '"', '\'', '+', 0, '=', '/', 'é', '\u2028', '\uFFFD', '😀'})),
		rapid.Map(rapid.SliceOf(rapid.Byte()), func(b []byte) string { return string(b) }),
		rapid.String(),
	)
}

func executeRows(t *rapid.T, name string, data any) string {
	var b bytes.Buffer
	require.NoError(t, rowTemplates.ExecuteTemplate(&b, name, data))
	return b.String()
}

func TestRowsAreWhatTheTemplateWrites(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		writes := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) writeRow {
			invoke := rapid.IntRange(-5, 1<<40).Draw(t, "invoke")
			return writeRow{Invoke: invoke, Anchor: anchor(invoke), ID: markup().Draw(t, "id"), Process: markup().Draw(t, "process"),
				Node: markup().Draw(t, "node"), TS: markup().Draw(t, "ts"), Offset: markup().Draw(t, "offset"), Context: markup().Draw(t, "context"),
				Fate: markup().Draw(t, "fate"), FateClass: markup().Draw(t, "class"), Type: histories.Type(markup().Draw(t, "type")),
				Deleted: rapid.Bool().Draw(t, "deleted"), Value: markup().Draw(t, "value")}
		}), 0, 4).Draw(t, "writes")
		assert.Equal(t, executeRows(t, "writes", writes), string(writeRows(writes)))

		ref := rapid.Custom(func(t *rapid.T) *checker.Ref {
			return &checker.Ref{Write: markup().Draw(t, "write"), Process: markup().Draw(t, "process"), Node: markup().Draw(t, "node"),
				Context: rapid.SliceOfN(markup(), 0, 3).Draw(t, "context")}
		})
		stale := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) staleView {
			return staleView{checker.Stale{Key: markup().Draw(t, "key"), Write: ref.Draw(t, "stale"), Newer: ref.Draw(t, "newer"),
				Read: rapid.Int().Draw(t, "read"), Reads: rapid.Int().Draw(t, "reads"), Final: rapid.Bool().Draw(t, "final")}}
		}), 0, 4).Draw(t, "stale")
		got, err := staleRows(stale)
		require.NoError(t, err)
		assert.Equal(t, executeRows(t, "stale", stale), string(got))

		faults := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) faultRow {
			return faultRow{Index: rapid.Int().Draw(t, "index"), Time: rapid.Int64().Draw(t, "time"),
				F: histories.Func(markup().Draw(t, "f")), Value: markup().Draw(t, "value")}
		}), 0, 4).Draw(t, "faults")
		assert.Equal(t, executeRows(t, "faults", faults), string(faultRows(faults)))
	})
}

// A stale sibling without its versions fails the page, as the template
// failed on it.
func TestStaleRowsWithoutAVersionFail(t *testing.T) {
	_, err := staleRows([]staleView{{checker.Stale{Key: "k", Newer: &checker.Ref{}}}})
	assert.Error(t, err)
}
