/* Unit tests of memifctl's rendering: sample replies of the management
 * protocol printed as text (table, details, counters, events) and as JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

#define NOW 1795704125	/* 1h 2m 5s after the sample's link came up */

static const char counters[] =
	"{\"to_host\": {\"packets\": 12, \"bytes\": 1234, \"drops\": {\"ring_full\": 0,"
	" \"host_full\": 1, \"oversize\": 0, \"peer_down\": 2, \"bad_desc\": 0}, \"errors\": 0},"
	" \"to_memif\": {\"packets\": 10, \"bytes\": 980, \"drops\": {\"ring_full\": 3,"
	" \"host_full\": 0, \"oversize\": 0, \"peer_down\": 0, \"bad_desc\": 0}, \"errors\": 1},"
	" \"link_ups\": 2, \"link_downs\": 1, \"last_disconnect_reason\": \"peer closed\"}";

static json_t *sample_bridge(const char *name, const char *link)
{
	json_t *b = json_pack("{s:s, s:s,"
		" s:{s:s, s:s, s:i, s:s, s:s, s:i, s:i, s:i, s:i, s:s},"
		" s:{s:s, s:s, s:i, s:s, s:b},"
		" s:{s:s, s:s, s:I, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:s}}",
		"name", name, "origin", "config",
		"memif", "role", "master", "socket", "/run/memifd/memif.sock", "id", 0,
		"secret", "set", "mode", "ethernet", "rx_queues", 1, "tx_queues", 1,
		"ring_size", 1024, "buffer_size", 2048, "rx_mode", "interrupt",
		"host", "type", "tap", "name", "memif0", "mtu", 1500, "mac", "02:fe:00:00:00:01", "up", 1,
		"state", "link", link, "since", "2026-11-26T13:40:00Z",
		"since_epoch", (json_int_t)(NOW - 3725), "peer_name", "VPP 23.10",
		"peer_if_name", "memif0/0", "disconnect_reason", "", "rx_queues", 2,
		"tx_queues", 2, "ring_size", 512, "buffer_size", 2048, "host_state", "up");

	json_object_set_new(b, "counters", json_loads(counters, 0, NULL));
	return b;
}

/* Renders a reply to COMMAND with ARGS (JSON text) into a string. */
static char *render(bool json, const char *command, const char *args, json_t *result)
{
	char *buf = NULL;
	size_t len = 0;
	struct out o = { .json = json, .now = NOW };
	json_t *a = args ? json_loads(args, 0, NULL) : NULL;

	o.fp = open_memstream(&buf, &len);
	assert_non_null(o.fp);
	out_reply(&o, command, a, result);
	fclose(o.fp);
	json_decref(a);
	json_decref(result);
	return buf;
}

static void expect(char *got, const char *want)
{
	if (strcmp(got, want))
		fail_msg("got:\n%s\nwant:\n%s", got, want);
	free(got);
}

static void test_show_all_is_a_table(void **state)
{
	json_t *res = json_pack("{s:[o, o]}", "bridges", sample_bridge("vpp0", "up"),
				sample_bridge("vpp-long-name", "down"));

	(void)state;
	expect(render(false, "show", "{}", res),
	       "NAME           ROLE    SOCKET:ID                 LINK  HOST        RX-PKTS  TX-PKTS\n"
	       "vpp0           master  /run/memifd/memif.sock:0  up    tap:memif0       12       10\n"
	       "vpp-long-name  master  /run/memifd/memif.sock:0  down  tap:memif0       12       10\n");
}

static void test_show_one_is_detailed(void **state)
{
	json_t *res = json_pack("{s:[o]}", "bridges", sample_bridge("vpp0", "up"));

	(void)state;
	expect(render(false, "show", "{\"name\": \"vpp0\"}", res),
	       "vpp0: master, socket /run/memifd/memif.sock id 0, origin config\n"
	       "  link:            up since 2026-11-26T13:40:00Z (1h 2m ago), 2 ups, 1 downs\n"
	       "  peer:            VPP 23.10, interface memif0/0\n"
	       "  last disconnect: peer closed\n"
	       "  memif:           mode ethernet, rx-mode interrupt, secret set\n"
	       "  queues:          rx 2, tx 2\n"
	       "  rings:           ring size 512, buffer size 2048\n"
	       "  host:            tap memif0, mtu 1500, mac 02:fe:00:00:00:01, up yes, state up\n"
	       "  counters:\n"
	       "              packets  bytes  errors  ring_full  host_full  oversize  peer_down  bad_desc\n"
	       "    to host        12   1234       0          0          1         0          2         0\n"
	       "    to memif       10    980       1          3          0         0          0         0\n");
}

