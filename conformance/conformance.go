// Package conformance checks that running nodes speak the node protocol
// (package protocol, docs/PROTOCOL.md): every client endpoint, a write read
// back with its id, value and deleted flag, contexts that round-trip,
// siblings or overwrites as the node says it keeps them, tombstones, bad
// requests answered with a 4xx and a JSON error, the admin endpoints the
// nemesis needs, and, given several nodes, a write through one reaching the
// others. It writes only keys of its own, named clockwise-conformance-….
//
// A node that lacks the admin API can still be tested (Options.ClientOnly);
// its faults would be skipped. The report says, for each missing admin
// endpoint, which faults it costs.
package conformance

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/protocol"
)

// Status is a check's outcome.
type Status string

const (
	Pass    Status = "ok"
	Fail    Status = "FAIL"    // the endpoint answered wrongly
	Missing Status = "MISSING" // the endpoint is absent (404, 405 or 501)
	Skipped Status = "skipped" // not checked (ClientOnly, or it depends on a check that failed)
)

// Check is one check against one node.
type Check struct {
	Node   string `json:"node"` // the node's URL
	Name   string `json:"name"` // what was checked
	Status Status `json:"status"`
	Detail string `json:"detail,omitempty"` // what went wrong, or what was found
}

// Node is what a node said of itself.
type Node struct {
	URL  string         `json:"url"`
	Info *protocol.Info `json:"info,omitempty"` // nil: no GET /admin/info
}

// Report is every check's outcome.
type Report struct {
	Nodes  []Node  `json:"nodes"`
	Checks []Check `json:"checks"`
}

// Conformant reports whether no check failed and none found an endpoint
// missing.
func (r *Report) Conformant() bool {
	return !slices.ContainsFunc(r.Checks, func(c Check) bool { return c.Status == Fail || c.Status == Missing })
}

// Count returns how many checks had status s.
func (r *Report) Count(s Status) int {
	n := 0
	for _, c := range r.Checks {
		if c.Status == s {
			n++
		}
	}
	return n
}

// WriteText writes the report for people: each node, its checks, and the
// verdict.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, n := range r.Nodes {
		fmt.Fprintf(&b, "%s: %s\n", n.URL, describe(n.Info))
		for _, c := range r.Checks {
			if c.Node != n.URL {
				continue
			}
			fmt.Fprintf(&b, "  %-8s %s", c.Status, c.Name)
			if c.Detail != "" {
				fmt.Fprintf(&b, ": %s", c.Detail)
			}
			b.WriteByte('\n')
		}
	}
	for _, c := range r.Checks {
		if c.Node == "" {
			fmt.Fprintf(&b, "cluster: %-8s %s", c.Status, c.Name)
			if c.Detail != "" {
				fmt.Fprintf(&b, ": %s", c.Detail)
			}
			b.WriteByte('\n')
		}
	}
	if r.Conformant() {
		fmt.Fprintf(&b, "conformant: %d checks passed", r.Count(Pass))
		if s := r.Count(Skipped); s > 0 {
			fmt.Fprintf(&b, ", %d skipped", s)
		}
		b.WriteByte('\n')
	} else {
		fmt.Fprintf(&b, "not conformant: %d failed, %d missing, %d passed, %d skipped\n",
			r.Count(Fail), r.Count(Missing), r.Count(Pass), r.Count(Skipped))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func describe(i *protocol.Info) string {
	if i == nil {
		return "no GET /admin/info"
	}
	conflicts := "one write wins"
	if i.Siblings {
		conflicts = "keeps siblings"
	}
	admin := strings.Join(i.Admin, " ")
	if admin == "" {
		admin = "none"
	}
	return fmt.Sprintf("node %s, protocol %d, strategy %s (%s), admin: %s", i.Node, i.Protocol, orNone(i.Strategy), conflicts, admin)
}

func orNone(s string) string {
	if s == "" {
		return "unnamed"
	}
	return s
}

// Options tune a conformance run.
type Options struct {
	// ClientOnly checks the client API alone and skips the admin API.
	ClientOnly bool
	// Timeout bounds each request; 0: 5 s.
	Timeout time.Duration
	// Replication bounds how long a write through one node may take to
	// reach the others; 0: 10 s.
	Replication time.Duration
	// HTTP sends the requests; nil: a client of its own.
	HTTP *http.Client
	// Token, when set, goes with every request as "Authorization: Bearer
	// <token>": the shared secret of nodes that guard their admin API.
	Token string
}

// Run checks the nodes at urls. It returns an error only when a URL
// cannot be used at all; everything a node does wrong is in the report.
func Run(ctx context.Context, urls []string, opts Options) (*Report, error) {
	if len(urls) == 0 {
		return nil, fmt.Errorf("conformance: no node to check")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.Replication <= 0 {
		opts.Replication = 10 * time.Second
	}
	if opts.HTTP == nil {
		opts.HTTP = &http.Client{}
	}
	opts.HTTP = protocol.WithToken(opts.HTTP, opts.Token)
	run := &runner{opts: opts, rep: &Report{Checks: []Check{}}, tag: tag()}
	var targets []*target
	for _, u := range urls {
		c, err := protocol.NewClient(u, opts.HTTP)
		if err != nil {
			return nil, fmt.Errorf("conformance: %w", err)
		}
		targets = append(targets, &target{url: c.URL(), c: c})
	}
	for i, t := range targets {
		run.node(ctx, t, i)
		run.rep.Nodes = append(run.rep.Nodes, Node{URL: t.url, Info: t.info})
	}
	if len(targets) > 1 {
		run.cluster(ctx, targets)
	}
	return run.rep, nil
}

// tag makes this run's keys its own.
func tag() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type runner struct {
	opts Options
	rep  *Report
	tag  string
}

type target struct {
	url  string
	c    *protocol.Client
	info *protocol.Info
}

func (r *runner) add(t *target, name string, s Status, format string, args ...any) {
	url := ""
	if t != nil {
		url = t.url
	}
	r.rep.Checks = append(r.rep.Checks, Check{Node: url, Name: name, Status: s, Detail: fmt.Sprintf(format, args...)})
}

// result records err's check: a pass, a missing endpoint or a failure.
func (r *runner) result(t *target, name string, err error) bool {
	switch {
	case err == nil:
		r.add(t, name, Pass, "")
	case protocol.Missing(err):
		r.add(t, name, Missing, "%v", err)
	default:
		r.add(t, name, Fail, "%v", err)
	}
	return err == nil
}

func (r *runner) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.opts.Timeout)
}

