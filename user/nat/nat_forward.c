// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Port forwards on the pinned maps: an add claims the public ports in
 * port_owner (out of NAPT's pool, marked as the forward's) before the
 * forward entries exist, and undoes what it wrote if a write fails; a
 * delete marks the entries dying, ends the rule's flows, then removes the
 * entries and gives back only the ports it claimed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "log.h"
#include "nat_rules.h"
#include "nat_rules_int.h"

static struct nat_forward_key fwd_key(const struct forward_rule *r, __u32 i)
{
	struct nat_forward_key k = {
		.addr = r->pub, .port = htons(r->pub_lo + i), .proto = r->proto};

	return k;
}

static __u32 port_owner_slot(__u8 proto, __u16 port)
{
	return xdpgw_port_slot(proto, port);
}

/* Take back the ports of a forward on NAPT's address, 0..count-1 of r. */
static void forward_ports_release(struct nat_rules *n, const struct forward_rule *r, __u32 count)
{
	struct nat_endpoint ep;
	__u32 i, slot, word;
	__u64 owner, bits;

	for (i = 0; i < count; i++) {
		slot = port_owner_slot(r->proto, r->pub_lo + i);
		if (bpf_map_lookup_elem(n->port_owner, &slot, &owner))
			continue;
		memcpy(&ep, &owner, sizeof(ep));
		if (ep.pad != FORWARD_OWNER_MARK)
			continue;
		word = slot / 64;
		if (!bpf_map_lookup_elem(n->port_bitmap, &word, &bits)) {
			bits &= ~(1ull << (slot % 64));
			bpf_map_update_elem(n->port_bitmap, &word, &bits, BPF_EXIST);
		}
		owner = 0;
		bpf_map_update_elem(n->port_owner, &slot, &owner, BPF_EXIST);
	}
}

/*
 * Claim the ports of a forward on NAPT's address, out of its pool: refused
 * when a live NAPT mapping owns one (named). Userspace cannot compare and
 * swap a map value: a mapping made in the instant between the check and
 * the write of the same port would be overwritten (documented).
 */
static int forward_ports_claim(struct nat_rules *n, const struct forward_rule *r, char *err,
			       size_t len)
{
	__u32 i, count = r->pub_hi - r->pub_lo + 1, slot, word;
	struct nat_endpoint ep;
	char a[INET_ADDRSTRLEN];
	__u64 owner, bits;

	for (i = 0; i < count; i++) {
		slot = port_owner_slot(r->proto, r->pub_lo + i);
		if (bpf_map_lookup_elem(n->port_owner, &slot, &owner))
			return err_printf(err, len, -errno, "map " XDPGW_MAP_PORT_OWNER ": %s",
					  strerror(errno));
		if (!owner)
			continue;
		memcpy(&ep, &owner, sizeof(ep));
		return err_printf(err, len, -EBUSY,
				  "forward %s %s:%u: the port is in use by a live NAPT "
				  "flow of %s:%u",
				  proto_name(r->proto), ntoa(r->pub, a), r->pub_lo + i,
				  ntoa(ep.addr, (char[INET_ADDRSTRLEN]){}), ntohs(ep.port));
	}
	for (i = 0; i < count; i++) {
		ep = (struct nat_endpoint){.addr = r->internal,
					   .port = htons(r->int_lo + i),
					   .proto = r->proto,
					   .pad = FORWARD_OWNER_MARK};
		slot = port_owner_slot(r->proto, r->pub_lo + i);
		memcpy(&owner, &ep, sizeof(owner));
		word = slot / 64;
		if (bpf_map_update_elem(n->port_owner, &slot, &owner, BPF_EXIST)) {
			forward_ports_release(n, r, i);
			return err_printf(err, len, -errno, "map " XDPGW_MAP_PORT_OWNER ": %s",
					  strerror(errno));
		}
		if (!bpf_map_lookup_elem(n->port_bitmap, &word, &bits)) {
			bits |= 1ull << (slot % 64);
			bpf_map_update_elem(n->port_bitmap, &word, &bits, BPF_EXIST);
		}
	}
	return 0;
}

