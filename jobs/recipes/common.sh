# Shared by the recipes: where inputs are cached, and fetching a sources jar from Maven Central.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$here/jobs/outdir.sh"   # claim_out, fresh_out
cache=${OMNIEMBED_CACHE:-$HOME/.cache/omniembed}
omni="$here/jobs/omniembed"
mkdir -p "$cache/sources"

# fetch G:A:V -> prints the path of the cached G:A:V sources jar, downloading it once.
fetch() {
  local gav=$1 file
  file="$cache/sources/$(echo "$gav" | cut -d: -f2)-$(echo "$gav" | cut -d: -f3)-sources.jar"
  [[ -f "$file" ]] || (cd "$here" && mvn -B -q dependency:copy -Dartifact="$gav:jar:sources" \
    -DoutputDirectory="$cache/sources" >&2)
  echo "$file"
}

# npm_fetch NAME@VERSION...: each npm package unpacked once under $npm_dir/NAME/package.
npm_dir="$cache/npm"
npm_fetch() {
  local pkg name
  mkdir -p "$npm_dir"
  for pkg in "$@"; do
    name=${pkg%@*}
    if [[ ! -d "$npm_dir/$name/package" ]]; then
      (cd "$npm_dir" && npm pack -q "$pkg" >/dev/null && mkdir -p "$name" \
        && tar xzf "$name"-*.tgz -C "$name")
    fi
  done
}

# The Java sources jars that the code recipes train on (commons-text stays out: it is held out).
code_train_gavs=(com.google.guava:guava:33.4.8-jre org.apache.commons:commons-lang3:3.18.0
  org.apache.commons:commons-collections4:4.6.0 commons-io:commons-io:2.22.0
  org.apache.commons:commons-math3:3.6.1)
code_valid_gav=org.apache.commons:commons-text:1.15.0

# need_debs PKG...: installs the Debian packages that are not installed yet.
need_debs() {
  local pkg need=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  done
  if (( ${#need[@]} )); then
    echo "installing Debian packages: ${need[*]}" >&2
    apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}

# keep_budget NAME OUT BUDGET: records a recipe's knobs in OUT/budget.txt; a re-run in the same
# OUT with other knobs is refused (exit code 2, nothing deleted), so a resumed run never mixes
# outputs of two budgets.
keep_budget() {
  local name=$1 dir=$2 budget=$3
  if [[ -f "$dir/budget.txt" && "$(cat "$dir/budget.txt")" != "$budget" ]]; then
    echo "$name: $dir was made with other knobs:" >&2
    echo "  earlier: $(cat "$dir/budget.txt")" >&2
    echo "  now:     $budget" >&2
    echo "give a new directory, or the earlier knobs to resume (nothing was deleted)" >&2
    exit 2
  fi
  echo "$budget" > "$dir/budget.txt"
}
