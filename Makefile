# Cloud Plans billing contract kit. `make run` serves the mock; `make test` runs every Go test.
GO        ?= go
ADDR      ?= 127.0.0.1:8080
FUZZTIME  ?= 5s
# Go modules of this repository: the root, and the independent provider (its own module, so that
# the mock's users do not inherit its SQLite driver).
MODULES   := . examples/provider
# The provider's SQLite driver is C translated to Go: under -race, checkptr's checks of its
# pointer arithmetic cost about 30% of the CPU of the provider's broken-server table, and check
# none of our code. The race detector still instruments the driver.
RACEFLAGS := -race -gcflags='modernc.org/...=-d=checkptr=0'

.PHONY: run build test race fuzz-short fuzz lint bench e2e contracttest image image-test npm npm-test clean

# ARGS: more flags for the mock, as in `make run ARGS='-scenario past-due'`.
ARGS      ?=
IMAGE     ?= cloudplans/billing-mock:dev
# NPM_VERSION: the npm packages' version (default: the git tag, else 0.0.0-dev).
NPM_VERSION ?=

run: ## serve the mock with the embedded spec and default fixtures (more flags: ARGS='-scenario past-due')
	$(GO) run ./cmd/billing-mock -addr $(ADDR) $(ARGS)

build: ## build both binaries into bin/
	$(GO) build -o bin/billing-mock ./cmd/billing-mock
	$(GO) build -o bin/contracttest ./cmd/contracttest

test: ## vet, every test under the race detector (both modules), and a short run of each fuzz target
	@set -e; for mod in $(MODULES); do echo "vet and test $$mod"; (cd $$mod && $(GO) vet ./... && $(GO) test $(RACEFLAGS) -count=1 ./...); done
	$(MAKE) --no-print-directory fuzz-short

# Each fuzz target for FUZZTIME; `make fuzz FUZZTIME=2m` for a longer hunt. A run that ends with
# the toolchain's own deadline error and no failing input written is run once more.
fuzz-short fuzz:
	@mkdir -p bin; set -e; for mod in $(MODULES); do ( cd $$mod; \
	for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$t ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg >$(CURDIR)/bin/fuzz.log 2>&1 || \
	      { cat $(CURDIR)/bin/fuzz.log; \
	        if grep -q 'context deadline exceeded' $(CURDIR)/bin/fuzz.log && ! grep -q 'Failing input written' $(CURDIR)/bin/fuzz.log; then \
	          echo "fuzz: $$t stopped at Go's -fuzztime boundary race (golang/go#75804, fixed in Go 1.27), not on an input: once more"; \
	          $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	        else exit 1; fi; }; \
	  done; \
	done ); done

# DIFF_BASE: the commit the breaking-change gate compares openapi.yaml with (default: the merge
# base with origin/main, else the first commit; tools/lint/breaking.sh).
lint: ## gofmt, go vet, Spectral + Redocly on the specs, generated TypeScript types under tsc --strict, the breaking-change gate (contracttest diff)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	@set -e; for mod in $(MODULES); do (cd $$mod && $(GO) vet ./...); done
	bash tools/lint/lint.sh

e2e: ## browser tests in Debian's chromium (playwright-core, node --test): the mock on a free loopback port, a cross-origin app, the hosted pages, the dashboard
	bash e2e/run.sh

# Go benchmarks of every action through the whole handler chain, next to a bare handler (ratios
# printed; compare runs with benchstat), then the loopback load test (bench/loadtest.sh: wrk,
# start-up, memory, the contract suite's time; Prism too when bench/prism is installed), with the
# mock built from BASELINE (a git revision, default main; empty for none) measured in the same
# rounds. Exits 1 when a target is missed or a req/s ratio fell more than 5% against BASELINE. Not
# part of `make test`. See docs/PERFORMANCE.md.
BENCHCOUNT ?= 6
BASELINE   ?= $(shell git rev-parse --verify -q main >/dev/null && echo main)
bench: ## benchmarks, load test against BASELINE (default main) and the performance targets (docs/PERFORMANCE.md)
	@mkdir -p bin/bench
	$(GO) test -run '^$$' -bench . -benchmem -count $(BENCHCOUNT) ./mock/ >bin/bench/go.txt || { cat bin/bench/go.txt; exit 1; }
	@cat bin/bench/go.txt
	$(GO) run ./bench/benchtool ratios bin/bench/go.txt
	BASELINE=$(BASELINE) bash bench/loadtest.sh

image: ## the OCI image FROM scratch with podman (static binary, non-root, at most 20 MB), tagged IMAGE
	IMAGE=$(IMAGE) bash packaging/image/build.sh

image-test: image ## build the image, run it, describe, the contract suite against it, stop it
	IMAGE=$(IMAGE) bash packaging/image/test.sh

npm: ## the npm packages into bin/npm/: @cloudplans/billing-mock (launcher, Playwright fixture, typed control client) and one per platform with its binary
	bash packaging/npm/build.sh $(if $(NPM_VERSION),--version $(NPM_VERSION))

npm-test: npm ## install the npm tarballs offline (no registry) into a temp project: npx billing-mock -version, a describe, the JS API, its types
	node --test --test-reporter=spec packaging/npm/test/

contracttest: ## run the contract suite against BASE_URL (default: a mock you started with make run)
	$(GO) run ./cmd/contracttest -base-url $${BASE_URL:-http://$(ADDR)}

clean:
	rm -rf bin