// raw sends a request as is and returns the status and body.
func (r *runner) raw(ctx context.Context, t *target, method, path, body string) (int, []byte, error) {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, t.url+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.opts.HTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, err
}

func (r *runner) node(ctx context.Context, t *target, i int) {
	if !r.opts.ClientOnly {
		cctx, cancel := r.ctx(ctx)
		info, err := t.c.Info(cctx)
		cancel()
		switch {
		case err != nil && protocol.Missing(err):
			r.add(t, "GET /admin/info", Missing, "%v; without the admin API every fault but kill is skipped", err)
		case err != nil:
			r.add(t, "GET /admin/info", Fail, "%v", err)
		case info.Protocol != protocol.V1:
			t.info = &info
			r.add(t, "GET /admin/info", Fail, "protocol %d; this clockwise speaks protocol %d", info.Protocol, protocol.V1)
		case info.Node == "":
			t.info = &info
			r.add(t, "GET /admin/info", Fail, `"node", the node's id, is empty`)
		default:
			t.info = &info
			r.add(t, "GET /admin/info", Pass, "")
		}
	}
	r.client(ctx, t, fmt.Sprintf("clockwise-conformance-%s-%d", r.tag, i+1))
	r.badRequests(ctx, t, fmt.Sprintf("clockwise-conformance-%s-bad", r.tag))
	if r.opts.ClientOnly {
		r.add(t, "admin API", Skipped, "client API only")
		return
	}
	r.admin(ctx, t)
}

// step is one write (or none) and the read that checks it.
type step struct {
	name  string
	write func(ctx context.Context, context string) error // nil: read only
	check func(vs []histories.Version) error
}

