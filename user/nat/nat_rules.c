// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Static and pool rules on the pinned maps (nat_rules.h), the instance's
 * maps and public addresses they share with forwards (nat_forward.c). The
 * programs read the maps lock-free; the order of the writes keeps what
 * they see consistent:
 *  - add: forwarded ports are claimed in port_owner (out of NAPT's pool)
 *    before the forward entries exist; a static host's public_addrs entry
 *    before its host_public binding.
 *  - delete: the entries are marked dying (no new flow), the rule's flows
 *    ended through the sweep's release, then the entries removed and the
 *    ports given back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "flow_table.h"
#include "iface.h"
#include "nat_arp.h"
#include "nat_rules.h"
#include "nat_rules_int.h"
#include "stats.h"
#include "sweep.h"
#include "log.h"

/* Rounds of ending a deleted rule's flows (a packet between the scan and
 * the delete keeps a flow for the next round).
 */
#define END_ROUNDS 8

static int open_map(const char *dir, const char *name, char *err, size_t len)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return err_printf(err, len, -errno, "cannot open map %s: %s", path,
				  strerror(errno));
	return fd;
}

int nat_rules_open(struct nat_rules *n, const char *dir, const char *ifname, char *err,
		   size_t len)
{
	struct { int *fd; const char *name; } maps[] = {
		{ &n->public_addrs, XDPGW_MAP_PUBLIC_ADDRS }, { &n->forwards, XDPGW_MAP_FORWARDS },
		{ &n->host_public, XDPGW_MAP_HOST_PUBLIC }, { &n->port_owner, XDPGW_MAP_PORT_OWNER },
		{ &n->port_bitmap, XDPGW_MAP_PORT_BITMAP }, { &n->flows, XDPGW_MAP_FLOWS },
		{ &n->rev, XDPGW_MAP_REV }, { &n->stats, XDPGW_MAP_STATS },
		{ &n->events, XDPGW_MAP_EVENTS }, { &n->mappings, XDPGW_MAP_MAPPINGS },
		{ &n->peers, XDPGW_MAP_PEERS }, { &n->host_flows, XDPGW_MAP_HOST_FLOWS },
	};
	struct xdpgw_config cfg;
	__u32 zero = 0;
	size_t i;
	int fd, ret;

	memset(n, 0, sizeof(*n));
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		*maps[i].fd = -1;
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		*maps[i].fd = open_map(dir, maps[i].name, err, len);
		if (*maps[i].fd < 0) {
			ret = *maps[i].fd;
			goto fail;
		}
	}
	fd = open_map(dir, XDPGW_MAP_SETTINGS, err, len);
	if (fd < 0) {
		ret = fd;
		goto fail;
	}
	ret = bpf_map_lookup_elem(fd, &zero, &cfg) ? -errno : 0;
	close(fd);
	if (ret) {
		err_printf(err, len, ret, "reading map %s/%s: %s", dir, XDPGW_MAP_SETTINGS,
			   strerror(-ret));
		goto fail;
	}
	n->ext_addr = cfg.ext_addr;
	n->internal_net = cfg.internal_net;
	n->internal_mask = cfg.internal_mask;
	if (!ifname)
		return 0; /* tests: no interface, no ARP sent */
	ret = iface_mac(ifname, n->mac);
	if (ret) {
		err_printf(err, len, ret, "interface '%s': no MAC address (%s)", ifname,
			   strerror(-ret));
		goto fail;
	}
	n->ifindex = iface_index(ifname);
	return 0;
fail:
	nat_rules_close(n);
	return ret;
}

void nat_rules_close(struct nat_rules *n)
{
	int *fds[] = { &n->public_addrs, &n->forwards, &n->host_public, &n->port_owner,
		       &n->port_bitmap, &n->flows, &n->rev, &n->stats, &n->events,
		       &n->mappings, &n->peers, &n->host_flows };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] > 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* Does xdpgw answer ARP for addr (the interface does not carry it)? */
static __u8 arp_wanted(const struct nat_rules *n, __be32 addr)
{
	return !n->ifindex || !iface_has_ipv4(n->ifindex, addr);
}

