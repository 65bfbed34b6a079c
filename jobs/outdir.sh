# Output directories of the scripts under jobs/ and notebooks/ (source this file).
#
# A script may only delete what it made itself. claim_out DIR NAME takes DIR as script NAME's
# output directory: a missing or empty DIR is created and marked as NAME's (a file
# DIR/.omniembed-out holding NAME); a DIR with NAME's mark is an earlier run's, taken as it is (so
# recipes resume); any other non-empty DIR is refused with a message and exit code 2, before
# anything runs. fresh_out DIR NAME does the same, then empties a marked DIR for a clean run.

claim_out() {
  local dir=$1 name=$2
  if [[ -e "$dir" && ! -d "$dir" ]]; then
    echo "$name: $dir exists and is not a directory; give a new or empty directory" >&2
    exit 2
  fi
  if [[ -d "$dir" && -n "$(ls -A "$dir")" ]]; then
    if [[ "$(cat "$dir/.omniembed-out" 2>/dev/null)" != "$name" ]]; then
      echo "$name: $dir is not empty and was not made by $name; give a new or empty directory" \
        "(nothing was deleted)" >&2
      exit 2
    fi
    return 0
  fi
  mkdir -p "$dir"
  echo "$name" > "$dir/.omniembed-out"
}

fresh_out() {
  local dir=$1 name=$2
  claim_out "$dir" "$name"
  find "$dir" -mindepth 1 -maxdepth 1 ! -name .omniembed-out -exec rm -rf {} +
}
