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

// peerTimeout bounds one delivery to a peer.
const peerTimeout = 2 * time.Second

// maxBatch is the most messages one delivery carries.
const maxBatch = 256

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
	batch := make([]store.Message, 0, maxBatch)
	for {
		select {
		case m := <-p.q:
			batch = append(batch[:0], m)
		case <-ctx.Done():
			return
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case m := <-p.q:
				batch = append(batch, m)
			default:
				break drain
			}
		}
		if s.isBlocked(p.id) {
			continue // dropped: the peer is cut off
		}
		err := p.deliver(ctx, s.hc, batch)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			if p.lost == 0 {
				s.log.Printf("node: to %s: messages lost: %v", p.id, err)
			}
			p.lost += len(batch)
		case p.lost > 0:
			s.log.Printf("node: to %s: delivering again, %d messages lost", p.id, p.lost)
			p.lost = 0
		}
	}
}

func (p *peer) deliver(ctx context.Context, hc *http.Client, batch []store.Message) error {
	b, err := json.Marshal(batch)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, peerTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(b))
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
