package node

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/protocol"
	"github.com/clockwise-kv/clockwise/store"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	// The client API is open (clients are the system under test); the
	// admin API and the peers' endpoint need the token, when there is one.
	mux.Handle("/kv/{key...}", limited(maxRequest, methods{http.MethodGet: s.get, http.MethodPut: s.put, http.MethodDelete: s.delete}))
	admin := func(path string, m methods) { mux.Handle(path, s.guarded(limited(maxAdmin, m))) }
	admin("/admin/info", methods{http.MethodGet: func(w http.ResponseWriter, _ *http.Request) { reply(w, http.StatusOK, s.info) }})
	admin("/admin/clock", methods{http.MethodGet: s.getClock, http.MethodPut: s.putClock})
	admin("/admin/blocked", methods{http.MethodGet: s.getBlocked, http.MethodPut: s.putBlocked})
	admin("/admin/state", methods{http.MethodGet: s.getState})
	mux.Handle(messagesPath, s.guarded(limited(maxMessages, methods{http.MethodPost: s.messages})))
	mux.Handle("/", limited(maxAdmin, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail(w, http.StatusNotFound, "no endpoint %s (the node protocol serves /kv/{key} and /admin/...)", r.URL.Path)
	})))
	return mux
}

// methods routes a path by method and answers any other with 405.
type methods map[string]http.HandlerFunc

func (m methods) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h, ok := m[r.Method]; ok {
		h(w, r)
		return
	}
	allowed := slices.Sorted(maps.Keys(m))
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	fail(w, http.StatusMethodNotAllowed, "%s %s: method not allowed (allowed: %s)", r.Method, r.URL.Path, strings.Join(allowed, ", "))
}

// reply answers v as JSON, its <, > and & as they are (the answers are
// not HTML).
func reply(w http.ResponseWriter, code int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		code = http.StatusInternalServerError
		b.Reset()
		b.WriteString(`{"error":"encoding the answer failed"}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b.Bytes())
}

func fail(w http.ResponseWriter, code int, format string, args ...any) {
	reply(w, code, protocol.Error{Error: fmt.Sprintf(format, args...)})
}

// decode reads r's JSON body into v, at most limit bytes, and answers a
// body that is missing, malformed or too large with a 4xx.
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	switch {
	case err != nil:
		bodyFailed(w, r, err)
		return false
	case len(strings.TrimSpace(string(body))) == 0:
		fail(w, http.StatusBadRequest, "%s %s needs a JSON body", r.Method, r.URL.Path)
		return false
	}
	if err := json.Unmarshal(body, v); err != nil {
		fail(w, http.StatusBadRequest, "malformed JSON body: %v", err)
		return false
	}
	return true
}

// key returns the request's key, or answers 400 when it has none or one
// the protocol does not take (protocol.CheckKey).
func key(w http.ResponseWriter, r *http.Request) (string, bool) {
	k := r.PathValue("key")
	if err := protocol.CheckKey(k); err != nil {
		fail(w, http.StatusBadRequest, "%s /kv/{key}: %v", r.Method, err)
		return "", false
	}
	return k, true
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	k, ok := key(w, r)
	if !ok {
		return
	}
	m, ok := s.serve(w, r, store.Message{Kind: store.Get, Key: k})
	if !ok {
		return
	}
	vs := m.Versions
	if vs == nil {
		vs = []store.Version{}
	}
	reply(w, http.StatusOK, protocol.Read{Versions: vs, Context: encodeContext(m.Context)})
}

func (s *Server) put(w http.ResponseWriter, r *http.Request) {
	k, ok := key(w, r)
	if !ok {
		return
	}
	var p protocol.Put
	if !decode(w, r, maxRequest, &p) {
		return
	}
	s.write(w, r, k, store.Version{Write: p.Write, Value: p.Value}, p.Context)
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	k, ok := key(w, r)
	if !ok {
		return
	}
	var d protocol.Delete
	if !decode(w, r, maxRequest, &d) {
		return
	}
	s.write(w, r, k, store.Version{Write: d.Write, Deleted: true}, d.Context)
}

func (s *Server) write(w http.ResponseWriter, r *http.Request, k string, v store.Version, context string) {
	if v.Write == "" {
		fail(w, http.StatusBadRequest, `%s /kv/%s: "write", the write's unique id, is missing`, r.Method, k)
		return
	}
	ctx, err := decodeContext(context)
	if err != nil {
		fail(w, http.StatusBadRequest, "%s /kv/%s: %v", r.Method, k, err)
		return
	}
	m, ok := s.serve(w, r, store.Message{Kind: store.Put, Key: k, Version: v, Context: ctx})
	if ok {
		meta := m.Meta.Wire()
		reply(w, http.StatusOK, protocol.Written{Meta: &meta})
	}
}

// serve steps a client request and answers every way it can fail: 400 when
// the store rejected it, 504 when it did not finish in time, 503 when the
// node is stopping (both: outcome unknown).
func (s *Server) serve(w http.ResponseWriter, r *http.Request, m store.Message) (store.Message, bool) {
	ans, err := s.call(r.Context(), m)
	switch {
	case errors.Is(err, errTimeout):
		fail(w, http.StatusGatewayTimeout, "%s /kv/%s: %v; the outcome is unknown", r.Method, m.Key, err)
	case errors.Is(err, errStopped):
		fail(w, http.StatusServiceUnavailable, "%s /kv/%s: %v; the outcome is unknown", r.Method, m.Key, err)
	case err != nil:
		fail(w, http.StatusServiceUnavailable, "%s /kv/%s: %v", r.Method, m.Key, err) // the client has gone
	case ans.Err != "" && ans.Conflict:
		fail(w, http.StatusConflict, "%s /kv/%s: %s", r.Method, m.Key, ans.Err)
	case ans.Err != "":
		fail(w, http.StatusBadRequest, "%s /kv/%s: %s", r.Method, m.Key, ans.Err)
	default:
		return ans, true
	}
	return ans, false
}

