// SPDX-License-Identifier: MIT
/*
 * Robustness of the control reply decoder and the status formatters: sound
 * replies with random bytes changed or cut short (fixed seed), each in a
 * heap block of exactly its length so that ASan sees any over-read. An
 * accepted reply must then print, human and JSON, within its bounds.
 */
#include <stdint.h>

#include "clfmt.h"
#include "ctlmsg.h"
#include "canned.h"
#include "tap.h"

#define ROUNDS 20000

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static char sound_status[QFCTL_MAX_MSG], sound_result[QFCTL_MAX_MSG];
static size_t status_len, result_len;

/* A copy of a sound reply with up to 8 bytes changed, sometimes cut. */
static unsigned char *mutate(size_t *len, uint16_t *req)
{
	bool st = next() % 2;
	const char *src = st ? sound_status : sound_result;
	size_t n = st ? status_len : result_len, k, pos;
	unsigned char *m;

	*req = st ? QFCTL_REQ_STATUS : QFCTL_REQ_FENCE;
	if (next() % 8 == 0)
		n = next() % n;
	m = malloc(n ? n : 1);
	memcpy(m, src, n);
	for (k = next() % 9; k && n; k--) {
		/* Half of the changes hit the header and the counts. */
		pos = next() % 2 ? next() % (n < 64 ? n : 64) : next() % n;
		m[pos] = (unsigned char)next();
	}
	*len = n;
	return m;
}

static int sound(const struct qc_reply *r)
{
	char why[96];

	if (r->hdr.code == QFCTL_RPY_RESULT)
		return memchr(r->u.res.message, 0, sizeof(r->u.res.message)) != NULL;
	return r->hdr.status != QFCTL_ST_OK || !qc_ctl_status_valid(&r->u.st, why, sizeof(why));
}

int main(void)
{
	struct qfctl_status st;
	struct qfctl_result res = { .leader = 1, .node = 3, .message = "ok" };
	struct qc_reply out;
	struct qc_err err;
	unsigned char *m;
	char *text = NULL;
	size_t len, tlen;
	uint16_t req;
	int i, bad = 0, ok = 0, refused = 0;
	FILE *f;

	canned_status(&st);
	status_len = canned_msg(sound_status, sizeof(sound_status), QFCTL_RPY_STATUS,
				1, QFCTL_ST_OK, &st, sizeof(st));
	result_len = canned_msg(sound_result, sizeof(sound_result), QFCTL_RPY_RESULT,
				1, QFCTL_ST_OK, &res, sizeof(res));
	f = open_memstream(&text, &tlen);
	for (i = 0; i < ROUNDS; i++) {
		m = mutate(&len, &req);
		memset(&err, 0, sizeof(err));
		if (qc_ctl_decode(m, len, 1, req, &out, "fuzz", &err)) {
			refused++;
			bad += err.code != QC_EXIT_OTHER || !err.msg[0];
		} else if (!sound(&out)) {
			bad++;
		} else {
			ok++;
			if (out.hdr.code == QFCTL_RPY_STATUS && out.hdr.status == QFCTL_ST_OK) {
				qc_print_status(f, &out.u.st);
				qc_print_status_json(f, &out.u.st);
			} else if (out.hdr.status == QFCTL_ST_OK) {
				qc_print_result(f, req, &out.u.res, i % 2);
			} else {
				qc_ctl_refusal(&out, "fuzz", &err);
			}
			rewind(f);
		}
		free(m);
	}
	fclose(f);
	free(text);
	CHECK("ctl fuzz: no accepted reply breaks a bound, every refusal is exit 4",
	      bad == 0, "%d bad in %d rounds", bad, ROUNDS);
	CHECK("ctl fuzz: mutations both pass and fail the decoder",
	      ok > ROUNDS / 20 && refused > ROUNDS / 20, "%d accepted, %d refused", ok, refused);
	return TAP_DONE();
}
