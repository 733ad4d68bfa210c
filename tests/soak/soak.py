#!/usr/bin/env python3
"""soak.py - the soak test's plan, driver and judge (run by tests/soak/soak.sh).

  soak.py setup T NS                 writes T/soak.conf, T/replay.pcap, T/plan.json
  soak.py run T NS CTL PID SECONDS   peers, traffic, the random driver, the counts
  soak.py report T SANITIZER_OK      the pcap files, the sanitizer, the closing line

Fifty bridges b00..b49 on one memifd, all masters on T/soak.sock (id = index)
except b49, the hostile peer's target, on T/hostile.sock:

  b00-b07  TAP        soak_peer group A (never killed)
  b08-b15  TAP        soak_peer group B (SIGKILLed and restarted; b08's TAP
                      is also deleted from outside now and then)
  b16-b23  TAP        soak_peer group C (SIGKILLed and restarted)
  b24-b27  TAP        dpdk-testpmd, 4 ports, io forwarding in loop topology
                      (each port echoes what it receives); stopped with
                      SIGINT and restarted (its counts are printed at exit)
  b28-b29  TAP        VPP, memif1/28 <-> memif1/29 l2 xconnect; SIGKILLed
                      and restarted
  b30-b39  pcap-live  veths sl0a..sl9a, soak_peer group D (never killed)
  b40-b48  pcap-file  replay of T/replay.pcap at 20 pps, a fixed number of
                      passes, and a recording; soak_peer group E (never killed)
  b49      TAP        hostile_peer's attacks, in a loop, on T/hostile.sock

plus r0, r1 (TAP, no peer) whose rx_mode each reload may toggle, and
runtime bridges x0..x3 made and deleted with memifctl.  Every memif peer
and every host-side source sends 20 frames a second.
"""
import json
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("SOAK_TOOLS", os.path.join(TOP, "build"))
PEER = os.path.join(BUILD, "tests/tools/soak_peer")
HOSTILE = os.path.join(BUILD, "tests/tools/hostile_peer")
MEMIFCTL = os.path.join(BUILD, "memifctl")
VPP_DIR = os.environ.get("VPP_DIR", os.path.join(TOP, "..", "shared", "vpp"))
PPS = 20
RING = 256          # memifd's ring_size; a peer may negotiate up to 1024
INFLIGHT = 1024     # frames one disruption may strand: a ring (or a TAP queue)
# frames a soak_peer killed by SIGKILL may have put in the ring without
# counting them: it counts a burst (at most 32) after memif_tx_burst returns
UNCOUNTED = 32
REPLAY_FRAMES = 50
N = 50
GROUPS = {"A": range(0, 8), "B": range(8, 16), "C": range(16, 24),
          "D": range(30, 40), "E": range(40, 49)}
TESTPMD = range(24, 28)
VPP = (28, 29)
HOSTILE_B = 49
TAPDEL_B = 8
ATTACKS = [("short", "malformed message"), ("long", "malformed message"),
           ("unknown", "unexpected unknown message"),
           ("order", "unexpected ADD_REGION message"),
           ("dup-init", "unexpected INIT message"), ("missing-fd", "region without fd"),
           ("two-fds", "malformed message"),
           ("file-fd", "region fd is not a shared memory file"),
           ("socket-fd", "region fd is not a shared memory file"),
           ("small-region", "region smaller than announced"),
           ("ring-outside", "ring outside its region"), ("big-ring", "ring size too large"),
           ("ring-index", "ring index out of range"),
           ("head-jump", "peer moved head beyond the ring"),
           ("truncate", "peer shrank a shared region"), ("bad-desc", "connected"),
           ("endless-chain", "connected"), ("irq-storm", "connected"),
           ("flood", "connects: 3000"), ("stall", "handshake timed out")]


def kind(i):
    if i < 30 or i == HOSTILE_B:
        return "tap"
    return "pcap-live" if i < 40 else "pcap-file"


def bridge_conf(t, ns, i, passes):
    b = {"name": "b%02d" % i,
         "memif": {"role": "master", "socket": t + ("/hostile.sock" if i == HOSTILE_B
                                                     else "/soak.sock"),
                   "id": i, "ring_size": RING}}
    k = kind(i)
    if k == "tap":
        b["host"] = {"name": "st%02d" % i, "netns": ns}
    elif k == "pcap-live":
        b["host"] = {"type": "pcap-live", "name": "sl%da" % (i - 30), "netns": ns}
    else:
        b["host"] = {"type": "pcap-file", "read": t + "/replay.pcap", "pps": PPS,
                     "loop": passes, "write": "%s/rec%02d.pcap" % (t, i)}
    return b