int nat_public_add(struct nat_rules *n, __be32 addr, __u8 kind, __be32 internal, bool *made,
		   char *err, size_t len)
{
	struct nat_public v = {};
	char a[INET_ADDRSTRLEN];

	*made = false;
	if (!bpf_map_lookup_elem(n->public_addrs, &addr, &v)) {
		if ((v.kinds | kind) & (PUBLIC_STATIC | PUBLIC_POOL) || v.dying)
			return err_printf(err, len, -EEXIST, "%s is in use already (%s%s%s)",
					  ntoa(addr, a), v.kinds & PUBLIC_STATIC ? "static" : "",
					  v.kinds & PUBLIC_POOL ? "pool" : "",
					  v.kinds & PUBLIC_FORWARD ? " forward" : "");
		v.kinds |= kind;
		if (bpf_map_update_elem(n->public_addrs, &addr, &v, BPF_EXIST))
			return err_printf(err, len, -errno, "map " XDPGW_MAP_PUBLIC_ADDRS ": %s",
					  strerror(errno));
		return 0;
	}
	v.kinds = kind;
	v.arp = arp_wanted(n, addr);
	v.internal = internal;
	memcpy(v.mac, n->mac, sizeof(v.mac));
	if (bpf_map_update_elem(n->public_addrs, &addr, &v, BPF_NOEXIST))
		return err_printf(err, len, errno == E2BIG ? -ENOSPC : -errno,
				  "map " XDPGW_MAP_PUBLIC_ADDRS ": %s", strerror(errno));
	*made = true;
	if (v.arp && n->ifindex)
		arp_announce(n->ifindex, n->mac, addr); /* gratuitous ARP */
	return 0;
}

/* Mark addr's entry dying (a delete): no new flow, no new borrower. */
static void public_dying(struct nat_rules *n, __be32 addr)
{
	struct nat_public v;

	if (!bpf_map_lookup_elem(n->public_addrs, &addr, &v)) {
		v.dying = 1;
		bpf_map_update_elem(n->public_addrs, &addr, &v, BPF_EXIST);
	}
}

void nat_public_del(struct nat_rules *n, __be32 addr, __u8 kind)
{
	struct nat_public v;

	if (bpf_map_lookup_elem(n->public_addrs, &addr, &v))
		return;
	v.kinds &= ~kind;
	v.dying = 0;
	if (!v.kinds) /* the external address's entry (ARP) stays */
		bpf_map_delete_elem(n->public_addrs, &addr);
	else
		bpf_map_update_elem(n->public_addrs, &addr, &v, BPF_EXIST);
}

struct end_scan {
	__be32 addr;
	__u8 proto;
	__u16 lo, hi;
	struct sweeper *sw;
	long queued;
};

static int end_one(const struct nat_tuple *key, const struct nat_flow *f, void *ctx)
{
	struct end_scan *s = ctx;
	__u16 port = ntohs(f->ext_port);

	if (f->ext_addr != s->addr || (s->proto && (key->proto != s->proto || port < s->lo ||
						     port > s->hi)))
		return 0;
	s->queued++;
	return sweeper_expire(s->sw, key, f->last_seen_ns) < 0 ? -EIO : 0;
}

long nat_flows_end(struct nat_rules *n, __be32 addr, __u8 proto, __u16 lo, __u16 hi)
{
	struct sweep_maps m = { .flows = n->flows, .rev = n->rev, .events = n->events,
				.mappings = n->mappings, .port_owner = n->port_owner,
				.port_bitmap = n->port_bitmap, .peers = n->peers,
				.host_flows = n->host_flows, .public_addrs = n->public_addrs,
				.forwards = n->forwards, .host_public = n->host_public };
	struct end_scan s = { .addr = addr, .proto = proto, .lo = lo, .hi = hi };
	long ended = 0, ret;
	int i;

	ret = sweeper_open_maps(&s.sw, &m);
	if (ret)
		return ret;
	ret = 0;
	for (i = 0; i < END_ROUNDS; i++) {
		s.queued = 0;
		ret = flow_table_walk(n->flows, end_one, &s);
		if (!ret)
			ret = sweeper_flush(s.sw);
		if (ret < 0)
			break;
		ended = ret;
		if (!s.queued)
			break;
	}
	sweeper_close(s.sw);
	if (ret < 0)
		return ret;
	if (ended)
		stats_add(n->stats, STAT_RULE_FLOWS_ENDED, ended);
	return ended;
}

