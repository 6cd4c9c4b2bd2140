package sim

import "github.com/clockwise-kv/clockwise/store"

// sim is a discrete-event simulator on a virtual clock. Events due at the
// same time run in the order they were scheduled, so a run is a pure
// function of its seed and configuration.
//
// An event in the heap is plain data: its kind and the slot of a table that
// holds what it acts on (a message in flight, a client's timer, a function
// to call). The heap holds no pointers and sending a message allocates
// nothing. The periodic tick is not in the heap at all: the simulator keeps
// the next one aside, with the time and sequence number it would have had,
// and runs it in its turn.
type sim struct {
	now  int64
	seq  uint64
	heap []event
	ran  int
	cl   *cluster // delivers messages

	flight slots[inFlight] // messages on their way
	timers slots[timer]    // client timeouts
	fns    slots[func()]   // anything else

	every   int64  // tick period; 0: no ticks
	tickAt  int64  // the next tick's time
	tickSeq uint64 // and sequence number
	onTick  func()

	stop   <-chan struct{} // closed: stop running events (Options.Interrupt)
	halted bool            // stop was seen closed
}

// eventKind says what an event does when it runs.
type eventKind uint8

const (
	callFn   eventKind = iota // call fns[slot]
	toNode                    // deliver flight[slot] from a peer
	toClient                  // deliver flight[slot] to its client
	request                   // deliver flight[slot], a client's request, to its node
	timeout                   // expire timers[slot]
	wake                      // wake node number slot
)

type event struct {
	at   int64
	seq  uint64
	slot int32
	kind eventKind
}

func (e *event) less(f *event) bool { return e.at < f.at || (e.at == f.at && e.seq < f.seq) }

// inFlight is a message on its way and where it goes.
type inFlight struct {
	m        store.Message
	from, to int     // node numbers: the sender (toNode) and the receiver (toNode, request)
	client   *client // toClient: the receiver; request: the sender
	id       uint64  // request: the client's call
	ahead    int64   // request: harness.Op.Ahead
}

// timer is a client's timeout for one of its calls.
type timer struct {
	client *client
	id     uint64
}

// slots is a table whose free entries are reused.
type slots[T any] struct {
	v    []T
	free []int32
}

func (s *slots[T]) put(x T) int32 {
	if n := len(s.free); n > 0 {
		i := s.free[n-1]
		s.free = s.free[:n-1]
		s.v[i] = x
		return i
	}
	s.v = append(s.v, x)
	return int32(len(s.v) - 1)
}

func (s *slots[T]) take(i int32) T {
	x := s.v[i]
	s.release(i)
	return x
}

// at is entry i, in place: it stays entry i's value until release(i),
// even when a put moves the table meanwhile. A message is large, and is
// read where it lies rather than copied out of its slot.
func (s *slots[T]) at(i int32) *T { return &s.v[i] }

// release frees entry i.
func (s *slots[T]) release(i int32) {
	var zero T
	s.v[i] = zero
	s.free = append(s.free, i)
}

// at schedules fn at virtual time t (not before now).
func (s *sim) at(t int64, fn func()) { s.push(t, callFn, s.fns.put(fn)) }

// after schedules fn d nanoseconds from now.
func (s *sim) after(d int64, fn func()) { s.at(s.now+d, fn) }

// send schedules the delivery of f, d nanoseconds from now: kind is
// toNode, toClient or request.
func (s *sim) send(d int64, kind eventKind, f inFlight) { s.push(s.now+d, kind, s.flight.put(f)) }

// expire schedules a timeout of t, d nanoseconds from now.
func (s *sim) expire(d int64, t timer) { s.push(s.now+d, timeout, s.timers.put(t)) }

// wake schedules a wake of node i at true time t.
func (s *sim) wake(t int64, i int) { s.push(t, wake, int32(i)) }

// push adds an event at t (not before now) to the heap, numbering it.
func (s *sim) push(t int64, kind eventKind, slot int32) {
	if t < s.now {
		t = s.now
	}
	s.seq++
	s.heap = append(s.heap, event{at: t, seq: s.seq, slot: slot, kind: kind})
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
		s.fns.take(e.slot)()
	case toNode:
		s.cl.arrive(s.flight.at(e.slot))
		s.flight.release(e.slot)
	case toClient:
		f := s.flight.at(e.slot)
		f.client.receive(&f.m)
		s.flight.release(e.slot)
	case request:
		f := s.flight.at(e.slot)
		f.client.arrive(f)
		s.flight.release(e.slot)
	case timeout:
		t := s.timers.take(e.slot)
		t.client.expire(t.id)
	case wake:
		s.cl.wake(int(e.slot))
	}
	return true
}

// runUntil runs events until done reports true or nothing is left.
func (s *sim) runUntil(done func() bool) {
	for !done() && !s.interrupted() && s.step() {
	}
}

// interrupted reports whether the run was told to stop; it looks at the
// channel once every 1024 events.
func (s *sim) interrupted() bool {
	if s.stop != nil && !s.halted && s.ran&1023 == 0 {
		select {
		case <-s.stop:
			s.halted = true
		default:
		}
	}
	return s.halted
}
