# Sunshine — the two set-up commands of the README are `make run` and `make test`.
GO ?= go
# The Go toolchain: go1.27.3 (go1.26.8, on the build machines, has standard-library
# vulnerabilities that govulncheck reports). The go command fetches it from the module
# proxy on first use (76 MB, about 10 s); a machine starts on its own Go and ignores a
# toolchain line in go.mod, so it is set here (and in .ci/run) for every go command.
export GOTOOLCHAIN := go1.27.3
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOSEC ?= $(GO) run github.com/securego/gosec/v2/cmd/gosec@v2.30.0

.PHONY: run test lint gotest browser bench build gosec vulncheck

## run: start Sunshine on SQLite in ./data, with demo data on first start
run:
	$(GO) run ./cmd/sunshine serve --demo

## build: build the binary ./sunshine
build:
	$(GO) build -o sunshine ./cmd/sunshine

## test: formatting, vet, staticcheck, gosec, govulncheck, then every test (store and API
## tests on SQLite, and on PostgreSQL when SUNSHINE_TEST_PG is set; under CI=true they fail
## without it)
test: lint vulncheck gotest browser

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...
	$(GOSEC) -quiet ./...

gotest:
	$(GO) test -count=1 ./...

## browser: the pages in headless Chromium with axe-core (web-tests/); needs
## chromium and `npm ci` in web-tests. Without them it says so and skips, except under CI.
browser:
	@if [ -x "$${CHROMIUM:-/usr/bin/chromium}" ] && [ -d web-tests/node_modules ]; then \
	  cd web-tests && npm test; \
	elif [ -n "$$CI" ]; then \
	  echo "browser tests cannot run: install chromium and run npm ci in web-tests (.ci/run does)"; exit 1; \
	else \
	  echo "SKIPPED browser tests: install chromium (apt-get install chromium) and run 'npm ci' in web-tests"; \
	fi

## bench: the load benchmark (person reads vs /healthz, 200 clients) and the Go benchmarks
bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./internal/app/

## gosec: the security linter alone (`make lint` runs it too); a deliberate
## exception is marked `#nosec RULE -- why` on its line
gosec:
	$(GOSEC) -quiet ./...

## vulncheck: govulncheck against an offline database built from golang.org/x/vulndb
## (scripts/vulncheck.sh; the first run builds the database, a few minutes)
vulncheck:
	GO=$(GO) scripts/vulncheck.sh
