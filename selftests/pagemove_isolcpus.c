// SPDX-License-Identifier: GPL-2.0
/*
 * Isolated CPUs (isolcpus=domain: the -rt series boot with the CPU-only
 * node's CPU isolated, see qemu/kernels.conf) run what their owner put
 * there, never the module's parallel workers.
 *
 * Each call starts on the isolated CPU with an affinity of every online
 * CPU, as a pinned real-time thread that was given a wider mask would:
 * no load balancing moves it from an isolated CPU (only a wake-up's
 * placement may), and a new thread starts where its creator runs when
 * that CPU is in no scheduling domain. A
 * watcher thread reads every other thread of the process (the workers are
 * threads of the caller's process) while range moves with workers = auto
 * run: each must be allowed housekeeping CPUs only and never be seen on an
 * isolated one, and workers must have run at all. Without isolated CPUs
 * (every other series) the test says so and skips.
 */
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include "kselftest_harness.h"
#include "pm_test.h"

/* "0-1,4" -> a mask of CPUs below 64 (this guest has five). */
static unsigned long cpulist(const char *s)
{
	unsigned long mask = 0;

	while (*s >= '0' && *s <= '9') {
		char *end;
		long a = strtol(s, &end, 10), b = a;

		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (; a <= b && a < 64; a++)
			mask |= 1UL << a;
		s = *end == ',' ? end + 1 : end;
	}
	return mask;
}

struct watch {
	volatile int stop;
	pid_t caller;
	unsigned long iso;			/* the isolated CPUs */
	unsigned long seen, allowed_iso, ran_iso;
};

/* A thread's Cpus_allowed_list as a mask; 0 if it is gone. */
static unsigned long task_allowed(pid_t tid)
{
	char path[64], line[256];
	unsigned long mask = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Cpus_allowed_list:", 18)) {
			mask = cpulist(line + 18 + strspn(line + 18, " \t"));
			break;
		}
	fclose(f);
	return mask;
}

/*
 * Whether a thread has run yet (schedstat's time on a CPU): a worker is
 * in /proc as soon as it is made, with the affinity it inherited and its
 * creator's CPU, until the module narrows the one before waking it.
 * (No schedstat, no SCHED_INFO: taken as run.)
 */
static int task_has_run(pid_t tid)
{
	char path[64];
	unsigned long long ns = 1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", tid);
	f = fopen(path, "r");
	if (!f)
		return 1;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 1;
	fclose(f);
	return ns != 0;
}

/* The CPU a thread last ran on (stat's field 39), or -1. */
static int task_cpu(pid_t tid)
{
	char path[64], buf[1024], *p;
	int field;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	/* Fields after the command's closing parenthesis (field 2). */
	p = strrchr(buf, ')');
	for (field = 2; p && field < 39; field++)
		p = strchr(p + 1, ' ');
	return p ? atoi(p + 1) : -1;
}

static void *watcher(void *arg)
{
	struct watch *w = arg;
	pid_t me = syscall(SYS_gettid);

	while (!w->stop) {
		DIR *d = opendir("/proc/self/task");
		struct dirent *e;

		if (!d)
			break;
		while ((e = readdir(d))) {
			pid_t tid = atoi(e->d_name);
			unsigned long allowed;
			int cpu;

			if (tid <= 0 || tid == me || tid == w->caller || !task_has_run(tid))
				continue;
			cpu = task_cpu(tid);
			allowed = task_allowed(tid);
			if (!allowed)
				continue;	/* (gone between the two reads) */
			w->seen++;
			w->allowed_iso += !!(allowed & w->iso);
			w->ran_iso += cpu >= 0 && cpu < 64 && (w->iso >> cpu & 1);
		}
		closedir(d);
	}
	return NULL;
}

FIXTURE(iso) {
	int unused;
};
FIXTURE_SETUP(iso) {}
FIXTURE_TEARDOWN(iso) {}

