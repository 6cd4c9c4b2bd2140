package jepsen

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFormat(t *testing.T) {
	for _, f := range Formats {
		got, err := ParseFormat(string(f))
		require.NoError(t, err)
		assert.Equal(t, f, got)
	}
	_, err := ParseFormat("json")
	assert.EqualError(t, err, `unknown history format "json" (want porcupine or edn)`)
	_, err = Decode(strings.NewReader(""), "json")
	assert.Error(t, err)
	for _, m := range Models {
		got, err := ParseModel(string(m))
		require.NoError(t, err)
		assert.Equal(t, m, got)
	}
	_, err = ParseModel("register")
	assert.EqualError(t, err, `unknown model "register" (want cas-register, multi-register, mutex or kv)`)
}

func TestDecodeLog(t *testing.T) {
	log := "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n" +
		"INFO  jepsen.util - 1\t:invoke\t:cas\t[3 0]\n" +
		"\n" +
		"INFO  jepsen.util - 0\t:ok\t:read\t3\n" +
		"INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n" +
		"INFO  jepsen.util - 1\t:info\t:cas\t:timed-out\n" +
		"INFO  jepsen.util - 2   :invoke :write  4\r\n" +
		"INFO  jepsen.util - 2   :ok     :write  4\n" +
		"INFO  jepsen.util - 3\t:invoke\t:read\tnil\n" +
		"INFO  jepsen.util - 3\t:fail\t:read\t:timed-out\n" +
		"INFO  jepsen.util - 0\t:invoke\t:write\t1\n"
	h, err := DecodeLog(strings.NewReader(log))
	require.NoError(t, err)
	assert.Equal(t, Porcupine, h.Format)
	assert.Equal(t, []Op{
		{Process: "0", F: Read, Type: OK, Value: "3", From: Nil, To: Nil, Call: 0, Return: 2, Line: 1, EndLine: 4},
		{Process: "1", F: CAS, Type: Info, Value: Nil, From: "3", To: "0", Call: 1, Return: 4, Line: 2, EndLine: 6},
		{Process: "2", F: Write, Type: OK, Value: "4", From: Nil, To: Nil, Call: 5, Return: 6, Line: 7, EndLine: 8},
		{Process: "3", F: Read, Type: Fail, Value: Nil, From: Nil, To: Nil, Call: 7, Return: 8, Line: 9, EndLine: 10},
		{Process: "0", F: Write, Type: Info, Value: "1", From: Nil, To: Nil, Call: 9, Return: -1, Line: 11},
	}, h.Ops)
	assert.Equal(t, []Fault{{At: 3, Line: 5, Type: Info, F: "start", Value: "nil"}}, h.Faults)
	assert.Equal(t, []string{""}, h.Keys())
}

func TestDecodeEDNForms(t *testing.T) {
	// The same two operations as a vector, a list, one map per line, and
	// tagged records.
	ops := []string{
		"{:type :invoke, :f :write, :value 1, :process 0}",
		"{:type :ok, :f :write, :value 1, :process 0}",
		"{:type :invoke, :f :read, :value nil, :process 1}",
		"{:type :ok, :f :read, :value 1, :process 1}",
	}
	tagged := make([]string, len(ops))
	for i, op := range ops {
		tagged[i] = "#jepsen.history.Op" + op
	}
	for name, edn := range map[string]string{
		"vector":  "[" + strings.Join(ops, "\n ") + "]",
		"list":    "(" + strings.Join(ops, "\n ") + ")\n; done\n",
		"lines":   strings.Join(ops, "\n") + "\n",
		"records": "[" + strings.Join(tagged, "\n ") + "]",
	} {
		t.Run(name, func(t *testing.T) {
			h, err := DecodeEDN(strings.NewReader(edn))
			require.NoError(t, err)
			require.Len(t, h.Ops, 2)
			assert.Equal(t, Op{Process: "0", F: Write, Type: OK, Value: "1", From: Nil, To: Nil, Call: 0, Return: 1, Line: 1, EndLine: 2}, h.Ops[0])
			assert.Equal(t, Op{Process: "1", F: Read, Type: OK, Value: "1", From: Nil, To: Nil, Call: 2, Return: 3, Line: 3, EndLine: 4}, h.Ops[1])
		})
	}
}

func TestDecodeEDNKeys(t *testing.T) {
	h, err := DecodeEDN(strings.NewReader(`
{:type :invoke, :f :write, :key "x", :value 1, :process 0}
{:type :ok, :f :write, :key "x", :value 1, :process 0}
{:type :invoke, :f :write, :key :y, :value "1", :process 0}
{:type :ok, :f :write, :value "1", :process 0}`))
	require.NoError(t, err)
	assert.Equal(t, []string{`"x"`, ":y"}, h.Keys())
	assert.Equal(t, Value("1"), h.Ops[0].Value)
	assert.Equal(t, Value(`"1"`), h.Ops[1].Value, "a string is not a number")
}

