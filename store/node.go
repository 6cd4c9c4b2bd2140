package store

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
)

// Kind is a message's type.
type Kind string

const (
	Get       Kind = "get"       // client → node: read a key
	Put       Kind = "put"       // client → node: write or delete a key
	Reply     Kind = "reply"     // node → client: the answer to Get or Put; replica → node: the answer to a forwarded one
	Replicate Kind = "replicate" // node → node: merge these objects (and answer Stored when ID is set)
	Stored    Kind = "stored"    // replica → coordinator: the Replicate with this ID is stored (write quorum)
	Digest    Kind = "digest"    // node → node: anti-entropy begins: the sums of the keys of a range
	Sync      Kind = "sync"      // node → node: the answer to a Digest: merge these objects, answer with what differs and the keys wanted
)

// Keyed is a key's object in transit.
type Keyed struct {
	Key    string `json:"key"`
	Object Object `json:"object"`
}

// Message is everything that enters or leaves a node.
type Message struct {
	Kind     Kind      `json:"kind"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	ID       uint64    `json:"id,omitempty"`       // client request id, echoed in the reply; Replicate, Stored: the write awaiting its quorum
	Key      string    `json:"key,omitempty"`      // Get, Put, Reply
	Version  Version   `json:"version,omitzero"`   // Put: the version to write
	Context  Context   `json:"context,omitzero"`   // Put: what the client read; Reply to Get: what to pass back
	Versions []Version `json:"versions,omitempty"` // Reply to Get
	Meta     Meta      `json:"meta,omitzero"`      // Reply to Put
	Objects  []Keyed   `json:"objects,omitempty"`  // Replicate, Sync
	Err      string    `json:"error,omitempty"`    // Reply: why the request failed
	Sums     []KeySum  `json:"sums,omitempty"`     // Digest: the sender's keys in the range, sorted
	After    string    `json:"after,omitempty"`    // Digest: the range's keys come after this one ("": from the first)
	Through  string    `json:"through,omitempty"`  // Digest: the range ends at this key ("": at the last)
	Want     []string  `json:"want,omitempty"`     // Sync: the keys the sender lacks and asks for
	// Conflict marks a Reply whose Put reused a write id the key holds
	// with another value or deleted flag (the node protocol's 409).
	Conflict bool `json:"conflict,omitempty"`
}

// Config configures a Node.
type Config struct {
	ID       string   // this node
	Peers    []string // every other node
	Strategy Strategy // this node's strategy instance
	// SyncEvery is the number of ticks between anti-entropy rounds; 0
	// disables anti-entropy.
	SyncEvery int
	// SyncBytes bounds anti-entropy: the estimated bytes (Object.Size) of
	// one message, and of the objects a round moves each way; an object
	// larger than it travels alone. 0: DefaultSyncBytes.
	SyncBytes int
	// Ring, if set, places each key on its replicas only (consistent
	// hashing); it must be the same for every node and name them all. Nil,
	// the default, keeps every key on every node.
	Ring *Ring
	// W is how many replicas of a key, the coordinator included, must
	// store a write before the coordinator acknowledges it (a write
	// quorum). 0 or 1: the coordinator alone, and replicas send no Stored.
	// It cannot exceed the replicas a key has.
	W int
	// Durable says the caller keeps the node's objects on stable storage:
	// Ready then also hands over every object that changed since the last
	// call (Ready.Objects), which the caller must save before it sends
	// Ready.Messages, and Restore loads what was saved. False, the default,
	// keeps the store in memory only and Ready.Objects empty.
	Durable bool
}

// Ready is what a node has produced since the last call of Node.Ready, in
// the style of go.etcd.io/raft's Ready: the objects to save (for a Durable
// node) and the messages to send. The caller saves Objects, durably (fsync),
// before it sends any of Messages: a reply or a peer message may tell of an
// object, and a node restarted from its saved objects must still hold
// everything it told of.
type Ready struct {
	Objects  []Keyed   // keys whose object changed, each once, with its object now; nil unless Durable
	Messages []Message // to send, in order
}

// Node is one replica: a deterministic state machine. Messages and clock
// readings go in through Step and Tick; messages to send come out of Ready
// (or AppendReady). A Node starts no goroutine, does no I/O and never reads
// a clock: every input carries the node's local clock reading, so the caller
// decides what time is, and the same inputs always give the same outputs.
//
// By default every key is replicated to every node, and the node a client
// talks to coordinates its request: it applies a write locally, replicates
// the resulting object to every peer and acknowledges; it answers a read
// from its own state. A write whose strategy asks for a commit wait
// (Stamp.AckAt) is held whole until the coordinator's clock reads AckAt:
// only then is it applied, replicated and acknowledged, so no read anywhere
// sees it before its commit wait is over (Spanner's rule). The node reports
// that reading as its Deadline, and releases the write at the first input
// (Step, Tick or Wake) that carries a reading at or past it. With a write
// quorum (Config.W above 1) the coordinator asks its replicas to answer
// Stored and acknowledges once W replicas, itself included, hold the write;
// a write that never reaches W is never acknowledged (the client times
// out), though the replicas that stored it keep it.
//
// Every SyncEvery ticks the node starts an anti-entropy round with the next
// peer in turn, so replicas converge once messages flow again. It sends a
// Digest: the sum (Object.Sum) and size of each key in a range of its keys,
// as many as fit in SyncBytes, the next range with that peer starting where
// this one ended. The peer answers with a Sync carrying its objects of the
// keys in the range whose sums differ or that the sender lacks, and the keys
// it lacks itself (Want), each side cut at SyncBytes; the sender merges
// them and answers with a Replicate of the merged objects that differ from
// the peer's and of the keys wanted. Every message carries at most
// SyncBytes of objects (but an object larger than that, alone), so what a
// round holds in flight is bounded by the budget, not by the store, and the
// keys left out come in later rounds.
//
// With a Ring, a key lives on its replicas only. A replica coordinates as
// above but replicates to the key's other replicas, and anti-entropy carries
// only the keys both sides replicate. A node that is not a replica of the
// key forwards the client's request to the key's first replica and relays
// the answer; if the forward or the answer is lost (a partition, a drop)
// the client hears nothing and times out, and the node keeps the forward
// open, since it cannot tell a lost request from a slow one.
type Node struct {
	id        string
	peers     []string
	strategy  Strategy
	syncEvery int

	objects map[string]Object
	keys    []string // sorted keys of objects
	pending []held   // writes in their commit wait, in arrival order
	out     []Message
	ticks   int
	next    int // the peer the next anti-entropy round goes to

	sums      map[string]KeySum // each key's sum and size, until it changes
	cursors   []string          // by peer: the key the last round's range ended at; "" for the end
	syncBytes int

	ring     *Ring
	placed   map[string]placement // the ring's answer for each key met, kept
	forwards map[uint64]forward   // open forwards by the id sent to the replica
	fwdSeq   uint64

	quorum quorums // writes waiting for their write quorum

	durable bool
	dirty   []string        // keys changed since the last Ready, in the order of their first change (Durable only)
	isDirty map[string]bool // the keys in dirty
}

// forward is a client request a non-replica passed on to a replica.
type forward struct {
	client string
	id     uint64 // the client's request id
}

// NewNode returns a node with an empty store.
func NewNode(c Config) (*Node, error) {
	if c.ID == "" {
		return nil, errors.New("store: node needs an id")
	}
	if c.Strategy == nil {
		return nil, errors.New("store: node needs a strategy")
	}
	peers := slices.Clone(c.Peers)
	slices.Sort(peers)
	if c.Ring != nil && !slices.Contains(c.Ring.nodes, c.ID) {
		return nil, fmt.Errorf("store: node %s is not on the ring", c.ID)
	}
	if c.SyncBytes < 0 {
		return nil, fmt.Errorf("store: sync bytes must not be negative, got %d", c.SyncBytes)
	}
	q, err := newQuorums(c)
	if err != nil {
		return nil, err
	}
	return &Node{
		id: c.ID, peers: peers, strategy: c.Strategy, syncEvery: c.SyncEvery, objects: map[string]Object{},
		ring: c.Ring, placed: map[string]placement{}, forwards: map[uint64]forward{}, quorum: q,
		sums: map[string]KeySum{}, cursors: make([]string, len(peers)), syncBytes: cmp.Or(c.SyncBytes, DefaultSyncBytes),
		durable: c.Durable, isDirty: map[string]bool{},
	}, nil
}

// Restore loads objects a Durable node saved (from Ready.Objects) into a
// node that has not yet stepped: each is merged into the empty store as an
// object from a peer would be, so a strategy that keeps per-node state (a
// Lamport counter) learns it too. A key saved twice keeps the merge of
// both. Restore reports an error for a node that already holds objects or
// has run, or for an object without a key.
func (n *Node) Restore(objs []Keyed) error {
	if len(n.objects) > 0 || n.ticks > 0 || len(n.out) > 0 || len(n.pending) > 0 {
		return fmt.Errorf("store: %s: restore into a node that has already run", n.id)
	}
	for _, k := range objs {
		if k.Key == "" {
			return fmt.Errorf("store: %s: restore: an object without a key", n.id)
		}
		n.objects[k.Key] = n.strategy.Merge(n.objects[k.Key], k.Object)
	}
	n.keys = slices.Sorted(maps.Keys(n.objects))
	return nil
}

// ID returns the node's id.
func (n *Node) ID() string { return n.id }

// Strategy returns the node's strategy.
func (n *Node) Strategy() Strategy { return n.strategy }

// Step processes one message at local clock reading now. A malformed client
// request is answered with an error reply and also reported as an error.
func (n *Node) Step(now int64, m Message) error {
	defer n.release(now)
	switch m.Kind {
	case Get:
		if m.Key == "" {
			return n.reject(m, "get needs a key")
		}
		if n.forwarded(m) {
			return nil
		}
		vs, ctx := n.strategy.Read(n.objects[m.Key])
		n.send(Message{Kind: Reply, To: m.From, ID: m.ID, Key: m.Key, Versions: vs, Context: ctx})
	case Put:
		switch {
		case m.Key == "":
			return n.reject(m, "put needs a key")
		case m.Version.Write == "":
			return n.reject(m, "put needs a write id")
		}
		if n.forwarded(m) {
			return nil
		}
		if i := slices.IndexFunc(n.objects[m.Key].Siblings, func(s Sibling) bool { return s.Write == m.Version.Write }); i >= 0 {
			if held := n.objects[m.Key].Siblings[i].Version; held != m.Version {
				n.send(Message{Kind: Reply, To: m.From, ID: m.ID, Key: m.Key, Conflict: true,
					Err: fmt.Sprintf("write id %s is taken: the key holds it with another value", m.Version.Write)})
				return fmt.Errorf("store: %s: write id %s reused with another value (from %s)", n.id, m.Version.Write, m.From)
			}
		}
		obj, st := n.strategy.Put(n.objects[m.Key], Write{Version: m.Version, Context: m.Context}, now)
		reply := Message{Kind: Reply, To: m.From, ID: m.ID, Key: m.Key, Meta: st.Meta}
		if st.AckAt != 0 && st.AckAt > now { // 0: no commit wait, whatever the clock reads
			n.pending = append(n.pending, held{key: m.Key, obj: obj, reply: reply, since: now, ackAt: st.AckAt})
			return nil
		}
		n.commit(m.Key, obj, reply)
	case Replicate:
		for _, k := range m.Objects {
			n.merge(k)
		}
		n.ackReplicate(m)
	case Stored:
		n.stored(m)
	case Digest:
		n.answerDigest(m)
	case Sync:
		n.answerSync(m)
	case Reply:
		f, ok := n.forwards[m.ID]
		if !ok {
			return nil // not a forward of ours, or one already answered
		}
		delete(n.forwards, m.ID)
		m.To, m.ID = f.client, f.id
		n.send(m)
	default:
		return fmt.Errorf("store: %s: unknown message kind %q from %s", n.id, m.Kind, m.From)
	}
	return nil
}

// Tick advances the node's logical time at local clock reading now: it
// commits the held writes whose commit wait is over and runs anti-entropy.
func (n *Node) Tick(now int64) {
	n.release(now)
	n.ticks++
	if n.syncEvery <= 0 || len(n.peers) == 0 || n.ticks%n.syncEvery != 0 {
		return
	}
	n.send(n.digest(n.next))
	n.next = (n.next + 1) % len(n.peers)
}

// Idle reports how many Ticks in a row, from now on, would start no
// anti-entropy round: math.MaxInt when the node runs none. Such a Tick only
// counts, unless a held write is due (see Deadline).
func (n *Node) Idle() int {
	if n.syncEvery <= 0 || len(n.peers) == 0 {
		return math.MaxInt
	}
	return n.syncEvery - 1 - n.ticks%n.syncEvery
}

// Skip counts ticks Ticks that would have done nothing but count, for a
// caller that ticks only a node with work to do: at most Idle of them, at
// clock readings at which no held write was due. It counts no more than
// Idle, so it never passes over an anti-entropy round.
func (n *Node) Skip(ticks int) {
	n.ticks += max(0, min(ticks, n.Idle()))
}

// Deadline reports the local clock reading at which the node next has work
// that no message brings: the end of its earliest commit wait. ok is false
// when no write is held. The caller calls Wake (or Tick) once the node's
// clock reads at least at; calling it earlier does no harm.
func (n *Node) Deadline() (at int64, ok bool) {
	for i := range n.pending {
		if a := n.pending[i].ackAt; i == 0 || a < at {
			at = a
		}
	}
	return at, len(n.pending) > 0
}

// Wake lets the node act at local clock reading now without a message: it
// commits the held writes whose commit wait is over (see Deadline). Unlike
// Tick it leaves the node's logical time, and so its anti-entropy rounds,
// alone.
func (n *Node) Wake(now int64) { n.release(now) }

// Ready returns what the node has produced since the last call: the
// messages to send and, for a Durable node, the objects to save first.
func (n *Node) Ready() Ready {
	rd := Ready{Messages: n.out}
	n.out = nil
	if len(n.dirty) > 0 {
		rd.Objects = make([]Keyed, len(n.dirty))
		for i, k := range n.dirty {
			rd.Objects[i] = Keyed{k, n.objects[k]}
		}
		n.dirty = nil
		clear(n.isDirty)
	}
	return rd
}

// AppendReady is Ready's messages appended to dst, for a node that is not
// Durable: it returns dst with the messages the node has produced since the
// last call, and keeps its own buffer for the next ones, so a caller that
// reuses dst allocates nothing. A Durable node's caller calls Ready, which
// also hands over the objects to save.
func (n *Node) AppendReady(dst []Message) []Message {
	dst = append(dst, n.out...)
	clear(n.out)
	n.out = n.out[:0]
	return dst
}

// Pending reports how many writes are held in their commit wait.
func (n *Node) Pending() int { return len(n.pending) }

// Keys returns the keys the node holds, sorted.
func (n *Node) Keys() []string { return slices.Clone(n.keys) }

// Object returns what the node stores for key.
func (n *Node) Object(key string) Object { return n.objects[key] }

// Forwards reports how many forwarded requests still wait for their
// replica's answer.
func (n *Node) Forwards() int { return len(n.forwards) }

// placement is where the ring puts a key.
type placement struct {
	replicas []string // Ring.Replicas
	others   []string // the replicas but this node
}

// place returns key's placement, asking the ring only the first time.
func (n *Node) place(key string) placement {
	p, ok := n.placed[key]
	if !ok {
		p.replicas = n.ring.Replicas(key)
		p.others = slices.DeleteFunc(slices.Clone(p.replicas), func(r string) bool { return r == n.id })
		n.placed[key] = p
	}
	return p
}

// holds reports whether node replicates key.
func (n *Node) holds(key, node string) bool {
	return n.ring == nil || slices.Contains(n.place(key).replicas, node)
}

// replicas returns the peers a write of key replicates to.
func (n *Node) replicas(key string) []string {
	if n.ring == nil {
		return n.peers
	}
	return n.place(key).others
}

// forwarded passes a client request for a key this node does not replicate
// to the key's first replica; it reports false, and does nothing, when this
// node is a replica.
func (n *Node) forwarded(m Message) bool {
	if n.holds(m.Key, n.id) {
		return false
	}
	n.fwdSeq++
	n.forwards[n.fwdSeq] = forward{client: m.From, id: m.ID}
	m.To, m.ID = n.place(m.Key).replicas[0], n.fwdSeq
	n.send(m)
	return true
}

func (n *Node) send(m Message) {
	m.From = n.id
	n.out = append(n.out, m)
}

func (n *Node) reject(m Message, why string) error {
	n.send(Message{Kind: Reply, To: m.From, ID: m.ID, Key: m.Key, Err: why})
	return fmt.Errorf("store: %s: %s (from %s)", n.id, why, m.From)
}

func (n *Node) merge(k Keyed) Object {
	obj := n.strategy.Merge(n.objects[k.Key], k.Object)
	n.store(k.Key, obj)
	return obj
}

// store sets key's object; a Durable node marks the key to be saved unless
// the object is the one it had (an anti-entropy round that changes nothing
// writes nothing).
func (n *Node) store(key string, obj Object) {
	old, ok := n.objects[key]
	if !ok {
		i, _ := slices.BinarySearch(n.keys, key)
		n.keys = slices.Insert(n.keys, i, key)
	}
	n.objects[key] = obj
	delete(n.sums, key)
	if n.durable && !n.isDirty[key] && (!ok || !old.Equal(obj)) {
		n.isDirty[key] = true
		n.dirty = append(n.dirty, key)
	}
}

// held is a write in its commit wait: the object the strategy's Put
// returned, merged into the store once the clock reads ackAt.
type held struct {
	key   string
	obj   Object
	reply Message
	since int64 // the local clock reading when the write arrived
	ackAt int64
}

// commit applies a write's object, replicates it to every peer and
// acknowledges it, at once or, with a write quorum, once enough replicas
// answered Stored. The peers' messages share one Objects slice: a message's
// objects are only ever read.
func (n *Node) commit(key string, obj Object, reply Message) {
	n.store(key, obj)
	reply.Meta.Bytes = obj.MetaBytes()
	id := n.await(reply)
	objs := []Keyed{{key, obj}}
	for _, p := range n.replicas(key) {
		n.send(Message{Kind: Replicate, To: p, ID: id, Objects: objs})
	}
	if id == 0 {
		n.send(reply)
	}
}

// release commits every held write whose commit wait is over at now,
// merging it into whatever the key holds by then, and reports the wait it
// served in Meta.Wait.
func (n *Node) release(now int64) {
	keep := 0
	for i := range n.pending {
		h := &n.pending[i]
		if now < h.ackAt {
			if keep != i {
				n.pending[keep] = *h
			}
			keep++
			continue
		}
		h.reply.Meta.Wait = now - h.since
		n.commit(h.key, n.strategy.Merge(n.objects[h.key], h.obj), h.reply)
	}
	clear(n.pending[keep:])
	n.pending = n.pending[:keep]
}