func (r *runner) client(ctx context.Context, t *target, key string) {
	get := func() (protocol.Read, error) {
		cctx, cancel := r.ctx(ctx)
		defer cancel()
		return t.c.Get(cctx, key)
	}
	put := func(id, value string, blind bool) func(context.Context, string) error {
		return func(cctx context.Context, c string) error {
			if blind {
				c = ""
			}
			_, err := t.c.Put(cctx, key, protocol.Put{Write: id, Value: value, Context: c})
			return err
		}
	}
	w := func(n string) string { return fmt.Sprintf("%s-%s", r.tag, n) }
	a, b, c, d, e := w("a"), w("b"), w("c"), w("d"), w("e")
	siblings := "as the node reports"
	steps := []step{
		{"GET /kv/{key} of a key never written: no versions", nil, exactly()},
		{"PUT /kv/{key} (blind), then GET: the write's id, value and deleted=false", put(a, "va", true), exactly(histories.Version{Write: a, Value: "va"})},
		{"a second blind PUT, then GET: siblings or one winner " + siblings, put(b, "vb", true), r.concurrent(t, histories.Version{Write: a, Value: "va"}, histories.Version{Write: b, Value: "vb"})},
		{"PUT with the context of that GET, then GET: it replaced what it read", put(c, "vc", false), exactly(histories.Version{Write: c, Value: "vc"})},
		{"DELETE with the context, then GET: one tombstone, deleted=true", func(cctx context.Context, ctxt string) error {
			_, err := t.c.Delete(cctx, key, protocol.Delete{Write: d, Context: ctxt})
			return err
		}, exactly(histories.Version{Write: d, Deleted: true})},
		{"PUT with the tombstone's context, then GET: the key lives again", put(e, "ve", false), exactly(histories.Version{Write: e, Value: "ve"})},
	}
	var last protocol.Read
	for i, st := range steps {
		if st.write != nil {
			cctx, cancel := r.ctx(ctx)
			err := st.write(cctx, last.Context)
			cancel()
			if err != nil {
				r.result(t, st.name, err)
				r.skipRest(t, steps[i+1:])
				return
			}
		}
		rd, err := get()
		if err == nil {
			err = st.check(rd.Versions)
			if rd.Versions == nil && err == nil {
				err = fmt.Errorf(`"versions" is missing or null; want a list, [] when empty`)
			}
		}
		if !r.result(t, st.name, err) {
			r.skipRest(t, steps[i+1:])
			return
		}
		last = rd
	}
}

func (r *runner) skipRest(t *target, rest []step) {
	for _, st := range rest {
		r.add(t, st.name, Skipped, "an earlier step failed")
	}
}

// exactly checks that a read returned exactly want, in any order.
func exactly(want ...histories.Version) func([]histories.Version) error {
	return func(got []histories.Version) error {
		if len(got) == len(want) {
			ok := true
			for _, w := range want {
				ok = ok && slices.Contains(got, w)
			}
			if ok {
				return nil
			}
		}
		return fmt.Errorf("read %s, want %s", versions(got), versions(want))
	}
}

// concurrent checks two blind writes of a key: both as siblings when the
// node says it keeps siblings, one of them otherwise; a node that says
// nothing may do either.
func (r *runner) concurrent(t *target, a, b histories.Version) func([]histories.Version) error {
	return func(got []histories.Version) error {
		both := exactly(a, b)(got) == nil
		one := exactly(a)(got) == nil || exactly(b)(got) == nil
		switch {
		case t.info == nil && (both || one):
			return nil
		case t.info != nil && t.info.Siblings && !both:
			return fmt.Errorf("read %s; the node reports siblings, so want both %s and %s", versions(got), a.Write, b.Write)
		case t.info != nil && !t.info.Siblings && !one:
			return fmt.Errorf("read %s; the node reports one write wins, so want %s or %s alone", versions(got), a.Write, b.Write)
		case t.info == nil:
			return fmt.Errorf("read %s; want both %s and %s (siblings) or one of them", versions(got), a.Write, b.Write)
		}
		return nil
	}
}

func versions(vs []histories.Version) string {
	if len(vs) == 0 {
		return "no versions"
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprintf("{%s %q deleted=%t}", v.Write, v.Value, v.Deleted)
	}
	return strings.Join(parts, " ")
}

