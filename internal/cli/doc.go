// Package cli is the command line's mechanics that clockwise's commands
// share and that know nothing of stores or checkers: how this binary is
// named in the lines it prints for a user to paste (Launch, with the make
// form of a check), the command line that repeats an invocation (Replay,
// PassedOn), the flag a mistyped one was likely meant to be (Suggest), and
// progress bars drawn only on a terminal (Staged, Counter).
package cli
