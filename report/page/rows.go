package page

import (
	"errors"
	"html/template"
	"strconv"
	"strings"

	"github.com/clockwise-kv/clockwise/clock"
)

// The page's longest tables (a key's writes, the stale siblings, the
// nemesis's events: thousands of rows in a long run) are written here, row
// by row, rather than by html/template, which looks each field up and
// escapes it through reflection: they are the same bytes, escaped as
// html/template escapes text and quoted attribute values (escape), which a
// test holds them to.

// escape appends s to b escaped as html/template escapes a string in text
// or in a quoted attribute value.
func escape(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		var repl string
		switch s[i] {
		case 0:
			repl = "\uFFFD"
		case '"':
			repl = "&#34;"
		case '&':
			repl = "&amp;"
		case '\'':
			repl = "&#39;"
		case '+':
			repl = "&#43;"
		case '<':
			repl = "&lt;"
		case '>':
			repl = "&gt;"
		default:
			continue
		}
		b = append(append(b, s[start:i]...), repl...)
		start = i + 1
	}
	return append(b, s[start:]...)
}

// writeRows is the rows of a key's table of writes.
func writeRows(rows []writeRow) template.HTML {
	var b []byte
	for _, w := range rows {
		b = append(b, `<tr class="`...)
		b = escape(b, w.FateClass)
		b = append(b, `"><td><a href="#`...)
		b = append(b, w.Anchor...) // anchor: letters, digits and dashes, which a URL keeps as they are
		b = append(b, `" class="goto">`...)
		b = escape(b, w.ID)
		b = append(b, `</a></td><td>`...)
		if w.Deleted {
			b = append(b, `(delete)`...)
		} else {
			b = escape(b, w.Value)
		}
		for _, s := range []string{w.Process, w.Node, string(w.Type), w.TS, w.Offset, w.Context, w.Fate} {
			b = append(b, `</td><td>`...)
			b = escape(b, s)
		}
		b = append(b, `</td></tr>`...)
	}
	return template.HTML(b)
}

// staleRows is the rows of the table of stale siblings.
func staleRows(rows []staleView) (template.HTML, error) {
	var b []byte
	for _, s := range rows {
		if s.Write == nil || s.Newer == nil {
			return "", errors.New("a stale sibling without its versions")
		}
		b = append(b, `<tr><td>`...)
		b = escape(b, s.Key)
		b = append(b, `</td><td>`...)
		b = escape(b, s.Write.Write)
		b = append(b, ` (`...)
		b = escape(b, s.Write.Process)
		b = append(b, ` via `...)
		b = escape(b, s.Write.Node)
		b = append(b, `)</td><td>`...)
		b = escape(b, s.Newer.Write)
		b = append(b, ` (`...)
		b = escape(b, s.Newer.Process)
		b = append(b, `, had read `...)
		b = escape(b, strings.Join(s.Newer.Context, " "))
		b = append(b, `)</td><td>event `...)
		b = strconv.AppendInt(b, int64(s.Read), 10)
		b = append(b, `</td><td>`...)
		b = strconv.AppendInt(b, int64(s.Reads), 10)
		if s.Final {
			b = append(b, `</td><td>yes</td></tr>`...)
		} else {
			b = append(b, `</td><td>no</td></tr>`...)
		}
	}
	return template.HTML(b), nil
}

// faultRows is the rows of the table of the nemesis's events.
func faultRows(rows []faultRow) template.HTML {
	var b []byte
	for _, f := range rows {
		b = append(b, `<tr class="fault" data-f="`...)
		b = escape(b, string(f.F))
		b = append(b, `"><td>`...)
		b = strconv.AppendInt(b, int64(f.Index), 10)
		b = append(b, `</td><td>`...)
		b = escape(b, clock.Seconds(f.Time))
		b = append(b, `</td><td>`...)
		b = escape(b, string(f.F))
		b = append(b, `</td><td>`...)
		b = escape(b, f.Value)
		b = append(b, `</td></tr>`...)
	}
	return template.HTML(b)
}
