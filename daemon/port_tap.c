/*
 * port_tap.c - a TAP (or, for memif mode "ip", TUN) device as a host port.
 *
 * The device is opened non-blocking without packet information, so one
 * read or write is exactly one frame.  A device we create without
 * "persist" disappears when its fd closes; an existing persistent device is
 * attached to and left in place.  A device deleted from outside (ip link
 * del, or its namespace removed) fails reads and writes with EBADFD: the
 * port is dead and the bridge recovers it (port.h).
 *
 * `ip netns del` only removes the namespace's name (netns.h): once a
 * second the port checks that the name still stands for the namespace it
 * opened the device in; if not, the port is dead too, its fds are closed
 * and the namespace can end, as the user asked.
 *
 * A bridge with several memif queue pairs gets a multi-queue device
 * (IFF_MULTI_QUEUE), one fd per queue: the kernel hashes each flow it sends
 * to one queue (and, once frames of a flow were written on a queue, keeps
 * the flow's replies there), so host -> memif traffic spreads over the
 * memif tx queues without reordering a flow.
 */
#include "closer.h"
#include "log.h"
#include "netns.h"
#include "port.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

struct tap {
	int ctl; /* an inet socket in the device's namespace, for ioctls */
	char name[IFNAMSIZ];
	char key[CLOSER_KEY_MAX]; /* netns/name, for the closer */
	bool l3;
	bool created;
	bool persist;
	struct netns_id ns; /* the device's namespace */
};

static int tap_ifreq(struct tap *t, unsigned long req, struct ifreq *ifr)
{
	memset(ifr->ifr_name, 0, sizeof(ifr->ifr_name));
	memcpy(ifr->ifr_name, t->name, strlen(t->name));
	return ioctl(t->ctl, req, ifr) < 0 ? -errno : 0;
}

/* One more fd for the device: queue q.  A multi-queue device needs
 * IFF_MULTI_QUEUE on every queue; a single-queue one refuses it. */
static int tap_attach_queue(struct port *p, struct tap *t, const char *name,
			    unsigned q, bool multi)
{
	struct ifreq ifr = { 0 };
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	ifr.ifr_flags = (short)((t->l3 ? IFF_TUN : IFF_TAP) | IFF_NO_PI |
				(multi ? IFF_MULTI_QUEUE : 0));
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	p->qfd[q] = fd;
	return 0;
}

/* Creates or attaches the device inside its namespace, with p->nqueues
 * queues; an existing device keeps the kind it has (a single-queue one
 * gets one queue). */
static int tap_create(struct port *p, struct tap *t, const struct host_conf *hc)
{
	bool multi = p->nqueues > 1;
	int saved, r;

	r = netns_enter(hc->netns, &saved);
	if (r)
		return r;
	r = netns_identify(hc->netns, &t->ns);
	if (r)
		goto cleanup;
	t->created = if_nametoindex(hc->name) == 0;
	if (t->created && p->attach_only) {
		r = -ENODEV;
		goto cleanup;
	}
	r = tap_attach_queue(p, t, hc->name, 0, multi);
	if (r == -EINVAL && !t->created) {
		multi = !multi; /* the existing device is of the other kind */
		r = tap_attach_queue(p, t, hc->name, 0, multi);
	}
	if (r)
		goto cleanup;
	p->fd = p->qfd[0];
	if (!multi)
		p->nqueues = 1;
	for (unsigned q = 1; q < p->nqueues && !r; q++)
		r = tap_attach_queue(p, t, hc->name, q, true);
	if (r)
		goto cleanup;
	t->ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (t->ctl < 0)
		r = -errno;
cleanup:
	netns_leave(saved);
	return r;
}

