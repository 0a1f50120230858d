# bench/lib.sh: helpers shared by the bench scripts (sourced, not run).
# port: a free TCP port on 127.0.0.1 (nothing answers a connect to it).
# stop_pid PID: SIGTERM, up to 5 s for it to exit, then SIGKILL.
port() { while :; do p=$(shuf -i 20000-59999 -n 1); (echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }; done; }
stop_pid() { kill -TERM "$1" 2>/dev/null; for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done; kill -KILL "$1" 2>/dev/null; }