def write_conf(t, ns, toggles=(False, False)):
    plan = json.load(open(t + "/plan.json"))
    bridges = [bridge_conf(t, ns, i, plan["passes"]) for i in range(N)]
    for j, tog in enumerate(toggles):
        bridges.append({"name": "r%d" % j,
                        "memif": {"socket": t + "/soak.sock", "id": 60 + j, "ring_size": RING,
                                  "rx_mode": "interrupt" if tog else "adaptive"},
                        "host": {"name": "sr%d" % j, "netns": ns}})
    conf = {"log_level": "info", "bridges": bridges}
    with open(t + "/soak.conf.tmp", "w") as f:
        json.dump(conf, f, indent=1)
    os.replace(t + "/soak.conf.tmp", t + "/soak.conf")


def setup(t, ns, secs):
    frame = bytes.fromhex("020000000002020000000001" "0800") + bytes(50)
    with open(t + "/replay.pcap", "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for k in range(REPLAY_FRAMES):
            f.write(struct.pack("<IIII", 1, k, len(frame), len(frame)) + frame)
    # the replay ends at about 60 % of the run (b40-b48 then only record),
    # so that its counts are final when the soak ends
    passes = max(1, int(0.6 * secs * PPS / REPLAY_FRAMES))
    json.dump({"passes": passes, "secs": secs}, open(t + "/plan.json", "w"))
    write_conf(t, ns)


# ---- the management socket ------------------------------------------------

LAT = []            # (seconds, command, when) of every request the soak sent
T0 = time.monotonic()


class Mgmt:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.f = self.s.makefile("rb")
        self.n = 0

    def req(self, command, args=None):
        self.n += 1
        r = {"id": self.n, "command": command}
        if args is not None:
            r["args"] = args
        t0 = time.monotonic()
        self.s.sendall((json.dumps(r) + "\n").encode())
        line = self.f.readline()
        LAT.append((time.monotonic() - t0, command, time.monotonic() - T0))
        if not line:
            raise RuntimeError("memifd closed the control connection")
        return json.loads(line)

    def close(self):
        self.f.close()
        self.s.close()


# ---- peers ----------------------------------------------------------------

class Peers:
    """Every memif peer process; kill() and start() one by name."""

    def __init__(self, t, ns):
        self.t, self.ns, self.p = t, ns, {}
        self.disrupt = [0] * N      # disruptions per bridge (kills, TAP deletions)
        self.tp_runs = []           # testpmd's final counters, one dict per run
        self.vpp_runs = []          # VPP's counters read just before each kill
        self.vpp_errors = []
        self.vpp_dir = t + "/vpp-soak"
        self.runs = {}
        self.started = {}

    def members(self, name):
        if name in GROUPS:
            return list(GROUPS[name])
        return list(TESTPMD) if name == "testpmd" else list(VPP)

    def start(self, name):
        self.runs[name] = self.runs.get(name, 0) + 1
        run = self.runs[name]
        log = open("%s/peer-%s.%d.log" % (self.t, name, run), "w")
        if name in GROUPS:
            g = GROUPS[name]
            cnt = "%s/peer-%s.%d.cnt" % (self.t, name, run)
            # made here, zeroed, so that a peer killed before it opened the
            # file still has its (zero) counts
            with open(cnt, "wb") as f:
                f.write(bytes(32 * len(g)))
            cmd = [PEER, "-s", self.t + "/soak.sock", "-i", str(g[0]), "-n", str(len(g)),
                   "-p", str(PPS), "-o", cnt]
        elif name == "testpmd":
            cmd = ["nice", "-n", "10", "dpdk-testpmd", "--lcores", "0@0-1,1@0-1",
                   "--no-huge", "-m", "256", "--no-pci", "--file-prefix=soak%d" % os.getpid()]
            cmd += ["--vdev=net_memif%d,role=client,socket=%s/soak.sock,socket-abstract=no,"
                    "id=%d" % (k, self.t, i) for k, i in enumerate(TESTPMD)]
            cmd += ["--", "--forward-mode=io", "--port-topology=loop", "--no-flush-rx",
                    "--total-num-mbufs=16384", "--stats-period", "1"]
        else:
            cli = self.t + "/vpp.cli"
            with open(cli, "w") as f:
                f.write("create memif socket id 1 filename %s/soak.sock\n" % self.t)
                for i in VPP:
                    f.write("create interface memif id %d socket-id 1 slave\n" % i)
                    f.write("set int state memif1/%d up\n" % i)
                    f.write("set int rx-mode memif1/%d interrupt\n" % i)
                a, b = VPP
                f.write("set interface l2 xconnect memif1/%d memif1/%d\n" % (a, b))
                f.write("set interface l2 xconnect memif1/%d memif1/%d\n" % (b, a))
            with open(self.t + "/vpp.list", "a") as f:
                f.write(self.vpp_dir + "\n")
            cmd = [VPP_DIR + "/run-vpp", self.vpp_dir, cli, str(os.cpu_count() - 1)]
        self.p[name] = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        self.started[name] = time.monotonic()
        log.close()

    def kill(self, name, final=False):
        """Ends peer NAME; unless final (the soak is over and drained), a
        disruption of its bridges."""
        p = self.p.pop(name)
        if name == "testpmd":
            p.send_signal(signal.SIGINT)     # prints its counters as it exits
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            self.tp_runs.append(testpmd_counts("%s/peer-testpmd.%d.log"
                                               % (self.t, self.runs["testpmd"])))
        else:
            if name == "vpp" and not final:
                # VPP's counters die with it: read them first (what it does
                # between this read and the kill is bounded by the judge)
                try:
                    self.vpp_runs.append(vpp_counts(self.vpp_dir))
                except (subprocess.TimeoutExpired, OSError, ValueError) as e:
                    self.vpp_errors.append("reading VPP's counters before a kill: %s" % e)
            p.kill()
            p.wait()
        if name == "vpp":
            subprocess.run("rm -f /dev/shm/vpp$(printf %%s '%s' | cksum | cut -d' ' -f1)-*"
                           % self.vpp_dir, shell=True)
        for i in self.members(name):
            self.disrupt[i] += not final

    def stop_tx(self):
        for name in GROUPS:
            if name in self.p:
                self.p[name].send_signal(signal.SIGUSR1)

    def counts(self, name):
        """Sent and received per bridge over every run of a soak_peer group."""
        g = GROUPS[name]
        tx, rx = [0] * len(g), [0] * len(g)
        for run in range(1, self.runs.get(name, 0) + 1):
            data = open("%s/peer-%s.%d.cnt" % (self.t, name, run), "rb").read()
            for k in range(len(g)):
                a, b, _, _ = struct.unpack_from("<QQQQ", data, 32 * k)
                tx[k] += a
                rx[k] += b
        return {g[k]: (tx[k], rx[k]) for k in range(len(g))}


def testpmd_counts(log):
    """{port: {"rx": N, "tx": N, "rx_dropped": N, "tx_dropped": N}} from the
    final "Forward statistics" of a testpmd run."""
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", open(log, errors="replace").read())
    out = {}
    for m in re.finditer(r"Forward statistics for port (\d+).*?RX-packets: (\d+)\s+"
                         r"RX-dropped: (\d+).*?TX-packets: (\d+)\s+TX-dropped: (\d+)",
                         text, re.S):
        out[int(m.group(1))] = {"rx": int(m.group(2)), "rx_dropped": int(m.group(3)),
                                "tx": int(m.group(4)), "tx_dropped": int(m.group(5))}
    return out


def vppctl(d, *args):
    r = subprocess.run([VPP_DIR + "/bin/vppctl", "-s", d + "/cli.sock"] + list(args),
                       capture_output=True, text=True, timeout=10)
    return r.stdout.replace("\r", "")


def vpp_counter(d, ifname, counter):
    n = 0
    for line in vppctl(d, "show", "interface", ifname).splitlines():
        if (" " + counter + " ") in line:
            n = int(line.split()[-1])
    return n


VPP_COUNTERS = ("rx packets", "tx packets", "drops", "tx-error")


def vpp_counts(d):
    return {i: {c: vpp_counter(d, "memif1/%d" % i, c) for c in VPP_COUNTERS} for i in VPP}


# ---- the driver -----------------------------------------------------------

class Driver:
    def __init__(self, t, ns, ctl, pid, secs):
        self.t, self.ns, self.ctl, self.pid, self.secs = t, ns, ctl, pid, secs
        self.m = Mgmt(ctl)
        self.peers = Peers(t, ns)
        self.acts = {}
        self.timeline = []
        self.errors = []
        self.stop = threading.Event()
        self.hostile = {"runs": 0, "wrong": []}
        self.hostile_lock = threading.Lock()
        self.reloads = {"n": 0, "changed": 0, "bad": []}
        self.captures = 0
        self.extra = {}
        self.toggles = [False, False]
        self.tapdel_last = 0

    def count(self, what):
        self.acts[what] = self.acts.get(what, 0) + 1
        self.timeline.append((time.monotonic() - T0, what))

    def show(self):
        r = self.m.req("show")
        return {b["name"]: b for b in r["result"]["bridges"]}

    def all_up(self, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            bs = self.show()
            down = [n for n, b in bs.items()
                    if n.startswith("b") and n != "b%02d" % HOSTILE_B
                    and b["state"]["link"] != "up"]
            if not down:
                return []
            time.sleep(0.5)
        return down

    def proc(self):
        """memifd's memory, fds, threads and mappings.  RssShmem is the
        memif regions it has mapped, which fill as frames cycle through the
        rings; a leak shows in RssAnon (the heap) and in the mappings."""
        st = open("/proc/%d/status" % self.pid).read()
        f = {k: int(re.search(k + r":\s+(\d+)", st).group(1))
             for k in ("VmRSS", "RssAnon", "RssShmem", "Threads")}
        kinds = {}
        for fd in os.listdir("/proc/%d/fd" % self.pid):
            try:
                k = re.sub(r"\[\d+\]|:\d+$| \(deleted\)", "",
                           os.readlink("/proc/%d/fd/%s" % (self.pid, fd)))
            except OSError:
                k = "?"
            kinds[k] = kinds.get(k, 0) + 1
        f["fds"] = sum(kinds.values())
        self.fd_kinds = kinds
        maps = {}
        for line in open("/proc/%d/maps" % self.pid):
            a = line.split(None, 5)
            lo, hi = (int(x, 16) for x in a[0].split("-"))
            k = "%s %dk %s" % (a[1], (hi - lo) >> 10, a[5].strip() if len(a) > 5 else "")
            maps[k] = maps.get(k, 0) + 1
        f["maps"] = sum(maps.values())
        self.map_kinds = maps
        return f

    def proc_quiet(self):
        """proc() between two hostile attacks: an attack under way holds
        its connection's fds and mappings in memifd for a moment."""
        with self.hostile_lock:
            time.sleep(0.3)        # memifd drops the last attacker
            f = self.proc()
        return f, (self.fd_kinds, self.map_kinds)

    def prober(self):
        m = Mgmt(self.ctl)
        k = 0
        while not self.stop.is_set():
            m.req("stats" if k % 10 == 0 else "ping")
            k += 1
            time.sleep(0.1)
        m.close()

    def hostile_loop(self):
        sock = self.t + "/hostile.sock"
        while not self.stop.is_set():
            for a, want in ATTACKS:
                if self.stop.is_set():
                    break
                with self.hostile_lock:     # proc_quiet waits for it
                    try:
                        out = subprocess.run([HOSTILE, sock, str(HOSTILE_B), a],
                                             capture_output=True, text=True, timeout=60)
                        res = out.stdout + out.stderr
                    except subprocess.TimeoutExpired:
                        res = "timed out"
                self.hostile["runs"] += 1
                self.timeline.append((time.monotonic() - T0, "hostile " + a))
                if want not in res:
                    self.hostile["wrong"].append("%s: %s" % (a, res.strip()[:120]))
                time.sleep(0.2)

    # the random actions, each bounded in rate by the main loop's pace
    def act_kill(self):
        live = [n for n in ("B", "C", "testpmd", "vpp") if n in self.peers.p]
        if len(live) < 4:
            return                 # one peer down at a time
        name = random.choice(live)
        if time.monotonic() - self.peers.started[name] < 5:
            return                 # killed during traffic, not while it starts
        self.peers.kill(name)
        self.pending = (name, time.monotonic() + random.uniform(1, 3))
        self.count("peer kills (%s)" % name)

    def act_extra(self):
        free = [k for k in range(4) if k not in self.extra]
        if free and (not self.extra or random.random() < 0.5):
            k = random.choice(free)
            cmd = ["create", "x%d" % k, "socket", self.t + "/soak.sock", "id", str(70 + k),
                   "tap", "sx%d" % k, "tap_netns", self.ns, "ring_size", str(RING)]
            self.extra[k] = 1
            self.count("memifctl create")
        else:
            k = random.choice(list(self.extra))
            cmd = ["delete", "x%d" % k]
            del self.extra[k]
            self.count("memifctl delete")
        r = subprocess.run([MEMIFCTL, "-s", self.ctl] + cmd, capture_output=True, text=True)
        if r.returncode:
            self.errors.append("memifctl %s: exit %d %s" % (cmd[0], r.returncode, r.stderr))

    def act_reload(self):
        if random.random() < 0.5:
            j = random.randrange(2)
            self.toggles[j] = not self.toggles[j]
        write_conf(self.t, self.ns, tuple(self.toggles))
        r = self.m.req("reload")
        self.reloads["n"] += 1
        if not r.get("ok"):
            self.reloads["bad"].append(str(r))
            return
        res = r["result"]
        self.reloads["changed"] += len(res["changed"])
        unch = set(res["unchanged"])
        if (set("b%02d" % i for i in range(N)) - unch or res["failed"] or res["added"]
                or res["removed"] or set(res["changed"]) - {"r0", "r1"}):
            self.reloads["bad"].append(str(res))
        self.count("reloads")

    def act_capture(self):
        i = random.choice([k for k in range(N) if k != HOSTILE_B])
        self.captures += 1
        f = "%s/cap%d.pcap" % (self.t, self.captures)
        r = self.m.req("capture", {"action": "start", "name": "b%02d" % i, "file": f,
                                   "direction": random.choice(["rx", "tx", "both"])})
        if not r.get("ok"):
            self.errors.append("capture start: %s" % r)
            return
        time.sleep(random.uniform(0.2, 1.5))
        r = self.m.req("capture", {"action": "stop", "name": "b%02d" % i})
        if not r.get("ok"):
            self.errors.append("capture stop: %s" % r)
        self.count("captures")
        os.unlink(f)

    def act_vanish(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.ctl)
        how = random.randrange(3)
        if how == 0:        # pipelined requests, gone before the replies
            s.sendall(b'{"command":"show"}\n' * 20)
        elif how == 1:      # half a request
            s.sendall(b'{"command":"sh')
        else:               # a monitor, gone
            s.sendall(b'{"command":"monitor"}\n')
            time.sleep(0.05)
        s.close()
        self.count("vanished clients")

    def act_tapdel(self):
        if time.monotonic() - self.tapdel_last < 15 or "B" not in self.peers.p:
            return
        self.tapdel_last = time.monotonic()
        subprocess.run(["ip", "-n", self.ns, "link", "del", "st%02d" % TAPDEL_B])
        self.peers.disrupt[TAPDEL_B] += 1
        self.count("TAP deleted from outside")

    def run(self):
        for name in list(GROUPS) + ["testpmd", "vpp"]:
            self.peers.start(name)
        senders = ["st%02d" % i for i in range(30)] + ["sl%db" % k for k in range(10)]
        self.sender = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, sys.executable,
             os.path.join(TOP, "tests/soak/soak_send.py"), self.t + "/sent.json",
             str(PPS)] + senders, stdin=subprocess.DEVNULL)
        down = self.all_up(40)
        if down:
            raise RuntimeError("links not up after 40 s: %s" % down)
        time.sleep(5)
        self.warm, self.warm_kinds = self.proc_quiet()
        # drops before this (frames a veth gave memifd before its peer first
        # connected: peer_down) are not the soak's
        self.warm_stats = {b["name"]: b["counters"] for b in self.m.req("stats")["result"]["bridges"]}
        threads = [threading.Thread(target=self.prober, daemon=True),
                   threading.Thread(target=self.hostile_loop, daemon=True)]
        for th in threads:
            th.start()
        print("soak: warm-up done: %s; driving for %d s" % (self.warm, self.secs), flush=True)
        self.pending = None
        acts = [(self.act_kill, 3), (self.act_extra, 2), (self.act_reload, 2),
                (self.act_capture, 2), (self.act_vanish, 2), (self.act_tapdel, 1)]
        end = time.monotonic() + self.secs
        while time.monotonic() < end:
            time.sleep(random.uniform(0.3, 1.5))
            if self.pending and time.monotonic() >= self.pending[1]:
                self.peers.start(self.pending[0])
                self.pending = None
            f = random.choices([a for a, _ in acts], [w for _, w in acts])[0]
            f()
        self.stop.set()
        for th in threads:
            th.join()
        if self.pending:
            self.peers.start(self.pending[0])
        for k in list(self.extra):
            subprocess.run([MEMIFCTL, "-s", self.ctl, "delete", "x%d" % k],
                           stdout=subprocess.DEVNULL)
        return self.drain()

    def drain(self):
        down = self.all_up(40)
        if down:
            self.errors.append("links not back at the end: %s" % down)
        self.sender.send_signal(signal.SIGUSR1)
        self.peers.stop_tx()
        prev = None
        for _ in range(40):        # until memifd's counters stand still
            time.sleep(0.5)
            st = self.m.req("stats")["result"]["bridges"]
            if st == prev:
                break
            prev = st
        self.end, self.end_kinds = self.proc_quiet()
        stats = {b["name"]: b for b in self.show().values()}
        links = json.loads(subprocess.run(["ip", "-n", self.ns, "-s", "-j", "link", "show"],
                                          capture_output=True, text=True).stdout)
        kern = {l["ifname"]: l["stats64"] for l in links}
        # summed over VPP's lifetimes: each killed run read before its kill
        vpp = vpp_counts(self.peers.vpp_dir)
        for run in self.peers.vpp_runs:
            for i in VPP:
                for k in VPP_COUNTERS:
                    vpp[i][k] += run[i][k]
        self.peers.kill("testpmd", final=True)
        peer = {}
        for g in GROUPS:
            peer.update(self.peers.counts(g))
        for name in list(self.peers.p):
            self.peers.kill(name, final=True)
        self.sender.send_signal(signal.SIGTERM)
        self.sender.wait()
        sent = json.load(open(self.t + "/sent.json"))
        self.m.close()
        return judge(self, stats, kern, vpp, peer, sent)


