package harness

import "github.com/clockwise-kv/clockwise/store"

// sim is a discrete-event simulator on a virtual clock. Events due at the
// same time run in the order they were scheduled, so a run is a pure
// function of its seed and configuration.
//
// Most events are messages in flight; they are plain data (a slot in
// flight, delivered by the cluster), so sending one allocates nothing.
// Anything else is a function to call. The periodic tick is not in the heap
// at all: the simulator keeps the next one aside, with the time and
// sequence number it would have had, and runs it in its turn.
type sim struct {
	now  int64
	seq  uint64
	heap []event
	ran  int
	cl   *cluster // delivers messages

	every   int64  // tick period; 0: no ticks
	tickAt  int64  // the next tick's time
	tickSeq uint64 // and sequence number
	onTick  func()

	flight []inFlight // messages in flight, by slot
	free   []int32    // unused slots of flight
}

// eventKind says what an event does when it runs.
type eventKind uint8

const (
	callFn   eventKind = iota // call fn
	toNode                    // deliver the message in flight[slot] to a node
	toClient                  // deliver the message in flight[slot] to a client
	request                   // deliver call's request to its node
	timeout                   // give up on call if it is still outstanding
)

type event struct {
	at   int64
	seq  uint64
	fn   func()
	call *call
	slot int32
	kind eventKind
}

// inFlight is a message on its way and where it goes.
type inFlight struct {
	m        store.Message
	from, to int     // node indexes (toNode)
	client   *client // toClient
}

func (e *event) less(f *event) bool { return e.at < f.at || (e.at == f.at && e.seq < f.seq) }

// at schedules fn at virtual time t (not before now).
func (s *sim) at(t int64, fn func()) { s.push(event{at: t, fn: fn}) }

// after schedules fn d nanoseconds from now.
func (s *sim) after(d int64, fn func()) { s.at(s.now+d, fn) }

// schedule schedules kind of event about call d nanoseconds from now.
func (s *sim) schedule(d int64, kind eventKind, c *call) {
	s.push(event{at: s.now + d, kind: kind, call: c})
}

// send schedules the delivery of f d nanoseconds from now.
func (s *sim) send(d int64, kind eventKind, f inFlight) {
	var slot int32
	if n := len(s.free); n > 0 {
		slot = s.free[n-1]
		s.free = s.free[:n-1]
		s.flight[slot] = f
	} else {
		slot = int32(len(s.flight))
		s.flight = append(s.flight, f)
	}
	s.push(event{at: s.now + d, slot: slot, kind: kind})
}

// push adds e to the heap, numbering it; e.at before now means now.
func (s *sim) push(e event) {
	if e.at < s.now {
		e.at = s.now
	}
	s.seq++
	e.seq = s.seq
	s.heap = append(s.heap, e)
	h := s.heap
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !h[i].less(&h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

// tick calls fn every d nanoseconds from now on, forever, as if each call
// scheduled the next at its end.
func (s *sim) tick(d int64, fn func()) {
	s.every, s.onTick = d, fn
	s.tickAt = s.now + d
	s.seq++
	s.tickSeq = s.seq
}

// step runs the next event; it reports false when none is left.
func (s *sim) step() bool {
	if s.every > 0 && (len(s.heap) == 0 || s.tickAt < s.heap[0].at || (s.tickAt == s.heap[0].at && s.tickSeq < s.heap[0].seq)) {
		s.now = s.tickAt
		s.ran++
		s.onTick()
		s.tick(s.every, s.onTick)
		return true
	}
	if len(s.heap) == 0 {
		return false
	}
	h := s.heap
	e := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h[last] = event{}
	h = h[:last]
	s.heap = h
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < last && h[l].less(&h[m]) {
			m = l
		}
		if r < last && h[r].less(&h[m]) {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	s.now = e.at
	s.ran++
	switch e.kind {
	case callFn:
		e.fn()
	case request:
		e.call.arrive()
	case timeout:
		e.call.expire()
	default:
		f := s.flight[e.slot]
		s.flight[e.slot] = inFlight{}
		s.free = append(s.free, e.slot)
		if e.kind == toNode {
			s.cl.arrive(f)
		} else {
			f.client.receive(f.m)
		}
	}
	return true
}

// runUntil runs events until done reports true or nothing is left.
func (s *sim) runUntil(done func() bool) {
	for !done() && s.step() {
	}
}
