package node

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/protocol"
	"github.com/clockwise-kv/clockwise/store"
)

var (
	errStopped = errors.New("node is shutting down")
	errTimeout = errors.New("timeout")
)

// roundInputs is the most queued inputs the loop takes before it saves and
// sends what they produced.
const roundInputs = 256

// loop owns the store.Node: it runs the work handed to it and ticks the node
// until ctx ends. Each round takes one input (work or a tick) and whatever
// other work is already queued, up to roundInputs, then saves what changed in
// one transaction, one fsync, and only then sends the replies and messages
// (flush): nothing leaves the node that its data folder would not bring
// back. A save that fails stops the loop (Server.halt): the node sends
// nothing more.
func (s *Server) loop(ctx context.Context) {
	defer close(s.stopped)
	if s.disk != nil {
		defer func() {
			if err := s.disk.close(); err != nil {
				s.log.Printf("node: closing the data folder: %v", err)
			}
		}()
	}
	t := time.NewTicker(s.cfg.Tick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case fn := <-s.in:
			fn()
		case <-t.C:
			// A busy machine drops ticks; make them up (up to one
			// anti-entropy round's worth), so rounds keep their pace.
			n := min(max(int(time.Since(last)/s.cfg.Tick), 1), s.syncEvery)
			last = last.Add(time.Duration(n) * s.cfg.Tick)
			if time.Since(last) > s.cfg.Tick {
				last = time.Now()
			}
			for range n {
				s.node.Tick(s.now())
			}
		case <-ctx.Done():
			return
		}
	more:
		for range roundInputs - 1 {
			select {
			case fn := <-s.in:
				fn()
			default:
				break more
			}
		}
		if err := s.flush(); err != nil {
			s.halt = err
			s.log.Printf("%v; the node stops", err)
			return
		}
	}
}

// now is the node's clock reading: the wall clock plus the clock's offset
// at the time elapsed since the server started. Loop only.
func (s *Server) now() int64 {
	return time.Now().UnixNano() + s.clock.OffsetAt(int64(time.Since(s.start)))
}

// enqueue hands fn to the loop without waiting for it to run.
func (s *Server) enqueue(ctx context.Context, fn func()) error {
	select {
	case s.in <- fn:
		return nil
	case <-s.stopped:
		return errStopped
	case <-ctx.Done():
		return ctx.Err()
	}
}

// exec runs fn on the loop and waits until it has run.
func (s *Server) exec(ctx context.Context, fn func()) error {
	ran := make(chan struct{})
	if err := s.enqueue(ctx, func() { fn(); close(ran) }); err != nil {
		return err
	}
	select {
	case <-ran:
		return nil
	case <-s.stopped:
		return errStopped
	}
}

// call steps a client request and waits for the node's reply (which the
// loop sends once it has saved what the request changed), at most
// Config.Timeout.
func (s *Server) call(ctx context.Context, m store.Message) (store.Message, error) {
	ch := make(chan store.Message, 1)
	var id uint64
	err := s.exec(ctx, func() {
		s.seq++
		id = s.seq
		s.waiters[id] = ch
		m.From, m.To, m.ID = clientName, s.cfg.ID, id
		if err := s.node.Step(s.now(), m); err != nil {
			s.log.Printf("%v", err) // the node answers it with an error reply
		}
	})
	if err != nil {
		return store.Message{}, err
	}
	timer := time.NewTimer(s.cfg.Timeout)
	defer timer.Stop()
	select {
	case r := <-ch:
		return r, nil
	case <-timer.C:
		err = fmt.Errorf("%w: no answer within %v", errTimeout, s.cfg.Timeout)
	case <-ctx.Done():
		err = ctx.Err()
	case <-s.stopped:
		return store.Message{}, errStopped
	}
	_ = s.enqueue(context.Background(), func() { delete(s.waiters, id) })
	return store.Message{}, err
}

// flush saves what changed in the node to its data folder, if it has one,
// then routes what it sent: replies to the waiting handlers, messages to the
// peer senders. If the save fails, nothing is sent. Loop only.
func (s *Server) flush() error {
	rd := s.node.Ready()
	if s.disk != nil && len(rd.Objects) > 0 {
		if err := s.disk.save(rd.Objects); err != nil {
			return err
		}
	}
	for _, m := range rd.Messages {
		if m.To == clientName {
			if ch, ok := s.waiters[m.ID]; ok {
				delete(s.waiters, m.ID)
				ch <- m
			}
			continue
		}
		if p, ok := s.peers[m.To]; ok {
			p.send(m)
		}
	}
	return nil
}

// receive steps messages from a peer; the loop sends what they produce.
// Loop only.
func (s *Server) receive(ms []store.Message) {
	now := s.now()
	for _, m := range ms {
		if err := s.node.Step(now, m); err != nil {
			s.log.Printf("%v", err)
		}
	}
}

// state is the node's convergence state of the keys that begin with
// prefix ("": every key); pending counts the held writes of every key. Loop
// only.
func (s *Server) state(prefix string) protocol.State {
	st := protocol.State{Keys: map[string]string{}, Pending: s.node.Pending()}
	for _, k := range s.node.Keys() {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		st.Keys[k] = s.node.Sum(k).String() // the sum anti-entropy compares, kept until the key changes
	}
	return st
}

// clockState is the clock last set and its reading. Loop only.
func (s *Server) clockState() protocol.ClockState {
	return protocol.ClockState{Clock: protocol.ClockOf(s.clock), NowNS: s.now()}
}

func (s *Server) isBlocked(peer string) bool {
	s.blockMu.RLock()
	defer s.blockMu.RUnlock()
	return s.blocked[peer]
}