# ---- the judge ------------------------------------------------------------

def drops(c):
    return sum(c["drops"].values()) + c["errors"]


class Checks:
    def __init__(self):
        self.ok, self.bad = 0, []

    def eq(self, what, a, b):
        self.cmp(what, a == b, "%s != %s" % (a, b))

    def within(self, what, x, lo, hi):
        self.cmp(what, lo <= x <= hi, "%s not in [%s, %s]" % (x, lo, hi))

    def cmp(self, what, good, why):
        if good:
            self.ok += 1
        else:
            self.bad.append("%s: %s" % (what, why))


def kinds_diff(warm, end):
    return {k: end.get(k, 0) - warm.get(k, 0) for k in set(end) | set(warm)
            if end.get(k, 0) != warm.get(k, 0)}


def judge(d, stats, kern, vpp, peer, sent):
    c = Checks()
    D = d.peers.disrupt
    fig = {"sent_to_memif": 0, "sent_to_host": 0, "delivered": 0, "drops": {},
           "inflight_bounded": 0}
    tp = {}
    for run in d.peers.tp_runs:
        for port, v in run.items():
            for k, n in v.items():
                tp.setdefault(port, {}).setdefault(k, 0)
                tp[port][k] += n

    def peer_side(what, src, acc, dis, uncounted=0):
        # src frames went into a ring, acc of them memifd accounted: equal,
        # unless the peer was disrupted dis times (each strands a ring at
        # most, and a sender's kill may leave its last burst uncounted)
        if dis == 0:
            c.eq(what, src, acc)
        else:
            c.within(what + " (%d disruptions)" % dis, src - acc, -dis * uncounted,
                     dis * INFLIGHT)
            fig["inflight_bounded"] += src - acc

    for i in range(N):
        if i == HOSTILE_B:
            continue
        n = "b%02d" % i
        b = stats[n]
        tm, th = b["counters"]["to_memif"], b["counters"]["to_host"]
        for dr in (tm, th):
            for k, v in dr["drops"].items():
                fig["drops"][k] = fig["drops"].get(k, 0) + v
        fig["delivered"] += tm["packets"] + th["packets"]
        k = kind(i)
        if D[i] == 0:
            w = d.warm_stats[n]
            c.eq(n + " link_downs (never disrupted, 0 across every reload)",
                 b["counters"]["link_downs"], 0)
            c.eq(n + " drops after warm-up (never disrupted)",
                 drops(tm) + drops(th) - drops(w["to_memif"]) - drops(w["to_host"]), 0)
        if k == "tap" or k == "pcap-live":
            dev = "st%02d" % i if k == "tap" else "sl%da" % (i - 30)
            src = "st%02d" % i if k == "tap" else "sl%db" % (i - 30)
            s, refused = sent[src]["sent"], sent[src]["failed"]
            fig["sent_to_memif"] += s
            fig["refused_by_kernel"] = fig.get("refused_by_kernel", 0) + refused
            kd = kern.get(dev)
            # host -> memif: what memifd read = delivered + its drops, and
            # what the source sent = what reached memifd + the kernel's drops
            # (a send() the kernel refused - no carrier while the link is
            # down - is counted by the kernel as a drop too: sent + refused
            # = read by memifd + the kernel's drops)
            if k == "tap":
                took, kdrop = kd["tx"]["packets"], kd["tx"]["dropped"]
                gave = kd["rx"]["packets"]
            else:
                took, kdrop = kd["rx"]["packets"], kern[src]["tx"]["dropped"]
                gave = kd["tx"]["packets"]
            if i == TAPDEL_B:   # the kernel's counters start again with each TAP
                c.within(n + " host->memif read (TAP deleted %d times)" % D[i],
                         tm["packets"] + drops(tm) - took, 0, s + INFLIGHT)
                c.within(n + " host->memif sent (TAP deleted)",
                         s - (tm["packets"] + drops(tm)), -D[i] * INFLIGHT, D[i] * INFLIGHT)
                c.within(n + " memif->host written", th["packets"] - gave, 0, th["packets"])
            else:
                c.eq(n + " host->memif: read by memifd = delivered + drops", took,
                     tm["packets"] + drops(tm))
                c.eq(n + " host->memif: sent + refused = read by memifd + kernel drops",
                     s + refused, took + kdrop)
                c.eq(n + " memif->host: delivered = written to the device", th["packets"], gave)
        else:
            rd = b["host"]["read"]
            wr = b["host"]["write"]
            fig["sent_to_memif"] += rd["sent"] + rd["drops"]["oversize"]
            c.eq(n + " replay finished", rd["state"], "finished")
            c.eq(n + " replay: sent + oversize = frames x passes",
                 rd["sent"] + rd["drops"]["oversize"], rd["frames"] * rd["passes"])
            c.eq(n + " replay: sent = to_memif packets", rd["sent"], tm["packets"])
            c.eq(n + " recorded = to_host packets", wr["packets"], th["packets"])
        # the memif side
        if i in TESTPMD:
            port = TESTPMD.index(i)
            t = tp.get(port, {"rx": 0, "tx": 0})
            peer_side(n + " host->memif: delivered = testpmd received",
                      tm["packets"], t["rx"], D[i])
            peer_side(n + " memif->host: testpmd sent = delivered + drops",
                      t["tx"], th["packets"] + drops(th), D[i])
            fig["sent_to_host"] += t["tx"]
        elif i in VPP:
            o = VPP[1] if i == VPP[0] else VPP[0]
            v, vo = vpp[i], vpp[o]
            if D[i] == 0:
                c.eq(n + " host->memif: delivered = VPP received", tm["packets"],
                     v["rx packets"])
                c.eq(n + " memif->host: VPP sent = delivered + drops", v["tx packets"],
                     th["packets"] + drops(th))
            else:
                # VPP's counters are summed over its runs, each read just
                # before its kill: what a VPP did between that read and its
                # kill (frames sent, counted by memifd, not by any read), and
                # what a kill stranded in the rings, are bounded per kill
                po = stats["b%02d" % o]["counters"]["to_memif"]["packets"]
                acc = th["packets"] + drops(th)
                c.within(n + " memif->host: forwarded by VPP <= its pair's delivered"
                         " (%d disruptions)" % D[i], po - acc, 0, po)
                c.within(n + " memif->host: VPP sent (its runs summed) = delivered + drops",
                         acc - v["tx packets"], -D[i] * INFLIGHT, D[i] * INFLIGHT)
                # a frame VPP took from o and did not forward went to its drops
                # (rx interface o) or failed going out on i (i's tx-error)
                c.within(n + " memif->host: lost in VPP", po - acc - vo["drops"]
                         - v["tx-error"], 0, D[i] * 2 * INFLIGHT)
                fig["lost_in_vpp"] = fig.get("lost_in_vpp", 0) + (
                    po - acc - vo["drops"] - v["tx-error"])
            fig["sent_to_host"] += v["tx packets"]
        else:
            ptx, prx = peer[i]
            fig["sent_to_host"] += ptx
            peer_side(n + " memif->host: peer sent = delivered + drops", ptx,
                      th["packets"] + drops(th), D[i], UNCOUNTED)
            peer_side(n + " host->memif: delivered = peer received", tm["packets"], prx, D[i])
    h = stats["b%02d" % HOSTILE_B]["counters"]
    c.cmp("hostile attacks answered as in reliability_hostile (%d runs)" % d.hostile["runs"],
          not d.hostile["wrong"] and d.hostile["runs"] > 0, "; ".join(d.hostile["wrong"][:3]))
    c.eq("reloads: only r0, r1 changed, b00-b49 unchanged", d.reloads["bad"], [])
    c.eq("driver errors", d.errors + d.peers.vpp_errors, [])
    lat = sorted(LAT)
    p99 = lat[int(0.99 * (len(lat) - 1))][0] * 1000
    mx = lat[-1][0] * 1000
    slow = ", ".join("%s %.1f ms at %.1f s" % (cmd, x * 1000, when)
                     for x, cmd, when in lat[-3:])
    # lat's "when" is the reply's time: the window starts 3 s before the request
    near = [w for when, w in d.timeline
            if lat[-1][2] - lat[-1][0] - 3 <= when <= lat[-1][2]]
    c.cmp("every request answered within %g ms (%d requests)" % (REPLY_MS, len(lat)),
          mx < REPLY_MS,
          "slowest: %s; the driver's actions from 3 s before it to its reply: %s"
          % (slow, near))
    w, e = d.warm, d.end
    c.cmp("fds at the end = after warm-up", e["fds"] == w["fds"], "%d != %d (by kind, end - warm-up: %s)"
          % (e["fds"], w["fds"], kinds_diff(d.warm_kinds[0], d.end_kinds[0])))
    c.eq("threads at the end = after warm-up", e["Threads"], w["Threads"])
    if RSS_BOUND_KB >= 0:
        c.cmp("mappings at the end = after warm-up", e["maps"] == w["maps"],
              "%d != %d (by perms, size and file, end - warm-up: %s)"
              % (e["maps"], w["maps"], kinds_diff(d.warm_kinds[1], d.end_kinds[1])))
        c.within("RssAnon at the end - after warm-up (kB)", e["RssAnon"] - w["RssAnon"],
                 -1 << 30, RSS_BOUND_KB)
    # else (the ASan build, whose quarantine and allocator grow the heap and
    # its mappings by design) LeakSanitizer at memifd's exit judges leaks
    res = {"ok": c.ok, "bad": c.bad, "figures": fig, "acts": d.acts,
           "disruptions": sum(D), "p99_ms": p99, "max_ms": mx, "requests": len(lat),
           "slowest": slow,
           "warm": w, "end": e, "hostile_runs": d.hostile["runs"],
           "hostile_bad_desc": h["to_host"]["drops"]["bad_desc"],
           "reloads": d.reloads["n"], "reload_changed": d.reloads["changed"],
           "recorded": {"b%02d" % i: stats["b%02d" % i]["host"]["write"]["packets"]
                        for i in GROUPS["E"]}}
    json.dump(res, open(d.t + "/results.json", "w"))
    return res


