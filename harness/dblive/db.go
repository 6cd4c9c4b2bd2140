package dblive

import (
	"context"
	"errors"
	"time"
)

// DB is a database under test as a run sees it. Its methods are safe for
// concurrent use.
type DB interface {
	// Nodes lists the nodes, n1…nN.
	Nodes() []string
	// Client returns a client for one Jepsen process, which runs one
	// operation at a time.
	Client(process string) (Client, error)
	// Final returns a client that reads through node alone, for the final
	// reads.
	Final(node string) (Client, error)
	// Partition cuts the links between nodes of different groups; Heal
	// restores them.
	Partition(groups [][]string) error
	Heal() error
	// Kill stops node's process at once; Restart starts it again, with its
	// data.
	Kill(node string) error
	Restart(ctx context.Context, node string) error
	// Pause stops node's process (SIGSTOP); Resume continues it (SIGCONT).
	Pause(node string) error
	Resume(node string) error
	// SetOffset sets node's wall clock to true time + d.
	SetOffset(node string, d time.Duration) error
	// Leader is the node that leads now (etcd's leader, Redis's primary).
	Leader(ctx context.Context) (string, error)
	// Settle waits, after every fault is undone, until the database can
	// answer the final reads with what it keeps.
	Settle(ctx context.Context) error
	// Describe says, for the history's readers, what the database is.
	Describe() string
}

// Client runs one process's operations on a key of the workload.
type Client interface {
	// Read returns the write ids the key holds: the register's one value
	// (none when absent), the set's elements; and the node that served
	// the read ("": the node asked).
	Read(ctx context.Context, key, node string) (ids []string, served string, err error)
	// Write stores id (the register) or adds it (the set) and returns the
	// node that served the write ("": the node asked). An error that is
	// not a Definite *db.Error leaves the write's outcome unknown.
	Write(ctx context.Context, key, node, id string) (served string, err error)
	Close() error
}

// ErrUnsupported is a fault the database cannot take; the run records the
// fault as skipped with the error's text.
var ErrUnsupported = errors.New("not supported by this database")

// FinalTimeout bounds each final read: the database has settled, and a
// final read that times out leaves its key undecided.
const FinalTimeout = 5 * time.Second
