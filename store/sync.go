package store

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// DefaultSyncBytes is Config.SyncBytes when it is 0: 1 MiB.
const DefaultSyncBytes = 1 << 20

// Sum is a hash of everything an Object holds (Object.Sum): equal objects
// have equal sums, and two different objects the same sum only by a
// collision of SHA-256 cut to 128 bits. It is written in hex.
type Sum [16]byte

// String returns s in hex.
func (s Sum) String() string { return hex.EncodeToString(s[:]) }

// MarshalText writes s in hex.
func (s Sum) MarshalText() ([]byte, error) { return hex.AppendEncode(nil, s[:]), nil }

// UnmarshalText reads s from hex.
func (s *Sum) UnmarshalText(b []byte) error {
	if hex.DecodedLen(len(b)) != len(s) {
		return fmt.Errorf("store: a sum is %d hex digits, got %d", 2*len(s), len(b))
	}
	if _, err := hex.Decode(s[:], b); err != nil {
		return fmt.Errorf("store: sum: %w", err)
	}
	return nil
}

// KeySum is what an anti-entropy round tells a peer of one key: its sum
// and the size of its object (Object.Size), so the peer can ask for no more
// than a message's worth.
type KeySum struct {
	Key  string `json:"key"`
	Sum  Sum    `json:"sum"`
	Size int    `json:"size"`
}

// keySumBytes is about what a KeySum adds to a message besides its key.
const keySumBytes = 72

// Sum returns the hash of o's siblings (write ids, values, tombstones,
// timestamps, nodes and dots), its clock and its bump times.
func (o Object) Sum() Sum {
	var buf [512]byte
	full := sha256.Sum256(o.appendCanonical(buf[:0]))
	return Sum(full[:16])
}

// appendCanonical appends an encoding of everything o holds in which two
// objects are equal exactly when their encodings are: counts, lengths and
// varints, in the canonical order of siblings and clock entries.
func (o Object) appendCanonical(b []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(o.Siblings)))
	for _, s := range o.Siblings {
		b = appendName(b, s.Write)
		b = appendName(b, s.Value)
		if s.Deleted {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		b = binary.AppendVarint(b, s.TS)
		b = appendName(b, s.Node)
		b = appendName(b, s.Dot.Node)
		b = binary.AppendUvarint(b, s.Dot.Counter)
	}
	b, _ = o.Clock.AppendBinary(b)
	b, _ = o.Bumped.AppendBinary(b)
	return b
}

// Size estimates the bytes of o's JSON encoding in a message, from the
// lengths of its strings and the number of its entries; anti-entropy
// counts its budget in it.
func (o Object) Size() int {
	n := 32
	for _, s := range o.Siblings {
		n += 96 + len(s.Write) + len(s.Value) + len(s.Node) + len(s.Dot.Node)
	}
	for _, e := range o.Clock {
		n += 24 + len(e.Node)
	}
	for _, e := range o.Bumped {
		n += 24 + len(e.Node)
	}
	return n
}

// keySum returns key's sum and size, hashing it only when it
// changed since the last time.
func (n *Node) keySum(key string) KeySum {
	if s, ok := n.sums[key]; ok {
		return s
	}
	obj := n.objects[key]
	s := KeySum{Key: key, Sum: obj.Sum(), Size: obj.Size()}
	n.sums[key] = s
	return s
}

// Sum returns the sum of what the node stores for key (Object.Sum), kept
// until the key changes.
func (n *Node) Sum(key string) Sum { return n.keySum(key).Sum }

// digest starts an anti-entropy round with peer number i: a Digest of the
// sums of the keys both replicate, from the key after the last round's
// range with this peer, as many as fit in a message; the range ends at the
// last key listed (Through) or, when the node's keys ran out, at the end
// (Through empty), and the next round with the peer starts after it.
func (n *Node) digest(i int) Message {
	peer := n.peers[i]
	m := Message{Kind: Digest, To: peer, After: n.cursors[i]}
	budget := n.syncBytes
	keys := n.keys[above(n.keys, m.After):]
	m.Sums = make([]KeySum, 0, min(len(keys), budget/keySumBytes+1))
	for _, k := range keys {
		if !n.holds(k, peer) {
			continue
		}
		cost := len(k) + keySumBytes
		if len(m.Sums) > 0 && cost > budget {
			m.Through = m.Sums[len(m.Sums)-1].Key
			break
		}
		budget -= cost
		m.Sums = append(m.Sums, n.keySum(k))
	}
	n.cursors[i] = m.Through
	return m
}

