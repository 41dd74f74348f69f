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
#include "iface.h"
#include "instance.h"
#include "log.h"

/* How long --force waits for the daemon: the proxy in it may be finishing
 * the requests in flight.
 */
#define DOWN_WAIT_S 30

static const char down_usage[] =
	"Usage: xdpgw down [--external IF] [--force] [--pin-root DIR]\n"
	"\n"
	"Detach xdpgw's XDP programs and tc filter from IF and remove the\n"
	"instance's pinned maps: an instance left by `run --keep` or by a killed\n"
	"`xdpgw run`. While a daemon runs the instance, down refuses (exit 1) and\n"
	"names its pid; --force stops it with SIGTERM, as systemctl stop would,\n"
	"waits for it to detach (at most 30 s), then removes what is left.\n"
	"\n"
	"  -e, --external IF   external interface of the instance (default: the one\n"
	"                      instance of this network namespace)\n"
	"      --force         stop the instance's running daemon first\n"
	"      --pin-root DIR  as given to `xdpgw run`\n"
	"  -v, --verbose       more output\n"
	"  -h, --help          this text\n";

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
	while ((lock = instance_lock(ifname)) == -EADDRINUSE && now_s() < deadline)
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
	int lock = instance_lock(ifname), pid;

	if (lock != -EADDRINUSE)
		return lock;
	pid = instance_lock_owner(ifname);
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

int cmd_down(int argc, char **argv)
{
	struct verb_args args = {};
	struct common_opts *common = &args.c;
	char dir[PATH_MAX];
	bool stopped = false;
	int ret, ifindex, err, lock;

	ret = cli_parse_verb(argc, argv, down_usage, VERB_FORCE, &args);
	if (ret >= 0)
		return ret;
	ifindex = iface_index(common->ifname);
	if (ifindex < 0) {
		pr_warn("interface '%s' not found\n", common->ifname);
		return EXIT_FAIL;
	}
	if (cli_instance_dir(common, dir, sizeof(dir)))
		return EXIT_FAIL;
	lock = take_instance(common->ifname, args.force, &stopped);
	if (lock < 0) {
		if (lock != -EADDRINUSE)
			pr_warn("interface '%s': cannot take the instance lock: %s\n",
				common->ifname, strerror(-lock));
		return EXIT_FAIL;
	}
	err = instance_remove(dir, ifindex);
	close(lock);
	if (err == -ENOENT && !stopped) {
		pr_warn("no xdpgw instance on '%s' (no program attached, no pins in %s)\n",
			common->ifname, dir);
		return EXIT_FAIL;
	}
	/* a daemon stopped without --keep has removed it all itself */
	pr_info("xdpgw: %s: %s\n", common->ifname,
		err == -ENOENT ? "the daemon stopped and removed the instance" : "instance removed");
	return EXIT_OK;
}