int nat_forward_add(struct nat_rules *n, const struct forward_rule *r, char *err, size_t len)
{
	__u32 i, count = r->pub_hi - r->pub_lo + 1;
	struct nat_forward_key k;
	struct nat_forward v = {};
	char a[INET_ADDRSTRLEN];
	bool made;
	int ret;

	ret = forward_rule_check(n, r, err, len);
	if (ret)
		return ret;
	for (i = 0; i < count; i++) {
		k = fwd_key(r, i);
		if (!bpf_map_lookup_elem(n->forwards, &k, &v))
			return err_printf(err, len, -EEXIST,
					  "forward %s %s:%u-%u overlaps the forward of "
					  "port %u",
					  proto_name(r->proto), ntoa(r->pub, a), r->pub_lo,
					  r->pub_hi, r->pub_lo + i);
	}
	ret = nat_public_add(n, r->pub, PUBLIC_FORWARD, 0, &made, err, len);
	if (ret)
		return ret;
	if (r->pub == n->ext_addr) {
		ret = forward_ports_claim(n, r, err, len);
		if (ret)
			goto undo_public;
	}
	for (i = 0; i < count; i++) {
		k = fwd_key(r, i);
		v = (struct nat_forward){.internal = r->internal, .port = htons(r->int_lo + i)};
		if (bpf_map_update_elem(n->forwards, &k, &v, BPF_NOEXIST)) {
			ret = err_printf(err, len, errno == E2BIG ? -ENOSPC : -errno,
					 "map " XDPGW_MAP_FORWARDS ": %s", strerror(errno));
			while (i--) {
				k = fwd_key(r, i);
				bpf_map_delete_elem(n->forwards, &k);
			}
			if (r->pub == n->ext_addr)
				forward_ports_release(n, r, count);
			goto undo_public;
		}
	}
	return 0;
undo_public:
	if (made)
		bpf_map_delete_elem(n->public_addrs, &r->pub);
	return ret;
}

/* Has addr any forwarded port left? */
static bool forwards_left(struct nat_rules *n, __be32 addr)
{
	struct nat_forward_key k, next;
	void *prev = NULL;

	while (!bpf_map_get_next_key(n->forwards, prev, &next)) {
		if (next.addr == addr)
			return true;
		k = next;
		prev = &k;
	}
	return false;
}

int nat_forward_del(struct nat_rules *n, const struct forward_rule *r, __u64 *ended, char *err,
		    size_t len)
{
	__u32 i, count = r->pub_hi - r->pub_lo + 1;
	struct nat_forward_key k;
	struct nat_forward v;
	char a[INET_ADDRSTRLEN];
	long done;

	for (i = 0; i < count; i++) {
		k = fwd_key(r, i);
		if (bpf_map_lookup_elem(n->forwards, &k, &v) || v.internal != r->internal ||
		    ntohs(v.port) != r->int_lo + i)
			return err_printf(err, len, -ENOENT, "forward %s %s:%u: no such forward",
					  proto_name(r->proto), ntoa(r->pub, a), r->pub_lo + i);
	}
	for (i = 0; i < count; i++) {
		k = fwd_key(r, i);
		if (!bpf_map_lookup_elem(n->forwards, &k, &v)) {
			v.dying = 1;
			bpf_map_update_elem(n->forwards, &k, &v, BPF_EXIST);
		}
	}
	done = nat_flows_end(n, r->pub, r->proto, r->pub_lo, r->pub_hi);
	for (i = 0; i < count; i++) {
		k = fwd_key(r, i);
		bpf_map_delete_elem(n->forwards, &k);
	}
	if (r->pub == n->ext_addr)
		forward_ports_release(n, r, count);
	if (!forwards_left(n, r->pub))
		nat_public_del(n, r->pub, PUBLIC_FORWARD);
	return nat_rule_flows_ended(done, ended, "the forward's", err, len);
}