/* Per-queue frames, the host's queues, and fewer queues served than the
 * peer brought. */
static void test_show_one_queues(void **state)
{
	json_t *b = sample_bridge("mq", "up"), *st = json_object_get(b, "state");
	char *got;

	(void)state;
	json_object_set_new(st, "rx_queue_packets", json_pack("[i, i]", 7, 5));
	json_object_set_new(st, "tx_queue_packets", json_pack("[i, i]", 4, 6));
	json_object_set_new(json_object_get(b, "host"), "queues", json_integer(2));
	got = render(false, "show", "{\"name\": \"mq\"}", json_pack("{s:[O]}", "bridges", b));
	assert_non_null(strstr(got, "  queues:          rx 2, tx 2\n"
				    "  queue packets:   rx 7 5, tx 4 6\n"));
	assert_non_null(strstr(got, ", up yes, state up, queues 2\n"));
	free(got);

	json_object_set_new(st, "rx_queue_packets", json_pack("[i]", 12));
	json_object_set_new(st, "tx_queue_packets", json_pack("[i]", 10));
	json_object_set_new(json_object_get(b, "host"), "queues", json_integer(1));
	got = render(false, "show", "{\"name\": \"mq\"}", json_pack("{s:[o]}", "bridges", b));
	assert_non_null(strstr(got, "  queues:          rx 2, tx 2, serving rx 1, tx 1\n"
				    "  rings:"));
	assert_null(strstr(got, "queues 1"));
	free(got);
}

static void test_show_one_names_netns_and_persist(void **state)
{
	json_t *b = sample_bridge("ns0", "down");
	char *got;

	(void)state;
	json_object_set_new(json_object_get(b, "memif"), "netns", json_string("red"));
	json_object_set_new(json_object_get(b, "host"), "netns", json_string("blue"));
	json_object_set_new(json_object_get(b, "host"), "persist", json_true());
	json_object_set_new(json_object_get(b, "memif"), "secret", json_null());
	got = render(false, "show", "{\"name\": \"ns0\"}", json_pack("{s:[o]}", "bridges", b));
	if (!strstr(got, "  memif:           mode ethernet, rx-mode interrupt, secret none, netns red\n") ||
	    !strstr(got, "state up, persist, netns blue\n"))
		fail_msg("got:\n%s", got);
	free(got);
}

/* SAMPLE_BRIDGE with the host object HOST (JSON text) and host_state. */
static json_t *pcap_bridge(const char *name, const char *host, const char *host_state)
{
	json_t *b = sample_bridge(name, "up");

	json_object_set_new(b, "host", json_loads(host, 0, NULL));
	json_object_set_new(json_object_get(b, "state"), "host_state", json_string(host_state));
	return b;
}

static const char live_host[] =
	"{\"type\": \"pcap-live\", \"name\": \"veth1\", \"netns\": \"red\", \"mtu\": 1500,"
	" \"mac\": null, \"up\": true, \"persist\": false, \"promisc\": true,"
	" \"filter\": \"ether proto 0x88b5\", \"snaplen\": 1522}";

static const char file_host[] =
	"{\"type\": \"pcap-file\", \"name\": null, \"netns\": null, \"mtu\": null,"
	" \"mac\": null, \"up\": true, \"persist\": false,"
	" \"read\": {\"file\": \"/var/tmp/in.pcap\", \"timing\": \"pps\", \"rate\": 1000,"
	" \"loop\": 0, \"frames\": 200, \"sent\": 450, \"passes\": 2, \"state\": \"replaying\","
	" \"in_memory\": true, \"truncated\": 0, \"drops\": {\"oversize\": 0}},"
	" \"write\": {\"file\": \"/var/tmp/out.pcap\", \"max_packets\": 1000, \"max_bytes\": 0,"
	" \"keep_files\": 2, \"packets\": 12, \"bytes\": 3400, \"files\": 1,"
	" \"state\": \"writing\", \"truncated\": 0}}";