static int tap_configure(struct port *p, struct tap *t, const struct host_conf *hc)
{
	struct ifreq ifr = { 0 };
	int off = 0, r;

	if (t->persist && ioctl(p->fd, TUNSETPERSIST, 1) < 0)
		return -errno;
	/* no carrier until the memif link is up */
	if (ioctl(p->fd, TUNSETCARRIER, &off) < 0)
		log_debug("%s: TUNSETCARRIER: %s", t->name, strerror(errno));
	ifr.ifr_mtu = (int)hc->mtu;
	r = tap_ifreq(t, SIOCSIFMTU, &ifr);
	if (r)
		return r;
	if (hc->has_mac && !t->l3) {
		ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
		memcpy(ifr.ifr_hwaddr.sa_data, hc->mac, 6);
		r = tap_ifreq(t, SIOCSIFHWADDR, &ifr);
		if (r)
			return r;
	}
	r = tap_ifreq(t, SIOCGIFFLAGS, &ifr);
	if (r)
		return r;
	if (hc->up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	return tap_ifreq(t, SIOCSIFFLAGS, &ifr);
}

/* The kernel removes a device we made as its last fd closes, which may
 * take long (closer.h): the closer does it, the queues first. */
static void tap_close(struct port *p)
{
	struct tap *t = p->priv;
	int fds[PORT_MAX_QUEUES + 1];
	unsigned n = 0;

	for (unsigned q = 0; q < PORT_MAX_QUEUES; q++) {
		if (p->qfd[q] >= 0)
			fds[n++] = p->qfd[q];
		p->qfd[q] = -1;
	}
	if (t && t->ctl >= 0)
		fds[n++] = t->ctl;
	if (t)
		closer_close(t->key, fds, n);
	else
		closer_close("", fds, n);
	if (t && t->created && !t->persist && !p->dead)
		log_info("%s: removing", t->name);
	free(t);
	p->priv = NULL;
	p->fd = -1;
}

bool port_tap_removing(const struct host_conf *hc)
{
	char key[CLOSER_KEY_MAX];

	if (hc->htype != HT_TAP)
		return false;
	closer_key(key, sizeof(key), hc->netns, hc->name);
	return closer_busy(key);
}

void port_tap_removing_error(const struct host_conf *hc, bool l3, char *err,
			     size_t errlen)
{
	snprintf(err, errlen, "%s %s%s%s: the previous device of that name is "
		 "still being removed (after %d ms)", l3 ? "tun" : "tap",
		 hc->name, *hc->netns ? " in netns " : "", hc->netns,
		 TAP_CLOSE_WAIT_MS);
}

static int tap_open(struct port *p, const struct host_conf *hc, bool l3,
		    char *err, size_t errlen)
{
	struct tap *t = calloc(1, sizeof(*t));
	int r;

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	t->ctl = -1;
	t->l3 = l3;
	t->persist = hc->persist;
	snprintf(t->name, sizeof(t->name), "%s", hc->name);
	closer_key(t->key, sizeof(t->key), hc->netns, hc->name);
	p->priv = t;
	p->mtu = hc->mtu;
	/* A device of that name we are still removing would be attached to
	 * (or refuse us, EBUSY) instead of made anew: wait for it first. */
	r = closer_wait(t->key, TAP_CLOSE_WAIT_MS);
	if (r) {
		port_tap_removing_error(hc, l3, err, errlen);
		r = -EBUSY;
		goto fail;
	}
	r = tap_create(p, t, hc);
	p->created = t->created;
	if (r) {
		snprintf(err, errlen, "%s %s%s%s: %s", l3 ? "tun" : "tap",
			 hc->name, *hc->netns ? " in netns " : "", hc->netns,
			 strerror(-r));
		goto fail;
	}
	r = tap_configure(p, t, hc);
	if (r) {
		snprintf(err, errlen, "configuring %s: %s", hc->name, strerror(-r));
		goto fail;
	}
	log_info("%s: %s %s%s", hc->name, t->created ? "created" : "attached to",
		 l3 ? "tun" : "tap", p->nqueues > 1 ? " (multi-queue)" : "");
	return 0;
fail:
	tap_close(p);
	return r;
}

/* EBADFD: the device behind the fd is gone for good (the fd stays
 * readable with an error, so it must not be watched any more). */
static ssize_t tap_result(struct port *p, ssize_t n)
{
	struct tap *t = p->priv;
	int e = errno;

	if (n >= 0)
		return n;
	if (e == EBADFD && !p->dead) {
		p->dead = true;
		log_debug("%s: the device is gone", t->name);
	}
	return -e;
}

/* read() and write() for a frame in one buffer, the usual case: the
 * kernel's readv/writev path (importing the iovec) costs about a tenth of
 * what a 64-byte frame costs in all. */
static ssize_t tap_readv(struct port *p, unsigned q, const struct iovec *iov,
			 int iovcnt)
{
	if (iovcnt == 1)
		return tap_result(p, read(p->qfd[q], iov[0].iov_base, iov[0].iov_len));
	return tap_result(p, readv(p->qfd[q], iov, iovcnt));
}

static ssize_t tap_writev(struct port *p, unsigned q, const struct iovec *iov,
			  int iovcnt)
{
	if (iovcnt == 1)
		return tap_result(p, write(p->qfd[q], iov[0].iov_base, iov[0].iov_len));
	return tap_result(p, writev(p->qfd[q], iov, iovcnt));
}

static void tap_set_carrier(struct port *p, bool up)
{
	struct tap *t = p->priv;

	/* off the loop: TUNSETCARRIER takes RTNL (closer.h) */
	closer_carrier(t->key, p->fd, up);
}

static void tap_describe(struct port *p, json_t *host)
{
	struct tap *t = p->priv;
	struct ifreq ifr = { 0 };
	char mac[18];
	const unsigned char *m = (const unsigned char *)ifr.ifr_hwaddr.sa_data;

	if (!tap_ifreq(t, SIOCGIFMTU, &ifr))
		json_object_set_new(host, "mtu", json_integer(ifr.ifr_mtu));
	if (!t->l3 && !tap_ifreq(t, SIOCGIFHWADDR, &ifr)) {
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
		json_object_set_new(host, "mac", json_string(mac));
	}
	json_object_set_new(host, "created", json_boolean(t->created));
}

/* Once a second: is the namespace's name gone, or given to another one? */
static void tap_tick(struct port *p)
{
	struct tap *t = p->priv;

	if (!p->dead && netns_gone(&t->ns)) {
		p->dead = true;
		log_warn("%s: network namespace %s was deleted: the device goes with it",
			 t->name, t->ns.name);
	}
}

static const char *tap_state(struct port *p)
{
	struct tap *t = p->priv;
	struct ifreq ifr = { 0 };

	if (p->dead || tap_ifreq(t, SIOCGIFFLAGS, &ifr))
		return "gone";
	return (ifr.ifr_flags & IFF_UP) ? "up" : "down";
}

const struct port_ops port_tap_ops = {
	.type = "tap",
	.open = tap_open,
	.close = tap_close,
	.readv = tap_readv,
	.writev = tap_writev,
	.set_carrier = tap_set_carrier,
	.describe = tap_describe,
	.state = tap_state,
	.tick = tap_tick,
	.recover = true,
};
