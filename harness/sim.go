package harness

// sim is a discrete-event simulator on a virtual clock. Events due at the
// same time run in the order they were scheduled, so a run is a pure
// function of its seed and configuration.
type sim struct {
	now  int64
	seq  uint64
	heap []event
	ran  int
}

type event struct {
	at  int64
	seq uint64
	fn  func()
}

func (e event) less(f event) bool { return e.at < f.at || (e.at == f.at && e.seq < f.seq) }

// at schedules fn at virtual time t (not before now).
func (s *sim) at(t int64, fn func()) {
	if t < s.now {
		t = s.now
	}
	s.seq++
	s.heap = append(s.heap, event{t, s.seq, fn})
	for i := len(s.heap) - 1; i > 0; {
		p := (i - 1) / 2
		if !s.heap[i].less(s.heap[p]) {
			break
		}
		s.heap[i], s.heap[p] = s.heap[p], s.heap[i]
		i = p
	}
}

// after schedules fn d nanoseconds from now.
func (s *sim) after(d int64, fn func()) { s.at(s.now+d, fn) }

// step runs the next event; it reports false when none is left.
func (s *sim) step() bool {
	if len(s.heap) == 0 {
		return false
	}
	e := s.heap[0]
	last := len(s.heap) - 1
	s.heap[0] = s.heap[last]
	s.heap[last] = event{}
	s.heap = s.heap[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < last && s.heap[l].less(s.heap[m]) {
			m = l
		}
		if r < last && s.heap[r].less(s.heap[m]) {
			m = r
		}
		if m == i {
			break
		}
		s.heap[i], s.heap[m] = s.heap[m], s.heap[i]
		i = m
	}
	s.now = e.at
	s.ran++
	e.fn()
	return true
}

// runUntil runs events until done reports true or nothing is left.
func (s *sim) runUntil(done func() bool) {
	for !done() && s.step() {
	}
}
