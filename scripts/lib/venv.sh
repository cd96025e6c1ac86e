# shellcheck shell=bash
# Sourced by scripts that keep a venv of their own.
#   ensure_venv <dir> <python> <pip install arguments...>
# makes <dir> a venv of <python> holding exactly that; it is recreated only when the
# arguments, a requirement file they name (-r, and what it names) or the Python change.
ensure_venv() {
  local dir=$1 python=$2 key
  shift 2
  key=$( { "$python" -c 'import sys; print(sys.version)'; printf '%s\n' "$@"; requirement_files "$@" | xargs cat; } \
    | sha256sum | cut -c1-16)
  [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$key" ] && return 0
  rm -rf "$dir"
  "$python" -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
  echo "$key" > "$dir/.stamp"
}

# requirement_files <pip install arguments...>: the files of every -r, and the files they name.
requirement_files() {
  local file
  while [ $# -gt 0 ]; do
    if [ "$1" = -r ] && [ $# -gt 1 ]; then
      file=$2
      echo "$file"
      # shellcheck disable=SC2046
      requirement_files $(sed -n "s|^-r *|-r $(dirname "$file")/|p" "$file")
      shift
    fi
    shift
  done
}
