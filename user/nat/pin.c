// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "pin.h"

bool path_is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

static int copy_path(char *out, size_t len, const char *path)
{
	return snprintf(out, len, "%s", path) < (int)len ? 0 : -ENAMETOOLONG;
}

int pin_root_choose(const char *requested, bool (*is_bpffs)(const char *path),
		    char *out, size_t len)
{
	if (requested)
		return is_bpffs(requested) ? copy_path(out, len, requested) : -ENOTDIR;
	if (is_bpffs(PIN_ROOT_SYS_BPFFS))
		return copy_path(out, len, PIN_ROOT_SYS_BPFFS "/xdpgw");
	if (is_bpffs(PIN_ROOT_RUN))
		return copy_path(out, len, PIN_ROOT_RUN);
	return -ENOENT;
}

static bool valid_part(const char *s)
{
	return s && *s && strcmp(s, ".") && strcmp(s, "..") && !strchr(s, '/');
}

int instance_dir(char *out, size_t len, const char *root, const char *netns,
		 const char *ifname)
{
	if (!root || !*root || !valid_part(netns) || !valid_part(ifname))
		return -EINVAL;
	if (snprintf(out, len, "%s/%s/%s", root, netns, ifname) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

int netns_name(char *out, size_t len)
{
	struct stat self, st;
	struct dirent *de;
	char path[512];
	DIR *dir;
	int ret = -ENOENT;

	if (stat("/proc/self/ns/net", &self))
		return -errno;
	dir = opendir("/run/netns");
	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", de->d_name);
		if (stat(path, &st) == 0 && st.st_ino == self.st_ino &&
		    st.st_dev == self.st_dev) {
			ret = copy_path(out, len, de->d_name);
			break;
		}
	}
	if (dir)
		closedir(dir);
	if (ret == -ENOENT)
		ret = snprintf(out, len, "netns-%lu", (unsigned long)self.st_ino) < (int)len ?
			      0 : -ENAMETOOLONG;
	return ret;
}

int pin_dir_create(const char *path)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, 0700) && errno != EEXIST ? -errno : 0;
}

int pin_list_instances(const char *netns_dir, char (*names)[NAME_MAX + 1], int max)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	int n = 0;
	DIR *dir;

	dir = opendir(netns_dir);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s/" PIN_INSTANCE_MARK, netns_dir,
			     de->d_name) >= (int)sizeof(path) ||
		    stat(path, &st))
			continue;
		if (n < max)
			snprintf(names[n], sizeof(names[n]), "%s", de->d_name);
		n++;
	}
	closedir(dir);
	return n;
}
