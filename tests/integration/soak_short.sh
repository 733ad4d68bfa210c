#!/bin/bash
# run.sh: alone (50 bridges under traffic, request latency measured)
# The soak (tests/soak/soak.sh, README: Reliability, Soak) for 60 s, with
# the normal build only: the full one (make soak) runs 600 s with both.
# Every frame accounted for, nothing grows, every control request answered
# within 100 ms; its closing line is "soak: N passed, N failed".
# Needs root (namespaces, TAPs, veths); soak.sh says so and skips.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
MEMIFD=$TOP/build/memifd SOAK_S=${SOAK_SHORT_S:-60} exec bash "$TOP/tests/soak/soak.sh"
