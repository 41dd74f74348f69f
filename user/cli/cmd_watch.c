// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpgw watch: flow events as they happen, one line each. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "xdpgw.h"
#include "cli.h"
#include "timeouts.h"
#include "log.h"

static const char *const event_names[] = {
	[FLOW_EV_NEW] = "new",
	[FLOW_EV_STATE] = "state",
	[FLOW_EV_EXPIRED] = "expired",
	[FLOW_EV_REFUSED] = "refused",
};

static void endpoint(char *buf, size_t len, __be32 addr, __be16 port)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	snprintf(buf, len, "%s:%u", a, ntohs(port));
}

static int print_event(void *ctx, void *data, size_t size)
{
	const struct flow_event *e = data;
	bool json = *(bool *)ctx;
	char in[32], rem[32], ext[32];
	const char *type, *state, *proto;

	if (size < sizeof(*e) || !e->type || e->type > FLOW_EV_REFUSED)
		return 0;
	type = event_names[e->type];
	state = e->state && e->state < FLOW_STATE__MAX ? flow_state_names[e->state] : "";
	proto = proto_name(e->orig.proto);
	endpoint(in, sizeof(in), e->orig.saddr, e->orig.sport);
	endpoint(rem, sizeof(rem), e->orig.daddr, e->orig.dport);
	endpoint(ext, sizeof(ext), e->ext_addr, e->ext_port);
	if (json) {
		printf("{\"ts\":%.6f,\"event\":\"%s\",\"proto\":\"%s\",\"internal\":\"%s\","
		       "\"remote\":\"%s\"",
		       e->ts_ns / 1e9, type, proto, in, rem);
		if (e->type == FLOW_EV_REFUSED && e->reason == STAT_IN_FILTER_DROP)
			printf(",\"reason\":\"%s\",\"rule\":%u}\n",
			       xdpgw_stat_names[e->reason], e->rule);
		else if (e->type == FLOW_EV_REFUSED)
			printf(",\"reason\":\"%s\"}\n",
			       e->reason < STAT__MAX ? xdpgw_stat_names[e->reason] : "?");
		else
			printf(",\"external\":\"%s\",\"state\":\"%s\"}\n", ext, state);
	} else if (e->type == FLOW_EV_REFUSED && e->reason == STAT_IN_FILTER_DROP) {
		/* an inbound packet: orig is remote -> the address it was sent to */
		char by[24] = "the default";

		if (e->rule)
			snprintf(by, sizeof(by), "rule %u", e->rule);
		printf("%14.6f %-8s %s %s -> %s dropped by filter %s\n", e->ts_ns / 1e9, type,
		       proto, in, rem, by);
	} else if (e->type == FLOW_EV_REFUSED) {
		printf("%14.6f %-8s %s %s -> %s refused: %s\n", e->ts_ns / 1e9, type, proto, in,
		       rem, e->reason < STAT__MAX ? xdpgw_stat_names[e->reason] : "?");
	} else {
		printf("%14.6f %-8s %s %s -> %s as %s -> %s %s\n", e->ts_ns / 1e9, type, proto,
		       in, rem, ext, rem, state);
	}
	return 0;
}

enum verb_result cmd_watch(int argc, char **argv)
{
	struct verb_args args = {};
	struct epoll_event ev = { .events = EPOLLIN }, got;
	struct ring_buffer *rb = NULL;
	struct signalfd_siginfo si;
	int ret, fd, sfd = -1, ep = -1, n;
	sigset_t stop;

	ret = cli_parse_verb(argc, argv, &opts_watch, false, &args);
	if (ret != VERB_OK)
		return ret;
	fd = cli_open_map(&args.c, XDPGW_MAP_EVENTS);
	if (fd < 0)
		return VERB_RUNTIME;
	setvbuf(stdout, NULL, _IOLBF, 0); /* a line as soon as it happens */
	rb = ring_buffer__new(fd, print_event, &args.json, NULL);
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	if (!rb || sigprocmask(SIG_BLOCK, &stop, NULL) ||
	    (sfd = signalfd(-1, &stop, SFD_CLOEXEC)) < 0 ||
	    (ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		pr_warn("watching map " XDPGW_MAP_EVENTS " of '%s' failed: %s\n", args.c.ifname,
			strerror(errno));
		ret = VERB_RUNTIME;
		goto out;
	}
	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.fd = ring_buffer__epoll_fd(rb);
	epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev);
	ret = VERB_OK;
	for (;;) {
		n = epoll_wait(ep, &got, 1, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || got.data.fd == sfd) {
			if (n < 0 || read(sfd, &si, sizeof(si)) != sizeof(si))
				ret = VERB_RUNTIME;
			break;
		}
		if (ring_buffer__consume(rb) < 0) {
			ret = VERB_RUNTIME;
			break;
		}
	}
out:
	ring_buffer__free(rb);
	if (ep >= 0)
		close(ep);
	if (sfd >= 0)
		close(sfd);
	close(fd);
	return ret;
}