static const char capture[] =
	"{\"file\": \"/tmp/cap.pcap\", \"filter\": \"icmp\", \"direction\": \"both\","
	" \"count\": 10, \"packets\": 4, \"bytes\": 392, \"state\": \"recording\"}";

/* The lines of the details between "  rings:" and "  counters:". */
static char *host_lines(const char *name, json_t *b)
{
	char args[64], *got, *from, *to;

	snprintf(args, sizeof(args), "{\"name\": \"%s\"}", name);
	got = render(false, "show", args, json_pack("{s:[o]}", "bridges", b));
	from = strstr(got, "  rings:");
	to = strstr(got, "  counters:\n");
	if (!from || !to)
		fail_msg("got:\n%s", got);
	from = strchr(from, '\n') + 1;
	memmove(got, from, (size_t)(to - from));
	got[to - from] = '\0';
	return got;
}

static void test_show_one_pcap_live(void **state)
{
	json_t *b = pcap_bridge("live0", live_host, "up");

	(void)state;
	expect(host_lines("live0", b),
	       "  host:            pcap-live veth1, state up, promisc yes,"
	       " filter \"ether proto 0x88b5\", snaplen 1522, netns red\n");
	b = pcap_bridge("live0", live_host, "up");
	json_object_set_new(json_object_get(b, "host"), "filter", json_null());
	json_object_set_new(json_object_get(b, "host"), "netns", json_null());
	json_object_set_new(json_object_get(b, "host"), "error",
			    json_string("The interface went down"));
	expect(host_lines("live0", b),
	       "  host:            pcap-live veth1, state up, promisc yes, filter all, snaplen 1522\n"
	       "  host error:      The interface went down\n");
	b = pcap_bridge("live0", "{\"type\": \"pcap-live\", \"name\": \"veth1\", \"netns\": null,"
			" \"mtu\": 1500, \"mac\": null, \"up\": true, \"persist\": false}", "gone");
	json_object_set_new(json_object_get(b, "state"), "host_error",
			    json_string("host pcap-live veth1 was deleted"));
	expect(host_lines("live0", b),
	       "  host:            pcap-live veth1, state gone\n"
	       "  host error:      host pcap-live veth1 was deleted\n");
}

static void test_show_one_pcap_file_and_capture(void **state)
{
	json_t *b = pcap_bridge("file0", file_host, "up");

	(void)state;
	json_object_set_new(b, "capture", json_loads(capture, 0, NULL));
	expect(host_lines("file0", b),
	       "  host:            pcap-file, state up\n"
	       "  read:            /var/tmp/in.pcap, 200 frames, rate 1000 pps, loop forever\n"
	       "  replay:          replaying, 450 sent, 0 dropped, 2 passes done\n"
	       "  write:           /var/tmp/out.pcap, max packets 1000, max bytes no limit,"
	       " keep files 2\n"
	       "  record:          writing, 12 frames, 3400 bytes, 1 file\n"
	       "  capture:         /tmp/cap.pcap, direction both, filter \"icmp\", count 10\n"
	       "  captured:        recording, 4 frames, 392 bytes\n");
}

