/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The proxy's insides, shared by its files (proxy.h is what others see):
 *
 *   group.c     start, reload, stop: the workers and their listening sockets
 *   worker.c    a worker's event loop: accept, control, drain, reaping
 *   client.c    a client connection: buffers, steps, timer
 *   exchange.c  one request and its response: body, upstream choice, relay
 *   rewrite.c   the heads as the other side gets them; responses made here
 *   upstream.c  connections to backends and their keep-alive pools
 *   backend.c   the backends of a worker: kept across reloads, their faults
 *   health.c    active health checks
 *   balance.c   which backend takes a request; passive health
 *   io.c        socket I/O, plain or TLS, in three outcomes
 *   timer.c     the timer wheel
 *   body.c, mem.c, stats.c, http_*.c, tls_*.c: buffers and framing,
 *   buffer memory, counters, the HTTP parser, TLS.
 *
 * Each worker thread has its own epoll instance, its own listening sockets
 * on the shared ports (SO_REUSEPORT), its own backends (balancer state,
 * keep-alive pools, health) and its own timer wheel; workers share nothing
 * but the connection count and the configuration, which the caller's
 * thread replaces (proxy_reload). Every descriptor a worker watches points
 * at a struct evsrc whose on_event handles what epoll reports.
 *
 * Sockets are edge-triggered and registered once: a socket keeps "may
 * read" and "may write" flags (struct sock), set by events and cleared by
 * the I/O calls that would block, and one pump function per client moves
 * whatever can move. Nothing is read that there is no room for, so a slow
 * side stops the other (back-pressure) through the kernel's socket buffers
 * and TCP windows.
 *
 * Buffers: a client has `in` (its bytes; the request head is parsed there,
 * at offset 0) and, during an exchange, `head` (the rewritten request head,
 * kept for a retry), `resp` (the upstream's bytes) and `out` (the rewritten
 * response head, or a response made here). Body bytes are forwarded from
 * `in` and `resp` where they were read, after the framer has checked them:
 * [start, ready) is checked and to be sent, [ready, end) not yet looked at.
 */
#ifndef XDPGW_PROXY_INT_H
#define XDPGW_PROXY_INT_H

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <time.h>
#include "http_parse.h"
#include "proxy.h"
#include "proxy_body.h"
#include "proxy_mem.h"
#include "tls.h"

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#endif

static inline uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ull + ts.tv_nsec / 1000;
}

/* ---------------------------------------------------------------- timers */

/* A hashed timer wheel: PROXY_TW_SLOTS slots of PROXY_TW_TICK ms. A timer
 * further away than one turn stays in its slot for the turns between. */
#define PROXY_TW_TICK  50
#define PROXY_TW_SLOTS 1024

struct ptimer {
	struct ptimer *next, **pprev;
	uint64_t expires; /* ms */
	void (*fn)(struct ptimer *t);
};

struct timer_wheel {
	struct ptimer *slot[PROXY_TW_SLOTS];
	uint64_t tick; /* next tick to run */
};

void tw_init(struct timer_wheel *w, uint64_t now_ms);
/* (Re)arm t to fire at expires (ms). */
void tw_add(struct timer_wheel *w, struct ptimer *t, uint64_t expires);
void tw_del(struct ptimer *t);
static inline bool tw_armed(const struct ptimer *t)
{
	return t->pprev != NULL;
}
/* Run the handlers of every timer due by now_ms. Returns how many ran. */
unsigned int tw_run(struct timer_wheel *w, uint64_t now_ms);
/* Milliseconds from now_ms to the next tick. */
int tw_wait_ms(const struct timer_wheel *w, uint64_t now_ms);

/* ---------------------------------------------------------------- balancer */

struct upstream;
struct probe;

struct backend {
	struct sockaddr_in addr;
	char name[24]; /* "A.B.C.D:PORT" */
	int weight;
	int cur_weight;	       /* smooth round robin */
	unsigned int active;   /* requests in flight */
	unsigned int peak;     /* most in flight at once lately ... */
	uint64_t peak_at;      /* ... last reached then (ms) */
	unsigned int fails;    /* failures in a row */
	uint64_t down_until;   /* passive health: ms; 0 up */
	bool probe_down;       /* active health: the last check failed */
	bool removed;	       /* gone from the configuration; freed once unused */
	unsigned int refs;     /* exchanges and upstream connections pointing here */
	struct upstream *idle; /* the keep-alive pool */
	unsigned int nidle;
	struct probe *probe;
};