// badRequests sends requests the protocol forbids: each must get a 4xx with
// a JSON error, and none may change the key.
func (r *runner) badRequests(ctx context.Context, t *target, key string) {
	kv := "/kv/" + key
	for _, br := range []struct{ name, method, path, body string }{
		{"PUT with a malformed JSON body", http.MethodPut, kv, `{"write": "x", "value": `},
		{"PUT without a write id", http.MethodPut, kv, `{"value": "v"}`},
		{"PUT with a value that is not a string", http.MethodPut, kv, `{"write": "` + r.tag + `-bad", "value": 7}`},
		{"DELETE without a write id", http.MethodDelete, kv, `{}`},
		{"PATCH /kv/{key}, a method the protocol lacks", http.MethodPatch, kv, `{}`},
		{"GET of an unknown path", http.MethodGet, "/clockwise-conformance-no-such-endpoint", ""},
	} {
		r.result(t, "bad request: "+br.name+" → 4xx with a JSON error", r.wantClientError(ctx, t, br.method, br.path, br.body))
	}
	cctx, cancel := r.ctx(ctx)
	rd, err := t.c.Get(cctx, key)
	cancel()
	if err == nil && len(rd.Versions) > 0 {
		err = fmt.Errorf("the bad requests wrote %s", versions(rd.Versions))
	}
	r.result(t, "bad requests change nothing", err)
}

func (r *runner) wantClientError(ctx context.Context, t *target, method, path, body string) error {
	code, b, err := r.raw(ctx, t, method, path, body)
	if err != nil {
		return err
	}
	var e protocol.Error
	switch {
	case code < 400 || code > 499:
		return fmt.Errorf("%s %s answered %d %s; want 4xx", method, path, code, http.StatusText(code))
	case json.Unmarshal(b, &e) != nil || e.Error == "":
		return fmt.Errorf(`%s %s answered %d with %q; want a JSON body {"error": "..."}`, method, path, code, snippet(b))
	}
	return nil
}

func snippet(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}

// cost names the faults an admin feature serves, for reports of a
// missing one.
var cost = map[string]string{
	protocol.FeatureClock:   "skew and strobe faults would be skipped",
	protocol.FeatureStrobe:  "strobe faults would be skipped",
	protocol.FeatureBlocked: "partitions of remote nodes would be skipped",
	protocol.FeatureState:   "convergence could not be checked before the final reads",
}

// admin checks the admin endpoints and that Info.Admin lists what the node
// has.
func (r *runner) admin(ctx context.Context, t *target) {
	has := map[string]bool{}
	check := func(feature, name string, err error) {
		if err != nil && protocol.Missing(err) {
			r.add(t, name, Missing, "%v; %s", err, cost[feature])
			return
		}
		if r.result(t, name, err) {
			has[feature] = true
		}
	}
	check(protocol.FeatureClock, "PUT and GET /admin/clock: an offset of +1h is set and read back", r.clock(ctx, t))
	if has[protocol.FeatureClock] {
		r.result(t, "bad request: PUT /admin/clock with a malformed body → 4xx with a JSON error",
			r.wantClientError(ctx, t, http.MethodPut, "/admin/clock", `{"offset_ns": "soon"}`))
	}
	if t.info != nil && t.info.Has(protocol.FeatureStrobe) {
		check(protocol.FeatureStrobe, "PUT /admin/clock with a strobe", r.setClock(ctx, t, protocol.Clock{StrobeNS: int64(time.Millisecond), PeriodNS: int64(10 * time.Millisecond)}))
		if err := r.setClock(ctx, t, protocol.Clock{}); err != nil {
			r.add(t, "PUT /admin/clock back to true time", Fail, "%v", err)
		}
	}
	check(protocol.FeatureBlocked, "PUT and GET /admin/blocked: block a peer, read it back, unblock", r.blocked(ctx, t))
	check(protocol.FeatureState, "GET /admin/state: a digest per key and the pending writes", r.state(ctx, t))
	if t.info == nil {
		return
	}
	for _, f := range protocol.Features {
		switch {
		case f == protocol.FeatureStrobe:
		case has[f] && !t.info.Has(f):
			r.add(t, "GET /admin/info lists "+f, Fail, "the endpoint works, but admin does not list %q, so the harness will not use it", f)
		case !has[f] && t.info.Has(f):
			r.add(t, "GET /admin/info lists "+f, Fail, "admin lists %q, but its endpoint does not work", f)
		}
	}
}

func (r *runner) setClock(ctx context.Context, t *target, c protocol.Clock) error {
	cctx, cancel := r.ctx(ctx)
	defer cancel()
	return t.c.SetClock(cctx, c)
}

