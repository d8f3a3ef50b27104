# Sourced first by every benchmark script, with its arguments: source "$(dirname "$0")/common.sh" "$@"
# --help prints the calling script's header comment (its knobs are environment variables, so it takes no argument).
if [[ ${1:-} == -h || ${1:-} == --help ]]; then sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0; fi
if (( $# > 0 )); then
    echo "$(basename "$0"): takes no arguments (knobs are environment variables; see --help)" >&2
    exit 2
fi

# need_built FILE...: exits 1, saying how to build them, unless every FILE exists.
need_built() {
    local f
    for f in "$@"; do
        if [[ ! -f $f ]]; then
            echo "missing $f: run 'mvn -B -ntp -DskipTests package' in the repository root first" >&2
            exit 1
        fi
    done
}
