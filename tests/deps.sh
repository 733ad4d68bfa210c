#!/bin/sh
# Install the Debian packages memifd needs, but only those that are missing
# (checked with pkg-config and command -v), so a second run is silent.
set -e
need=""
pc() { pkg-config --exists "$1" 2>/dev/null || need="$need $2"; }
bin() { command -v "$1" >/dev/null 2>&1 || need="$need $2"; }
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
bin cc gcc
bin make make
pc jansson libjansson-dev
pc libpcap libpcap-dev
pc libedit libedit-dev
pc cmocka libcmocka-dev
pc liburing liburing-dev
bin ip iproute2
bin tcpdump tcpdump
bin ping iputils-ping
# VPP (../shared/vpp), the peer of the vpp_* tests, links libunwind
ldconfig -p 2>/dev/null | grep -q "libunwind\.so\.8 " || need="$need libunwind8"
bin dpdk-testpmd dpdk-dev
[ -e /usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0/librte_net_memif.so ] || \
    ls /usr/lib/*/dpdk/pmds-*/librte_net_memif.so >/dev/null 2>&1 || need="$need librte-net-memif23"
ls /usr/lib/*/dpdk/pmds-*/librte_net_tap.so >/dev/null 2>&1 || need="$need librte-net-tap23"
# the benchmark's anchors for a veth host and a pcap replay
ls /usr/lib/*/dpdk/pmds-*/librte_net_af_packet.so >/dev/null 2>&1 || need="$need librte-net-af-packet23"
ls /usr/lib/*/dpdk/pmds-*/librte_net_pcap.so >/dev/null 2>&1 || need="$need librte-net-pcap23"
bin clang clang
ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 || need="$need libclang-rt-14-dev"
bin tmux tmux
bin python3 python3
bin jq jq
bin strace strace
bin systemd-analyze systemd
bin man man-db
# the metrics test: promtool check metrics, and a real Prometheus scraping memifd
bin promtool prometheus
# the extcap test: tshark -D and tshark -i memifd-BRIDGE through memifctl
bin tshark tshark
[ -z "$need" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "memifd: missing packages:$need (run as root, or: apt-get install$need)" >&2
    exit 1
fi
echo "memifd: installing$need" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends $need >/dev/null