// above returns the index of the first of the sorted keys after key; ""
// comes before every key.
func above(keys []string, key string) int {
	i, found := slices.BinarySearch(keys, key)
	if found {
		i++
	}
	return i
}

// answerDigest compares a peer's Digest with the keys of its range and
// answers with a Sync: this node's objects of the keys whose sums differ
// or that the peer lacks, and the keys it lacks itself (Want). Each of the
// two is cut at the node's budget (the first key always goes, however
// large): the keys left out come again in a later round.
func (n *Node) answerDigest(m Message) {
	theirs := m.Sums
	if !slices.IsSortedFunc(theirs, byKey) {
		theirs = slices.SortedFunc(slices.Values(theirs), byKey)
	}
	lo, hi := above(n.keys, m.After), len(n.keys)
	if m.Through != "" {
		hi = max(lo, above(n.keys, m.Through))
	}
	mine := n.keys[lo:hi]
	var send []Keyed
	var want []string
	give, take := n.syncBytes, n.syncBytes
	push := func(key string) {
		obj := n.objects[key]
		if spend(&give, len(key)+obj.Size(), len(send) == 0) {
			send = append(send, Keyed{key, obj})
		}
	}
	for i, j := 0, 0; (i < len(mine) || j < len(theirs)) && (give > 0 || take > 0); {
		switch {
		case j == len(theirs) || (i < len(mine) && mine[i] < theirs[j].Key):
			if k := mine[i]; n.holds(k, m.From) {
				push(k)
			}
			i++
		case i == len(mine) || theirs[j].Key < mine[i]:
			if s := theirs[j]; n.holds(s.Key, n.id) && spend(&take, s.Size, len(want) == 0) {
				want = append(want, s.Key)
			}
			j++
		default:
			if k := mine[i]; n.keySum(k).Sum != theirs[j].Sum {
				push(k)
			}
			i++
			j++
		}
	}
	n.sendObjects(Sync, m.From, send, want)
}

// answerSync merges a peer's Sync and answers with a Replicate of the
// merged objects that differ from the peer's and of the keys it wants.
func (n *Node) answerSync(m Message) {
	var answer []Keyed
	for _, k := range m.Objects {
		if merged := n.merge(k); !merged.Equal(k.Object) {
			answer = append(answer, Keyed{k.Key, merged})
		}
	}
	for _, key := range m.Want {
		if obj, ok := n.objects[key]; ok && n.holds(key, m.From) {
			answer = append(answer, Keyed{key, obj})
		}
	}
	n.sendObjects(Replicate, m.From, answer, nil)
}

// sendObjects sends objs to peer in messages of kind of at most the node's
// budget each (an object larger than it goes alone), want with the first.
func (n *Node) sendObjects(kind Kind, peer string, objs []Keyed, want []string) {
	if len(objs) == 0 && len(want) == 0 {
		return
	}
	start, size := 0, 0
	for i, k := range objs {
		cost := len(k.Key) + k.Object.Size()
		if i > start && size+cost > n.syncBytes {
			n.send(Message{Kind: kind, To: peer, Objects: objs[start:i:i], Want: want})
			want, start, size = nil, i, 0
		}
		size += cost
	}
	n.send(Message{Kind: kind, To: peer, Objects: objs[start:], Want: want})
}

// spend takes cost from budget and reports true when it fits, or when it
// is the first (which goes whatever its size).
func spend(budget *int, cost int, first bool) bool {
	if !first && cost > *budget {
		return false
	}
	*budget -= cost
	return true
}

func byKey(a, b KeySum) int { return strings.Compare(a.Key, b.Key) }
