// SPDX-License-Identifier: MIT
/* Strict parsing of numbers, actions, names and options. */
#include <errno.h>
#include <stdint.h>

#include "qfence.h"
#include "args.h"
#include "tap.h"

static void test_u64(void)
{
	static const struct {
		const char *s;
		uint64_t min, max;
		int ret;
		uint64_t val;
	} c[] = {
		{ "0", 0, UINT64_MAX, 0, 0 },
		{ "1500", 0, UINT64_MAX, 0, 1500 },
		{ "007", 0, UINT64_MAX, 0, 7 },		/* decimal, not octal */
		{ "18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX },
		{ "18446744073709551616", 0, UINT64_MAX, -ERANGE, 0 },
		{ "99999999999999999999999", 0, UINT64_MAX, -ERANGE, 0 },
		{ "4294967296", 0, 0xffffffff, -ERANGE, 0 },
		{ "4294967295", 0, 0xffffffff, 0, 0xffffffff },
		{ "0", 1, 10, -ERANGE, 0 },
		{ "11", 1, 10, -ERANGE, 0 },
		{ "-1", 0, UINT64_MAX, -EINVAL, 0 },	/* strtoull would wrap */
		{ "+1", 0, UINT64_MAX, -EINVAL, 0 },
		{ " 1", 0, UINT64_MAX, -EINVAL, 0 },
		{ "1 ", 0, UINT64_MAX, -EINVAL, 0 },
		{ "", 0, UINT64_MAX, -EINVAL, 0 },
		{ "0x10", 0, UINT64_MAX, -EINVAL, 0 },
		{ "12abc", 0, UINT64_MAX, -EINVAL, 0 },
		{ "1e3", 0, UINT64_MAX, -EINVAL, 0 },
	};
	char name[64];
	uint64_t v;
	size_t i;
	int r;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		v = 12345;
		r = qc_parse_u64(c[i].s, c[i].min, c[i].max, &v);
		snprintf(name, sizeof(name), "u64 \"%s\"", c[i].s);
		CHECK(name, r == c[i].ret && (r || v == c[i].val),
		      "ret %d val %llu, want ret %d val %llu", r,
		      (unsigned long long)v, c[i].ret,
		      (unsigned long long)c[i].val);
		if (r)
			CHECK("u64 error leaves the output alone", v == 12345,
			      "output changed to %llu", (unsigned long long)v);
	}
}

static void test_actions(void)
{
	static const struct {
		const char *s;
		int ret;
		uint32_t mask;
		const char *bad;
	} c[] = {
		{ "io", 0, QFENCE_ACTION_IO, NULL },
		{ "io,reboot", 0, QFENCE_ACTION_IO | QFENCE_ACTION_REBOOT, NULL },
		{ "reboot,io", 0, QFENCE_ACTION_IO | QFENCE_ACTION_REBOOT, NULL },
		{ "io,panic,log-only", 0,
		  QFENCE_ACTION_IO | QFENCE_ACTION_PANIC | QFENCE_ACTION_LOG_ONLY, NULL },
		{ "", -EINVAL, 0, "" },
		{ "io,", -EINVAL, 0, "" },
		{ ",io", -EINVAL, 0, "" },
		{ "io,,reboot", -EINVAL, 0, "" },
		{ "IO", -EINVAL, 0, "IO" },
		{ "io,io", -EINVAL, 0, "io" },
		{ "io,bogus", -EINVAL, 0, "bogus" },
		{ "i", -EINVAL, 0, "i" },
		{ "iox", -EINVAL, 0, "iox" },
		{ "log", -EINVAL, 0, "log" },
	};
	char name[64], bad[32];
	uint32_t mask;
	size_t i;
	int r;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		mask = 0xdead;
		bad[0] = '\0';
		r = qc_parse_actions(c[i].s, &mask, bad, sizeof(bad));
		snprintf(name, sizeof(name), "actions \"%s\"", c[i].s);
		if (c[i].ret == 0)
			CHECK(name, r == 0 && mask == c[i].mask,
			      "ret %d mask %#x, want mask %#x", r, mask, c[i].mask);
		else
			CHECK(name, r == c[i].ret && mask == 0xdead &&
			      !strcmp(bad, c[i].bad),
			      "ret %d mask %#x bad \"%s\", want refusal naming \"%s\"",
			      r, mask, bad, c[i].bad);
	}
}

static void test_name_deadline(void)
{
	char n31[32], n32[33];
	uint64_t d = 0;

	memset(n31, 'a', 31);
	n31[31] = '\0';
	memset(n32, 'b', 32);
	n32[32] = '\0';
	CHECK("name: empty refused", qc_check_name("") == -EINVAL, "accepted");
	CHECK("name: 31 bytes fit", qc_check_name(n31) == 0, "refused");
	CHECK("name: 32 bytes refused", qc_check_name(n32) == -ENAMETOOLONG,
	      "accepted");
	CHECK("deadline: now + ms", qc_deadline_after(1000, 5, &d) == 0 &&
	      d == 5001000, "got %llu", (unsigned long long)d);
	CHECK("deadline: sum overflow refused",
	      qc_deadline_after(UINT64_MAX - 10, 1, &d) == -ERANGE, "accepted");
	CHECK("deadline: ms overflow refused",
	      qc_deadline_after(0, UINT64_MAX / 1000 + 1, &d) == -ERANGE,
	      "accepted");
}

