/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where an instance's maps are pinned: <pin-root>/<netns>/<ifname>/.
 *
 * `ip netns exec` remounts /sys, so /sys/fs/bpf is empty inside it and a bpffs
 * mounted there lives only as long as that one command. The pin root is
 * therefore, in order: --pin-root; /sys/fs/bpf/xdpgw when /sys/fs/bpf is a
 * bpffs; /run/xdpgw when a bpffs is mounted there (outside /sys, so it stays
 * visible to every `ip netns exec` command). The netns part keeps two
 * namespaces with an eth0 each apart.
 */
#ifndef XDPGW_PIN_H
#define XDPGW_PIN_H

#include <stdbool.h>
#include <limits.h>
#include <stddef.h>

#define PIN_ROOT_SYS_BPFFS "/sys/fs/bpf"
#define PIN_ROOT_RUN "/run/xdpgw"

bool path_is_bpffs(const char *path);

/* Pick the pin root; -ENOENT when no bpffs is found, -ENOTDIR when the one
 * asked for with --pin-root is not on a bpffs. is_bpffs is a parameter so
 * tests can choose what exists.
 */
int pin_root_choose(const char *requested, bool (*is_bpffs)(const char *path),
		    char *out, size_t len);

/* Name of the current network namespace: its `ip netns` name when it has
 * one, else "netns-<inode>".
 */
int netns_name(char *out, size_t len);

/* <root>/<netns>/<ifname>; -EINVAL for names that are not one path part. */
int instance_dir(char *out, size_t len, const char *root, const char *netns,
		 const char *ifname);

/* The interfaces with an instance in netns_dir (<root>/<netns>): the
 * directories holding a PIN_INSTANCE_MARK pin. The first max go to names;
 * returns how many there are (0 when netns_dir does not exist) or -errno.
 */
#define PIN_INSTANCE_MARK "flows"
int pin_list_instances(const char *netns_dir, char (*names)[NAME_MAX + 1], int max);

/* mkdir -p, mode 0700. */
int pin_dir_create(const char *path);

#endif
