# Sourced by scripts that need a running server of their own: starts target/debug/sheba on a
# free loopback port with a private data directory (its own embedded PostgreSQL), waits until
# it is ready, and stops it and removes the directory on exit.
# SERVE_LOG sets the server's log filter (default warn).
# Sets: dir (the data directory), base (the server's URL), pid; defines make_user NAME ROLE SCOPE.

dir=$(mktemp -d /tmp/sheba-serve-XXXXXX)
export SHEBA_WAL_ARCHIVE=off # a throwaway server: nothing to recover
chmod 755 "$dir"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
SHEBA_DATA_DIR="$dir" SHEBA_BIND="127.0.0.1:$port" SHEBA_WORKERS=2 RUST_LOG="${SERVE_LOG:-warn}" target/debug/sheba serve >"$dir/serve.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
for _ in $(seq 1 600); do curl -sf "$base/health/ready" >/dev/null && break; sleep 0.2; done
curl -sf "$base/health/ready" >/dev/null || { cat "$dir/serve.log"; exit 1; }

# make_user NAME ROLE SCOPE PASSWORD: an account made as `sheba user create` makes one.
make_user() {
  SHEBA_DATA_DIR="$dir" RUST_LOG=warn target/debug/sheba user create --username "$1" --password-stdin --role "$2" --scope "$3" \
    <<<"$4" >/dev/null
}

# fail_on_panic: the server log must not show a panic.
fail_on_panic() {
  if grep -q "panicked" "$dir/serve.log"; then
    echo "the server panicked:" >&2
    grep -A5 panicked "$dir/serve.log" >&2
    exit 1
  fi
}

# fail_on_secrets SECRET...: the server log must not show any of these (passwords, names, ID
# numbers), nor a bearer token.
fail_on_secrets() {
  local s
  for s in "$@" "eyJ" "Bearer "; do
    if grep -qF -- "$s" "$dir/serve.log"; then
      echo "the server log shows a secret (${s:0:6}...):" >&2
      grep -F -- "$s" "$dir/serve.log" | head -3 >&2
      exit 1
    fi
  done
  echo "ok: $(wc -l <"$dir/serve.log") log lines, none of the given secrets or personal data, no token"
}