TEST_F_TIMEOUT(iso, workers_stay_off_isolated_cpus, 300)
{
	const size_t n = (16UL << 20) / PM_PAGE;	/* 16 MiB: parallel shares */
	struct watch w = { 0 };
	cpu_set_t all, one, saved, house;
	pthread_attr_t attr;
	unsigned long online;
	char line[256];
	int fd, iso, cpu, k;
	pthread_t th;
	char *buf;

	if (pm_read_line("/sys/devices/system/cpu/isolated", line, sizeof(line)) ||
	    !cpulist(line))
		SKIP(return, "no isolated CPU in this guest (the -rt series boot with "
			     "isolcpus=domain,4)");
	w.iso = cpulist(line);
	iso = __builtin_ctzl(w.iso);
	ASSERT_EQ(0, pm_read_line("/sys/devices/system/cpu/online", line, sizeof(line)));
	online = cpulist(line);
	ASSERT_TRUE(online >> iso & 1) TH_LOG("isolated cpu%d is offline", iso);
	/* Workers need housekeeping CPUs besides the one the caller is not on. */
	ASSERT_LE(2, __builtin_popcountl(online & ~w.iso));
	CPU_ZERO(&all);
	for (cpu = 0; cpu < 64; cpu++)
		if (online >> cpu & 1)
			CPU_SET(cpu, &all);
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(saved), &saved));
	fd = pagemove_open();
	ASSERT_LE(0, fd);
	buf = pm_map_anon(n, 1);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, pm_place(buf, n, 0));

	CPU_ZERO(&one);
	CPU_SET(iso, &one);
	w.caller = syscall(SYS_gettid);
	/*
	 * The watcher on the housekeeping CPUs, set before it first runs: a
	 * thread made here would start on the isolated CPU beside the
	 * caller, and get it only when the caller goes back to user space
	 * (7.3-rt's lazy preemption: then every worker is gone, 0 sightings).
	 */
	CPU_ZERO(&house);
	for (cpu = 0; cpu < 64; cpu++)
		if ((online & ~w.iso) >> cpu & 1)
			CPU_SET(cpu, &house);
	ASSERT_EQ(0, pthread_attr_init(&attr));
	ASSERT_EQ(0, pthread_attr_setaffinity_np(&attr, sizeof(house), &house));
	ASSERT_EQ(0, pthread_create(&th, &attr, watcher, &w));
	pthread_attr_destroy(&attr);
	for (k = 0; k < 6; k++) {
		struct pagemove_range r = {
			.flags = PAGEMOVE_MF_MOVE, .node = k % 2 ? 0 : 1,
			.start = (uintptr_t)buf, .length = n * PM_PAGE, .workers = 0,
		};

		/*
		 * Onto the isolated CPU, then every CPU allowed: it stays there
		 * until it sleeps (a wake-up may place it on a housekeeping
		 * CPU: waiting for its workers, it does), so each call starts
		 * there again.
		 */
		ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
		ASSERT_EQ(iso, sched_getcpu());
		ASSERT_EQ(0, sched_setaffinity(0, sizeof(all), &all));
		ASSERT_EQ(0, pagemove_move_range(fd, &r));
		EXPECT_EQ(n, r.nr_moved);
	}
	w.stop = 1;
	pthread_join(th, NULL);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(saved), &saved));
	TH_LOG("isolated %#lx, online %#lx; caller on cpu%d: worker sightings %lu, allowed an "
	       "isolated CPU %lu, on one %lu", w.iso, online, iso, w.seen, w.allowed_iso,
	       w.ran_iso);
	EXPECT_LT(0UL, w.seen) TH_LOG("no worker ran: the test tested nothing");
	EXPECT_EQ(0UL, w.allowed_iso);
	EXPECT_EQ(0UL, w.ran_iso);
	EXPECT_TRUE(pm_check_data(buf, n));
	munmap(buf, n * PM_PAGE);
	close(fd);
}

TEST_HARNESS_MAIN
