# clockwise: make demo | make test | make check STRATEGY=lww [SEED=n] [ARGS=...] | make check-real STRATEGY=vv | make matrix | make serve
GO       ?= go
BIN      := bin/clockwise
STRATEGY ?= lww
SEED     ?=
ARGS     ?=
HISTORY  ?= runs/latest
RUN      ?= runs/latest
RUNS     ?= runs
PORT     ?= 8080

SEEDFLAG := $(if $(SEED),--seed $(SEED),)

.PHONY: all build demo test check check-real check-db analyze matrix metadata report serve browser dbs bench lint docs clean sweep fuzz

all: build

build:
	$(GO) build -o $(BIN) ./cmd/clockwise

# The scripted stories, lww and vv side by side: a write lost to clock skew, and
# writes suppressed by a tombstone stamped an hour ahead.
demo: build
	$(BIN) demo

# The whole test suite, with the race detector, plus vet and gofmt. The
# browser test needs headless Chromium, the real databases' tests etcd, Redis,
# libfaketime and nft: the browser and dbs targets install them.
test: lint browser dbs
	$(GO) test -race -count=1 -timeout 25m ./...

# A randomized test; ends on its verdict. clockwise exits 1 when acknowledged
# writes were lost, and make, reporting "Error 1" after the verdict, exits 2.
check: build
	$(BIN) check --strategy $(STRATEGY) $(SEEDFLAG) $(ARGS)

# The same randomized test on real processes: --nodes clockwise node processes
# on loopback, real sockets and clocks. make check-real STRATEGY=vv ARGS="--nemesis kill --w 2"
check-real: build
	$(BIN) check --cluster local --strategy $(STRATEGY) $(SEEDFLAG) $(ARGS)

# A real database clockwise did not write, started by clockwise on loopback
# addresses (installed by make dbs; partitions need root):
# make check-db DB=redis ARGS="--workload set --nemesis partition"
DB ?= etcd
check-db: build dbs
	$(BIN) check --db $(DB) $(SEEDFLAG) $(ARGS)

# Re-judge a stored history or run folder: make analyze HISTORY=runs/lww-.../history.jsonl
analyze: build
	$(BIN) analyze $(HISTORY) $(ARGS)

# Every strategy against every nemesis on the same seeds, in one table:
# matrix.md, matrix.json and run.json in runs/matrix-<time>/.
# make matrix ARGS="--seeds 3 --ops 500"
matrix: build
	$(BIN) matrix $(ARGS)

# Causal metadata per key for vv, vv-pruned and dvv at 3 to 50 nodes: a table,
# keys.csv, metadata.json, bytes.png, run.json and a run folder per run in
# runs/metadata-<time>/.
metadata: build
	$(BIN) metadata $(SEEDFLAG) $(ARGS)

# The nightly sweep: 10,000 seeds of STRATEGY (vv unless set) with the
# workload drawn from each seed, every fault on; exits 1 if any seed fails.
# make sweep STRATEGY=dvv SEEDS=1-100000 ARGS="--ops 500"
SEEDS ?= 1-10000
sweep: build
	$(BIN) sweep --strategy $(if $(filter command line,$(origin STRATEGY)),$(STRATEGY),vv) --seeds $(SEEDS) --vary --nemesis tombstone,skew,partition,strobe $(ARGS)

# Every fuzz test, FUZZTIME each (Go fuzzes one target at a time): the
# history decoder and its scanner, the Jepsen history readers (EDN and log),
# the flag parsers, and the checker on simulated histories with a lost write
# planted. CI runs make fuzz FUZZTIME=8s. A target that fails fails the
# recipe, with one exception: Go's coordinator can end a timed run with
# "context deadline exceeded" and no failing input (go.dev/issue/75804),
# which is reported and passed over.
FUZZTIME ?= 2m
FUZZ := histories:FuzzDecode histories:FuzzDecodeErrors histories:FuzzScan harness:FuzzParseMix clock:FuzzParseOffsets \
	nemesis:FuzzParseKinds experiment/sweep:FuzzParseSeeds experiment:FuzzCheckerCatchesPlantedLoss \
	jepsen:FuzzDecodeEDN jepsen:FuzzDecodeLog jepsen:FuzzEDN