struct balancer {
	struct backend *be[PROXY_MAX_BACKENDS];
	unsigned int n;
	enum proxy_balance mode;
	unsigned int next; /* leastconn: where ties start */
	uint32_t max_fails;
	uint32_t fail_timeout;
};

bool backend_usable(const struct backend *be, uint64_t now);
/* The backend for the next request, never `exclude` (a backend that just
 * failed this request); when none is up and exclude is NULL, one only
 * marked down by failures (nginx tries them all the same); else NULL. */
struct backend *balance_pick(struct balancer *b, uint64_t now, const struct backend *exclude);
/* A failure of the backend (connect refused or timed out, reset before any
 * response byte, no response in time). Returns true when this failure
 * marks it down: max_fails in a row, unless no other backend is up. */
bool backend_failed(struct balancer *b, struct backend *be, uint64_t now);
/* A response came: the failure streak ends. Returns true when it was down. */
bool backend_ok(struct backend *be);
/* A request goes to be: one more in flight, and the recent peak follows
 * (a peak older than window ms is forgotten). */
void backend_busy(struct backend *be, uint64_t now, uint64_t window);
/* How many idle connections be's pool may hold: the recent peak of busy
 * ones, at least keepalive, at most max (or keepalive if larger); 0 when
 * keepalive is 0. */
unsigned int backend_pool_room(const struct backend *be, uint32_t keepalive, uint32_t max);

/* ---------------------------------------------------------------- events */

struct worker;

/* What epoll reports about: each watched descriptor's data.ptr points at
 * one, and its handler takes the events (as nginx's ev->handler). */
struct evsrc {
	void (*on_event)(struct evsrc *ev, uint32_t events);
	struct worker *w;
};

/* ---------------------------------------------------------------- sockets */

/* A connected socket, plain or TLS, in an edge-triggered loop. */
struct sock {
	int fd;
	struct tls_conn *tls; /* NULL: plain */
	bool rd, wr;	      /* may read, may write: set by events, cleared by would-block */
	bool rdhup;	      /* the peer's FIN or an error was reported */
	int err;	      /* after IO_FAILED: the errno; 0 for EOF, EPROTO for TLS */
};

/* What one I/O call did. */
enum io_result {
	IO_MOVED,   /* bytes moved */
	IO_BLOCKED, /* nothing now; the flag to wait for is cleared */
	IO_FAILED,  /* the peer is gone (EOF, reset, a TLS error): s->err says why */
};

/* Read up to len bytes into p (*n). A read that left nothing behind clears
 * "may read" (unless the peer's FIN came: its EOF is still to be read). */
enum io_result sock_read(struct sock *s, void *p, size_t len, size_t *n);
/* sock_read into b's free end, which moves. */
enum io_result sock_read_buf(struct sock *s, struct buf *b);
/* The iovecs, in one call (TLS: after IO_BLOCKED, offer the same first
 * bytes again, at least as many: OpenSSL has sealed them). */
enum io_result sock_write(struct sock *s, const struct iovec *iov, int cnt, size_t *n);
/* Read and drop bytes as they are on the wire, TLS or not (lingering). */
enum io_result sock_discard(struct sock *s, void *scratch, size_t len);
/* Note what epoll said: may read, may write, the peer closed. */
void sock_events(struct sock *s, uint32_t events);
/* Watch s->fd in w's epoll, edge-triggered, for ev. 0 or -1 (errno). */
int sock_watch(struct worker *w, struct sock *s, struct evsrc *ev);

/* ---------------------------------------------------------------- objects */

enum client_state {
	CL_HANDSHAKE, /* TLS: before the handshake's end */
	CL_IDLE,      /* before a request's first byte (new or kept alive) */
	CL_HEAD,      /* reading a request head */
	CL_BODY,      /* holding a request body that may fit the buffer, before any backend */
	CL_PROXY,     /* exchanging with an upstream */
	CL_REPLY,     /* sending a response made here */
	CL_LINGER,    /* done, write side shut: discarding input until EOF */
	CL_DEAD,
};

