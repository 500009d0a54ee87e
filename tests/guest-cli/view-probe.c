// SPDX-License-Identifier: GPL-2.0
/*
 * view-probe: what sysinfo(2) and sysconf(3) say, one KEY=VALUE per word,
 * for tests/guest-cli/proc-view.bats (built static on the host and copied
 * into the busybox VPS, which has neither getconf nor a C compiler).
 */
#include <stdio.h>
#include <sys/sysinfo.h>
#include <unistd.h>

int main(void)
{
	struct sysinfo si;

	if (sysinfo(&si)) {
		perror("sysinfo");
		return 1;
	}
	printf("totalram_mb=%llu freeram_mb=%llu totalswap_mb=%llu uptime=%ld procs=%u load1=%.2f nprocs_onln=%ld nprocs_conf=%ld\n",
	       (unsigned long long)si.totalram * si.mem_unit >> 20,
	       (unsigned long long)si.freeram * si.mem_unit >> 20,
	       (unsigned long long)si.totalswap * si.mem_unit >> 20,
	       si.uptime, si.procs, si.loads[0] / 65536.0,
	       sysconf(_SC_NPROCESSORS_ONLN), sysconf(_SC_NPROCESSORS_CONF));
	return 0;
}