func TestMalformedHistoriesNameTheLineAndField(t *testing.T) {
	const w0 = "{:type :invoke, :f :write, :value 1, :process 0}\n"
	for name, c := range map[string]struct{ in, want string }{
		"not a map":         {w0 + "[1 2]", "line 2: want an operation map, got a vector"},
		"no process":        {"{:type :invoke, :f :read}", `line 1: field ":process": missing`},
		"no type":           {"{:f :read, :process 0}", `line 1: field ":type": missing`},
		"no f":              {"{:type :invoke, :process 0}", `line 1: field ":f": missing`},
		"type not keyword":  {"{:type \"ok\", :f :read, :process 0}", `line 1: field ":type": want a keyword, got "ok"`},
		"unknown type":      {"{:type :okay, :f :read, :process 0}", `line 1: field ":type": unknown type :okay (want :invoke, :ok, :fail or :info)`},
		"unknown f":         {"{:type :invoke, :f :incr, :process 0}", `line 1: field ":f": unsupported operation :incr (want ` + supported + `)`},
		"two models":        {w0 + "{:type :invoke, :f :acquire, :process 1}", `line 2: field ":f": :acquire is an operation of a mutex, but line 1 began a cas-register history`},
		"txn value":         {"{:type :invoke, :f :txn, :value [[:cas :x 1]], :process 0}", `line 1: field ":value": a :txn's micro-operation is [:read k v] or [:write k v], got [:cas :x 1]`},
		"txn no value":      {"{:type :invoke, :f :txn, :process 0}", `line 1: field ":value": a :txn needs a vector of [:read k v] and [:write k v], got nothing`},
		"other txn":         {"{:type :invoke, :f :txn, :value [[:write :x 1]], :process 0}\n{:type :ok, :f :txn, :value [[:write :y 1]], :process 0}", `line 2: field ":value": ok txn [[:write :y 1]], but line 1 invoked txn [[:write :x 1]]`},
		"kv value":          {"{:type :invoke, :f :put, :key 1, :value 3, :process 0}", `line 1: field ":value": a :put needs a string, got 3`},
		"process":           {"{:type :invoke, :f :read, :process [0]}", `line 1: field ":process": want a process number, got [0]`},
		"twice":             {"{:type :invoke, :type :ok, :f :read, :process 0}", `line 1: field ":type": appears twice`},
		"invokes twice":     {w0 + "\n" + w0, `line 3: field ":process": process 0 invokes :write while its :write from line 1 has not completed`},
		"never invoked":     {"{:type :ok, :f :read, :process 4}", `line 1: field ":process": process 4 completes :read, which it never invoked`},
		"other f":           {w0 + "{:type :ok, :f :read, :process 0}", `line 2: field ":f": :read completes the :write that process 0 invoked at line 1`},
		"other value":       {w0 + "{:type :ok, :f :write, :value 2, :process 0}", `line 2: field ":value": ok write of 2, but line 1 invoked a write of 1`},
		"cas value":         {"{:type :invoke, :f :cas, :value [1], :process 0}", `line 1: field ":value": a cas needs [from to], got [1]`},
		"cas no value":      {"{:type :invoke, :f :cas, :process 0}", `line 1: field ":value": a cas needs [from to], got nothing`},
		"other cas":         {"{:type :invoke, :f :cas, :value [1 2], :process 0}\n{:type :ok, :f :cas, :value [1 3], :process 0}", `line 2: field ":value": ok cas [1 3], but line 1 invoked cas [1 2]`},
		"other key":         {"{:type :invoke, :f :read, :key 1, :process 0}\n{:type :ok, :f :read, :key 2, :process 0}", `line 2: field ":key": key 2 completes the operation on key 1 invoked at line 1`},
		"tuple":             {"{:type :invoke, :f :read, :value [1 nil], :process 0}\n{:type :invoke, :f :write, :value 3, :process 1}", `line 2: field ":value": want a [key value] tuple (reads are invoked with [k nil] in this history), got 3`},
		"tuple and key":     {"{:type :invoke, :f :read, :value [1 nil], :key 1, :process 0}", `line 1: field ":value": a read invoked with a [key nil] tuple needs no :key`},
		"after the history": {"[" + w0 + "]\n\n{:a 1}", "line 4: a map after the end of the history"},
		"unclosed":          {"\n[" + w0, "line 2: the history's '[' is never closed"},
		"syntax":            {w0 + "{:type :ok :f :write :value [1 :process 0}", "line 2: '}' closes a vector opened on line 2, which expects ']'"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeEDN(strings.NewReader(c.in))
			requireLineError(t, err, c.in)
			assert.Equal(t, c.want, err.Error())
		})
	}
}