static void test_show_one_pcap_file_errors(void **state)
{
	json_t *b = pcap_bridge("file1", file_host, "error"), *h, *cap;

	(void)state;
	h = json_object_get(b, "host");
	json_object_del(h, "write");
	json_object_set_new(json_object_get(h, "read"), "timing", json_string("recorded"));
	json_object_set_new(json_object_get(h, "read"), "loop", json_integer(3));
	json_object_set_new(json_object_get(h, "read"), "state", json_string("error"));
	json_object_set_new(json_object_get(h, "read"), "error",
			    json_string("/var/tmp/in.pcap: truncated record"));
	cap = json_loads(capture, 0, NULL);
	json_object_set_new(cap, "filter", json_null());
	json_object_set_new(cap, "count", json_integer(0));
	json_object_set_new(cap, "state", json_string("error"));
	json_object_set_new(cap, "error", json_string("No space left on device"));
	json_object_set_new(b, "capture", cap);
	expect(host_lines("file1", b),
	       "  host:            pcap-file, state error\n"
	       "  read:            /var/tmp/in.pcap, 200 frames, timing recorded, loop 3\n"
	       "  replay:          error, 450 sent, 0 dropped, 2 passes done:"
	       " /var/tmp/in.pcap: truncated record\n"
	       "  capture:         /tmp/cap.pcap, direction both, filter all, count no limit\n"
	       "  captured:        error, 4 frames, 392 bytes: No space left on device\n");
}

/* A replay that could not send every frame says so, and how many of
 * those it sent were truncated captures; an explicit mtu is shown. */
static void test_show_one_pcap_file_drops(void **state)
{
	json_t *b = pcap_bridge("file2", file_host, "up"), *h, *r, *w;

	(void)state;
	h = json_object_get(b, "host");
	r = json_object_get(h, "read");
	w = json_object_get(h, "write");
	json_object_set_new(h, "mtu", json_integer(9000));
	json_object_set_new(r, "state", json_string("finished"));
	json_object_set_new(r, "sent", json_integer(149));
	json_object_set_new(r, "truncated", json_integer(3));
	json_object_set_new(r, "passes", json_integer(1));
	json_object_set_new(r, "drops", json_pack("{s:i}", "oversize", 51));
	json_object_set_new(w, "truncated", json_integer(2));
	expect(host_lines("file2", b),
	       "  host:            pcap-file, state up, mtu 9000\n"
	       "  read:            /var/tmp/in.pcap, 200 frames, rate 1000 pps, loop forever\n"
	       "  replay:          finished, 149 sent (3 truncated), 51 dropped (oversize),"
	       " 1 passes done\n"
	       "  write:           /var/tmp/out.pcap, max packets 1000, max bytes no limit,"
	       " keep files 2\n"
	       "  record:          writing, 12 frames, 3400 bytes, 1 file, 2 truncated\n");
}

static void test_show_all_with_pcap_hosts_stays_aligned(void **state)
{
	json_t *f = pcap_bridge("file0", file_host, "up"), *w = pcap_bridge("w", file_host, "up");
	json_t *res;

	(void)state;
	json_object_del(json_object_get(w, "host"), "read");
	res = json_pack("{s:[o, o, o, o]}", "bridges", sample_bridge("vpp0", "up"),
			pcap_bridge("live0", live_host, "gone"), f, w);
	expect(render(false, "show", "{}", res),
	       "NAME   ROLE    SOCKET:ID                 LINK  HOST                        RX-PKTS  TX-PKTS\n"
	       "vpp0   master  /run/memifd/memif.sock:0  up    tap:memif0                       12       10\n"
	       "live0  master  /run/memifd/memif.sock:0  up    pcap-live:veth1(gone)            12       10\n"
	       "file0  master  /run/memifd/memif.sock:0  up    pcap-file:in.pcap,out.pcap       12       10\n"
	       "w      master  /run/memifd/memif.sock:0  up    pcap-file:out.pcap               12       10\n");
}

static void test_stats_and_reset(void **state)
{
	json_t *res = json_pack("{s:[{s:s, s:o}]}", "bridges", "name", "vpp0",
				"counters", json_loads(counters, 0, NULL));

	(void)state;
	expect(render(false, "stats", "{\"name\": \"vpp0\", \"reset\": true}", res),
	       "vpp0:\n"
	       "            packets  bytes  errors  ring_full  host_full  oversize  peer_down  bad_desc\n"
	       "  to host        12   1234       0          0          1         0          2         0\n"
	       "  to memif       10    980       1          3          0         0          0         0\n"
	       "  link ups 2, downs 1, last disconnect: peer closed\n"
	       "counters reset\n");
}

