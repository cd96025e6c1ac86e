#!/usr/bin/env bash
# make galaxy: what Galaxy and an execution-environment build would make of the tarball,
# offline, with galaxy-importer and ansible-builder in their own venv (.venv-galaxy/).
#   1. galaxy-importer: the import succeeds and prints no warning or error that is not
#      explained in EXPLAINED below.
#   2. ansible-builder create on execution-environment.yml: the build context holds the
#      tarball and requests, and ansible-builder's introspection of the installed
#      collection (meta/execution-environment.yml) finds requests too.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/venv.sh
source scripts/lib/venv.sh
work=$PWD/build/galaxy
rm -rf "$work"
mkdir -p "$work"

ensure_venv .venv-galaxy "${GALAXY_PYTHON:-python3}" -r tests/galaxy/requirements.txt
tools=$PWD/.venv-galaxy/bin
tarball=$(scripts/build.sh)
# Nothing of the dev venv or the checkout: the tools see only the tarball.
unset PYTHONPATH ANSIBLE_COLLECTIONS_PATH

# --- 1. galaxy-importer ----------------------------------------------------------------
# Output lines that are known and acceptable, each with why (a regular expression each).
EXPLAINED=(
  # none today
)
import_tarball=$tarball
if ! tar -xzOf "$tarball" MANIFEST.json | python -c 'import json, sys; sys.exit(not json.load(sys.stdin)["collection_info"]["repository"])'; then
  # Galaxy refuses a collection without galaxy.yml `repository`, and this project has no
  # public repository yet (.ansible-lint skips galaxy[no-repository] for the same reason).
  # Until it has one, the import is checked on a copy that names a placeholder, and this
  # says so on every run; once galaxy.yml has `repository`, the tarball itself is checked.
  echo "NOTE: galaxy.yml has no repository, which Galaxy requires: importing a copy that names https://example.invalid/hostup.cloud"
  mkdir -p "$work/unpacked" "$work/placeholder"
  tar -xzf "$tarball" -C "$work/unpacked"
  python - "$work/unpacked/MANIFEST.json" <<'PY'
import json, sys
with open(sys.argv[1]) as handle:
    manifest = json.load(handle)
manifest["collection_info"]["repository"] = "https://example.invalid/hostup.cloud"
with open(sys.argv[1], "w") as handle:
    json.dump(manifest, handle, indent=4)
PY
  import_tarball=$work/placeholder/$(basename "$tarball")
  tar -czf "$import_tarball" -C "$work/unpacked" .
fi
# galaxy-importer writes importer_result.json into the current directory.
(cd "$work" && "$tools/python" -m galaxy_importer.main "$import_tarball") > "$work/importer.out" 2>&1 \
  || { cat "$work/importer.out"; echo "galaxy-importer failed"; exit 1; }
grep -q '^Importer processing completed successfully' "$work/importer.out" \
  || { cat "$work/importer.out"; echo "galaxy-importer did not complete"; exit 1; }
unexplained=$(grep -iE 'warn|error|fail' "$work/importer.out" || true)
for pattern in "${EXPLAINED[@]}"; do
  unexplained=$(grep -vE -- "$pattern" <<<"$unexplained" || true)
done
if [ -n "$unexplained" ]; then
  cat "$work/importer.out"; echo "galaxy-importer reported problems nobody has explained:"; echo "$unexplained"; exit 1
fi
echo "galaxy-importer $("$tools/python" -c 'from importlib.metadata import version; print(version("galaxy-importer"))'): imported $(basename "$tarball") with no warnings"

# --- 2. the execution environment's build context ---------------------------------------
context=$work/ee-context
"$tools/ansible-builder" create --file execution-environment.yml --context "$context" --output-filename Containerfile \
  > "$work/builder.out" 2>&1 || { cat "$work/builder.out"; exit 1; }
if grep -qi warning "$work/builder.out"; then cat "$work/builder.out"; echo "ansible-builder warned"; exit 1; fi
grep -qE '^requests' "$context/_build/requirements.txt" || { echo "the EE context's requirements.txt lacks requests"; exit 1; }
# The galaxy stage copies _build to /build and installs requirements.yml from there.
grep -qx 'COPY _build /build' "$context/Containerfile" || { echo "the Containerfile copies no _build to /build"; exit 1; }
collection_file=$("$tools/python" - "$context/_build/requirements.yml" <<'PY'
import sys, yaml
collections = yaml.safe_load(open(sys.argv[1]))["collections"]
assert len(collections) == 1 and collections[0].get("type") == "file", collections
print(collections[0]["name"])
PY
)
case $collection_file in
  /build/*) in_context=$context/_build/${collection_file#/build/} ;;
  *) echo "the EE installs $collection_file, not a file of its build context"; exit 1 ;;
esac
cmp -s "$in_context" "$tarball" \
  || { echo "the EE installs $collection_file; the build context holds no such copy of $(basename "$tarball") (galaxy.yml's version changed?)"; exit 1; }
# What the builder stage would do with the installed collection: read meta/execution-environment.yml.
"$tools/ansible-galaxy" collection install "$in_context" -p "$work/ee-collections" >/dev/null 2>&1
introspected=$("$tools/ansible-builder" introspect --sanitize "$work/ee-collections")
grep -qE "^- '?requests.*# from collection hostup\.cloud" <<<"$introspected" \
  || { echo "$introspected"; echo "ansible-builder introspect finds no requests in hostup.cloud"; exit 1; }
echo "execution environment: the build context installs $(basename "$tarball") and requests (ansible-builder create, no container runtime needed)"
