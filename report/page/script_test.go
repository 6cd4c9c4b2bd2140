package page

import (
	"bytes"
	"html/template"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scriptJSON writes what html/template writes for a value in a script
// element of type application/json, whatever the value holds: empty and
// nil columns, and names that need escaping there.
func TestScriptJSONIsWhatTheTemplateWrites(t *testing.T) {
	tmpl := template.Must(template.New("").Parse(`<script type="application/json">{{.}}</script>`))
	odd := []string{"", "a<b>&c", "</script>", "line\u2028sep\u2029", `quote"back\slash`, "é"}
	for name, v := range map[string]any{
		"empty data": &opsData{},
		"data": &opsData{Q: 1000, Lanes: []string{"c1", "final"}, LaneY: []int{40, 58}, LaneH: 18, LostY: 20, LostH: 22,
			Keys: odd, Nodes: []string{"n1", ""}, Classes: []string{"ok read"}, Start: []int64{0, 5, -1},
			Dur: []int64{-1, 0, 123456789012}, Invoke: []int{0, 2}, Code: []int{7}, Details: []int{}},
		"no details": []detail(nil),
		"details":    []detail{{Title: "c1 write k=<v> (w1)", Rows: [][2]string{{"a&b", odd[3]}}, Lost: "lost-w1"}},
	} {
		var want bytes.Buffer
		require.NoError(t, tmpl.Execute(&want, v), name)
		js, err := scriptJSON(v)
		require.NoError(t, err, name)
		var got bytes.Buffer
		require.NoError(t, tmpl.Execute(&got, js), name)
		assert.Equal(t, want.String(), got.String(), name)
	}
}
