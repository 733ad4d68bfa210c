/*
 * port_pcap_live.c - an existing network interface, through libpcap, as a
 * host port.
 *
 * The handle is in immediate mode and sees only frames that enter the
 * interface (PCAP_D_IN), so frames we inject never come back; the optional
 * filter selects what goes to memif.  Frames from memif are sent as
 * pcap_inject would, on the handle's socket, but a burst at a time with
 * sendmmsg; the socket is made non-blocking: a full
 * socket buffer (EAGAIN) is back-pressure (hold_output), the bridge waits
 * for the socket to become writable.  An interface that disappears or goes
 * down ends the handle: the port is dead and says why, and the bridge opens
 * it again every second (recover).  Deletion shows as a POLLERR that
 * libpcap swallows (it reports it only at a later read, which may never
 * come), so pl_tick also checks once a second that the interface, by its
 * index, is still the one we opened, and that its namespace's name was not
 * deleted (which would leave the namespace alive only because we hold it).
 *
 * Several queues: one handle (one packet socket) per queue, all in one
 * PACKET_FANOUT group of type hash, so the kernel gives each flow that
 * enters the interface to one socket, and so to one memif tx queue;
 * frames from memif rx queue i leave through socket i.
 */
#include "closer.h"
#include "log.h"
#include "netns.h"
#include "port.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

struct plive {
	pcap_t *pc[PORT_MAX_QUEUES]; /* a handle per queue */
	unsigned n;
	int ctl; /* an inet socket in the interface's namespace, for ioctls */
	unsigned snaplen;
	int ifindex; /* of the interface we opened, 0 if unknown */
	bool l3;
	char name[IFNAMSIZ];
	char filter[CONF_FILTER_MAX];
	bool promisc;
	struct netns_id ns; /* the interface's namespace */
	char error[PCAP_ERRBUF_SIZE + 64];
};

/* a chained frame made contiguous; queues may be served by several threads */
static _Thread_local uint8_t pl_scratch[65536];

/* The index of the interface named l->name now, 0 if there is none; -1 if
 * it cannot be told. */
static int pl_ifindex(struct plive *l)
{
	struct ifreq ifr = { 0 };

	memcpy(ifr.ifr_name, l->name, strlen(l->name));
	if (l->ctl < 0)
		return -1;
	if (ioctl(l->ctl, SIOCGIFINDEX, &ifr) < 0)
		return errno == ENODEV ? 0 : -1;
	return ifr.ifr_ifindex;
}

static int pl_activate(struct plive *l, const struct host_conf *hc, unsigned q,
		       char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc;
	int r;

	pc = l->pc[q] = pcap_create(hc->name, ebuf);
	if (!pc) {
		snprintf(err, errlen, "%s: %s", hc->name, ebuf);
		return -EIO;
	}
	pcap_set_snaplen(pc, (int)l->snaplen);
	pcap_set_promisc(pc, hc->promisc);
	pcap_set_immediate_mode(pc, 1);
	r = pcap_activate(pc);
	if (r < 0) {
		snprintf(err, errlen, "interface %s%s%s: %s%s%s", hc->name,
			 *hc->netns ? " in netns " : "", hc->netns,
			 pcap_statustostr(r), r == PCAP_ERROR ? ": " : "",
			 r == PCAP_ERROR ? pcap_geterr(pc) : "");
		return -EIO;
	}
	if (r > 0 && !q)
		log_warn("%s: %s", hc->name, pcap_statustostr(r));
	if (q)
		return 0;
	l->ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	l->ifindex = pl_ifindex(l);
	return 0;
}

/* Direction, link type and filter of the active handle of queue q. */
static int pl_setup(struct port *p, struct plive *l, unsigned q, char *err,
		    size_t errlen)
{
	pcap_t *pc = l->pc[q];
	int dlt = pcap_datalink(pc), want = l->l3 ? DLT_RAW : DLT_EN10MB, fd;
	char ebuf[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;

	if (dlt != want) {
		snprintf(err, errlen, "interface %s: link type %s is not "
			 "supported by memif mode %s (needs %s)", l->name,
			 pcap_datalink_val_to_name(dlt), l->l3 ? "ip" : "ethernet",
			 pcap_datalink_val_to_name(want));
		return -EIO;
	}
	if (pcap_setdirection(pc, PCAP_D_IN) < 0) {
		snprintf(err, errlen, "%s: %s", l->name, pcap_geterr(pc));
		return -EIO;
	}
	if (l->filter[0]) {
		if (pcap_compile(pc, &prog, l->filter, 1,
				 PCAP_NETMASK_UNKNOWN) < 0 ||
		    pcap_setfilter(pc, &prog) < 0) {
			snprintf(err, errlen, "filter: %s", pcap_geterr(pc));
			return -EIO;
		}
		pcap_freecode(&prog);
	}
	if (pcap_setnonblock(pc, 1, ebuf) < 0) {
		snprintf(err, errlen, "%s: %s", l->name, ebuf);
		return -EIO;
	}
	fd = pcap_get_selectable_fd(pc);
	/* libpcap reads the ring without blocking; make inject not block */
	if (fd < 0 || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)) {
		snprintf(err, errlen, "%s: no selectable fd", l->name);
		return -EIO;
	}
	p->qfd[q] = fd;
	if (!q)
		p->fd = fd;
	return 0;
}

