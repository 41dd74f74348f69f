// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tc egress on the external interface: source NAT (NAPT). A TCP/UDP packet
 * from the internal prefix gets its flow's external address and port; the
 * first packet of a flow creates the flow. Checksums are fixed with the
 * kernel's helpers, which keep the skb's checksum state (PARTIAL/COMPLETE)
 * right. An internal packet that cannot be translated is dropped and counted:
 * it must never leave with its private source address.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xdpgw.h"
#include "parse.h"
#include "maps.h"
#include "nat.h"
#include "flow_state.h"
#include "host_limit.h"
#include "icmp_prohibited.h"

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7

#define IP_CSUM_OFF (ETH_HLEN + offsetof(struct iphdr, check))
#define IP_SADDR_OFF (ETH_HLEN + offsetof(struct iphdr, saddr))

/* Enough linear data for Ethernet, IPv4 with options and the L4 ports. */
#define PULL_LEN (ETH_HLEN + 60 + sizeof(struct tcphdr))

static __always_inline int snat_rewrite(struct __sk_buff *skb,
					const struct packet *p,
					const struct nat_flow *f)
{
	__u32 csum_off = p->csum_off;
	/* UDP: a zero checksum stays zero, a computed zero becomes 0xffff. */
	__u64 mangled = p->tuple.proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
	__be32 new_addr = f->ext_addr;
	__be16 new_port = f->ext_port;

	/* TCP and UDP checksums cover the address (pseudo-header); ICMP's
	 * covers only the ICMP message, where the identifier changes.
	 */
	if (p->tuple.proto != IPPROTO_ICMP &&
	    bpf_l4_csum_replace(skb, csum_off, p->tuple.saddr, new_addr,
				BPF_F_PSEUDO_HDR | mangled | sizeof(new_addr)))
		return -1;
	if (bpf_l4_csum_replace(skb, csum_off, p->tuple.sport, new_port,
				mangled | sizeof(new_port)) ||
	    bpf_l3_csum_replace(skb, IP_CSUM_OFF, p->tuple.saddr, new_addr,
				sizeof(new_addr)) ||
	    bpf_skb_store_bytes(skb, IP_SADDR_OFF, &new_addr, sizeof(new_addr), 0) ||
	    bpf_skb_store_bytes(skb, p->id_off, &new_port, sizeof(new_port), 0))
		return -1;
	return 0;
}

/*
 * Read skb->data or skb->data_end with a ctx load of its own: the verifier
 * rejects a load through a ctx pointer clang has offset and kept ("dereference
 * of modified ctx ptr"), which clang does when one expression reads both.
 */
#define ctx_ptr(skb, field)                                                    \
	({                                                                     \
		void *_p;                                                      \
		asm volatile("%0 = *(u32 *)(%1 + %2)"                          \
			     : "=r"(_p)                                        \
			     : "r"(skb), "i"(offsetof(struct __sk_buff, field))); \
		_p;                                                            \
	})

/* Make the headers linear when the skb keeps part of them in fragments. */
static __always_inline void pull_headers(struct __sk_buff *skb)
{
	__u32 linear = ctx_ptr(skb, data_end) - ctx_ptr(skb, data);
	__u32 want = skb->len < PULL_LEN ? skb->len : PULL_LEN;

	if (linear < want)
		bpf_skb_pull_data(skb, want);
}

/* Returns the stat for this packet's outcome; *action says what to do. */
static __always_inline enum xdpgw_stat snat(struct __sk_buff *skb, int *action)
{
	struct packet p = {};
	struct nat_flow *f;
	int ret, err = 0;

	*action = TC_ACT_OK;
	pull_headers(skb);
	ret = parse_packet(ctx_ptr(skb, data), ctx_ptr(skb, data_end), skb->len, &p);
	if (ret == PARSE_NOT_IPV4)
		return STAT_OUT_PASS;
	if (!p.ip)
		return parse_stat(ret); /* no source address to judge by */
	if (!from_internal(p.tuple.saddr))
		return ret == PARSE_OK || ret == PARSE_OTHER_PROTO || ret == PARSE_FRAGMENT ||
			       ret == PARSE_ICMP_ERROR ? STAT_OUT_PASS : parse_stat(ret);

	/* From here on the packet carries an internal source address. */
	*action = TC_ACT_SHOT;
	switch (ret) {
	case PARSE_OK:
		/* Of ICMP only echo requests open flows (replies to a ping
		 * from outside would need port forwarding).
		 */
		if (p.tuple.proto == IPPROTO_ICMP && p.icmp_type != ICMP_T_ECHO)
			return STAT_DROP_UNSUPPORTED;
		break;
	case PARSE_ICMP_ERROR: /* from inside, about a flow: not translated yet */
	case PARSE_OTHER_PROTO:
		return STAT_DROP_UNSUPPORTED;
	case PARSE_FRAGMENT:
		/* A later fragment has no ports; its L4 checksum lives in the
		 * first one. Only the source address changes, to the one
		 * external address every flow uses.
		 */
		if (bpf_l3_csum_replace(skb, IP_CSUM_OFF, p.tuple.saddr, cfg_ext_addr,
					sizeof(__be32)) ||
		    bpf_skb_store_bytes(skb, IP_SADDR_OFF, (void *)&cfg_ext_addr,
					sizeof(__be32), 0))
			return STAT_ERROR;
		*action = TC_ACT_OK;
		return STAT_OUT_FRAGMENT;
	default:
		return parse_stat(ret);
	}

	ret = STAT_OUT_TRANSLATED;
	f = bpf_map_lookup_elem(&flows, &p.tuple);
	if (!f) {
		f = host_flow_create(&p.tuple, &err);
		if (!f) {
			if (err == FLOW_HOST_LIMIT)
				return STAT_DROP_HOST_LIMIT; /* told to watch in host_limit.h */
			ret = err == FLOW_NO_PORT ? STAT_DROP_NO_PORT : STAT_DROP_TABLE_FULL;
			flow_event(FLOW_EV_REFUSED, &p.tuple, 0, 0, 0, ret);
			if (ret == STAT_DROP_NO_PORT && !icmp_prohibited(skb, &p)) {
				stat_inc(STAT_ICMP_PROHIBITED);
				*action = TC_ACT_REDIRECT;
			}
			return ret;
		}
		ret = STAT_OUT_NEW_FLOW;
	}
	if (flow_track(f, &p.tuple, &p, true))
		return STAT_DROP_TCP_OUT_OF_WINDOW;
	if (snat_rewrite(skb, &p, f))
		return STAT_ERROR;
	*action = TC_ACT_OK;
	return ret;
}

SEC("tc")
int xdpgw_egress(struct __sk_buff *skb)
{
	int action;

	stat_inc(snat(skb, &action));
	return action;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