func (r *runner) clock(ctx context.Context, t *target) error {
	if err := r.setClock(ctx, t, protocol.Clock{OffsetNS: int64(time.Hour)}); err != nil {
		return err
	}
	cctx, cancel := r.ctx(ctx)
	st, err := t.c.Clock(cctx)
	cancel()
	if reset := r.setClock(ctx, t, protocol.Clock{}); err == nil {
		err = reset
	}
	if err != nil {
		return err
	}
	want := time.Now().Add(time.Hour).UnixNano()
	switch {
	case st.OffsetNS != int64(time.Hour):
		return fmt.Errorf("GET /admin/clock says offset_ns %d, want %d", st.OffsetNS, int64(time.Hour))
	case st.NowNS < want-int64(5*time.Second) || st.NowNS > want+int64(5*time.Second):
		return fmt.Errorf("GET /admin/clock reads %s, want about %s (wall clock + 1h)",
			time.Unix(0, st.NowNS).UTC().Format(time.RFC3339), time.Unix(0, want).UTC().Format(time.RFC3339))
	}
	return nil
}

func (r *runner) blocked(ctx context.Context, t *target) error {
	block := []string{}
	if t.info != nil && len(t.info.Peers) > 0 {
		block = t.info.Peers[:1]
	}
	do := func(peers []string) ([]string, error) {
		cctx, cancel := r.ctx(ctx)
		defer cancel()
		if err := t.c.Block(cctx, peers); err != nil {
			return nil, err
		}
		return t.c.Blocked(cctx)
	}
	got, err := do(block)
	if err != nil {
		return err
	}
	if !slices.Equal(got, block) {
		return fmt.Errorf("blocked %v, GET /admin/blocked says %v", block, got)
	}
	got, err = do([]string{})
	if err == nil && len(got) > 0 {
		err = fmt.Errorf("unblocked every peer, GET /admin/blocked says %v", got)
	}
	return err
}

func (r *runner) state(ctx context.Context, t *target) error {
	cctx, cancel := r.ctx(ctx)
	defer cancel()
	st, err := t.c.State(cctx)
	switch {
	case err != nil:
		return err
	case st.Keys == nil:
		return fmt.Errorf(`"keys" is missing or null; want an object, {} when empty`)
	case st.Pending < 0:
		return fmt.Errorf(`"pending" is %d`, st.Pending)
	}
	return nil
}

// cluster writes through the first node and waits until every other node
// returns the write, and, where they report state, agrees on its digest.
func (r *runner) cluster(ctx context.Context, ts []*target) {
	seen := map[string]string{}
	for _, t := range ts {
		if t.info == nil {
			continue
		}
		if other, dup := seen[t.info.Node]; dup {
			r.add(nil, "node ids are unique", Fail, "%s and %s both say they are %s", other, t.url, t.info.Node)
			return
		}
		seen[t.info.Node] = t.url
	}
	key := fmt.Sprintf("clockwise-conformance-%s-replicated", r.tag)
	id := r.tag + "-r"
	cctx, cancel := r.ctx(ctx)
	_, err := ts[0].c.Put(cctx, key, protocol.Put{Write: id, Value: "r"})
	cancel()
	name := fmt.Sprintf("a write through %s reaches every node within %v", ts[0].url, r.opts.Replication)
	if err != nil {
		r.add(nil, name, Fail, "%v", err)
		return
	}
	deadline := time.Now().Add(r.opts.Replication)
	var missing []string
	for {
		missing = missing[:0]
		digests := map[string]bool{}
		stateful := 0
		for _, t := range ts {
			cctx, cancel := r.ctx(ctx)
			rd, err := t.c.Get(cctx, key)
			if err != nil || !slices.ContainsFunc(rd.Versions, func(v histories.Version) bool { return v.Write == id }) {
				missing = append(missing, t.url)
			}
			if t.info != nil && t.info.Has(protocol.FeatureState) {
				if st, err := t.c.StatePrefix(cctx, key); err == nil {
					if d, ok := st.Keys[key]; ok { // with placement, only the key's replicas hold it
						digests[d] = true
						stateful++
					}
				}
			}
			cancel()
		}
		agree := len(digests) <= 1
		if len(missing) == 0 && agree {
			r.add(nil, name, Pass, "")
			if stateful > 1 {
				r.add(nil, "the nodes report equal digests of the replicated key", Pass, "")
			}
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			if len(missing) > 0 {
				r.add(nil, name, Fail, "not on %s", strings.Join(missing, ", "))
			} else {
				r.add(nil, name, Pass, "")
				r.add(nil, "the nodes report equal digests of the replicated key", Fail, "every node returns the write, but their digests differ")
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
