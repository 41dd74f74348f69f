// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE /* accept4, asprintf */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include "metrics.h"

#define METRICS_CONNS 16 /* scrapers at once; more wait in the backlog */
#define METRICS_HEAD_MAX 2048 /* a scrape's request head */
#define METRICS_CONN_SECONDS 5 /* from accept to the last byte sent */

/* ------------------------------------------------------------ rendering */

/* The protocol a flow state belongs to, from its name (udp_*, icmp_*). */
static const char *state_proto(int state)
{
	const char *name = flow_state_names[state];

	if (!strncmp(name, "udp_", 4))
		return "udp";
	if (!strncmp(name, "icmp_", 5))
		return "icmp";
	return "tcp";
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

char *metrics_render(const struct metrics_input *in)
{
	const char *ifn = in->ifname;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int i;

	if (!f)
		return NULL;
	family(f, "xdpgw_packets_total", "counter",
	       "Packets by outcome, one outcome per packet (xdpgw stats).");
	for (i = 0; i < STAT__MAX; i++)
		if (i != STAT_EXPIRED && i != STAT_ICMP_PROHIBITED)
			fprintf(f, "xdpgw_packets_total{interface=\"%s\",outcome=\"%s\"} %llu\n",
				ifn, xdpgw_stat_names[i], (unsigned long long)in->stats[i]);
	family(f, "xdpgw_flows_expired_total", "counter", "Flows removed by the sweep.");
	fprintf(f, "xdpgw_flows_expired_total{interface=\"%s\"} %llu\n", ifn,
		(unsigned long long)in->stats[STAT_EXPIRED]);
	family(f, "xdpgw_icmp_prohibited_sent_total", "counter",
	       "ICMP administratively prohibited errors sent for an exhausted port pool.");
	fprintf(f, "xdpgw_icmp_prohibited_sent_total{interface=\"%s\"} %llu\n", ifn,
		(unsigned long long)in->stats[STAT_ICMP_PROHIBITED]);

	if (in->have_table) {
		family(f, "xdpgw_flows", "gauge", "Flows in the NAT table by protocol and state.");
		for (i = 1; i < FLOW_STATE__MAX; i++)
			fprintf(f, "xdpgw_flows{interface=\"%s\",proto=\"%s\",state=\"%s\"} %llu\n",
				ifn, state_proto(i), flow_state_names[i],
				(unsigned long long)in->flows_by_state[i]);
		family(f, "xdpgw_flows_capacity", "gauge", "Size of the NAT table in flows.");
		fprintf(f, "xdpgw_flows_capacity{interface=\"%s\"} %u\n", ifn, in->max_flows);
		family(f, "xdpgw_ports_in_use", "gauge",
		       "External ports (echo identifiers for icmp) in use, by protocol.");
		fprintf(f, "xdpgw_ports_in_use{interface=\"%s\",proto=\"tcp\"} %llu\n", ifn,
			(unsigned long long)in->ports_tcp);
		fprintf(f, "xdpgw_ports_in_use{interface=\"%s\",proto=\"udp\"} %llu\n", ifn,
			(unsigned long long)in->ports_udp);
		fprintf(f, "xdpgw_ports_in_use{interface=\"%s\",proto=\"icmp\"} %llu\n", ifn,
			(unsigned long long)in->ports_icmp);
		family(f, "xdpgw_port_pool_size", "gauge", "External ports in the pool, per protocol.");
		fprintf(f, "xdpgw_port_pool_size{interface=\"%s\"} %u\n", ifn, in->port_pool);
		family(f, "xdpgw_sweep_duration_seconds", "gauge", "How long the last sweep took.");
		fprintf(f, "xdpgw_sweep_duration_seconds{interface=\"%s\"} %.6f\n", ifn,
			in->sweep_seconds);
		family(f, "xdpgw_sweeps_total", "counter", "Sweeps of the NAT table run.");
		fprintf(f, "xdpgw_sweeps_total{interface=\"%s\"} %llu\n", ifn,
			(unsigned long long)in->sweeps);
	}
	if (in->extra)
		fputs(in->extra, f);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

/* -------------------------------------------------------------- serving */

int metrics_route(const char *head, size_t len, bool *head_only)
{
	const char *sp = memchr(head, ' ', len), *sp2, *end = head + len;
	size_t mlen;

	*head_only = false;
	if (!sp)
		return 400;
	mlen = sp - head;
	sp2 = memchr(sp + 1, ' ', end - sp - 1);
	if (!sp2 || (size_t)(end - sp2) < 9 || memcmp(sp2 + 1, "HTTP/1.", 7))
		return 400;
	/* the path, without a query string */
	{
		const char *path = sp + 1, *q = memchr(path, '?', sp2 - path);
		size_t plen = (q ? q : sp2) - path;

		if (plen != 8 || memcmp(path, "/metrics", 8))
			return 404;
	}
	if (mlen == 4 && !memcmp(head, "HEAD", 4))
		*head_only = true;
	else if (mlen != 3 || memcmp(head, "GET", 3))
		return 405;
	return 200;
}

struct metrics_conn {
	int fd; /* -1: free */
	time_t deadline;
	size_t got; /* bytes of head read */
	char head[METRICS_HEAD_MAX];
	char *out; /* response, malloc'd; NULL until the head is complete */
	size_t out_len, out_sent;
};

struct metrics_server {
	int lfd, ep;
	metrics_collect_fn collect;
	void *ctx;
	struct metrics_conn conns[METRICS_CONNS];
};

static time_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

struct metrics_server *metrics_listen(const struct sockaddr_in *addr, int ep,
				      metrics_collect_fn collect, void *ctx, int *err)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct metrics_server *ms;
	int one = 1, i;

	ms = calloc(1, sizeof(*ms));
	if (!ms) {
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < METRICS_CONNS; i++)
		ms->conns[i].fd = -1;
	ms->ep = ep;
	ms->collect = collect;
	ms->ctx = ctx;
	ms->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ms->lfd < 0 ||
	    setsockopt(ms->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(ms->lfd, (const struct sockaddr *)addr, sizeof(*addr)) || listen(ms->lfd, 16))
		goto fail;
	ev.data.fd = ms->lfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, ms->lfd, &ev))
		goto fail;
	return ms;
