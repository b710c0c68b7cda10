#!/usr/bin/env bash
# Make sure the browser tests have Debian's headless Chromium and a CJK font (for legible screenshots).
# As root, installs what is missing with apt-get (as scripts/db.sh does for PostgreSQL); otherwise prints the
# command to run and exits 1. Prints the Chromium path on success.
set -euo pipefail

PACKAGES="chromium fonts-wqy-microhei"
say() { echo "web/test/chromium.sh: $*" >&2; }

installed() {
	[ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi 'wqy\|noto sans cjk\|source han'
}

if ! installed; then
	if [ "$(id -u)" != 0 ]; then
		say "headless Chromium for the browser tests is not installed. Run as root:
    apt-get update && apt-get install -y $PACKAGES
then run the tests again."
		exit 1
	fi
	say "installing $PACKAGES (apt)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq --no-install-recommends $PACKAGES >&2
	installed || { say "installed $PACKAGES, but /usr/bin/chromium or the font is still missing"; exit 1; }
fi
echo /usr/bin/chromium
