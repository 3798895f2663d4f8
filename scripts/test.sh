#!/usr/bin/env bash
# The elbd test command, used by the README and by CI (.ci/run):
#   go vet, a gofmt check, the race-enabled test suite, then a short run of
#   every fuzz target (discovered per package with `go test -list`).
# FUZZTIME (default 10s) sets how long each fuzz target runs; FUZZTIME=0
# skips fuzzing. Set ELBD_REQUIRE_INTEROP=1 to make missing interop clients
# (awscli, python3-boto3, python3-libcloud) a failure instead of a skip.
set -euo pipefail

cd "$(dirname "$0")/.."
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
FUZZTIME="${FUZZTIME:-10s}"

step() { printf '\n==> %s\n' "$*"; }

step "go vet ./..."
go vet ./...

step "gofmt -l ."
unformatted="$(gofmt -l .)"
if [ -n "$unformatted" ]; then
	echo "These files need gofmt -w:" >&2
	echo "$unformatted" >&2
	exit 1
fi

step "go test -race -count=1 ./..."
go test -race -count=1 ./...

if [ "$FUZZTIME" = "0" ]; then
	step "fuzzing skipped (FUZZTIME=0)"
	exit 0
fi

# Extra flags for some packages' fuzz targets.
fuzz_flags() {
	case "$1" in
	*/internal/certs) echo "-fuzzminimizetime=200x" ;; # bound minimization to 200 runs
	esac
}

# Packages whose test files declare fuzz targets; go test -list then names
# the targets that actually build (respecting build tags).
fuzz_dirs="$({ grep -rlE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(' . || true; } | xargs -r -n1 dirname | sort -u)"
if [ -z "$fuzz_dirs" ]; then
	step "no fuzz targets found"
	exit 0
fi
# shellcheck disable=SC2086 # one directory per word
fuzz_pkgs="$(go list $fuzz_dirs)"
for pkg in $fuzz_pkgs; do
	listed="$(go test -list '^Fuzz' "$pkg")"
	for target in $(grep -E '^Fuzz' <<<"$listed" || true); do
		cmd=(go test -run='^$' -fuzz="^${target}\$" -fuzztime="${FUZZTIME}")
		# shellcheck disable=SC2207 # flags is a word list
		cmd+=($(fuzz_flags "$pkg"))
		cmd+=("$pkg")
		step "${cmd[*]}"
		"${cmd[@]}"
	done
done
step "all checks passed"
