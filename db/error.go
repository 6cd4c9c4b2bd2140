package db

import (
	"errors"
	"fmt"
)

// Error is a failed client operation.
type Error struct {
	Op string // "get", "put", "cas", "set", "sadd", …
	// Definite is true when the operation certainly took no effect (it was
	// refused, or never sent), false when it may have (a timeout or a lost
	// connection after the request was sent).
	Definite bool
	Err      error
}

func (e *Error) Error() string {
	kind := "indeterminate"
	if e.Definite {
		kind = "definite"
	}
	return fmt.Sprintf("%s: %s failure: %v", e.Op, kind, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Definite reports whether err is an operation's failure that certainly took
// no effect. Any error but an *Error saying so is not definite.
func Definite(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Definite
}