int nat_rule_flows_ended(long done, __u64 *ended, const char *whose, char *err, size_t len)
{
	if (ended)
		*ended = done > 0 ? done : 0;
	if (done < 0)
		return err_printf(err, len, done, "ending %s flows: %s", whose, strerror(-done));
	return 0;
}

int nat_static_add(struct nat_rules *n, const struct static_rule *r, char *err, size_t len)
{
	struct nat_host_public hp = { .public = r->pub, .kind = PUBLIC_STATIC };
	char a[INET_ADDRSTRLEN];
	bool made;
	int ret;

	ret = static_rule_check(n, r, err, len);
	if (ret)
		return ret;
	if (!bpf_map_lookup_elem(n->host_public, &r->internal, &hp) &&
	    hp.kind == PUBLIC_STATIC)
		return err_printf(err, len, -EEXIST, "static: %s has a static address already",
				  ntoa(r->internal, a));
	ret = nat_public_add(n, r->pub, PUBLIC_STATIC, r->internal, &made, err, len);
	if (ret)
		return ret;
	hp = (struct nat_host_public){ .public = r->pub, .kind = PUBLIC_STATIC };
	/* A host with a pool address keeps it until its flows end (their
	 * release needs the binding): refused until then.
	 */
	if (bpf_map_update_elem(n->host_public, &r->internal, &hp, BPF_NOEXIST)) {
		ret = errno == EEXIST
			      ? err_printf(err, len, -EBUSY,
					   "static: %s has a pool address in use; add it "
					   "when its flows have ended",
					   ntoa(r->internal, a))
			      : err_printf(err, len, -errno, "map " XDPGW_MAP_HOST_PUBLIC ": %s",
					   strerror(errno));
		bpf_map_delete_elem(n->public_addrs, &r->pub);
		return ret;
	}
	return 0;
}

int nat_static_del(struct nat_rules *n, const struct static_rule *r, __u64 *ended, char *err,
		   size_t len)
{
	struct nat_host_public hp;
	struct nat_public v;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	long done;

	if (bpf_map_lookup_elem(n->public_addrs, &r->pub, &v) || !(v.kinds & PUBLIC_STATIC) ||
	    v.internal != r->internal)
		return err_printf(err, len, -ENOENT, "static %s %s: no such mapping",
				  ntoa(r->pub, a), ntoa(r->internal, b));
	public_dying(n, r->pub);
	if (!bpf_map_lookup_elem(n->host_public, &r->internal, &hp)) {
		hp.dying = 1;
		bpf_map_update_elem(n->host_public, &r->internal, &hp, BPF_EXIST);
	}
	done = nat_flows_end(n, r->pub, 0, 0, 0);
	bpf_map_delete_elem(n->host_public, &r->internal);
	bpf_map_delete_elem(n->public_addrs, &r->pub);
	return nat_rule_flows_ended(done, ended, "the static mapping's", err, len);
}

int nat_pool_add(struct nat_rules *n, const struct pool_rule *r, char *err, size_t len)
{
	__u32 h;
	__be32 addr;
	bool made;
	int ret;

	ret = pool_rule_check(n, r, err, len);
	if (ret)
		return ret;
	for (h = r->lo; h <= r->hi && h >= r->lo; h++) {
		addr = htonl(h);
		ret = nat_public_add(n, addr, PUBLIC_POOL, 0, &made, err, len);
		if (ret) {
			while (h-- > r->lo) {
				addr = htonl(h);
				bpf_map_delete_elem(n->public_addrs, &addr);
			}
			return ret;
		}
	}
	return 0;
}