enum up_state {
	UP_CONNECTING,
	UP_BUSY, /* carrying a client's exchange */
	UP_IDLE, /* in its backend's keep-alive pool */
	UP_DEAD,
};

struct upstream {
	struct evsrc ev;
	enum up_state state;
	struct sock sk;
	bool reused; /* taken from the pool */
	bool keep;   /* the response allows reuse */
	struct backend *be;
	struct client *c;
	struct upstream *pool_next, **pool_pprev;
	struct ptimer tmr; /* idle in the pool */
	struct upstream *dead_next;
	uint64_t t_connect_us; /* when connect() was called */
};

/* What the access log says of an exchange, kept at the start of xmem so
 * that an idle connection does not carry it. */
struct xlog {
	char method[HTTP_MAX_METHOD + 1];
	char path[256];
	char up[24];
};

struct client {
	struct evsrc ev;
	enum client_state state;
	struct sock sk;
	bool rejected;	 /* over max-conns: gets a 503, not counted */
	bool in_again;
	bool notify_due; /* lingering: close_notify still to send */
	const struct listener *ls;
	char peer_ip[INET_ADDRSTRLEN];
	uint16_t peer_port;
	struct ptimer tmr;
	struct client *again_next, *dead_next;
	struct client *all_next, **all_pprev;

	struct buf in;
	char *xmem; /* log, head, resp and out of an exchange, one allocation */
	struct buf head, resp, out;
	/* the request's head, then the response's: it lives at the end of
	 * in's buffer, and both exist only while the connection is not idle */
	struct http_parser *p;

	/* the exchange */
	uint8_t method, version;
	bool keepalive, expect, close_after;
	bool resp_started;   /* a byte came from the upstream */
	bool resp_head_done; /* ... and its head went into out */
	bool body_sent;	     /* a request body byte went to an upstream */
	bool sent_continue;
	uint8_t attempts, stale_retries;
	struct framer reqf, respf;
	struct reframer rf; /* a chunked request body streamed on */
	struct upstream *up;
	struct backend *failed_be;
	uint64_t t_start_us;
	uint16_t status;
	uint64_t bytes;
	struct xlog *log; /* in xmem: NULL while idle */
};

struct probe {
	struct evsrc ev;
	struct backend *be;
	struct sock sk;
	bool sent;
	uint32_t len;
	char buf[256];
	struct ptimer tmr;
	struct probe *dead_next;
};

/* One of a worker's listening sockets. */
struct listener {
	struct evsrc ev;
	int fd;
	bool tls;
	char name[24]; /* "A.B.C.D:PORT" */
};

/* Configuration shared by the workers, freed by whoever drops it last. */
struct shared_cfg {
	atomic_int refs;
	struct proxy_cfg c;
};

struct worker {
	int id;
	pthread_t th;
	int epfd, ctlfd, exitfd;
	struct listener ls[PROXY_MAX_LISTENS];
	unsigned int nls;
	struct tls_server *tls; /* the group's, for TLS listeners */
	struct evsrc cev;
	struct shared_cfg *sc;
	const struct proxy_cfg *cfg;
	_Atomic(struct shared_cfg *) pending;
	atomic_bool stop;
	bool failed; /* stopped on its own */
	struct balancer bal;
	struct timer_wheel tw;
	uint64_t now; /* ms, CLOCK_MONOTONIC, once per loop turn */
	struct client *again, *dead_clients, *all;
	struct upstream *dead_ups;
	struct probe *dead_probes;
	unsigned int nclients, nrejecting;
	bool draining;
	uint64_t drain_deadline;
	bool accept_paused;
	struct ptimer accept_tmr, health_tmr, trim_tmr;
	struct blk_cache in_cache, xmem_cache; /* connection buffers */
	uint64_t freed; /* heap bytes freed since the last malloc_trim */
	char scratch[4096];
};

/* Clients of all workers, over max-conns not counted. */
extern atomic_uint proxy_conns;

/* ---------------------------------------------------------------- group.c, worker.c */

