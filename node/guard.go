package node

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/clockwise-kv/clockwise/protocol"
)

// Defaults of the server's limits (Config.MaxConns, ReadTimeout,
// IdleTimeout).
const (
	DefaultMaxConns    = 4096
	DefaultReadTimeout = 30 * time.Second
	DefaultIdleTimeout = 60 * time.Second
)

// Request body limits: a client's write, an admin call (and any request
// that takes no body), and a batch of peer messages (about maxBatchBytes,
// but a single object larger than that goes alone).
const (
	maxRequest  = 1 << 20
	maxAdmin    = 64 << 10
	maxMessages = 256 << 20
)

// guarded requires the node's token on h when it has one: a request
// without "Authorization: Bearer <token>", or with another token, gets
// 401. The tokens are compared by their SHA-256 digests in constant time,
// so neither the token nor its length shows in how long a refusal takes.
func (s *Server) guarded(h http.Handler) http.Handler {
	if s.cfg.Token == "" {
		return h
	}
	want := sha256.Sum256([]byte(s.cfg.Token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(got))
		if subtle.ConstantTimeCompare(sum[:], want[:]) != 1 || !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="clockwise"`)
			why := "no token"
			if ok {
				why = "a wrong token"
			}
			fail(w, http.StatusUnauthorized, "%s %s: %s: /admin and /internal need \"Authorization: Bearer <token>\" with the token node %s was started with (--token or %s)",
				r.Method, r.URL.Path, why, s.cfg.ID, protocol.TokenEnv)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// limited answers 413 to a request whose body is larger than limit, and
// reads the body of a GET (which takes none) to find out; a handler that
// reads the body reads at most limit bytes of it.
func limited(limit int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			fail(w, http.StatusRequestEntityTooLarge, "%s %s: a body of %d bytes is larger than the %d bytes this endpoint takes", r.Method, r.URL.Path, r.ContentLength, limit)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			if _, err := io.Copy(io.Discard, r.Body); err != nil {
				bodyFailed(w, r, err)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// bodyFailed answers a body that could not be read: 413 when it was too
// large, 408 when it came too slowly, 400 otherwise.
func bodyFailed(w http.ResponseWriter, r *http.Request, err error) {
	var tooBig *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &tooBig):
		fail(w, http.StatusRequestEntityTooLarge, "%s %s: body larger than the %d bytes this endpoint takes", r.Method, r.URL.Path, tooBig.Limit)
	case errors.As(err, &ne) && ne.Timeout():
		fail(w, http.StatusRequestTimeout, "%s %s: the body did not arrive in time: %v", r.Method, r.URL.Path, err)
	default:
		fail(w, http.StatusBadRequest, "%s %s: reading the body: %v", r.Method, r.URL.Path, err)
	}
}

// lookup resolves a host name; tests replace it.
var lookup = net.DefaultResolver.LookupIPAddr

// Exposed reports why addr, a listen address as --listen takes it
// (host:port), is reachable from beyond this machine, or "" when only
// loopback reaches it: an empty host, 0.0.0.0 and :: listen on every
// interface; an IP outside 127.0.0.0/8 and ::1 is another machine's way
// in; a host name is exposed when any of its addresses is.
func Exposed(ctx context.Context, addr string) (string, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("node: listen address %q: %w", addr, err)
	}
	if host == "" {
		return "an empty host listens on every interface", nil
	}
	if ip := net.ParseIP(strings.Trim(host, "[]")); ip != nil {
		return exposedIP(ip), nil
	}
	ips, err := lookup(ctx, host)
	if err != nil {
		return "", fmt.Errorf("node: listen address %q: %w", addr, err)
	}
	for _, ip := range ips {
		if why := exposedIP(ip.IP); why != "" {
			return fmt.Sprintf("%s resolves to %s: %s", host, ip.IP, why), nil
		}
	}
	return "", nil
}

func exposedIP(ip net.IP) string {
	switch {
	case ip.IsUnspecified():
		return ip.String() + " listens on every interface"
	case !ip.IsLoopback():
		return ip.String() + " is not a loopback address"
	}
	return ""
}

// conns tracks the server's connections (http.Server.ConnState). At the
// connection limit (netutil.LimitListener holds the next Accept until a
// connection closes) it closes the connection idle the longest, one that
// has not sent a request yet or waits between requests, whenever one
// arrives or goes idle, so that idle connections cannot keep a new client
// out; a server whose every connection is busy makes the next one wait
// until one is done. At shutdown it closes the
// connections that never sent a request, which http.Server.Shutdown would
// wait for as if busy.
type conns struct {
	mu     sync.Mutex
	limit  int // 0: none
	all    map[net.Conn]*conn
	closed bool
	now    func() time.Time
}

type conn struct {
	st    http.ConnState
	since time.Time // when it became new or idle
}

func (cs *conns) track(c net.Conn, st http.ConnState) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.all == nil {
		cs.all = map[net.Conn]*conn{}
	}
	switch st {
	case http.StateNew:
		if cs.closed {
			c.Close()
			return
		}
		cs.all[c] = &conn{st: st, since: cs.now()}
		cs.full(c)
	case http.StateIdle, http.StateActive:
		if e, ok := cs.all[c]; ok {
			e.st, e.since = st, cs.now()
		}
		if st == http.StateIdle {
			cs.full(nil)
		}
	default: // closed, hijacked
		delete(cs.all, c)
	}
}

// full makes room at the limit: it closes the connection idle the
// longest, but keep, so that the listener always has a slot for the next
// connection. Busy connections are never closed: when every connection
// is busy, the next one that goes idle makes room. Locked.
func (cs *conns) full(keep net.Conn) {
	if cs.limit <= 0 || len(cs.all) < cs.limit {
		return
	}
	var oldest net.Conn
	var at time.Time
	for c, e := range cs.all {
		if c != keep && e.st != http.StateActive && (oldest == nil || e.since.Before(at)) {
			oldest, at = c, e.since
		}
	}
	if oldest != nil {
		delete(cs.all, oldest)
		oldest.Close()
	}
}

// closeFresh closes the connections that never sent a request, and any
// that arrive later.
func (cs *conns) closeFresh() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.closed = true
	for c, e := range cs.all {
		if e.st == http.StateNew {
			delete(cs.all, c)
			c.Close()
		}
	}
}