func TestMalformedLogsNameTheLine(t *testing.T) {
	const r0 = "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n"
	for name, c := range map[string]struct{ in, want string }{
		"other logger":  {r0 + "INFO  jepsen.core - Run complete\n", `line 2: not a Jepsen operation log line (want "INFO  jepsen.util - PROCESS<TAB>:TYPE<TAB>:F<TAB>VALUE")`},
		"few fields":    {r0 + "INFO  jepsen.util - 0\t:ok\n", "line 2: want PROCESS, :TYPE, :F and VALUE, got 2 fields"},
		"type":          {"INFO  jepsen.util - 0\tinvoke\t:read\tnil\n", `line 1: field ":type": want a keyword, got invoke`},
		"f":             {"INFO  jepsen.util - 0\t:invoke\tread\tnil\n", `line 1: field ":f": want a keyword, got read`},
		"cas":           {"INFO  jepsen.util - 0\t:invoke\t:cas\t[3\n", "line 1: a vector opened here is never closed (expected ']')"},
		"never invoked": {"\n\nINFO  jepsen.util - 7\t:ok\t:write\t1\n", `line 3: field ":process": process 7 completes :write, which it never invoked`},
		"long line":     {r0 + "INFO  jepsen.util - 0\t:ok\t:read\t\"" + strings.Repeat("x", maxLine) + "\"\n", "line 2: line longer than 16 MiB"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeLog(strings.NewReader(c.in))
			requireLineError(t, err, c.in)
			assert.Equal(t, c.want, err.Error())
		})
	}
}

// requireSane checks what a reader returned: every operation in order,
// paired with a later completion or none, lines from 1.
func requireSane(t *testing.T, h *History) {
	t.Helper()
	for i, op := range h.Ops {
		require.GreaterOrEqual(t, op.Line, 1)
		require.True(t, op.Return == -1 || op.Return > op.Call, "op %d: call %d return %d", i, op.Call, op.Return)
		require.True(t, op.EndLine == 0 || op.EndLine >= op.Line)
		require.Equal(t, op.Return == -1, op.EndLine == 0)
		if i > 0 {
			require.Greater(t, op.Call, h.Ops[i-1].Call)
		}
	}
	// Judging what was read never fails and is never Valid without a
	// client operation.
	r, err := Check(h, Options{Timeout: time.Second})
	require.NoError(t, err)
	if r.Verdict == Valid {
		require.Positive(t, r.Ops)
	}
}

// FuzzDecodeEDN: the EDN history reader never panics, and every error
// names a line of the input.
func FuzzDecodeEDN(f *testing.F) {
	for _, name := range []string{"register-linearizable.edn", "register-stale-read.edn", "register-cas.edn",
		"register-info.edn", "register-malformed.edn", "register-independent.edn"} {
		f.Add(fixture(f, name))
	}
	f.Add("{:type :invoke, :f :read, :value [1 nil], :process 0}\n{:type :ok, :f :read, :value [1 2], :process 0}")
	f.Add("[{:type :invoke, :f :cas, :key 1, :value [nil 1], :process 0}]")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := DecodeEDN(strings.NewReader(s))
		if err != nil {
			requireLineError(t, err, s)
			return
		}
		requireSane(t, h)
	})
}

// FuzzDecodeLog: the Jepsen log reader never panics, and every error names
// a line of the input.
func FuzzDecodeLog(f *testing.F) {
	f.Add("INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:ok\t:read\t3\n")
	f.Add("INFO  jepsen.util - 1\t:invoke\t:cas\t[3 0]\nINFO  jepsen.util - 1\t:info\t:cas\t:timed-out\n")
	f.Add("INFO  jepsen.util - 2   :invoke :write  4\nINFO  jepsen.util - 2   :ok     :write  4\n")
	f.Add("INFO  jepsen.util - 3\t:invoke\t:read\tnil\nINFO  jepsen.util - 3\t:fail\t:read\t:timed-out\n")
	f.Add("INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n")
	f.Add("INFO  jepsen.core - Run complete\n")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := DecodeLog(strings.NewReader(s))
		if err != nil {
			requireLineError(t, err, s)
			return
		}
		requireSane(t, h)
	})
}