fail:
	*err = -errno;
	if (ms->lfd >= 0)
		close(ms->lfd);
	free(ms);
	return NULL;
}

static void conn_close(struct metrics_server *ms, struct metrics_conn *c)
{
	epoll_ctl(ms->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->out);
	c->fd = -1;
	c->out = NULL;
}

static void accept_all(struct metrics_server *ms)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	struct metrics_conn *c;
	int i, fd;

	for (;;) {
		for (i = 0; i < METRICS_CONNS && ms->conns[i].fd >= 0; i++)
			;
		if (i == METRICS_CONNS)
			return; /* the rest wait in the backlog */
		fd = accept4(ms->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		c = &ms->conns[i];
		c->fd = fd;
		c->got = 0;
		c->out_len = c->out_sent = 0;
		c->deadline = now_s() + METRICS_CONN_SECONDS;
		ev.data.fd = fd;
		if (epoll_ctl(ms->ep, EPOLL_CTL_ADD, fd, &ev))
			conn_close(ms, c);
	}
}

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	default:
		return "Bad Request";
	}
}

/* The response to a complete head, in c->out. */
static int respond(struct metrics_server *ms, struct metrics_conn *c, size_t head_len)
{
	struct metrics_input in = {};
	char *body = NULL, *out = NULL;
	bool head_only;
	int status = metrics_route(c->head, head_len, &head_only), n;

	if (status == 200 && (ms->collect(ms->ctx, &in) || !(body = metrics_render(&in))))
		status = 500;
	n = asprintf(&out,
		     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		     "Connection: close\r\n%s\r\n%s",
		     status, status == 500 ? "Internal Server Error" : reason(status),
		     status == 200 ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain",
		     body ? strlen(body) : 0, status == 405 ? "Allow: GET, HEAD\r\n" : "",
		     body && !head_only ? body : "");
	free(body);
	if (n < 0)
		return -ENOMEM;
	c->out = out;
	c->out_len = n;
	return 0;
}

/* Send what is left; 1 when all is sent, 0 to wait for EPOLLOUT, <0 error. */
static int send_rest(struct metrics_server *ms, struct metrics_conn *c)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.fd = c->fd };
	ssize_t n;

	while (c->out_sent < c->out_len) {
		n = send(c->fd, c->out + c->out_sent, c->out_len - c->out_sent,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN)
			return epoll_ctl(ms->ep, EPOLL_CTL_MOD, c->fd, &ev) ? -errno : 0;
		if (n <= 0)
			return -EPIPE;
		c->out_sent += n;
	}
	return 1;
}

static void conn_event(struct metrics_server *ms, struct metrics_conn *c)
{
	const char *end;
	ssize_t n;

	if (!c->out) {
		n = recv(c->fd, c->head + c->got, sizeof(c->head) - 1 - c->got, MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			goto close;
		c->got += n;
		c->head[c->got] = '\0';
		end = strstr(c->head, "\r\n\r\n");
		if (!end) {
			if (c->got == sizeof(c->head) - 1)
				goto close; /* no scraper sends a head this long */
			return;
		}
		if (respond(ms, c, end - c->head))
			goto close;
	}
	if (send_rest(ms, c) == 0)
		return;
close:
	conn_close(ms, c);
}

bool metrics_on_event(struct metrics_server *ms, int fd, __u32 events)
{
	int i;

	(void)events;
	if (!ms)
		return false;
	if (fd == ms->lfd) {
		accept_all(ms);
		return true;
	}
	for (i = 0; i < METRICS_CONNS; i++)
		if (ms->conns[i].fd == fd) {
			conn_event(ms, &ms->conns[i]);
			accept_all(ms); /* a slot may have come free */
			return true;
		}
	return false;
}

void metrics_tick(struct metrics_server *ms)
{
	time_t now = now_s();
	int i;

	if (!ms)
		return;
	for (i = 0; i < METRICS_CONNS; i++)
		if (ms->conns[i].fd >= 0 && now >= ms->conns[i].deadline)
			conn_close(ms, &ms->conns[i]);
	accept_all(ms);
}

void metrics_close(struct metrics_server *ms)
{
	int i;

	if (!ms)
		return;
	for (i = 0; i < METRICS_CONNS; i++)
		if (ms->conns[i].fd >= 0)
			conn_close(ms, &ms->conns[i]);
	epoll_ctl(ms->ep, EPOLL_CTL_DEL, ms->lfd, NULL);
	close(ms->lfd);
	free(ms);
}