# RssAnon may grow by this much (kB); -1: not checked (the ASan build)
RSS_BOUND_KB = int(os.environ.get("SOAK_RSS_KB", "1024"))
# the slowest reply allowed (ms): 100; the ASan build, two to four times
# slower at everything, gets what soak.sh gives it
REPLY_MS = float(os.environ.get("SOAK_REPLY_MS", "100"))


def pcap_frames(path):
    data = open(path, "rb").read()
    off, n = 24, 0
    while off + 16 <= len(data):
        incl = struct.unpack_from("<I", data, off + 8)[0]
        off += 16 + incl
        n += 1
    return n


def report(t, san_ok):
    r = json.load(open(t + "/results.json"))
    ok, bad = r["ok"], list(r["bad"])
    for n, want in r["recorded"].items():
        got = pcap_frames("%s/rec%s.pcap" % (t, n[1:]))
        if got == want:
            ok += 1
        else:
            bad.append("%s recording holds %d frames, memifd counted %d" % (n, got, want))
    if san_ok == "1":
        ok += 1
    else:
        bad.append("memifd's log has a sanitizer report, or memifd did not exit 0")
    for b in bad:
        print("FAIL: " + b)
    f = r["figures"]
    print("soak: actions: " + ", ".join("%s %d" % kv for kv in sorted(r["acts"].items())))
    print("soak: %d hostile attacks on b49 (bad_desc %d), %d reloads (%d changed bridges),"
          " %d peer disruptions" % (r["hostile_runs"], r["hostile_bad_desc"], r["reloads"],
                                    r["reload_changed"], r["disruptions"]))
    print("soak: frames sent host->memif %d, memif->host %d, delivered %d, drops %s,"
          " stranded in disrupted peers %d (in VPP %d), refused by the kernel (no carrier) %d"
          % (f["sent_to_memif"], f["sent_to_host"], f["delivered"], f["drops"],
             f["inflight_bounded"], f.get("lost_in_vpp", 0), f.get("refused_by_kernel", 0)))
    print("soak: memifd after warm-up %s, at the end %s; %s" % (
        r["warm"], r["end"], "RssAnon may grow %d kB, mappings not" % RSS_BOUND_KB
        if RSS_BOUND_KB >= 0 else "ASan build: leaks judged by LeakSanitizer at exit"))
    print("soak: control socket: %d requests, p99 %.2f ms, max %.2f ms (slowest: %s)"
          % (r["requests"], r["p99_ms"], r["max_ms"], r["slowest"]))
    print("soak: %d passed, %d failed" % (ok, len(bad)))
    return 0 if not bad else 1


def main():
    cmd = sys.argv[1]
    if cmd == "setup":
        setup(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return 0
    if cmd == "report":
        return report(sys.argv[2], sys.argv[3])
    t, ns, ctl, pid, secs = sys.argv[2:7]
    random.seed(int(os.environ.get("SOAK_SEED", str(os.getpid()))))
    d = Driver(t, ns, ctl, int(pid), int(secs))
    try:
        r = d.run()
    finally:
        d.stop.set()
        for p in list(d.peers.p.values()) + [getattr(d, "sender", None)]:
            if p:
                p.kill()
    print("soak: %d checks passed, %d failed before the report" % (r["ok"], len(r["bad"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
