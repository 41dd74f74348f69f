// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpgw down: remove an instance whose daemon is gone, or with --force
 * stop its daemon first.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "control.h"
#include "iface.h"
#include "instance.h"
#include "log.h"

/* How long --force waits for the daemon: the proxy in it may be finishing
 * the requests in flight.
 */
#define DOWN_WAIT_S 30

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* SIGTERM to the daemon pid, then take its lock once it has let go of it
 * (at its exit, after detaching). The lock's fd, or -errno.
 */
static int stop_daemon(const char *ifname, int pid)
{
	double deadline = now_s() + DOWN_WAIT_S;
	int lock;

	if (kill(pid, SIGTERM)) {
		lock = -errno;
		pr_warn("cannot signal the xdpgw daemon (pid %d) on '%s': %s\n", pid, ifname,
			strerror(-lock));
		return lock;
	}
	pr_info("xdpgw: %s: SIGTERM sent to the daemon (pid %d), waiting for it to stop\n", ifname,
		pid);
	while ((lock = control_lock(ifname)) == -EADDRINUSE && now_s() < deadline)
		usleep(50 * 1000);
	if (lock == -EADDRINUSE)
		pr_warn("the xdpgw daemon (pid %d) on '%s' did not stop within %d s; it still runs\n"
			"and still owns the instance\n", pid, ifname, DOWN_WAIT_S);
	return lock;
}

/* The instance lock of ifname, stopping its daemon with force (*stopped
 * then): while down holds it, no `xdpgw run` can start on the interface.
 * fd or -errno.
 */
static int take_instance(const char *ifname, bool force, bool *stopped)
{
	int lock = control_lock(ifname), pid;

	if (lock != -EADDRINUSE)
		return lock;
	pid = control_lock_owner(ifname);
	if (!pid) {
		pr_warn("interface '%s' is held by a running xdpgw that this namespace cannot see\n"
			"(another pid namespace); stop it there\n", ifname);
		return lock;
	}
	if (!force) {
		pr_warn("interface '%s' is served by a running xdpgw (pid %d); stop it with\n"
			"`kill -TERM %d` (or systemctl stop), or use `xdpgw down --force`\n", ifname,
			pid, pid);
		return lock;
	}
	lock = stop_daemon(ifname, pid);
	*stopped = lock >= 0;
	return lock;
}

enum verb_result cmd_down(int argc, char **argv)
{
	struct verb_args args = {};
	struct common_opts *common = &args.c;
	char dir[PATH_MAX];
	bool stopped = false;
	int ret, ifindex, err, lock;

	ret = cli_parse_verb(argc, argv, &opts_down, false, &args);
	if (ret != VERB_OK)
		return ret;
	ifindex = iface_index(common->ifname);
	if (ifindex < 0) {
		pr_warn("interface '%s' not found\n", common->ifname);
		return VERB_RUNTIME;
	}
	if (cli_instance_dir(common, dir, sizeof(dir)))
		return VERB_RUNTIME;
	lock = take_instance(common->ifname, args.force, &stopped);
	if (lock < 0) {
		if (lock != -EADDRINUSE)
			pr_warn("interface '%s': cannot take the instance lock: %s\n",
				common->ifname, strerror(-lock));
		return VERB_RUNTIME;
	}
	err = instance_remove(dir, ifindex);
	close(lock);
	if (err == -ENOENT && !stopped) {
		pr_warn("no xdpgw instance on '%s' (no program attached, no pins in %s)\n",
			common->ifname, dir);
		return VERB_RUNTIME;
	}
	/* a daemon stopped without --keep has removed it all itself */
	pr_info("xdpgw: %s: %s\n", common->ifname,
		err == -ENOENT ? "the daemon stopped and removed the instance" : "instance removed");
	return VERB_OK;
}
