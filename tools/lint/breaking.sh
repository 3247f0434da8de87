#!/usr/bin/env bash
# The breaking-change gate of `make lint`: contracttest diff of openapi.yaml against the spec at a
# base commit. Exit 0 when nothing breaks (or when there is nothing to compare, said why), 1 when
# something breaks, 2 when the base or a spec is unusable.
#
# The base:
#   - DIFF_BASE, when set (any commit-ish: main, a tag, a hash);
#   - else `git merge-base HEAD origin/main`, when origin/main exists and shares history with HEAD;
#     in a shallow clone whose history does not reach that merge base, it skips and says how to
#     fetch more;
#   - else the first commit of HEAD's history (no remote, or a clone without origin/main). In a
#     shallow clone that is the oldest commit the clone has, which may be HEAD itself: then the
#     gate compares HEAD with itself and says so (fetch origin/main to gate for real).
# It skips, with the reason, when the tree is not a git checkout, when the base has no
# openapi.yaml, and when the spec at the base does not load (a format older than this
# contracttest reads: contracttest diff -skip-unloadable-old).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if ! git rev-parse --git-dir >/dev/null 2>&1; then
  echo "skipped: not a git checkout, so no base to compare openapi.yaml with"
  exit 0
fi
if [[ -n ${DIFF_BASE:-} ]]; then
  base=$(git rev-parse --verify --quiet "${DIFF_BASE}^{commit}") || {
    echo "DIFF_BASE=$DIFF_BASE names no commit" >&2
    exit 2
  }
  how="DIFF_BASE=$DIFF_BASE"
elif git rev-parse --verify --quiet origin/main >/dev/null && base=$(git merge-base HEAD origin/main 2>/dev/null); then
  how="git merge-base HEAD origin/main"
elif git rev-parse --verify --quiet origin/main >/dev/null && [[ $(git rev-parse --is-shallow-repository) == true ]]; then
  # Comparing with origin/main's tip instead would report what main changed since as this
  # branch's changes, reversed; comparing with HEAD would compare nothing. Say so instead.
  echo "skipped: origin/main and HEAD share no commit in this shallow clone, so the merge base is unknown;"
  echo "  fetch more history (git fetch --unshallow origin, or fetch-depth: 0 in actions/checkout) to gate"
  exit 0
else
  base=$(git rev-list --max-parents=0 HEAD | tail -n 1)
  why="no origin/main to take a merge base with"
  if git rev-parse --verify --quiet origin/main >/dev/null; then
    why="origin/main shares no history with HEAD"
  fi
  how="the first commit ($why)"
  if [[ $(git rev-parse --is-shallow-repository) == true ]]; then
    how="the oldest commit of this shallow clone ($why)"
  fi
fi
short=$(git rev-parse --short "$base")
echo "base: $short, $how"
if [[ $base == "$(git rev-parse HEAD)" ]]; then
  echo "note: the base is HEAD itself; openapi.yaml is compared with its own committed version"
fi
if ! git cat-file -e "$base:openapi.yaml" 2>/dev/null; then
  echo "skipped: $short has no openapi.yaml"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git show "$base:openapi.yaml" >"$tmp/openapi.yaml@$short"
cp openapi.yaml "$tmp/openapi.yaml"
go build -o "$tmp/contracttest" ./cmd/contracttest
cd "$tmp"
./contracttest diff -skip-unloadable-old "openapi.yaml@$short" openapi.yaml
