package jepsen

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/histories"
)

// readAll reads every value of s.
func readAll(s string) ([]ednNode, error) {
	var out []ednNode
	err := newEDNReader(strings.NewReader(s), 1).each(func(n ednNode) error {
		out = append(out, n)
		return nil
	})
	return out, err
}

func TestEDNValues(t *testing.T) {
	for in, want := range map[string]string{
		`nil true false`:                                                       "nil true false",
		`3 3N +3 -0 007 1.5 2.5M 1/2 1e3 ##Inf`:                                "3 3 3 0 007 1.5 2.5M 1/2 1e3 ##Inf",
		`12345678901234567890123N`:                                             "12345678901234567890123",
		`"a\"b\\c\n\u00e9" "tab	in"`:                                           `"a\"b\\c\né" "tab\tin"`,
		`\a \newline \u00e9 \(`:                                                `\a \newline \u00e9 \(`,
		`:a :jepsen.client/timeout sym a/b +`:                                  ":a :jepsen.client/timeout sym a/b +",
		`[1 [2]] (1 2) #{1} {:a 1, :b [2 3]}`:                                  "[1 [2]] (1 2) #{1} {:a 1, :b [2 3]}",
		`#inst "2024-01-01" #uuid "x"`:                                         `#inst "2024-01-01" #uuid "x"`,
		`#object[java.net.SocketTimeoutException 0x1b2c3d4e "Read timed out"]`: `#object [java.net.SocketTimeoutException 0x1b2c3d4e "Read timed out"]`,
		`#jepsen.history.Op{:index 0, :f :read}`:                               `#jepsen.history.Op {:index 0, :f :read}`,
		"1 ; a comment\n2 #_ 3 #_#_ 4 5 6,,,7 \uFEFF8":                         "1 2 6 7 8",
	} {
		vs, err := readAll(in)
		require.NoError(t, err, in)
		var got []string
		for _, v := range vs {
			got = append(got, v.String())
		}
		assert.Equal(t, want, strings.Join(got, " "), in)
	}
}

func TestEDNLines(t *testing.T) {
	vs, err := readAll("{:a 1\n :b\n [2\n 3]}\n\n:c")
	require.NoError(t, err)
	require.Len(t, vs, 2)
	assert.Equal(t, 1, vs[0].line)
	b, _ := vs[0].get("b")
	assert.Equal(t, 3, b.line)
	assert.Equal(t, 4, b.items[1].line)
	assert.Equal(t, 6, vs[1].line)
}

func TestEDNErrorsNameTheLine(t *testing.T) {
	for in, want := range map[string]string{
		"[1 2":                     "line 1: a vector opened here is never closed (expected ']')",
		"\n\n{:a 1 :b}":            "line 3: map has a key without a value",
		"[1\n 2)":                  "line 2: ')' closes a vector opened on line 1, which expects ']'",
		"\n)":                      "line 2: unexpected ')'",
		"\"abc":                    "line 1: string opened here is never closed",
		`"a\qb"`:                   `line 1: unknown escape \q in a string`,
		`"\u12"`:                   `line 1: \u needs four hexadecimal digits`,
		`"\u12zz"`:                 `line 1: \u needs four hexadecimal digits, got "12zz"`,
		`\foo`:                     `line 1: unknown character \foo`,
		"\\ ":                      "line 1: a backslash must be followed by a character",
		"::a":                      `line 1: malformed keyword "::a"`,
		"#\"re\"":                  `line 1: unsupported '#"' (not EDN)`,
		"#tag":                     "line 1: #tag ends before its value",
		"##Foo":                    "line 1: unknown symbolic value ##Foo",
		"\n\n\xff":                 "line 3: invalid UTF-8",
		strings.Repeat("[", 300):   "line 1: values nested deeper than 256",
		strings.Repeat("#_", 300):  "line 1: values nested deeper than 256",
		strings.Repeat("#a ", 300): "line 1: values nested deeper than 256",
	} {
		_, err := readAll(in)
		var le *histories.LineError
		if assert.ErrorAs(t, err, &le, "%q", in) {
			assert.Equal(t, want, err.Error(), "%q", in)
		}
	}
}

// lineNumber finds the line an error names.
var lineNumber = regexp.MustCompile(`^line (\d+): `)

// requireLineError requires err to name a line of input.
func requireLineError(t *testing.T, err error, input string) {
	t.Helper()
	var le *histories.LineError
	require.ErrorAs(t, err, &le)
	m := lineNumber.FindStringSubmatch(err.Error())
	require.NotNil(t, m, "%v", err)
	line, _ := strconv.Atoi(m[1])
	require.GreaterOrEqual(t, line, 1, "%v", err)
	require.LessOrEqual(t, line, strings.Count(input, "\n")+2, "%v", err)
}

// FuzzEDN: the reader never panics, every error names a line of the input,
// and what it reads prints canonically: reading the print gives the same
// print.
func FuzzEDN(f *testing.F) {
	for _, s := range []string{
		`{:type :invoke, :f :cas, :value [1 2], :process 0, :time 1, :index 0}`,
		`#jepsen.history.Op{:index 0, :type :ok, :f :read, :value nil, :process :nemesis}`,
		`[{:a #{1 2}} (3N 1.5 1/2) "s\"\n" \a \newline #_ 4 ; c` + "\n" + `##Inf]`,
		`{:error #object[java.net.SocketTimeoutException 0x1b2c3d4e "Read timed out"]}`,
		"[1\n 2)", `"\u00e9"`, "#_", "::a", "\xff", "#{", `\u12`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vs, err := readAll(s)
		if err != nil {
			requireLineError(t, err, s)
			return
		}
		var b strings.Builder
		for _, v := range vs {
			b.WriteString(v.String() + "\n")
		}
		again, err := readAll(b.String())
		require.NoError(t, err, "reading back %q", b.String())
		require.Len(t, again, len(vs))
		for i := range vs {
			require.Equal(t, vs[i].String(), again[i].String())
		}
	})
}
