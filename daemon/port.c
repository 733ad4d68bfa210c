/* port.c - choose a host port implementation by type. */
#include "port.h"

#include <errno.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct port_ops *const port_types[] = {
	&port_tap_ops, &port_pcap_live_ops, &port_pcap_file_ops,
};

int port_open(const struct host_conf *hc, bool l3, bool attach_only,
	      unsigned queues, struct port **out, char *err, size_t errlen)
{
	const struct port_ops *ops = NULL;
	struct port *p;
	int r;

	*out = NULL;
	for (size_t i = 0; i < sizeof(port_types) / sizeof(port_types[0]); i++)
		if (!strcmp(port_types[i]->type, hc->type))
			ops = port_types[i];
	if (!ops) {
		snprintf(err, errlen, "host type %s is not supported", hc->type);
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p->ops = ops;
	p->fd = -1;
	for (unsigned q = 0; q < PORT_MAX_QUEUES; q++)
		p->qfd[q] = -1;
	p->nqueues = queues < 1 ? 1 : queues > PORT_MAX_QUEUES ? PORT_MAX_QUEUES : queues;
	p->attach_only = attach_only;
	p->mtu = hc->mtu;
	p->max_frame = hc->mtu + (l3 ? 0 : 18);
	r = ops->open(p, hc, l3, err, errlen);
	if (r) {
		free(p);
		return r < 0 ? r : -EIO;
	}
	if (p->nqueues <= 1) { /* a port of one queue: its fd is queue 0 */
		p->nqueues = 1;
		p->qfd[0] = p->fd;
	}
	*out = p;
	return 0;
}

void port_close(struct port *p)
{
	if (!p)
		return;
	p->ops->close(p);
	free(p);
}