fuzz:
	@set -e; tmp=$$(mktemp -d); \
	for t in $(FUZZ); do pkg=$${t%%:*}; fn=$${t##*:}; dir=$$pkg/testdata/fuzz/$$fn; \
		echo "fuzz $$pkg $$fn for $(FUZZTIME)"; \
		before=$$(ls $$dir 2>/dev/null | wc -l); \
		echo 0 >"$$tmp/rc"; \
		{ $(GO) test ./$$pkg -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) 2>&1 || echo $$? >"$$tmp/rc"; } | tee "$$tmp/log"; \
		[ "$$(cat "$$tmp/rc")" -eq 0 ] && continue; \
		if [ "$$(ls $$dir 2>/dev/null | wc -l)" -gt "$$before" ]; then echo "fuzz: $$fn found a failing input: $$dir"; rm -rf "$$tmp"; exit 1; fi; \
		if ! grep -q "context deadline exceeded" "$$tmp/log"; then echo "fuzz: $$fn failed"; rm -rf "$$tmp"; exit 1; fi; \
		echo "fuzz: $$fn ended on Go's fuzztime deadline race (go.dev/issue/75804), no failing input"; \
	done; rm -rf "$$tmp"

# Print a stored run's summary (ARGS=--full: its whole text report): make report RUN=runs/lww-...
report: build
	$(BIN) report $(RUN) $(ARGS)

# Browse the run folders on http://127.0.0.1:$(PORT)/
serve: build
	$(BIN) serve $(RUNS) --port $(PORT)

# Rewrite the generated blocks (<!-- make docs: clockwise ... -->) of README.md
# and docs/*.md from what the commands print now; the test suite fails while
# one differs.
docs:
	$(GO) test ./cmd/clockwise -run TestREADME -count=1 -docs

# Headless Chromium for the browser test: Debian's chromium package,
# installed with apt-get where it is missing (as root, or through sudo).
browser:
	@if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then \
		echo "installing Debian's chromium for the browser test"; \
		sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium >/dev/null; \
	fi
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
		{ echo "chromium is still missing: install Debian's chromium package"; exit 1; }

# The real databases and what faults them: Debian's etcd-server, redis-server,
# faketime (libfaketime) and nftables, installed with apt-get where missing
# (as root, or through sudo). Packet filter faults need root at run time too.
DBS := etcd:etcd-server redis-server:redis-server faketime:faketime nft:nftables
dbs:
	@missing=; for d in $(DBS); do command -v $${d%%:*} >/dev/null 2>&1 || [ -x /usr/sbin/$${d%%:*} ] || missing="$$missing $${d##*:}"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian's$$missing for the real databases' tests"; \
		sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@for d in $(DBS); do command -v $${d%%:*} >/dev/null 2>&1 || [ -x /usr/sbin/$${d%%:*} ] || \
		{ echo "$${d%%:*} is still missing: install Debian's $${d##*:} package"; exit 1; }; done

# Benchmarks, compared with benchstat (go run golang.org/x/perf/cmd/benchstat@latest
# old.txt new.txt): in process, six times each, the simulator (client ops/s at 3 and 5
# nodes, 100k-op runs, truetime's commit wait over 2ε, a 1M-op run's heap), the checker,
# the store's clocks and report; then the clockwise binary end to end, three times each
# (one process a run, its peak RSS from the kernel): the yardstick (a bare event loop of
# 100k and 1M operations), check --ops 100000 per strategy, analyze of 10k, 100k and
# 1M-op lww histories and a 100k-op vv history, each also as a multiple of the bare loop
# of as many operations run in turns with it (×bare), real clusters; and a 1M-op check
# once. CLOCKWISE_BINARY=path benchmarks that build end to end instead of this tree's.
# About 15 minutes on 2 cores.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 6 $$($(GO) list ./... | grep -v '/tests$$') | tee bench.out
	$(GO) test -run '^$$' -bench 'BareLoop|Check100k|Analyze|RealCluster' -count 3 -timeout 60m ./tests | tee -a bench.out
	$(GO) test -run '^$$' -bench 'Check1M' -count 1 -timeout 60m ./tests | tee -a bench.out

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# Removes the build, the benchmarks' output and every run folder.
clean:
	rm -rf bin runs bench.out
