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
