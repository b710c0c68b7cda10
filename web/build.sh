#!/usr/bin/env bash
# Build the browser assets that web.go embeds.
#   - installs web/node_modules from package-lock.json (npm ci) when it is
#     missing or older than the lock file;
#   - copies MapLibre GL JS (UMD bundle + CSS) into static/vendor/ (generated,
#     git-ignored).
# Runnable from any directory; prints one line on success.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

stamp=node_modules/.gridgov-installed
dist=node_modules/maplibre-gl/dist

if [[ ! -f "$stamp" || package-lock.json -nt "$stamp" || ! -f "$dist/maplibre-gl.js" ]]; then
	log="$(mktemp)"
	trap 'rm -f "$log"' EXIT
	if ! npm ci --no-audit --no-fund >"$log" 2>&1; then
		cat "$log" >&2
		echo "web/build.sh: npm ci failed" >&2
		exit 1
	fi
	touch "$stamp"
fi

mkdir -p static/vendor
for f in maplibre-gl.js maplibre-gl.css; do
	# copy only when different, so repeated builds leave mtimes alone
	if ! cmp -s "$dist/$f" "static/vendor/$f"; then
		cp "$dist/$f" "static/vendor/$f.tmp"
		mv "static/vendor/$f.tmp" "static/vendor/$f"
	fi
done

version="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' node_modules/maplibre-gl/package.json | head -n1)"
echo "web: static/vendor ready (maplibre-gl ${version})"