void *worker_main(void *arg);
void cfg_put(struct shared_cfg *sc);
/* Listen (on) or not: every listener of the worker. */
void listeners_watch(struct worker *w, bool on);
void listeners_close(struct worker *w);
/* A listener of w, not listening yet (fd -1); the control event. */
void listener_init(struct worker *w, struct listener *ls, bool tls);
void worker_init_events(struct worker *w);
void kick_fd(int fd);

/* ---------------------------------------------------------------- client.c */

struct client *client_new(struct worker *w, const struct listener *ls, int fd,
			  const struct sockaddr_in *sa);
/* Move whatever can move, up to a budget (then again next turn). */
void client_pump(struct client *c);
void client_close(struct client *c);
/* (Re)arm the client's timer, ms from now. */
void client_arm(struct client *c, uint32_t ms);
/* All sent: shut our side and discard input until the client closes. */
void client_linger(struct client *c);
enum io_result client_read(struct client *c, struct buf *b);
enum io_result client_write(struct client *c, const struct iovec *iov, int cnt, size_t *n);
/* head, resp and out for an exchange; in's buffer with the parser. */
bool xmem_alloc(struct client *c);
void xmem_free(struct client *c);
void in_free(struct client *c);

/* ---------------------------------------------------------------- exchange.c */

/* The request head is in; on to an upstream. */
void exchange_start(struct client *c);
/* Steps of CL_BODY and CL_PROXY; true if anything moved. */
bool exchange_body_step(struct client *c);
bool exchange_step(struct client *c);
/* The client's timer fired in CL_PROXY. */
void exchange_timeout(struct client *c);
/* The upstream connection failed before a response came. */
void exchange_upstream_failed(struct client *c, int err);
/* Ready for the next request on this connection. */
void exchange_reset(struct client *c);
/* The exchange is over: the next request, or the connection's end. */
void exchange_finish(struct client *c, bool reuse_upstream);
/* The whole request went to the upstream: head, body, nothing held back. */
bool req_complete(const struct client *c);
/* After an early response (before the request body was all sent), the
 * rest of the body still goes to the upstream, which stays usable. */
bool exchange_body_rest_goes_on(const struct client *c);
/* The counters and, if on, the access-log line of the exchange. */
void access_log(struct client *c);
/* The exchange ends with the connection: logged with the status it has,
 * else with status, then closed. */
void abort_exchange(struct client *c, uint16_t status);

/* ---------------------------------------------------------------- rewrite.c */

bool build_request_head(struct client *c);
/* Also sets how the response body is framed. */
bool build_response_head(struct client *c);
/* A locally made response (an error); close: the connection ends after it. */
void reply(struct client *c, int status, bool close);
bool reply_step(struct client *c);

/* ---------------------------------------------------------------- upstream.c */

struct upstream *up_connect(struct worker *w, struct backend *be, int *err);
/* An idle connection of be's pool, made busy; NULL if none. */
struct upstream *pool_get(struct backend *be);
void pool_close_all(struct backend *be);
/* Detach the client's upstream: back to the pool if reuse and the upstream
 * allows it, else closed. */
void up_release(struct client *c, bool reuse);

/* ---------------------------------------------------------------- backend.c, health.c */

void be_get(struct backend *be);
void be_put(struct backend *be);
/* Trouble with be, said as "backend NAME: ..."; counted: it may mean be is
 * down, towards max-fails (backend_failed), which says so when it does. */
__attribute__((format(printf, 4, 5))) void be_trouble(struct worker *w, struct backend *be,
						       bool counted, const char *fmt, ...);
/* A response came from be: up again, if it was down. */
void be_answered(struct backend *be);
/* Take cfg's backends: kept by address (with their health, pool and
 * counts), new ones added, missing ones dropped once unused. */
void backends_apply(struct worker *w, const struct proxy_cfg *cfg);
/* be leaves the balancer: its pool and probe go, it is freed once unused. */
void be_drop(struct worker *w, struct backend *be);

void health_timer(struct ptimer *t);
/* Stop be's checks; the probe is freed after this loop turn. */
void probe_stop(struct worker *w, struct backend *be);

#endif
