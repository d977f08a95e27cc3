// SPDX-License-Identifier: MIT
/*
 * The storage fence's jobs (design.md rule 13, §2.9), over an ops table so
 * that tests drive them with a fake target. They run on the PR worker
 * thread (prwork.c): each may block for as long as a dead path takes.
 */
#include <stdio.h>
#include <string.h>

#include "prfence.h"

enum { SA_READ_KEYS = 0, SA_READ_RESERVATION = 1, SA_REPORT_CAPS = 2 };

static int read_keys(const struct qd_pr_ops *o, void *ctx, int fd,
		     struct qf_pr_keys *k, char *why)
{
	uint8_t buf[QF_PRIN_KEYS_LEN];

	memset(buf, 0, sizeof(buf));
	if (o->in(ctx, fd, SA_READ_KEYS, buf, sizeof(buf), why))
		return -1;
	return qf_prin_keys(buf, sizeof(buf), k, why, QD_PR_WHY);
}

static int read_resv(const struct qd_pr_ops *o, void *ctx, int fd,
		     struct qf_pr_resv *r, char *why)
{
	uint8_t buf[24];

	memset(buf, 0, sizeof(buf));
	if (o->in(ctx, fd, SA_READ_RESERVATION, buf, sizeof(buf), why))
		return -1;
	return qf_prin_resv(buf, sizeof(buf), r, why, QD_PR_WHY);
}

int qd_pr_probe(const struct qd_pr_ops *o, void *ctx, const char *path,
		char *why)
{
	struct qf_pr_keys k;
	struct qf_pr_caps c;
	uint8_t buf[8] = { 0 };
	int fd = o->open(ctx, path, why), rc = -1;

	if (fd < 0)
		return -1;
	if (o->in(ctx, fd, SA_REPORT_CAPS, buf, sizeof(buf), why) ||
	    qf_prin_caps(buf, sizeof(buf), &c, why, QD_PR_WHY))
		goto out;
	if (c.tmv && !c.wr_ex_ar) {
		snprintf(why, QD_PR_WHY, "the target does not offer Write "
			 "Exclusive - All Registrants reservations");
		goto out;
	}
	rc = read_keys(o, ctx, fd, &k, why);
out:
	o->close(ctx, fd);
	return rc;
}

int qd_pr_read(const struct qd_pr_ops *o, void *ctx, const char *path,
	       struct qd_pr_view *v)
{
	int fd = o->open(ctx, path, v->why);

	v->ok = false;
	if (fd < 0)
		return -1;
	v->ok = !read_keys(o, ctx, fd, &v->keys, v->why) &&
		!read_resv(o, ctx, fd, &v->resv, v->why);
	o->close(ctx, fd);
	return v->ok ? 0 : -1;
}

static int register_one(const struct qd_pr_ops *o, void *ctx, int fd,
			uint64_t key, char *why)
{
	struct qf_pr_resv r;
	struct qf_pr_keys k;

	if (o->reg(ctx, fd, key, why) || read_resv(o, ctx, fd, &r, why))
		return -1;
	if (r.held && r.type != QF_PR_TYPE_WR_EX_AR) {
		snprintf(why, QD_PR_WHY, "a %s reservation is held (key "
			 "%016llx); the fence needs write-exclusive-all-"
			 "registrants", qf_pr_type_name(r.type),
			 (unsigned long long)r.key);
		return -1;
	}
	if (!r.held && o->reserve(ctx, fd, key, why))
		return -1;
	if (read_keys(o, ctx, fd, &k, why))
		return -1;
	if (!qf_pr_keys_has(&k, key)) {
		snprintf(why, QD_PR_WHY, "key %016llx not listed after "
			 "REGISTER", (unsigned long long)key);
		return -1;
	}
	return 0;
}

unsigned int qd_pr_register_all(const struct qd_pr_ops *o, void *ctx,
				const char (*paths)[QF_CONF_PATH_LEN],
				unsigned int n, uint64_t key, char *why)
{
	unsigned int done = 0;
	char w[QD_PR_WHY];

	why[0] = '\0';
	for (unsigned int i = 0; i < n; i++) {
		int fd = o->open(ctx, paths[i], w);

		if (fd >= 0 && !register_one(o, ctx, fd, key, w))
			done++;
		else if (!why[0])
			snprintf(why, QD_PR_WHY, "%s: %s", paths[i], w);
		if (fd >= 0)
			o->close(ctx, fd);
	}
	return done;
}

int qd_pr_present_all(const struct qd_pr_ops *o, void *ctx,
		      const char (*paths)[QF_CONF_PATH_LEN], unsigned int n,
		      uint64_t key, char *why)
{
	int all = 1;

	for (unsigned int i = 0; i < n; i++) {
		struct qd_pr_view v;

		if (qd_pr_read(o, ctx, paths[i], &v)) {
			snprintf(why, QD_PR_WHY, "%s: %s", paths[i], v.why);
			return -1;
		}
		if (!qf_pr_keys_has(&v.keys, key))
			all = 0;
	}
	return all;
}

/*
 * One device: victim's key gone after this, as read back? A key absent
 * before the preempt counts too: the node registers every path before its
 * lease of that generation is armed (prwork.c), so an absent key was
 * removed, or its owner never held a lease for it.
 */
static int fence_one(const struct qd_pr_ops *o, void *ctx, int fd,
		     uint64_t mine, uint64_t victim, char *why)
{
	struct qf_pr_keys k;

	if (read_keys(o, ctx, fd, &k, why))
		return -1;
	if (qf_pr_keys_has(&k, victim) &&
	    o->preempt_abort(ctx, fd, mine, victim, why))
		return -1;
	if (read_keys(o, ctx, fd, &k, why))
		return -1;
	if (qf_pr_keys_has(&k, victim)) {
		snprintf(why, QD_PR_WHY, "key %016llx still registered after "
			 "PREEMPT AND ABORT", (unsigned long long)victim);
		return -1;
	}
	return 0;
}

unsigned int qd_pr_fence_all(const struct qd_pr_ops *o, void *ctx,
			     const char (*paths)[QF_CONF_PATH_LEN],
			     unsigned int n, uint64_t mine, uint64_t victim,
			     char *why)
{
	unsigned int done = 0;
	char w[QD_PR_WHY];

	why[0] = '\0';
	for (unsigned int i = 0; i < n; i++) {
		int fd = o->open(ctx, paths[i], w);

		if (fd >= 0 && !fence_one(o, ctx, fd, mine, victim, w))
			done++;
		else if (!why[0])
			snprintf(why, QD_PR_WHY, "%s: %s", paths[i], w);
		if (fd >= 0)
			o->close(ctx, fd);
	}
	return done;
}
