#!/usr/bin/env bash
# A hand-made mutation check: put one small fault into each of five core
# behaviours, run the tests that guard it, and say whether they caught it.
# The source is restored after each mutation (and on exit, whatever happens).
# Run from the repository root: tests/mutations.sh   (results: TESTING.md)
set -u
cd "$(dirname "$0")/.."

restore() { git checkout --quiet -- src; }
trap restore EXIT

# mutate NAME FILE OLD NEW TESTS...: replace OLD by NEW (exactly once) in FILE.
mutate() {
    local name=$1 file=$2 old=$3 new=$4
    shift 4
    python3 - "$file" "$old" "$new" <<'EOF' || { echo "$name: the mutation does not apply"; exit 2; }
import sys
path, old, new = sys.argv[1:]
s = open(path).read()
if s.count(old) != 1:
    sys.exit(f"{path}: expected one `{old}`, found {s.count(old)}")
open(path, "w").write(s.replace(old, new))
EOF
    if cargo test --quiet "$@" >"/tmp/mutation-$name.log" 2>&1; then
        echo "MISSED  $name  (tests: $*)"
    else
        failed=$(grep -E '^    [a-z_:]+$' "/tmp/mutation-$name.log" | sort -u | tr -d ' ' | paste -sd, -)
        echo "CAUGHT  $name  by: ${failed:-a failing build or test run}"
    fi
    restore
}

mutate confirm-accepts-a-prefix src/app/dialog.rs \
    'Some(name) => typed == name,' 'Some(name) => !typed.is_empty() && name.starts_with(typed),' \
    --lib --test playbooks -- confirm delete protection

mutate running-step-not-unknown-after-restart src/checklist/run.rs \
    's.state = StepState::Unknown;' '' \
    --lib -- checklist journal

mutate sanitiser-lets-escape-through src/logs/sanitize.rs \
    "'\\x00'..='\\x1f' => {" "'\\x00'..='\\x1a' | '\\x1c'..='\\x1f' => {" \
    --lib --test fuzz -- sanitize escape hostile

mutate pagination-stops-at-half src/hetzner/http.rs \
    '|| meta.total_entries.is_some_and(|t| seen >= t)' '|| meta.total_entries.is_some_and(|t| seen >= t / 2)' \
    --test contract --test playbooks -- conform servers pagination runaway

mutate read-only-lets-deploys-through src/app/update.rs \
    'if state.readonly
                && let Some(why)' 'if state.readonly && cmd != Command::Deploy
                && let Some(why)' \
    --lib --test playbooks -- read_only readonly
