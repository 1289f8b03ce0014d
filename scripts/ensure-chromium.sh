#!/usr/bin/env bash
# Make sure a headless-capable Chromium is installed for the browser test
# (tests/test_report_browser.py). Idempotent; fast when a browser is already there.
#
#   bash scripts/ensure-chromium.sh     # `make test` runs this through `make browser`
#
# Looks for $CHROMIUM, chromium, chromium-browser, google-chrome on PATH (the same order as
# tests/browser.py). When none is found and we are root (or have passwordless sudo) on a system
# with apt-get, installs Debian's `chromium` package (plus a small font so the screenshot has
# legible text). Exit 0 with the browser's version on stdout; exit 1 with one line saying what
# to do otherwise. SUBSTITUTE_BROWSER=skip skips the browser test instead.
set -euo pipefail

PACKAGES=(chromium fonts-dejavu-core)
SKIP_HINT="or set SUBSTITUTE_BROWSER=skip to skip the browser test"

find_browser() {
    local name
    for name in "${CHROMIUM:-}" chromium chromium-browser google-chrome; do
        if [[ -n "$name" ]] && command -v "$name" >/dev/null 2>&1; then
            command -v "$name"
            return 0
        fi
    done
    return 1
}

print_version() {
    # Debian's /usr/bin/chromium wrapper may print shell noise on stderr; keep only the version.
    local version
    if ! version=$("$1" --version 2>/dev/null); then
        echo "ensure-chromium: $1 is installed but '$1 --version' fails; reinstall it, $SKIP_HINT" >&2
        exit 1
    fi
    echo "${version%%$'\n'*} ($1)"
}

if browser=$(find_browser); then
    print_version "$browser"
    exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
    as_root=(env)
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n env)
else
    as_root=()
fi
if [[ ${#as_root[@]} -eq 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: no Chromium found; install it (Debian/Ubuntu: apt-get install chromium," \
        "as root) or point \$CHROMIUM at a Chrome/Chromium binary, $SKIP_HINT" >&2
    exit 1
fi

log=$(mktemp "${TMPDIR:-/tmp}/ensure-chromium.XXXXXX.log")
trap 'rm -f "$log"' EXIT
apt_install() {
    "${as_root[@]}" DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" >>"$log" 2>&1
}

echo "ensure-chromium: installing ${PACKAGES[*]} with apt-get ..." >&2
start=$SECONDS
if ! apt_install; then
    # a fresh machine may have no package lists yet: update them once, then retry
    echo "ensure-chromium: install failed without an update; running apt-get update ..." >&2
    if ! { "${as_root[@]}" apt-get update -q >>"$log" 2>&1 && apt_install; }; then
        tail -n 15 "$log" >&2
        echo "ensure-chromium: apt-get could not install ${PACKAGES[*]} (output above);" \
            "install Chromium by hand, $SKIP_HINT" >&2
        exit 1
    fi
fi

if ! browser=$(find_browser); then
    echo "ensure-chromium: apt-get succeeded but no chromium is on PATH ($PATH), $SKIP_HINT" >&2
    exit 1
fi
echo "ensure-chromium: installed in $((SECONDS - start)) s" >&2
print_version "$browser"
