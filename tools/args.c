// SPDX-License-Identifier: MIT
/*
 * Strict command-line parsing. The tool checks that every value fits its
 * wire type and is well formed; what a lease may be (generation >= 1,
 * max_lease_ms limits, "actions must include io") is the kernel's to judge,
 * so that its extended ack explains a refusal in one place.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "qfence.h"
#include "args.h"

/* Decimal only: no sign, no blanks, no base prefix, no trailing bytes. */
int qc_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static const struct {
	const char *name;
	uint32_t bit;
} action_names[] = {
	{ "io", QFENCE_ACTION_IO },
	{ "reboot", QFENCE_ACTION_REBOOT },
	{ "panic", QFENCE_ACTION_PANIC },
	{ "log-only", QFENCE_ACTION_LOG_ONLY },
};

static uint32_t action_bit(const char *tok, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++)
		if (strlen(action_names[i].name) == len &&
		    !memcmp(action_names[i].name, tok, len))
			return action_names[i].bit;
	return 0;
}

/*
 * "io,reboot" -> mask. An empty list, an empty or unknown token or a
 * repeated one is refused; the offending token is copied to @bad.
 */
int qc_parse_actions(const char *s, uint32_t *out, char *bad, size_t badlen)
{
	uint32_t mask = 0, bit;
	const char *p = s, *comma;
	size_t len;

	for (;;) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		bit = action_bit(p, len);
		if (!bit || (mask & bit)) {
			snprintf(bad, badlen, "%.*s", (int)len, p);
			return -EINVAL;
		}
		mask |= bit;
		if (!comma)
			break;
		p = comma + 1;
	}
	*out = mask;
	return 0;
}

/* A lease name travels NUL-terminated in QFENCE_NAME_LEN bytes. */
int qc_check_name(const char *s)
{
	size_t len = strlen(s);

	if (len == 0)
		return -EINVAL;
	if (len >= QFENCE_NAME_LEN)
		return -ENAMETOOLONG;
	return 0;
}

int qc_deadline_after(uint64_t now_ns, uint64_t ms, uint64_t *out)
{
	uint64_t ns;

	if (ms > UINT64_MAX / 1000000u)
		return -ERANGE;
	ns = ms * 1000000u;
	if (now_ns > UINT64_MAX - ns)
		return -ERANGE;
	*out = now_ns + ns;
	return 0;
}

/* A command of a table by name (the top table, lease's, member's). */
const struct qc_cmd *qc_find_cmd(const struct qc_cmd *cmds, size_t n,
				 const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

struct qc_opt *qc_opt_find(struct qc_opt *opts, size_t nopts, const char *name)
{
	size_t i;

	for (i = 0; i < nopts; i++)
		if (!strcmp(opts[i].name, name))
			return &opts[i];
	return NULL;
}

static int set_value(struct qc_ctx *ctx, struct qc_opt *o, const char *v)
{
	char bad[QC_MSG_LEN / 2];
	uint32_t mask;
	int r;

	if (o->kind == QC_OPT_STR) {
		if (!*v)
			return qc_usage(ctx, "--%s: empty value", o->name);
		o->str = v;
		return 0;
	}
	if (o->kind == QC_OPT_ACTIONS) {
		if (qc_parse_actions(v, &mask, bad, sizeof(bad)) < 0)
			return qc_usage(ctx, "--%s: bad action \"%s\" (io, reboot, panic, log-only, each once)",
					o->name, bad);
		o->val = mask;
		return 0;
	}
	r = qc_parse_u64(v, o->min, o->max, &o->val);
	if (r == -EINVAL)
		return qc_usage(ctx, "--%s: \"%.64s\" is not a decimal number",
				o->name, v);
	if (r < 0)
		return qc_usage(ctx, "--%s: %.64s is out of range %llu..%llu",
				o->name, v, (unsigned long long)o->min,
				(unsigned long long)o->max);
	return 0;
}

/* "--name", "--name value" or "--name=value"; returns the argv index used. */
static int parse_opt(struct qc_ctx *ctx, int argc, char **argv, int i,
		     struct qc_opt *opts, size_t nopts)
{
	char name[64];
	const char *arg = argv[i] + 2, *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	struct qc_opt *o;

	if (len >= sizeof(name))
		return -qc_usage(ctx, "unknown option %.64s", argv[i]);
	memcpy(name, arg, len);
	name[len] = '\0';
	o = qc_opt_find(opts, nopts, name);
	if (!o)
		return -qc_usage(ctx, "unknown option --%s", name);
	if (o->seen)
		return -qc_usage(ctx, "--%s given twice", name);
	o->seen = 1;
	if (o->kind == QC_OPT_FLAG) {
		if (eq)
			return -qc_usage(ctx, "--%s takes no value", name);
		o->val = 1;
		return i;
	}
	if (!eq && i + 1 >= argc)
		return -qc_usage(ctx, "--%s needs a value", name);
	if (set_value(ctx, o, eq ? eq + 1 : argv[i + 1]))
		return -QC_EXIT_USAGE;
	return eq ? i : i + 1;
}

/* The @i-th word of the space-separated @names, for "missing argument ID". */
static void pos_name(const char *names, size_t i, char *out, size_t len)
{
	const char *p = names ? names : "";
	size_t n;

	for (; i && (p = strchr(p, ' ')); i--)
		p++;
	if (!p || !*p) {
		snprintf(out, len, "NAME");
		return;
	}
	n = strcspn(p, " ");
	snprintf(out, len, "%.*s", (int)n, p);
}

/*
 * argv[0] is the subcommand; between @minpos and @maxpos positional
 * arguments are expected (after "--", anything is positional), named by the
 * words of @posnames in messages. Their number goes to *@npos. Returns 0 or
 * an exit code with ctx->err filled.
 */
int qc_parse_argsv(struct qc_ctx *ctx, int argc, char **argv,
		   struct qc_opt *opts, size_t nopts, char **pos,
		   size_t minpos, size_t maxpos, const char *posnames,
		   size_t *npos)
{
	char what[32];
	size_t n = 0, k;
	int i, dashdash = 0;

	for (i = 1; i < argc; i++) {
		if (!dashdash && !strcmp(argv[i], "--")) {
			dashdash = 1;
		} else if (!dashdash && argv[i][0] == '-' && argv[i][1] == '-') {
			i = parse_opt(ctx, argc, argv, i, opts, nopts);
			if (i < 0)
				return -i;
		} else if (!dashdash && argv[i][0] == '-' && argv[i][1]) {
			return qc_usage(ctx, "unknown option %.64s", argv[i]);
		} else if (n < maxpos) {
			pos[n++] = argv[i];
		} else {
			return qc_usage(ctx, "unexpected argument \"%.64s\"", argv[i]);
		}
	}
	if (n < minpos) {
		pos_name(posnames, n, what, sizeof(what));
		return qc_usage(ctx, "missing argument (%s)", what);
	}
	for (k = 0; k < nopts; k++)
		if (opts[k].required && !opts[k].seen)
			return qc_usage(ctx, "missing --%s", opts[k].name);
	if (npos)
		*npos = n;
	return 0;
}

/* Exactly @npos positional arguments (a lease NAME, when there is one). */
int qc_parse_args(struct qc_ctx *ctx, int argc, char **argv,
		  struct qc_opt *opts, size_t nopts, char **pos, size_t npos)
{
	return qc_parse_argsv(ctx, argc, argv, opts, nopts, pos, npos, npos,
			      "NAME", NULL);
}
