#!/usr/bin/env bash
# Runs every test project and prints one closing line: `N passed, N failed[, N skipped]`.
# Exits non-zero exactly when that line shows a failure. A project counts as one failure (named on a `!!` line
# above the summary) when its test host crashed or hung, `dotnet test` exited non-zero without a failed test,
# it produced no results, or fewer tests ran than were discovered: tests that vanish never read as green.
# FJORD_TEST_HANG_TIMEOUT (default 10m) is how long one test may run before the host is dumped and killed;
# FJORD_TEST_PROJECTS (default every tests/*.Tests/*.csproj) narrows the run to some projects.
set -uo pipefail
cd "$(dirname "$0")/.."
config="${CONFIG:-Release}"
hang_timeout="${FJORD_TEST_HANG_TIMEOUT:-10m}"
results=.test-results
rm -rf "$results"; mkdir -p "$results"
passed=0; failed=0; skipped=0; broken=0
problems=(); skips=()
for project in ${FJORD_TEST_PROJECTS:-tests/*.Tests/*.csproj}; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  log="$results/$name.log"
  touch "$results/$name.start"
  # Discovery first, so a host that dies mid-run cannot hide the tests it never reached.
  discovered=$(dotnet test "$project" -c "$config" --no-build --nologo --list-tests 2>&1 \
    | sed -n '/The following Tests are available:/,$p' | grep -c '^    ')
  dotnet test "$project" -c "$config" --no-build --nologo \
    --blame-hang-timeout "$hang_timeout" --blame-hang-dump-type mini \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" 2>&1 | tee "$log" \
    | grep -E '^\s*(Failed|Passed|Skipped) |Passed!|Failed!|error|aborted|crashed|hang|\.dmp' || true
  code=${PIPESTATUS[0]}
  trx="$results/$name.trx"
  if [ ! -f "$trx" ]; then
    problems+=("!! $name: produced no results (dotnet test exit $code)"); broken=$((broken+1)); continue
  fi
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  p=$(get passed); f=$(get failed); t=$(get total); e=$(get executed)
  passed=$((passed+p)); failed=$((failed+f)); skipped=$((skipped+t-e))
  # Each failed test by name, and why each skipped test was skipped (xunit's reason is the result's message).
  while IFS=$'\t' read -r outcome text; do
    if [ "$outcome" = NotExecuted ]; then skips+=("-- skipped in $name: $text"); else problems+=("!! failed in $name: $text"); fi
  done < <(python3 - "$trx" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {'t': 'http://microsoft.com/schemas/VisualStudio/TeamTest/2010'}
for r in ET.parse(sys.argv[1]).getroot().iterfind('.//t:UnitTestResult', ns):
    outcome = r.get('outcome')
    if outcome == 'NotExecuted':
        m = r.find('t:Output/t:ErrorInfo/t:Message', ns)
        reason = (m.text or '').strip() if m is not None else '(no reason given)'
        print(f"{outcome}\t{r.get('testName')}: {reason}")
    elif outcome == 'Failed':
        # The first lines of why, so a CI log that keeps only its tail still says what broke.
        m = r.find('t:Output/t:ErrorInfo/t:Message', ns)
        why = ' '.join((m.text or '').split())[:400] if m is not None else ''
        print(f"{outcome}\t{r.get('testName')}" + (f" -- {why}" if why else ''))
PY
)
  why=()
  if grep -qE 'Test host process crashed|test run was aborted|Test Run Aborted' "$log" && ! grep -q 'inactivity time of' "$log"; then why+=("test host crashed"); fi
  if grep -q 'inactivity time of' "$log"; then why+=("a test hung longer than $hang_timeout"); fi
  if [ "$code" -ne 0 ] && [ "$f" -eq 0 ]; then why+=("dotnet test exited $code without a failed test"); fi
  if [ "$t" -lt "$discovered" ]; then why+=("only $t of $discovered discovered tests reported a result"); fi
  if [ ${#why[@]} -gt 0 ]; then
    line="!! $name: ${why[0]}"
    for w in "${why[@]:1}"; do line="$line; $w"; done
    # The test that was running: what blame names, else the first test frame of the crash stack.
    running=$(grep -A1 'The test running when the crash occurred' "$log" | sed -n 2p)
    [ -z "$running" ] && running=$(grep -m1 -oE '^\s+at Fjord\.[A-Za-z0-9_.`]+Tests\.[A-Za-z0-9_.`<>]+' "$log" | sed -E 's/^\s+at //')
    [ -n "$running" ] && line="$line; running: $running"
    dumps=$(find "$results" -name '*.dmp' -newer "$results/$name.start" -not -path '*/In/*' 2>/dev/null | tr '\n' ' ')
    [ -n "$dumps" ] && line="$line; dump: $dumps"
    problems+=("$line"); broken=$((broken+1))
  fi
done
for s in "${skips[@]+"${skips[@]}"}"; do echo "$s"; done
for p in "${problems[@]+"${problems[@]}"}"; do echo "$p"; done
failed=$((failed+broken))
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
