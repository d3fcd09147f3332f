#!/usr/bin/env bash
# A one-node Slurm cluster on loopback for the sweep tests (test/cli/sweep.test.ts): node
# "localhost" with 2 CPUs, partition "debug". Installs nothing (scripts/install-test-deps.sh installs
# Debian's slurm-wlm and munge); writes /etc/slurm/slurm.conf, makes a munge key when there is none,
# starts munged, slurmctld and slurmd, and waits until the node takes jobs. Idempotent: a running
# cluster with the same slurm.conf is left alone.
set -euo pipefail
CONF=/etc/slurm/slurm.conf
STATE=/var/lib/slurm/local
LOGS=$STATE/log
die() { echo "slurm-local: $*" >&2; exit 1; }

# Root writes $CONF and runs the daemons; elsewhere ask sudo (CI's user has it without a password).
if [ "$(id -u)" != 0 ]; then command -v sudo >/dev/null || die "run as root"; exec sudo "$0" "$@"; fi
for b in munged slurmctld slurmd scontrol sinfo; do
  command -v "$b" >/dev/null || die "$b not found: install Debian's slurm-wlm and munge (scripts/install-test-deps.sh)"
done
mkdir -p /etc/slurm "$STATE/ctld" "$STATE/d" "$LOGS"

# SlurmdParameters=config_overrides: slurmd takes CPUs=2 from here, not from the hardware, so the
# node is the same on any machine. linuxproc/task none: no cgroups, which containers rarely allow.
# KillWait: seconds between scancel's SIGTERM (the run checkpoints and stops) and SIGKILL.
read -r -d '' WANT <<EOF || true
# Written by scripts/slurm-local.sh (a one-node test cluster on loopback).
ClusterName=maporl-local
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
ReturnToService=2
SlurmdParameters=config_overrides
KillWait=30
MinJobAge=600
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

changed=0
if [ "$(cat "$CONF" 2>/dev/null)" != "$WANT" ]; then
  printf '%s\n' "$WANT" > "$CONF.tmp" && mv "$CONF.tmp" "$CONF"
  changed=1
fi

# munge: a key readable only by the munge user, its socket directory, the daemon as that user.
if [ ! -s /etc/munge/munge.key ]; then
  install -d -o munge -g munge -m 0700 /etc/munge
  mungekey --create --keyfile=/etc/munge/munge.key --force
  chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
fi
install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 50); do munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n </dev/null | unmunge >/dev/null || die "munged does not answer"
fi

# A new slurm.conf needs fresh daemons (reconfigure cannot change every setting).
if [ "$changed" = 1 ]; then
  for p in slurmd slurmctld; do
    if alive "$STATE/$p.pid"; then kill "$(cat "$STATE/$p.pid")"; sleep 1; fi
  done
fi
alive "$STATE/slurmctld.pid" || slurmctld
alive "$STATE/slurmd.pid" || slurmd -N localhost

# Wait for the node to register; a node left down or drained by an earlier run is resumed.
for _ in $(seq 60); do
  state=$(sinfo -h -n localhost -o %T 2>/dev/null || true)
  case "$state" in
    idle*|mixed*|allocated*|completing*) echo "slurm-local: node localhost $state (partition debug)"; exit 0 ;;
    down*|drain*|drained*) scontrol update NodeName=localhost State=RESUME 2>/dev/null || true ;;
  esac
  sleep 0.5
done
die "node localhost did not come up (state '${state:-none}'); see $LOGS/slurmctld.log and $LOGS/slurmd.log"
