# Cloud Plans billing contract kit. `make run` serves the mock; `make test` runs every Go test.
GO        ?= go
ADDR      ?= 127.0.0.1:8080
FUZZTIME  ?= 5s

.PHONY: run build test race fuzz-short fuzz lint bench e2e contracttest clean

run: ## serve the mock with the embedded spec and default fixtures
	$(GO) run ./cmd/billing-mock -addr $(ADDR)

build: ## build both binaries into bin/
	$(GO) build -o bin/billing-mock ./cmd/billing-mock
	$(GO) build -o bin/contracttest ./cmd/contracttest

test: ## vet, every test under the race detector, and a short run of each fuzz target
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...
	$(MAKE) --no-print-directory fuzz-short

# Each fuzz target for FUZZTIME; `make fuzz FUZZTIME=2m` for a longer hunt.
fuzz-short fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$t ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg >/dev/null || \
	      { $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; exit 1; }; \
	  done; \
	done

lint: ## gofmt, go vet, Spectral + Redocly on the specs, generated TypeScript types under tsc --strict
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	bash tools/lint/lint.sh

contracttest: ## run the contract suite against BASE_URL (default: a mock you started with make run)
	$(GO) run ./cmd/contracttest -base-url $${BASE_URL:-http://$(ADDR)}

clean:
	rm -rf bin
