package cli

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLaunchNamesTheBinaryAsItRunsFromHere(t *testing.T) {
	onPath := func(string) (string, error) { return "/usr/local/bin/clockwise", nil }
	notOnPath := func(string) (string, error) { return "", errors.New("not found") }
	exe := func() (string, error) { return "/opt/cw/clockwise", nil }
	assert.Equal(t, "bin/clockwise", LaunchOf("bin/clockwise", notOnPath, exe, true).Name, "through make or from the repository")
	assert.Equal(t, "./clockwise", LaunchOf("./clockwise", onPath, exe, false).Name)
	assert.Equal(t, "clockwise", LaunchOf("clockwise", onPath, exe, false).Name, "found on PATH")
	assert.Equal(t, "/opt/cw/clockwise", LaunchOf("clockwise", notOnPath, exe, false).Name, "not on PATH: the executable")
	assert.Equal(t, "'/tmp/my dir/clockwise'", LaunchOf("/tmp/my dir/clockwise", notOnPath, exe, false).Name, "quoted for the shell")
}

func TestMakeFormOfACheck(t *testing.T) {
	l := Launch{Name: "bin/clockwise", Make: true}
	assert.Equal(t, "bin/clockwise check --strategy lww --seed 1", l.Command("clockwise check --strategy lww --seed 1"))
	assert.Equal(t, "make check STRATEGY=lww SEED=1", l.MakeForm("clockwise check --strategy lww --seed 1"))
	assert.Equal(t, `make check STRATEGY=vv SEED=7 ARGS="--nodes 5 --nemesis skew,partition"`,
		l.MakeForm("clockwise check --strategy vv --seed 7 --nodes 5 --nemesis skew,partition"))
	assert.Empty(t, l.MakeForm("clockwise check --strategy vv --seed 7 --cluster local"), "check-real's")
	assert.Empty(t, l.MakeForm("clockwise check --strategy vv --seed 7 --skew 'n1=+5s'"), "quotes make would change")
	assert.Empty(t, l.MakeForm("clockwise sweep --seeds 1-10"))
	assert.Equal(t, `make check-db DB=redis SEED=1 ARGS="--nemesis partition --workload set"`,
		l.MakeForm("clockwise check --seed 1 --db redis --nemesis partition --workload set"), "a database's, without a strategy")
	assert.Empty(t, Launch{Name: "clockwise"}.MakeForm("clockwise check --strategy lww --seed 1"), "no Makefile here")
}
