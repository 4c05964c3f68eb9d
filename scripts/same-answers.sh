#!/usr/bin/env bash
# Shows that `ldnbot ask --json` answers every question file the same way as a
# recorded baseline, byte for byte.
#
#   scripts/same-answers.sh capture DIR   write the current answers into DIR
#   scripts/same-answers.sh check DIR     compare the current answers with DIR
#
# The question files: the two in tests/data, the members' file when present, and
# the naughty strings (one per line, their own newlines turned into spaces so each
# stays one question).
#
# `capture` also copies the committed knowledge base and config into DIR, and both
# modes answer from that copy, so edits to knowledge/ in the working tree do not
# show up as differences: only the code is compared.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:?usage: same-answers.sh capture|check DIR}
dir=${2:?usage: same-answers.sh capture|check DIR}
members=${MEMBERS_FILE:-/work/shared/eval/members.jsonl}

cargo build --release --quiet --bin ldnbot
bin=target/release/ldnbot

questions_of() {
    python3 -c 'import json,sys
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.strip()
    if line:
        print(json.loads(line)["q"].replace("\n", " ").replace("\r", " "))' "$1"
}

naughty() {
    python3 -c 'import json,sys
for s in json.load(open(sys.argv[1], encoding="utf-8")):
    print(s.replace("\n", " ").replace("\r", " "))' tests/data/blns.json
}

run_all() {
    local out=$1
    local ask=("$bin" --config "$dir/snapshot/config/ldnbot.toml" ask --json)
    mkdir -p "$out"
    questions_of tests/data/dev.jsonl | "${ask[@]}" >"$out/dev.jsonl"
    questions_of tests/data/heldout.jsonl | "${ask[@]}" >"$out/heldout.jsonl"
    if [[ -f $members ]]; then
        questions_of "$members" | "${ask[@]}" >"$out/members.jsonl"
    fi
    naughty | "${ask[@]}" >"$out/blns.jsonl"
}

case $mode in
capture)
    rm -rf "$dir/snapshot"
    mkdir -p "$dir/snapshot"
    git archive HEAD knowledge config | tar -x -C "$dir/snapshot"
    run_all "$dir"
    wc -l "$dir"/*.jsonl
    ;;
check)
    now=$(mktemp -d)
    trap 'rm -rf "$now"' EXIT
    run_all "$now"
    status=0
    for f in "$dir"/*.jsonl; do
        name=$(basename "$f")
        if cmp -s "$f" "$now/$name"; then
            echo "same: $name ($(wc -l <"$f") answers)"
        else
            echo "DIFFERENT: $name"
            diff "$f" "$now/$name" | head -20 || true
            status=1
        fi
    done
    exit $status
    ;;
*)
    echo "usage: same-answers.sh capture|check DIR" >&2
    exit 2
    ;;
esac
