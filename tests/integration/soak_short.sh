#!/bin/bash
# The soak (tests/soak/soak.sh, README: Reliability, Soak) for 60 s, with
# the normal build only: the full one (make soak) runs 600 s with both.
# Every frame accounted for, nothing grows, every control request answered
# within 100 ms; its closing line is "soak: N passed, N failed".
TOP=$(cd "$(dirname "$0")/../.." && pwd)
MEMIFD=$TOP/build/memifd SOAK_S=${SOAK_SHORT_S:-60} exec bash "$TOP/tests/soak/soak.sh"