int nat_pool_del(struct nat_rules *n, const struct pool_rule *r, __u64 *ended, char *err,
		 size_t len)
{
	struct nat_host_public hp;
	struct nat_public v;
	char a[INET_ADDRSTRLEN];
	long done, total = 0;
	__be32 addr;
	__u32 h;

	for (h = r->lo; h <= r->hi && h >= r->lo; h++) {
		addr = htonl(h);
		if (bpf_map_lookup_elem(n->public_addrs, &addr, &v) || !(v.kinds & PUBLIC_POOL))
			return err_printf(err, len, -ENOENT, "pool: %s is not in the pool",
					  ntoa(addr, a));
	}
	for (h = r->lo; h <= r->hi && h >= r->lo; h++) {
		addr = htonl(h);
		public_dying(n, addr);
		done = nat_flows_end(n, addr, 0, 0, 0);
		if (done < 0)
			return err_printf(err, len, done, "ending the flows of %s: %s",
					  ntoa(addr, a), strerror(-done));
		total += done;
		/* Its last flow unbound the borrower; one that kept a flow
		 * through every round loses the binding here.
		 */
		if (!bpf_map_lookup_elem(n->public_addrs, &addr, &v) && v.internal &&
		    !bpf_map_lookup_elem(n->host_public, &v.internal, &hp) && hp.public == addr)
			bpf_map_delete_elem(n->host_public, &v.internal);
		bpf_map_delete_elem(n->public_addrs, &addr);
	}
	if (ended)
		*ended = total;
	return 0;
}

int nat_rules_list(const struct nat_rules *n, char *buf, size_t len)
{
	struct nat_forward_key fk, fnext;
	struct nat_forward fv;
	struct nat_public pv;
	__be32 addr, next;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	size_t off = 0;
	void *prev = NULL;

#define OUT(...)                                                               \
	do {                                                                   \
		if (off < len)                                                 \
			off += snprintf(buf + off, len - off, __VA_ARGS__);    \
	} while (0)
	while (!bpf_map_get_next_key(n->public_addrs, prev, &next)) {
		addr = next;
		prev = &addr;
		if (bpf_map_lookup_elem(n->public_addrs, &addr, &pv))
			continue;
		if (pv.kinds & PUBLIC_STATIC)
			OUT("static %s %s", ntoa(addr, a), ntoa(pv.internal, b));
		else if (pv.kinds & PUBLIC_POOL)
			OUT("pool %s%s%s", ntoa(addr, a), pv.internal ? " lent to " : " free",
			    pv.internal ? ntoa(pv.internal, b) : "");
		else
			OUT("address %s", ntoa(addr, a));
		OUT("%s%s\n", pv.arp ? " arp" : "", pv.dying ? " dying" : "");
	}
	prev = NULL;
	while (!bpf_map_get_next_key(n->forwards, prev, &fnext)) {
		fk = fnext;
		prev = &fk;
		if (!bpf_map_lookup_elem(n->forwards, &fk, &fv))
			OUT("forward %s %s:%u %s:%u\n", proto_name(fk.proto), ntoa(fk.addr, a),
			    ntohs(fk.port), ntoa(fv.internal, b), ntohs(fv.port));
	}
#undef OUT
	return off < len ? (int)off : -ENOSPC;
}

int nat_rules_external(const char *dir, const char *ifname, char *err, size_t len)
{
	struct nat_rules n;
	bool made;
	int ret;

	ret = nat_rules_open(&n, dir, ifname, err, len);
	if (ret)
		return ret;
	ret = n.ifindex > 0 && !iface_has_ipv4(n.ifindex, n.ext_addr)
		      ? nat_public_add(&n, n.ext_addr, PUBLIC_EXTERNAL, 0, &made, err, len)
		      : 0;
	nat_rules_close(&n);
	return ret;
}

int nat_rule_apply(struct nat_rules *n, const char *kind, bool add, const char *text,
		   __u64 *ended, char *err, size_t len)
{
	struct forward_rule f;
	struct static_rule st;
	struct pool_rule p;

	if (!strcmp(kind, "forward"))
		return forward_rule_parse(text, &f, err, len) ?:
		       !n ? 0 :
		       add ? nat_forward_add(n, &f, err, len) :
			     nat_forward_del(n, &f, ended, err, len);
	if (!strcmp(kind, "static"))
		return static_rule_parse(text, &st, err, len) ?:
		       !n ? 0 :
		       add ? nat_static_add(n, &st, err, len) :
			     nat_static_del(n, &st, ended, err, len);
	if (!strcmp(kind, "pool"))
		return pool_rule_parse(text, &p, err, len) ?:
		       !n ? 0 :
		       add ? nat_pool_add(n, &p, err, len) : nat_pool_del(n, &p, ended, err, len);
	snprintf(err, len, "no rules of kind '%s'", kind);
	return -EINVAL;
}
