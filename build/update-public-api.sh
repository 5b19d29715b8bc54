#!/usr/bin/env bash
# Licensed under the MIT license. See LICENSE in the repository root.
#
# Rewrites the public API baseline of the packable projects after a deliberate public API change.
#
# src/Microsoft.ML.Peft and src/Microsoft.ML.Peft.Vision reference Microsoft.CodeAnalysis.PublicApiAnalyzers: every public
# symbol must be listed in PublicAPI.Shipped.txt (released) or PublicAPI.Unshipped.txt (since the last release). A public
# symbol missing from both is RS0016, a listed one that no longer exists is RS0017; both fail the build (warnings are
# errors), so the API only changes when these files change with it.
#
# Usage:
#   build/update-public-api.sh          add new symbols (RS0016) to PublicAPI.Unshipped.txt and record removed ones (RS0017):
#                                       dropped from Unshipped when they were added there, "*REMOVED*<line>" when shipped
#   build/update-public-api.sh --ship   then move everything in Unshipped into Shipped (at a release), leaving Unshipped empty
#
# Review the diff of the PublicAPI.*.txt files before committing it: it is the public API change.
# New lines are written by the analyzer's own code fix (dotnet format), so they have its exact format.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
projects=("src/Microsoft.ML.Peft" "src/Microsoft.ML.Peft.Vision")
ship=false
case "${1:-}" in
  --ship) ship=true ;;
  "") ;;
  *) echo "usage: $0 [--ship]" >&2; exit 2 ;;
esac

header='#nullable enable'

# Keeps the header first and the entries sorted, so diffs stay small and stable.
normalize() {
  local file="$1"
  local body
  body="$(grep -v -x -F "$header" "$file" | grep -v '^[[:space:]]*$' | LC_ALL=C sort -u || true)"
  {
    echo "$header"
    if [ -n "$body" ]; then printf '%s\n' "$body"; fi
  } > "$file"
}

for project in "${projects[@]}"; do
  dir="$root/$project"
  csproj="$dir/$(basename "$project").csproj"
  shipped="$dir/PublicAPI.Shipped.txt"
  unshipped="$dir/PublicAPI.Unshipped.txt"
  for file in "$shipped" "$unshipped"; do
    [ -f "$file" ] || echo "$header" > "$file"
  done

  echo "== $project: removed symbols (RS0017)"
  # RS0017 quotes the listed line exactly: "Symbol '<line>' is part of the declared API, but is either not public or could not be found".
  removed="$(dotnet build "$csproj" -c Release --no-incremental -p:TreatWarningsAsErrors=false 2>&1 \
    | grep -oE "RS0017: Symbol '.*' is part of the declared API" \
    | sed -E "s/^RS0017: Symbol '(.*)' is part of the declared API$/\1/" | LC_ALL=C sort -u || true)"
  if [ -n "$removed" ]; then
    while IFS= read -r line; do
      echo "  $line"
      if grep -q -x -F -- "$line" "$unshipped"; then
        grep -v -x -F -- "$line" "$unshipped" > "$unshipped.tmp" || true
        mv "$unshipped.tmp" "$unshipped"
      else
        echo "*REMOVED*$line" >> "$unshipped"
      fi
    done <<< "$removed"
  fi

  echo "== $project: new symbols (RS0016)"
  dotnet format analyzers "$csproj" --diagnostics RS0016 --severity warn
  normalize "$unshipped"

  if $ship; then
    echo "== $project: shipping Unshipped into Shipped"
    grep '^\*REMOVED\*' "$unshipped" | sed 's/^\*REMOVED\*//' > "$dir/removed.tmp" || true
    {
      if [ -s "$dir/removed.tmp" ]; then grep -v -x -F -f "$dir/removed.tmp" "$shipped" || true; else cat "$shipped"; fi
      grep -v '^\*REMOVED\*' "$unshipped" || true
    } > "$shipped.tmp"
    rm -f "$dir/removed.tmp"
    mv "$shipped.tmp" "$shipped"
    echo "$header" > "$unshipped"
    normalize "$shipped"
  fi
done

echo "Done. Check with: dotnet build Ml.Peft.sln -c Release"
