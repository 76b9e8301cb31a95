#!/usr/bin/env bash
# Installs everything MarkWatch needs on a fresh Debian machine (run as root).
# Idempotent and quick when already done: every step checks before it acts.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

APT_PACKAGES=(chromium fonts-noto-cjk redis-server postgresql maven unzip curl openssl)

install_apt_packages() {
    local missing=() pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    if ((${#missing[@]} == 0)); then return; fi
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

ensure_java() {
    if [[ -n "$(find_es_java_home)" ]]; then return; fi
    # No JDK >= ES_MIN_JAVA in the image: take Debian's, where the release carries one.
    local candidate
    apt-get update -qq
    for candidate in openjdk-25-jdk-headless openjdk-21-jdk-headless; do
        if apt-cache show "$candidate" >/dev/null 2>&1; then
            log "apt-get install $candidate"
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$candidate" >&2
            return
        fi
    done
    die "no JDK >= $ES_MIN_JAVA under /usr/lib/jvm and none in apt; Elasticsearch cannot run"
}

install_python_env() {
    local stamp=".venv/.markwatch-install-stamp" want
    if [[ ! -x .venv/bin/python ]]; then
        log "creating .venv"
        python3 -m venv .venv
    fi
    want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return; fi
    log "pip install -e '.[dev]'"
    .venv/bin/python -m pip install -q --upgrade pip >&2
    .venv/bin/python -m pip install -q -e '.[dev]' >&2
    # Data-only packages (variant-character tables, the OCR line detector), pinned in
    # [tool.markwatch] install-no-deps.
    local no_deps
    mapfile -t no_deps < <(.venv/bin/python -c \
        'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["tool"]["markwatch"]["install-no-deps"], sep="\n")')
    log "pip install --no-deps ${no_deps[*]}"
    .venv/bin/python -m pip install -q --no-deps "${no_deps[@]}" >&2
    printf '%s\n' "$want" >"$stamp"
}

install_elasticsearch() {
    local home="$SERVICES_DIR/elasticsearch-$ES_VERSION"
    if [[ -x "$home/bin/elasticsearch" ]]; then return; fi
    local artifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip"
    local m2="${MAVEN_REPO:-$HOME/.m2/repository}"
    local zip="$m2/org/elasticsearch/distribution/integ-test-zip/elasticsearch/$ES_VERSION/elasticsearch-$ES_VERSION.zip"
    if [[ ! -f "$zip" ]]; then
        log "fetching Elasticsearch $ES_VERSION through Maven"
        mvn -q dependency:get -Dartifact="$artifact" -Dtransitive=false >&2
    fi
    [[ -f "$zip" ]] || die "Maven did not leave $zip"
    mkdir -p "$SERVICES_DIR"
    # Unpack beside the target and rename, so a half-unpacked tree never looks installed.
    local tmp
    tmp="$(mktemp -d "$SERVICES_DIR/.unzip.XXXXXX")"
    unzip -q "$zip" -d "$tmp"
    mv "$tmp/elasticsearch-$ES_VERSION" "$home"
    rmdir "$tmp"
    log "Elasticsearch $ES_VERSION unpacked into $home"
}

install_apt_packages
ensure_java
install_python_env
install_elasticsearch
log "setup done"
