/* extcap.c - memifctl as a Wireshark extcap (extcap(4)): memifd's bridges
 * are the interfaces memifd-NAME, captured live through the streamed
 * capture (capture.c) into the fifo Wireshark gives. */
#include "extcap.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "ctl.h"

#ifndef MEMIFD_VERSION
#define MEMIFD_VERSION "0.0.0"
#endif

#define PREFIX "memifd-"

/* memifd's bridges (a new array), or NULL when it cannot be asked. */
static json_t *extcap_bridges(const struct cli *cli, const char *name)
{
	json_t *reply = NULL, *list = NULL, *args = NULL;
	struct ctl c;

	if (ctl_open(&c, cli->socket, cli->timeout_ms))
		return NULL;
	if (name)
		args = json_pack("{s:s}", "name", name);
	if (!ctl_call(&c, "show", args, &reply) && json_is_true(json_object_get(reply, "ok")))
		list = json_incref(json_object_get(json_object_get(reply, "result"),
						   "bridges"));
	json_decref(args);
	json_decref(reply);
	ctl_close(&c);
	return list;
}

static const char *jstr(const json_t *o, const char *a, const char *b)
{
	const char *s = json_string_value(json_object_get(json_object_get(o, a), b));

	return s ? s : "?";
}

/* Without memifd there is no interface, and no error: Wireshark asks
 * every extcap when it starts. */
static int extcap_interfaces(const struct cli *cli)
{
	json_t *list = extcap_bridges(cli, NULL), *b;
	size_t i;

	printf("extcap {version=%s}{help=man:memifctl(8)}\n", MEMIFD_VERSION);
	json_array_foreach(list, i, b) {
		const char *name = json_string_value(json_object_get(b, "name"));

		printf("interface {value=" PREFIX "%s}{display=memifd bridge %s "
		       "(memif %s %s, host %s)}\n", name ? name : "?", name ? name : "?",
		       jstr(b, "memif", "role"), jstr(b, "memif", "socket"),
		       jstr(b, "host", "type"));
	}
	json_decref(list);
	return CLI_OK;
}

/* The bridge of interface IFACE ("memifd-NAME"), or NULL after saying why. */
static const char *extcap_name(const char *iface)
{
	if (!iface || strncmp(iface, PREFIX, strlen(PREFIX)) || !iface[strlen(PREFIX)]) {
		util_err("--extcap-interface: expected " PREFIX "BRIDGE, not %s",
			 iface ? iface : "nothing");
		return NULL;
	}
	return iface + strlen(PREFIX);
}

static int extcap_dlts(const struct cli *cli, const char *name)
{
	json_t *list = extcap_bridges(cli, name);
	const char *mode = jstr(json_array_get(list, 0), "memif", "mode");

	if (!strcmp(mode, "ip"))
		printf("dlt {number=101}{name=RAW}{display=Raw IP (memif mode ip)}\n");
	else
		printf("dlt {number=1}{name=EN10MB}{display=Ethernet}\n");
	json_decref(list);
	return CLI_OK;
}

static int extcap_config(void)
{
	printf("arg {number=0}{call=--direction}{display=Direction}{type=selector}"
	       "{tooltip=rx: from the memif peer, tx: towards it}\n"
	       "value {arg=0}{value=both}{display=both}{default=true}\n"
	       "value {arg=0}{value=rx}{display=rx (from the memif peer)}{default=false}\n"
	       "value {arg=0}{value=tx}{display=tx (towards the memif peer)}{default=false}\n");
	return CLI_OK;
}

static int extcap_capture(const struct cli *cli, const struct extcap_opts *x,
			  const char *name)
{
	json_t *args = json_pack("{s:s}", "name", name);
	struct ctl c;
	int fd, ret;

	if (!x->fifo) {
		util_err("--capture needs --fifo PATH");
		json_decref(args);
		return CLI_USAGE;
	}
	if (x->filter && x->filter[0])
		json_object_set_new(args, "filter", json_string(x->filter));
	if (x->direction)
		json_object_set_new(args, "direction", json_string(x->direction));
	fd = open(x->fifo, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		util_err("cannot open %s: %s", x->fifo, strerror(errno));
		json_decref(args);
		return CLI_REFUSED;
	}
	ret = ctl_open(&c, cli->socket, cli->timeout_ms);
	if (ret) {
		util_err("cannot reach memifd at %s: %s", cli->socket, ctl_strerror(ret));
		ret = CLI_UNREACHABLE;
	} else {
		ret = capture_run(cli, &c, name, args, fd, true);
		ctl_close(&c);
	}
	close(fd);
	json_decref(args);
	return ret;
}

int extcap_run(const struct cli *cli, const struct extcap_opts *x)
{
	const char *name;

	if (!strcmp(x->action, "extcap-interfaces"))
		return extcap_interfaces(cli);
	name = extcap_name(x->iface);
	if (!name)
		return CLI_USAGE;
	if (!strcmp(x->action, "extcap-dlts"))
		return extcap_dlts(cli, name);
	if (!strcmp(x->action, "extcap-config"))
		return extcap_config();
	return extcap_capture(cli, x, name);
}
