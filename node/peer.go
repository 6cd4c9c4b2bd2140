package node

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/clockwise-kv/clockwise/store"
)

// messagesPath is the internal endpoint peers POST messages to.
const messagesPath = "/internal/v1/messages"

// peerTimeout bounds one delivery to a peer, and peerRate is the slowest
// transfer a delivery is given time for beyond it: a batch of maxBatchBytes
// has peerTimeout and an eighth of a second, a single larger message its
// own share.
const (
	peerTimeout = 2 * time.Second
	peerRate    = 8 << 20 // bytes per second
)

// A delivery carries at most maxBatch messages and, in their JSON, about
// maxBatchBytes: a message that would take a batch past it waits for the
// next, and one larger than it goes alone. The store's anti-entropy keeps
// its messages within the same budget (store.DefaultSyncBytes), so a
// sender holds one batch's bytes however large its store is.
const (
	maxBatch      = 256
	maxBatchBytes = 1 << 20
)

// peer sends messages to one other node, in order, in batches: whatever
// queued while the previous delivery was under way goes in the next.
type peer struct {
	id  string
	url string
	q   chan store.Message
	// lost counts the messages lost since the last delivery that worked,
	// so a partition is logged once, not once a message.
	lost int
}

// send queues m; a full queue drops it, as a congested network would.
func (p *peer) send(m store.Message) {
	select {
	case p.q <- m:
	default:
	}
}

func (p *peer) run(ctx context.Context, s *Server) {
	var b batch
	for {
		b.resume()
		if b.n == 0 {
			select {
			case m := <-p.q:
				b.add(m, s)
			case <-ctx.Done():
				return
			}
		}
	fill:
		for b.n < maxBatch && b.next == nil {
			select {
			case m := <-p.q:
				b.add(m, s)
			default:
				break fill
			}
		}
		body, n := b.take()
		if n == 0 || s.isBlocked(p.id) {
			continue // dropped: the peer is cut off
		}
		err := p.deliver(ctx, s.hc, body)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			if p.lost == 0 {
				s.log.Printf("node: to %s: messages lost: %v", p.id, err)
			}
			p.lost += n
		case p.lost > 0:
			s.log.Printf("node: to %s: delivering again, %d messages lost", p.id, p.lost)
			p.lost = 0
		}
	}
}

// batch is the JSON array of the messages of the next delivery, encoded a
// message at a time, and the message after them when it did not fit.
type batch struct {
	body []byte // "[" and the encoded messages, comma-separated
	n    int    // messages in body
	next []byte // an encoded message waiting for the next batch
}

// add encodes m into the batch, or keeps it for the next one when it
// would take the batch past maxBatchBytes.
func (b *batch) add(m store.Message, s *Server) {
	enc, err := json.Marshal(m)
	if err != nil {
		s.log.Printf("node: to %s: a %s message cannot be encoded: %v", m.To, m.Kind, err)
		return
	}
	if b.n > 0 && len(b.body)+1+len(enc) > maxBatchBytes {
		b.next = enc
		return
	}
	b.append(enc)
}

func (b *batch) append(enc []byte) {
	if b.n == 0 {
		b.body = append(b.body[:0], '[')
	} else {
		b.body = append(b.body, ',')
	}
	b.body = append(b.body, enc...)
	b.n++
}

// take returns the batch's body and how many messages it carries, and
// empties the batch; the body is the caller's until the next resume or add.
func (b *batch) take() ([]byte, int) {
	if b.n == 0 {
		return nil, 0
	}
	body, n := append(b.body, ']'), b.n
	b.body, b.n = body[:0], 0
	if cap(b.body) > 4*maxBatchBytes {
		b.body = nil // a large message went alone: do not keep its room
	}
	return body, n
}

// resume starts a batch with the message that waited, if any.
func (b *batch) resume() {
	if b.next != nil {
		b.append(b.next)
		b.next = nil
	}
}

// deliver posts one batch, given peerTimeout and the time to move its bytes
// at peerRate.
func (p *peer) deliver(ctx context.Context, hc *http.Client, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, peerTimeout+time.Duration(len(body))*time.Second/peerRate)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return &httpStatus{resp.StatusCode}
	}
	return nil
}

type httpStatus struct{ code int }

func (e *httpStatus) Error() string { return http.StatusText(e.code) }