// encodeContext makes a store.Context opaque: base64url of its JSON; the
// empty context is "".
func encodeContext(c store.Context) string {
	if len(c.Clock) == 0 && c.TS == 0 && len(c.Bumped) == 0 {
		return ""
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "" // a Context is plain data: it always encodes
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeContext(s string) (store.Context, error) {
	var c store.Context
	if s == "" {
		return c, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil {
		return c, errors.New(`"context" is not a context this node issued: pass back what GET returned, or "" for a blind write`)
	}
	for _, e := range append(slices.Clone(c.Clock), c.Bumped...) {
		if e.Counter >= math.MaxInt64 {
			return c, fmt.Errorf(`"context": counter %d of %q is at the limit (%d): the next write would overflow it`, e.Counter, e.Node, uint64(math.MaxInt64-1))
		}
	}
	if c.TS >= math.MaxInt64 || c.TS <= math.MinInt64+1 {
		return c, fmt.Errorf(`"context": ts %d is at the limit of a timestamp: the next write would overflow it`, c.TS)
	}
	return c, nil
}

func (s *Server) getClock(w http.ResponseWriter, r *http.Request) {
	var st protocol.ClockState
	if s.admin(w, r, func() { st = s.clockState() }) {
		reply(w, http.StatusOK, st)
	}
}

func (s *Server) putClock(w http.ResponseWriter, r *http.Request) {
	var c protocol.Clock
	if !decode(w, r, maxAdmin, &c) {
		return
	}
	if err := c.Check(); err != nil {
		fail(w, http.StatusBadRequest, "%s %s: %v", r.Method, r.URL.Path, err)
		return
	}
	var st protocol.ClockState
	if s.admin(w, r, func() {
		s.clock = clock.Clock{Offset: c.OffsetNS, Drift: c.Drift, Strobe: c.StrobeNS, Period: c.PeriodNS, Since: int64(time.Since(s.start))}
		st = s.clockState()
	}) {
		reply(w, http.StatusOK, st)
	}
}

func (s *Server) getBlocked(w http.ResponseWriter, _ *http.Request) {
	reply(w, http.StatusOK, protocol.Blocked{Peers: s.blockedPeers()})
}

func (s *Server) putBlocked(w http.ResponseWriter, r *http.Request) {
	var b protocol.Blocked
	if !decode(w, r, maxAdmin, &b) {
		return
	}
	set := map[string]bool{}
	for _, p := range b.Peers {
		if _, ok := s.peers[p]; !ok {
			fail(w, http.StatusBadRequest, "%q is not a peer of %s (peers: %s)", p, s.cfg.ID, strings.Join(s.info.Peers, ", "))
			return
		}
		set[p] = true
	}
	s.blockMu.Lock()
	s.blocked = set
	s.blockMu.Unlock()
	reply(w, http.StatusOK, protocol.Blocked{Peers: s.blockedPeers()})
}

func (s *Server) blockedPeers() []string {
	s.blockMu.RLock()
	defer s.blockMu.RUnlock()
	out := slices.Sorted(maps.Keys(s.blocked))
	if out == nil {
		out = []string{}
	}
	return out
}

func (s *Server) getState(w http.ResponseWriter, r *http.Request) {
	var st protocol.State
	prefix := r.URL.Query().Get("prefix")
	if s.admin(w, r, func() { st = s.state(prefix) }) {
		reply(w, http.StatusOK, st)
	}
}

// admin runs fn on the loop; it answers 503 and reports false when the
// node is stopping.
func (s *Server) admin(w http.ResponseWriter, r *http.Request, fn func()) bool {
	if err := s.exec(r.Context(), fn); err != nil {
		fail(w, http.StatusServiceUnavailable, "%s %s: %v", r.Method, r.URL.Path, err)
		return false
	}
	return true
}

// messages takes a batch of peer messages and hands it to the loop
// without waiting for it to run.
func (s *Server) messages(w http.ResponseWriter, r *http.Request) {
	var ms []store.Message
	if !decode(w, r, maxMessages, &ms) {
		return
	}
	for _, m := range ms {
		switch _, known := s.peers[m.From]; {
		case !known:
			fail(w, http.StatusForbidden, "%q is not a peer of %s", m.From, s.cfg.ID)
			return
		case s.isBlocked(m.From):
			fail(w, http.StatusForbidden, "%s is blocked", m.From)
			return
		case m.To != s.cfg.ID:
			fail(w, http.StatusBadRequest, "a message for %s reached %s", m.To, s.cfg.ID)
			return
		}
	}
	if err := s.enqueue(r.Context(), func() { s.receive(ms) }); err != nil {
		code := http.StatusServiceUnavailable
		if errors.Is(err, context.Canceled) {
			code = http.StatusRequestTimeout
		}
		fail(w, code, "%v", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
