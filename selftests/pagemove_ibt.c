// SPDX-License-Identifier: GPL-2.0
/*
 * IBT: reads, from /proc/kcore, the first bytes of every internal the module
 * resolved and says which the kernel sealed (ENDBR overwritten at boot).
 * On an IBT kernel (Debian 6.12) they are sealed, so an indirect call to
 * them would fault on a CPU that enforces IBT; the module reaches them
 * with direct calls (static calls; kmod/check-calls.sh proves the .ko has
 * no indirect call) and must work regardless.
 *
 * arm64 has no IBT, and no static-call trampolines: a static call is a
 * load and a `blr`. Its counterpart is BTI, where an indirect branch must
 * land on a `bti c` (or a `paciasp`, which counts as one). GCC-built
 * kernels (Debian's) have none (ARM64_BTI_KERNEL needs clang), so nothing
 * checks the module's branch targets there: the test lists each resolved
 * internal's first instruction and says why it does not apply; on a kernel
 * with BTI it would require a landing pad at every one.
 */
#include <elf.h>
#include <stdint.h>
#include "kselftest_harness.h"
#include "pm_test.h"

#define PM_SYMBOLS	"/sys/kernel/debug/pagemove/symbols"
#define PM_MAX_SYMS	32

struct pm_sym {
	char name[64];
	unsigned long addr;
	unsigned char insn[4];
};

#if defined(__aarch64__)
#define BTI_C		0xd503245fU
#define PACIASP		0xd503233fU

static const char *pm_kind(const unsigned char *b)
{
	uint32_t insn;

	memcpy(&insn, b, 4);
	return insn == BTI_C ? "bti c" : insn == PACIASP ? "paciasp" : "plain";
}
#else
static const unsigned char endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };
/* What apply_seal_endbr() writes over a sealed ENDBR: a 4-byte NOP. */
static const unsigned char sealed[4] = { 0x66, 0x0f, 0x1f, 0x00 };

static const char *pm_kind(const unsigned char *b)
{
	if (!memcmp(b, endbr64, 4))
		return "endbr";
	if (!memcmp(b, sealed, 4))
		return "sealed";
	return "plain";
}
#endif

/* Reads @len bytes of kernel memory at @vaddr through /proc/kcore's ELF. */
static int pm_kcore_read(int fd, unsigned long vaddr, void *buf, size_t len)
{
	Elf64_Ehdr eh;
	int i;

	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG))
		return -EIO;
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + (off_t)i * eh.e_phentsize) != sizeof(ph))
			return -EIO;
		if (ph.p_type != PT_LOAD || vaddr < ph.p_vaddr || vaddr + len > ph.p_vaddr + ph.p_memsz)
			continue;
		if (pread(fd, buf, len, ph.p_offset + (vaddr - ph.p_vaddr)) != (ssize_t)len)
			return -errno;
		return 0;
	}
	return -ENOENT;
}

static int pm_read_symbols(struct pm_sym *syms)
{
	FILE *f = fopen(PM_SYMBOLS, "r");
	int n = 0;

	if (!f)
		return -errno;
	while (n < PM_MAX_SYMS && fscanf(f, "%63s %lx", syms[n].name, &syms[n].addr) == 2)
		n++;
	fclose(f);
	return n;
}

static int pm_is_data(const char *name)
{
	return !strcmp(name, "lru_disable_count") || strstr(name, "huge_zero");
}

/*
 * Each resolved symbol as the kernel's own table has it, and each
 * function's first instruction (pm_kind()), listed: the functions' count;
 * in @nr[k] how many are of kind @kinds[k].
 */
static int pm_scan(struct __test_metadata *_metadata, int fd, struct pm_sym *syms, int n,
		   const char *const kinds[2], int nr[2])
{
	int i, k, err, nr_fn = 0;

	nr[0] = nr[1] = 0;
	for (i = 0; i < n; i++) {
		struct pm_sym *s = &syms[i];
		const char *kind;

		/* The module's view agrees with the kernel's own table. */
		EXPECT_EQ(pm_kallsyms(s->name), s->addr) TH_LOG("%s", s->name);
		if (pm_is_data(s->name))
			continue;
		err = pm_kcore_read(fd, s->addr, s->insn, sizeof(s->insn));
		EXPECT_EQ(0, err) TH_LOG("reading %s at %lx", s->name, s->addr);
		if (err)
			continue;
		kind = pm_kind(s->insn);
		nr_fn++;
		for (k = 0; k < 2; k++)
			nr[k] += !strcmp(kind, kinds[k]);
		printf("# %-26s %016lx  %02x %02x %02x %02x  %s\n", s->name, s->addr,
		       s->insn[0], s->insn[1], s->insn[2], s->insn[3], kind);
	}
	return nr_fn;
}

