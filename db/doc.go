// Package db runs a real database, one clockwise did not write, as a
// cluster of local processes that the nemesis can fault: etcd (package
// db/etcd) and Redis with Sentinel (package db/redis) build on it.
//
// # Hosts
//
// Every node is a host of its own: a loopback address 127.0.R.x (x from 2),
// on which its processes listen on their usual ports. The block R is chosen
// at random among those whose addresses nobody holds, and held for the
// cluster's life by a listener on each address's claim port (ClaimPort), so
// concurrent clusters, of tests or of runs, never share an address. A node's
// data folder and its processes' logs are in the cluster's folder:
// <dir>/<process>/ and <dir>/<process>.log.
//
// # Processes
//
// Each process runs in its own process group (a Ctrl-C at the terminal
// reaches only clockwise, which stops the cluster itself) with the
// parent-death signal SIGKILL (should clockwise die first, the kernel kills
// it), and carries its owner's tag in its environment (OwnerEnv). Sweep
// kills the processes whose owner is no longer running, and removes the
// packet filter tables such owners left (netfault.Sweep). Stop kills every
// process; callers defer it on every exit path.
//
// Faults act on one process by name (n1…, s1… for Redis's Sentinels): Kill
// sends SIGKILL and leaves it down, Restart starts it again with the same
// data folder, Pause and Resume send SIGSTOP and SIGCONT. Partition cuts
// links between hosts (nodes by name) with kernel packet filter rules
// (package netfault), both ways, while clients on 127.0.0.1 still reach
// every node; as root each process runs in its host's group so that the
// filter knows its connections. Without root or nft, Partition returns the
// netfault.UnavailableError that says why, for the caller to record the
// fault as skipped.
//
// # Clock skew
//
// A process started with Skew reads the clock through Debian's libfaketime
// (LD_PRELOAD, with a timestamp file per process that SetOffset rewrites;
// libfaketime rereads it at most a second later). It reaches only programs
// that read the clock through libc, not Go programs such as etcd, whose
// runtime reads the clock by system call or vDSO without libc. The monotonic
// clock is left alone (FAKETIME_DONT_FAKE_MONOTONIC): only the wall clock is
// skewed, as a wrong wall clock is. Before a program's first process starts
// with Skew, ProbeSkew checks that it runs under libfaketime at all: Debian's
// redis-server does not (it links jemalloc, which hangs libfaketime's start),
// and Start returns the *SkewError that says why.
//
// # Operations
//
// A client operation that fails returns an *Error that says whether the
// operation definitely did not take effect (Definite) or may have (the
// request was sent and no answer came: a timeout, a lost connection).
// A history records the first as fail and the second as info.
package db
