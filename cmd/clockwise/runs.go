package main

import (
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/runs"
)

func newRunInfo(cfg harness.Config, command string) runs.Info {
	nem := strings.Join(cfg.Nemesis.Kinds, ",")
	if nem == "" {
		nem = "none"
	}
	return runs.Info{
		Strategy: cfg.Strategy, Nemesis: nem, Seed: cfg.Seed, Nodes: cfg.Nodes, Clients: cfg.Clients,
		Keys: cfg.Keys, Ops: cfg.Ops, Command: command, Started: time.Now().UTC().Truncate(time.Second),
	}
}

// runInto runs cfg with gen, streaming its history to path.
func runInto(path string, cfg harness.Config, gen harness.Generator) (*harness.Result, error) {
	var res *harness.Result
	err := runs.Record(path, func(w *histories.Writer) (err error) {
		res, err = harness.Run(cfg, gen, w)
		return err
	})
	return res, err
}
