package tests

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/node/nodetest"
)

// clockwise runs the binary and returns its exit code and output.
func clockwise(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String(), errb.String()
	}
	require.NoError(t, err)
	return 0, out.String(), errb.String()
}

// A malformed request to a node process gets a 4xx with a JSON error; the
// node keeps serving and stops cleanly on SIGTERM.
func TestNodeProcessAnswersMalformedRequestsWith4xxJSON(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(binary, "node", "--id", "n1", "--listen", addr, "--strategy", "vv")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	base := "http://" + addr
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/admin/info")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	}, 10*time.Second, 20*time.Millisecond)

	for _, bad := range []struct{ method, path, body string }{
		{"PUT", "/kv/k", `{"write": "w1", "value": `},
		{"PUT", "/kv/k", `{"value": "v"}`},
		{"PUT", "/kv/k", "\x00\x01binary"},
		{"DELETE", "/kv/k", ``},
		{"PUT", "/kv/k", `{"write":"w1","value":"v","context":"%%%"}`},
		{"GET", "/kv/", ``},
		{"POST", "/kv/k", `{}`},
		{"GET", "/admin/nothing", ``},
		{"PUT", "/admin/clock", `{"offset_ns": 1e400}`},
		{"POST", "/internal/v1/messages", `[{"kind":"sync","from":"n9","to":"n1"}]`},
	} {
		req, err := http.NewRequest(bad.method, base+bad.path, strings.NewReader(bad.body))
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.True(t, resp.StatusCode >= 400 && resp.StatusCode < 500, "%s %s: %d %s", bad.method, bad.path, resp.StatusCode, b)
		var e struct{ Error string }
		assert.NoError(t, json.Unmarshal(b, &e), "%s %s: %s", bad.method, bad.path, b)
		assert.NotEmpty(t, e.Error, "%s %s", bad.method, bad.path)
	}
	resp, err := http.Get(base + "/kv/k")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the node still serves")

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait(), "stops cleanly: %s", out.String())
}

func TestNodeCheckPassesAgainstClockwiseNodes(t *testing.T) {
	cfg := config("dvv", 0)
	l := local(t, cfg)
	var urls []string
	for _, n := range l.Nodes() {
		urls = append(urls, l.Client(n).URL())
	}
	code, out, errOut := clockwise(t, append([]string{"node-check"}, urls...)...)
	assert.Equal(t, 0, code, "%s%s", out, errOut)
	assert.Contains(t, out, "conformant: ")
	assert.NotContains(t, out, "FAIL")
}

// A store lacking DELETE, and answering 404 for it, is not conformant: the
// check exits 1 and names the endpoint.
func TestNodeCheckFailsAgainstAServerLackingAnEndpoint(t *testing.T) {
	code, out, _ := clockwise(t, "node-check", nodetest.Lacking(t, "lww", http.MethodDelete, ""))
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "MISSING  DELETE with the context")
	assert.Contains(t, out, "not conformant: ")
}

func TestNodeCommandsRejectBadUsageWithExit2(t *testing.T) {
	for _, args := range [][]string{
		{"node-check"},
		{"node-check", "ftp://somewhere"},
		{"node-check", "--timeout", "0s", "http://127.0.0.1:1"},
		{"node"},
		{"node", "--id", "n1", "--peers", "n2"},
		{"node", "--id", "n1", "--strategy", "nope"},
		{"node", "--id", "n1", "--peers", "n2=127.0.0.1:1", "--w", "3"},
		{"node", "--id", "n1", "--tick", "0s"},
	} {
		code, _, errOut := clockwise(t, args...)
		assert.Equal(t, 2, code, "%v: %s", args, errOut)
		assert.Contains(t, errOut, "usage: ", "%v", args)
	}
}
