# Shared by the bench scripts (source it after `cd` to the repository and the release build):
# a scratch directory removed on exit, a free loopback port with the sandbox's credentials
# exported, `start_sandbox [FLAGS…]` to (re)start a `rewardsync sandbox` process there,
# `state` for its /sandbox/state, and `field EXPR` to read JSON on stdin (`d` is the object).
bin=$PWD/target/release/rewardsync
work=$(mktemp -d)
sandbox_pid=
cleanup() { [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export FEISHU_BASE_URL=http://127.0.0.1:$port FEISHU_APP_ID=cli_sandbox FEISHU_APP_SECRET=sandbox_secret

start_sandbox() {
  [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null || true
  "$bin" sandbox --listen "127.0.0.1:$port" "$@" > "$work/sandbox.log" 2>&1 &
  sandbox_pid=$!
  for _ in $(seq 100); do curl -sf "$FEISHU_BASE_URL/sandbox/state?rewards=false" >/dev/null && return; sleep 0.1; done
  echo "sandbox did not start"; cat "$work/sandbox.log"; exit 1
}
state() { curl -sf "$FEISHU_BASE_URL/sandbox/state?rewards=false"; }
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {}, {'d': d}))" "$1"; }