enum { GEN, MAX, ACT, NOWAY, NOPT };

static int parse(struct qc_ctx *ctx, struct qc_opt *o, char **pos, int argc,
		 char **argv)
{
	const struct qc_opt init[NOPT] = {
		[GEN] = { "generation", QC_OPT_NUM, 0, UINT64_MAX, 1, 0, 0, NULL },
		[MAX] = { "max-lease-ms", QC_OPT_NUM, 0, 0xffffffff, 1, 0, 0, NULL },
		[ACT] = { "actions", QC_OPT_ACTIONS, 0, 0, 0, 0, 0, NULL },
		[NOWAY] = { "nowayout", QC_OPT_FLAG, 0, 0, 0, 0, 0, NULL },
	};

	memcpy(o, init, sizeof(init));
	memset(ctx, 0, sizeof(*ctx));
	ctx->usage = "quorumctl lease new NAME ...";
	*pos = NULL;
	return qc_parse_args(ctx, argc, argv, o, NOPT, pos, 1);
}

#define ARGV(...) ((char *[]){ "new", __VA_ARGS__ })
#define ARGC(...) ((int)(sizeof((char *[]){ "new", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(...) parse(&ctx, o, &pos, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static void expect_usage(const char *name, int r, struct qc_ctx *ctx,
			 const char *needle)
{
	CHECK(name, r == QC_EXIT_USAGE && ctx->err.code == QC_EXIT_USAGE &&
	      strstr(ctx->err.msg, needle) && ctx->err.usage == ctx->usage,
	      "ret %d msg \"%s\", want usage error with \"%s\"", r,
	      ctx->err.msg, needle);
}

static void test_options(void)
{
	struct qc_opt o[NOPT];
	struct qc_ctx ctx;
	char *pos;
	int r;

	r = PARSE("db0", "--generation", "3", "--max-lease-ms=1500", "--nowayout");
	CHECK("opts: a valid line", r == 0 && pos && !strcmp(pos, "db0") &&
	      o[GEN].val == 3 && o[MAX].val == 1500 && o[NOWAY].seen &&
	      !o[ACT].seen, "ret %d msg %s", r, ctx.err.msg);
	r = PARSE("--actions", "io,reboot", "--generation=1", "--max-lease-ms", "1", "x");
	CHECK("opts: options before NAME", r == 0 && !strcmp(pos, "x") &&
	      o[ACT].val == (QFENCE_ACTION_IO | QFENCE_ACTION_REBOOT),
	      "ret %d msg %s", r, ctx.err.msg);
	r = PARSE("--generation", "1", "--max-lease-ms", "1", "--", "-odd");
	CHECK("opts: \"--\" ends the options", r == 0 && !strcmp(pos, "-odd"),
	      "ret %d msg %s", r, ctx.err.msg);
	r = PARSE("db0", "--max-lease-ms", "1", "--generation");
	expect_usage("opts: missing value", r, &ctx, "--generation needs a value");
	r = PARSE("db0", "--generation", "1", "--max-lease-ms", "1", "--bogus");
	expect_usage("opts: unknown option", r, &ctx, "unknown option --bogus");
	r = PARSE("db0", "--generation", "1", "--max-lease-ms", "1", "-g");
	expect_usage("opts: unknown short option", r, &ctx, "unknown option -g");
	r = PARSE("db0", "--generation", "1", "--generation", "2", "--max-lease-ms", "1");
	expect_usage("opts: repeated option", r, &ctx, "--generation given twice");
	r = PARSE("db0", "--generation", "1", "--max-lease-ms", "1", "--nowayout=1");
	expect_usage("opts: flag with a value", r, &ctx, "--nowayout takes no value");
	r = PARSE("db0", "--generation", "1");
	expect_usage("opts: missing required option", r, &ctx, "missing --max-lease-ms");
	r = PARSE("db0", "x", "--generation", "1", "--max-lease-ms", "1");
	expect_usage("opts: extra argument", r, &ctx, "unexpected argument \"x\"");
	r = PARSE("--generation", "1", "--max-lease-ms", "1");
	expect_usage("opts: missing NAME", r, &ctx, "missing argument");
	r = PARSE("db0", "--generation", "1", "--max-lease-ms", "4294967296");
	expect_usage("opts: u32 out of range", r, &ctx, "out of range 0..4294967295");
	r = PARSE("db0", "--generation", "-5", "--max-lease-ms", "1");
	expect_usage("opts: negative number", r, &ctx, "not a decimal number");
	r = PARSE("db0", "--generation", "1", "--max-lease-ms", "1", "--actions", "io,nope");
	expect_usage("opts: bad action", r, &ctx, "bad action \"nope\"");
	r = PARSE("db0", "--generation", "1", "--max-lease-ms", "1", "--actions=");
	expect_usage("opts: empty action list", r, &ctx, "bad action \"\"");
}

int main(void)
{
	test_u64();
	test_actions();
	test_name_deadline();
	test_options();
	return TAP_DONE();
}
