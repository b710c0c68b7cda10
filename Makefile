# gridgov — `make help` lists the targets.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)

BIN        := bin/gridgov
DB_URL     := postgres://gridgov@127.0.0.1:55432/gridgov?sslmode=disable
GO_SOURCES := $(shell find . -name '*.go' -not -path './web/node_modules/*') $(wildcard data/migrations/*.sql) go.mod go.sum
FUZZTIME   ?= 20s

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

run: db-up web $(BIN) ## start PostGIS, load the demo city (first time), serve on http://127.0.0.1:8080
	GRIDGOV_DATABASE_URL=$${GRIDGOV_DATABASE_URL:-$(DB_URL)} $(BIN) demo --if-empty
	GRIDGOV_DATABASE_URL=$${GRIDGOV_DATABASE_URL:-$(DB_URL)} $(BIN) serve

test: db-up web ## run every test against the local PostGIS (which it starts)
	@web/test/chromium.sh >/dev/null # headless Chromium for the browser tests (installed as root, else the command to run)
	REQUIRE_TEST_DB=1 go test -count=1 ./...

bench: db-up web ## run the benchmarks (BENCHMARKS.md says what they compare)
	go test -run '^$$' -bench . ./geo/ ./dispatch/ ./data/demo/
	REQUIRE_TEST_DB=1 go test -run '^$$' -bench Locate ./data/
	REQUIRE_TEST_DB=1 go test -run '^$$' -bench Intake -benchtime 10000x -count 3 ./cmd/gridgov/
	REQUIRE_TEST_DB=1 go test -run '^$$' -bench Tiles ./cmd/gridgov/
	REQUIRE_TEST_DB=1 go test -run '^$$' -bench Open311 ./cmd/gridgov/
	REQUIRE_TEST_DB=1 go test -run '^$$' -bench 'FieldNearest|RoadMatrix' ./data/

soak: db-up web ## crash-safety soak: SIGKILL the server under load SOAK_KILLS times (default 25); RELIABILITY.md
	REQUIRE_TEST_DB=1 go test -tags soak -run '^TestSoak$$' -count=1 -v -timeout 30m ./cmd/gridgov/

fuzz: ## run each fuzz target for FUZZTIME (default 20s)
	@for pkg in $$(go list ./...); do \
	  for f in $$(go test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; go test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

lint: ## gofmt, go vet, the import-direction check and the SQL-parameter check
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	go vet ./...
	go run ./scripts/importcheck
	go run ./scripts/sqlcheck

db-up: ## install (as root) and start the private PostGIS cluster on 127.0.0.1:55432
	@scripts/db.sh up

db-down: ## stop the private PostGIS cluster
	@scripts/db.sh down

db-reset: ## delete the private cluster and start it empty
	@scripts/db.sh reset

web: ## install MapLibre GL JS from npm (lock file) into the embedded web app
	@web/build.sh

$(BIN): $(GO_SOURCES) web
	go build -o $(BIN) ./cmd/gridgov

.PHONY: help run test bench soak fuzz lint db-up db-down db-reset web