/* Releasing the packet socket waits for an RCU grace period (and may
 * take RTNL to drop a promiscuous membership): pcap_close only unmaps
 * the ring and drops one reference, a duplicate of the socket goes to the
 * closer, whose close releases it. */
static void pl_close(struct port *p)
{
	struct plive *l = p->priv;
	int fds[PORT_MAX_QUEUES + 1];
	unsigned n = 0;

	/* a dup of each packet socket outlives pcap_close, so that the
	 * socket's release (an RCU grace period) happens on the closer */
	for (unsigned q = 0; l && q < PORT_MAX_QUEUES; q++)
		if (l->pc[q]) {
			if (pcap_fileno(l->pc[q]) >= 0)
				fds[n++] = fcntl(pcap_fileno(l->pc[q]), F_DUPFD_CLOEXEC, 0);
			pcap_close(l->pc[q]); /* closes p->qfd[q] */
		}
	if (l)
		fds[n++] = l->ctl;
	closer_close("", fds, n);
	free(l);
	p->priv = NULL;
	p->fd = -1;
}

/* The queues' sockets join one fanout group (hash): a new one, whose id
 * the kernel picks, so no other program's group is joined by chance.
 * Until then every socket saw every frame: what they hold is dropped. */
static int pl_fanout(struct port *p, struct plive *l, char *err, size_t errlen)
{
	int arg = PACKET_FANOUT_HASH | (PACKET_FANOUT_FLAG_UNIQUEID << 16);
	socklen_t len = sizeof(arg);
	struct pcap_pkthdr *h;
	const u_char *d;

	if (setsockopt(p->qfd[0], SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) < 0 ||
	    getsockopt(p->qfd[0], SOL_PACKET, PACKET_FANOUT, &arg, &len) < 0)
		goto fail;
	arg = (arg & 0xffff) | (PACKET_FANOUT_HASH << 16);
	for (unsigned q = 1; q < l->n; q++)
		if (setsockopt(p->qfd[q], SOL_PACKET, PACKET_FANOUT, &arg,
			       sizeof(arg)) < 0)
			goto fail;
	for (unsigned q = 0; q < l->n; q++)
		while (pcap_next_ex(l->pc[q], &h, &d) == 1)
			;
	return 0;
fail:
	snprintf(err, errlen, "%s: PACKET_FANOUT: %s", l->name, strerror(errno));
	return -EIO;
}

static int pl_open(struct port *p, const struct host_conf *hc, bool l3,
		   char *err, size_t errlen)
{
	struct plive *l = calloc(1, sizeof(*l));
	int saved, r;

	if (!l) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p->priv = l;
	l->ctl = -1;
	l->l3 = l3;
	l->promisc = hc->promisc;
	l->snaplen = p->max_frame + 4;
	snprintf(l->name, sizeof(l->name), "%s", hc->name);
	snprintf(l->filter, sizeof(l->filter), "%s", hc->filter);
	r = netns_enter(hc->netns, &saved);
	if (!r)
		r = netns_identify(hc->netns, &l->ns);
	if (r) {
		netns_leave(saved);
		snprintf(err, errlen, "netns %s: %s", hc->netns, strerror(-r));
		goto fail;
	}
	l->n = p->nqueues ? p->nqueues : 1;
	for (unsigned q = 0; q < l->n && !r; q++)
		r = pl_activate(l, hc, q, err, errlen);
	netns_leave(saved);
	for (unsigned q = 0; q < l->n && !r; q++)
		r = pl_setup(p, l, q, err, errlen);
	if (!r && l->n > 1)
		r = pl_fanout(p, l, err, errlen);
	if (r)
		goto fail;
	p->nqueues = l->n;
	log_info("%s: capturing%s%s%s%s", hc->name, l->promisc ? " (promiscuous)" : "",
		 l->filter[0] ? ", filter " : "", l->filter,
		 l->n > 1 ? ", a socket per queue (fanout hash)" : "");
	return 0;
fail:
	pl_close(p);
	return r;
}

static void pl_die(struct port *p, struct plive *l, const char *why)
{
	if (p->dead)
		return; /* another queue said it first */
	snprintf(l->error, sizeof(l->error), "%s", why);
	log_warn("%s: %s", l->name, why);
	p->dead = true;
}

/* Once a second: the interface we opened must still be there, and so
 * must the name of its namespace (netns.h). */