static void test_small_replies(void **state)
{
	(void)state;
	expect(render(false, "ping", NULL, json_pack("{s:b, s:i}", "pong", 1, "uptime", 7384)),
	       "memifd is alive, up 2h 3m\n");
	expect(render(false, "version", NULL, json_pack("{s:s, s:s, s:s}", "memifd", "0.1.0",
							  "libmemif", "3.1", "protocol", "2.0")),
	       "memifctl  " MEMIFD_VERSION "\nmemifd    0.1.0\nlibmemif  3.1\nprotocol  2.0\n");
	expect(render(false, "delete", "{\"name\": \"vpp1\"}", json_object()),
	       "deleted bridge vpp1\n");
	expect(render(false, "reload", NULL, json_pack("{s:[s], s:[], s:[s, s], s:[], s:[{s:s, s:s}]}",
						       "added", "b", "removed", "changed", "c", "d",
						       "unchanged", "failed", "name", "e",
						       "error", "TAP e: busy")),
	       "configuration reloaded\nadded:     b\nremoved:   -\nchanged:   c, d\nunchanged: -\n"
	       "failed:    e: TAP e: busy\n");
	expect(render(false, "capture", "{\"action\": \"stop\", \"name\": \"vpp0\"}",
		      json_pack("{s:o}", "capture", json_loads(capture, 0, NULL))),
	       "capture stopped on vpp0\n"
	       "  capture:         /tmp/cap.pcap, direction both, filter \"icmp\", count 10\n"
	       "  captured:        recording, 4 frames, 392 bytes\n");
}

static void test_json_is_the_result_on_one_line_or_indented(void **state)
{
	json_t *res = json_pack("{s:b, s:i}", "pong", 1, "uptime", 3);
	char *buf = NULL;
	size_t len = 0;
	struct out o = { .json = true, .pretty = true };

	(void)state;
	expect(render(true, "ping", NULL, json_incref(res)), "{\"pong\":true,\"uptime\":3}\n");
	o.fp = open_memstream(&buf, &len);
	out_reply(&o, "ping", NULL, res);
	fclose(o.fp);
	expect(buf, "{\n  \"pong\": true,\n  \"uptime\": 3\n}\n");
	json_decref(res);
}

static void test_events_are_one_line_each(void **state)
{
	json_t *up = json_pack("{s:s, s:s, s:s, s:s, s:s}", "event", "link", "name", "vpp0",
			       "link", "up", "time", "2026-11-26T13:40:00Z", "peer_name", "VPP");
	json_t *cr = json_pack("{s:s, s:s, s:s, s:s}", "event", "bridge", "name", "vpp1",
			       "action", "created", "time", "2026-11-26T13:41:00Z");
	char *buf = NULL;
	size_t len = 0;
	struct out o = { .now = NOW };

	(void)state;
	o.fp = open_memstream(&buf, &len);
	out_event(&o, up);
	out_event(&o, cr);
	o.json = true;
	out_event(&o, cr);
	fclose(o.fp);
	expect(buf, "2026-11-26T13:40:00Z vpp0 link up peer_name=VPP\n"
		    "2026-11-26T13:41:00Z vpp1 bridge created\n"
		    "{\"event\":\"bridge\",\"name\":\"vpp1\",\"action\":\"created\","
		    "\"time\":\"2026-11-26T13:41:00Z\"}\n");
	json_decref(up);
	json_decref(cr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_show_all_is_a_table),
		cmocka_unit_test(test_show_one_is_detailed),
		cmocka_unit_test(test_show_one_queues),
		cmocka_unit_test(test_show_one_names_netns_and_persist),
		cmocka_unit_test(test_show_one_pcap_live),
		cmocka_unit_test(test_show_one_pcap_file_and_capture),
		cmocka_unit_test(test_show_one_pcap_file_errors),
		cmocka_unit_test(test_show_one_pcap_file_drops),
		cmocka_unit_test(test_show_all_with_pcap_hosts_stays_aligned),
		cmocka_unit_test(test_stats_and_reset),
		cmocka_unit_test(test_small_replies),
		cmocka_unit_test(test_json_is_the_result_on_one_line_or_indented),
		cmocka_unit_test(test_events_are_one_line_each),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
