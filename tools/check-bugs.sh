#!/usr/bin/env bash
# Applies each injected bug of tests/forge/bugs/*.patch in turn to a scratch copy of the
# working tree, runs the suite its header names ("# Caught by: forge" or "# Caught by: ape
# <test file>"), and prints bug -> caught/MISSED. Exits non-zero if any bug is missed or a
# patch no longer applies. The working tree itself is never modified.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/check-bugs.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' INT TERM

# The tracked and untracked (not ignored) files, plus the build caches so that each bug only
# recompiles what it touches; the installed tools are linked, not copied.
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$scratch" 2>/dev/null
for dir in out cache .build contracts/.cache; do
  [[ -d $dir ]] && mkdir -p "$scratch/$(dirname "$dir")" && cp -r "$dir" "$scratch/$dir"
done
rm -rf "$scratch/cache/invariant"
ln -s "$root/node_modules" "$scratch/node_modules"
ln -s "$root/.venv" "$scratch/.venv"
export PATH="$root/.venv/bin:$PATH"
# Failing campaigns: no shrinking (the verdict is enough), failures not persisted.
export FOUNDRY_INVARIANT_SHRINK_RUN_LIMIT=0
export FOUNDRY_INVARIANT_FAILURE_PERSIST_DIR="$scratch/.invariant-failures"
export FOUNDRY_FUZZ_FAILURE_PERSIST_DIR="$scratch/.fuzz-failures"

missed=0
results=()
start=$SECONDS
for patch in "$root"/tests/forge/bugs/*.patch; do
  name="$(basename "$patch" .patch)"
  bug="$(sed -n 's/^# Bug: //p' "$patch")"
  suite="$(sed -n 's/^# Caught by: //p' "$patch")"
  t0=$SECONDS
  if ! (cd "$scratch" && git apply "$patch"); then
    results+=("$(printf '%-36s %-8s %s' "$name" "NOAPPLY" "$bug")")
    missed=1
    continue
  fi
  log="$scratch/$name.log"
  case "$suite" in
    forge) (cd "$scratch" && forge test --fail-fast) >"$log" 2>&1 ;;
    # PYTHONPATH: the scratch copy's ml/, not the clone's (which the editable install names).
    ape\ *) (cd "$scratch" && PYTHONPATH="$scratch" ape test ${suite#ape } -x -q -p no:cacheprovider) >"$log" 2>&1 ;;
    *) echo "unknown suite '$suite' in $patch" >"$log"; false ;;
  esac
  status=$?
  (cd "$scratch" && git apply -R "$patch")
  if [[ $status -ne 0 ]] && ! grep -q "Compiler run failed\|unknown suite" "$log"; then
    verdict=caught
  else
    verdict=MISSED
    missed=1
    cp "$log" "${TMPDIR:-/tmp}/check-bugs-$name.log"
  fi
  results+=("$(printf '%-36s %-8s %4ss  %s' "$name" "$verdict" $((SECONDS - t0)) "$bug")")
done

printf '%-36s %-8s %5s  %s\n' "bug" "verdict" "time" "what it breaks"
printf '%s\n' "${results[@]}"
echo "check-bugs: $((SECONDS - start)) s"
exit $missed