static void pl_tick(struct port *p)
{
	struct plive *l = p->priv;
	char why[CONF_NETNS_MAX + 48];
	int now;

	if (!p->dead && netns_gone(&l->ns)) {
		snprintf(why, sizeof(why), "its network namespace %s was deleted",
			 l->ns.name);
		pl_die(p, l, why);
	}
	if (p->dead || l->ifindex <= 0)
		return;
	now = pl_ifindex(l);
	if (now == 0)
		pl_die(p, l, "the interface disappeared");
	else if (now > 0 && now != l->ifindex)
		pl_die(p, l, "the interface was replaced");
}

static ssize_t pl_readv(struct port *p, unsigned q, const struct iovec *iov,
			 int iovcnt)
{
	struct plive *l = p->priv;
	struct pcap_pkthdr *h;
	const u_char *d;
	size_t left, n;
	int r;

	if (p->dead)
		return -ENODEV;
	r = pcap_next_ex(l->pc[q], &h, &d);
	if (r == 0)
		return -EAGAIN;
	if (r < 0) {
		pl_die(p, l, pcap_geterr(l->pc[q]));
		return -ENODEV;
	}
	left = h->caplen;
	for (int i = 0; i < iovcnt && left; i++) {
		n = left < iov[i].iov_len ? left : iov[i].iov_len;
		memcpy(iov[i].iov_base, d + (h->caplen - left), n);
		left -= n;
	}
	/* cut by the snap length: too big, the bridge counts it oversize */
	return (ssize_t)(h->caplen < h->len ? h->len : h->caplen);
}

static ssize_t pl_writev(struct port *p, unsigned q, const struct iovec *iov,
			  int iovcnt)
{
	struct plive *l = p->priv;
	const void *buf = iov[0].iov_base;
	size_t len = iov[0].iov_len;
	int e;

	if (p->dead)
		return -ENODEV;
	if (iovcnt > 1) {
		len = 0;
		for (int i = 0; i < iovcnt; i++) {
			if (len + iov[i].iov_len > sizeof(pl_scratch))
				return -EMSGSIZE;
			memcpy(pl_scratch + len, iov[i].iov_base, iov[i].iov_len);
			len += iov[i].iov_len;
		}
		buf = pl_scratch;
	}
	if (pcap_inject(l->pc[q], buf, len) >= 0)
		return (ssize_t)len;
	e = errno;
	log_debug("%s: %s", l->name, pcap_geterr(l->pc[q]));
	return e == EWOULDBLOCK ? -EAGAIN : -(e ? e : EIO);
}

/* What pcap_inject does (a send() on the handle's socket) for a batch,
 * with sendmmsg: one system call for many frames, which is most of the
 * cost of a frame here (README, Benchmarks: memif -> veth). */
static unsigned pl_writev_batch(struct port *p, unsigned q,
				const struct port_frame *f, unsigned n, int *err)
{
	struct plive *l = p->priv;
	struct mmsghdr m[PORT_BATCH_MAX];
	unsigned took = 0;
	int r, e;

	if (p->dead) {
		*err = -ENODEV;
		return 0;
	}
	for (unsigned i = 0; i < n; i++)
		m[i] = (struct mmsghdr){ .msg_hdr = {
			.msg_iov = (struct iovec *)f[i].iov,
			.msg_iovlen = (size_t)f[i].iovcnt } };
	while (took < n) {
		r = sendmmsg(pcap_fileno(l->pc[q]), m + took, n - took, 0);
		if (r <= 0) {
			e = r < 0 ? errno : EIO;
			log_debug("%s: send: %s", l->name, strerror(e));
			*err = e == EWOULDBLOCK ? -EAGAIN : -e;
			break;
		}
		took += (unsigned)r;
	}
	return took;
}

static void pl_set_carrier(struct port *p, bool up)
{
	(void)p, (void)up; /* not our interface: its carrier is its own */
}

static void pl_describe(struct port *p, json_t *host)
{
	struct plive *l = p->priv;

	json_object_set_new(host, "promisc", json_boolean(l->promisc));
	json_object_set_new(host, "filter", l->filter[0] ?
			    json_string(l->filter) : json_null());
	json_object_set_new(host, "snaplen", json_integer(l->snaplen));
	if (l->error[0])
		json_object_set_new(host, "error", json_string(l->error));
}

static const char *pl_state(struct port *p)
{
	struct plive *l = p->priv;
	struct ifreq ifr = { 0 };

	memcpy(ifr.ifr_name, l->name, strlen(l->name));
	if (p->dead || l->ctl < 0 || ioctl(l->ctl, SIOCGIFFLAGS, &ifr) < 0)
		return "gone";
	return (ifr.ifr_flags & IFF_UP) ? "up" : "down";
}

const struct port_ops port_pcap_live_ops = {
	.type = "pcap-live",
	.open = pl_open,
	.close = pl_close,
	.readv = pl_readv,
	.writev = pl_writev,
	.writev_batch = pl_writev_batch,
	.set_carrier = pl_set_carrier,
	.describe = pl_describe,
	.state = pl_state,
	.tick = pl_tick,
	.hold_output = true,
	.recover = true,
};