#if defined(__aarch64__)
TEST(resolved_internals_sealed_and_called_directly)
{
	struct pm_sym syms[PM_MAX_SYMS];
	static const char *const pads[2] = { "bti c", "paciasp" };
	int n, fd, nr_fn, nr[2], nr_pad, bti_kernel;
	unsigned char cb[4];

	n = pm_read_symbols(syms);
	ASSERT_LT(0, n) TH_LOG("cannot read %s: %s", PM_SYMBOLS, strerror(n < 0 ? -n : 0));
	fd = open("/proc/kcore", O_RDONLY);
	if (fd < 0)
		SKIP(return, "no /proc/kcore (CONFIG_PROC_KCORE=n): cannot read kernel text");
	/* An address-taken callback: a BTI kernel starts it with a landing pad. */
	ASSERT_EQ(0, pm_kcore_read(fd, pm_kallsyms("alloc_migration_target"), cb, sizeof(cb)));
	bti_kernel = !strcmp(pm_kind(cb), "bti c");
	nr_fn = pm_scan(_metadata, fd, syms, n, pads, nr);
	nr_pad = nr[0] + nr[1];
	close(fd);
	printf("# %d functions resolved: %d start with a landing pad (bti c, paciasp)\n", nr_fn,
	       nr_pad);
	if (!bti_kernel)
		SKIP(return, "arm64: no IBT to seal internals, and this kernel has no BTI "
			     "(alloc_migration_target starts %s; GCC-built kernels have none): no CPU "
			     "checks where the module's static calls (load, blr) land", pm_kind(cb));
	/* BTI: every internal the module branches to must be a landing pad. */
	EXPECT_EQ(nr_fn, nr_pad);
}
#else
TEST(resolved_internals_sealed_and_called_directly)
{
	struct pm_sym syms[PM_MAX_SYMS];
	static const char *const kinds[2] = { "sealed", "endbr" };
	int n, fd, nr_fn, nr[2], nr_sealed, nr_endbr, ibt_kernel;
	unsigned char cb[4];
	unsigned long cb_addr;

	n = pm_read_symbols(syms);
	ASSERT_LT(0, n) TH_LOG("cannot read %s: %s", PM_SYMBOLS, strerror(n < 0 ? -n : 0));
	fd = open("/proc/kcore", O_RDONLY);
	if (fd < 0)
		SKIP(return, "no /proc/kcore (CONFIG_PROC_KCORE=n): cannot read kernel text");

	/*
	 * alloc_migration_target is passed to migrate_pages() as a callback:
	 * its address is taken, so an IBT kernel keeps its ENDBR. That tells
	 * an IBT build from one without IBT.
	 */
	cb_addr = pm_kallsyms("alloc_migration_target");
	ASSERT_NE(0UL, cb_addr);
	ASSERT_EQ(0, pm_kcore_read(fd, cb_addr, cb, sizeof(cb)));
	ibt_kernel = !memcmp(cb, endbr64, 4);
	TH_LOG("kernel built %s IBT (alloc_migration_target starts %s)",
	       ibt_kernel ? "with" : "without", pm_kind(cb));

	nr_fn = pm_scan(_metadata, fd, syms, n, kinds, nr);
	nr_sealed = nr[0];
	nr_endbr = nr[1];
	close(fd);
	printf("# %d functions resolved: %d sealed, %d with ENDBR, %d without\n",
	       nr_fn, nr_sealed, nr_endbr, nr_fn - nr_sealed - nr_endbr);

	if (ibt_kernel) {
		/*
		 * The IBT case: sealed internals (14 of 15 on Debian 6.12, fewer
		 * on a config that takes more addresses), or internals built
		 * without an ENDBR at all (15 of 16 on Debian 7.3, none sealed),
		 * would be a #CP fault for an indirect call where IBT is enforced.
		 */
		EXPECT_LT(0, nr_fn - nr_endbr);
	} else {
		EXPECT_EQ(0, nr_sealed);
	}
}
#endif

/* Every sealed internal is on the move path: moving a page calls them all. */
TEST(moves_through_sealed_internals)
{
	char *p = pm_map_anon(8, 1);
	void *pages[8];
	int nodes[8], status[8], i, fd;
	long ret;

	ASSERT_NE(NULL, p);
	for (i = 0; i < 8; i++) {
		pages[i] = p + i * PM_PAGE;
		nodes[i] = pm_node_of(pages[i]) == 1 ? 0 : 1;
	}
	fd = pagemove_open();
	ASSERT_LE(0, fd);
	ret = pm_move(fd, 0, 8, pages, nodes, status, PAGEMOVE_MF_MOVE, NULL);
	EXPECT_EQ(0, ret);
	for (i = 0; i < 8; i++) {
		EXPECT_EQ(nodes[i], status[i]);
		EXPECT_EQ(nodes[i], pm_node_of(pages[i]));
		EXPECT_EQ((char)(i * 7 + 1), p[i * PM_PAGE + 100]);
	}
	close(fd);
	munmap(p, 8 * PM_PAGE);
}

TEST_HARNESS_MAIN
