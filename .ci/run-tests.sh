#!/usr/bin/env bash
# Runs every test project and prints one closing line: `N passed, N failed[, N skipped]`.
# Exits non-zero when any test failed or a test project did not run at all.
set -uo pipefail
cd "$(dirname "$0")/.."
config="${CONFIG:-Release}"
results=.test-results
rm -rf "$results"; mkdir -p "$results"
passed=0; failed=0; skipped=0; broken=0
for project in tests/*.Tests/*.csproj; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  log="$results/$name.log"
  dotnet test "$project" -c "$config" --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" 2>&1 | tee "$log" \
    | grep -E '^\s*(Failed|Passed|Skipped) |Passed!|Failed!|error' || true
  trx="$results/$name.trx"
  if [ ! -f "$trx" ]; then echo "!! $name produced no results"; broken=$((broken+1)); continue; fi
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  p=$(get passed); f=$(get failed); t=$(get total); e=$(get executed)
  passed=$((passed+p)); failed=$((failed+f)); skipped=$((skipped+t-e))
done
failed=$((failed+broken))
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
