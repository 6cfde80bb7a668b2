#!/bin/bash
# mkcorpus_qmp.sh OUTDIR - seed corpus for fuzz_qmp: the lines QEMU 7.2's
# monitor sends (greeting, answers, errors, events) and hostile ones.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: mkcorpus_qmp.sh OUTDIR" >&2
	exit 2
fi
out=$(mkdir -p "$1" && cd "$1" && pwd)
seed() { printf '%s\r\n' "$2" >"$out/$1"; }
seed greeting '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u7"}, "capabilities": ["oob"]}}'
seed return-empty '{"return": {}, "id": "vu-1"}'
seed return-status '{"return": {"status": "running", "singlestep": false, "running": true}, "id": "vu-2"}'
seed return-cpus '{"return": [{"thread-id": 4242, "props": {"core-id": 0, "thread-id": 0, "socket-id": 0}, "qom-path": "/machine/unattached/device[0]", "cpu-index": 0, "target": "x86_64"}], "id": "vu-3"}'
seed return-chardev '{"return": [{"frame-opened": false, "filename": "pty:/dev/pts/3", "label": "charserial0"}], "id": "vu-4"}'
seed error '{"id": "vu-5", "error": {"class": "CommandNotFound", "desc": "The command nope has not been found"}}'
seed event-shutdown '{"timestamp": {"seconds": 1733594000, "microseconds": 12345}, "event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}}'
seed event-resume '{"timestamp": {"seconds": 1733594000, "microseconds": 1}, "event": "RESUME"}'
seed hostile-deep "$(printf '%.0s[' {1..200})"
seed hostile-two '{"return": {}} {"return": {}}'
seed hostile-escape '{"error": {"class": "G\u0000", "desc": "\u001b[2J\ud800"}, "id": 7}'
seed hostile-types '{"event": {"a": 1}, "data": [1], "id": {"x": null}}'
