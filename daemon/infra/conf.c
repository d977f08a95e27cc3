// SPDX-License-Identifier: MIT
/*
 * qfence daemon: configuration file (see conf.h).
 *
 * inih does the INI syntax; this file owns the semantics. inih's handler is
 * not told the line number in Debian's build (INI_HANDLER_LINENO is 0), so
 * the file is fed through our own line reader: inih asks for exactly one
 * line per call, so the reader's count is the line being handled. The
 * reader also strips leading blanks (so an indented key is never taken as a
 * multi-line continuation of the previous key) and refuses over-long lines
 * instead of letting inih split them.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include <ini.h>

#include "conf.h"
#include "ilog.h"

#define LINE_MAX_CHARS	200	/* inih's default ini_max_line */

#include "confparse.h"


/* ---- errors ---- */

int conf_fail(struct parse *p, const char *key, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->err_line)
		return 0;
	p->err_line = p->line ? p->line : 1;
	n = snprintf(p->err, sizeof(p->err), "%s:%d: %s%s", p->file, p->line,
		     key ? key : "", key ? ": " : "");
	va_start(ap, fmt);
	vsnprintf(p->err + n, sizeof(p->err) - n, fmt, ap);
	va_end(ap);
	return 0;		/* inih: handler error */
}

/* An error found after parsing, at a given line (0: none known). */
int conf_fail_line(struct parse *p, int line, const char *key,
		     const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(p->err, sizeof(p->err), "%s:%d: %s: %s", p->file,
			 line, key, msg);
	else
		snprintf(p->err, sizeof(p->err), "%s: %s: %s", p->file, key,
			 msg);
	p->err_line = -1;
	return -1;
}

void conf_warn(struct qf_conf *c, const char *fmt, ...)
{
	va_list ap;

	if (c->nwarn >= QF_CONF_MAX_WARN)
		return;
	va_start(ap, fmt);
	vsnprintf(c->warn[c->nwarn++], sizeof(c->warn[0]), fmt, ap);
	va_end(ap);
}

/* ---- value parsers ---- */

/* Decimal digits only, no sign, no blank, within 32 bits: 0, or -1. */
int conf_parse_u32(const char *v, uint32_t *out)
{
	unsigned long long x;
	char *end;

	if (!isdigit((unsigned char)v[0]))
		return -1;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || *end || x > UINT32_MAX)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

static int p_u32(struct parse *p, const char *key, const char *v, void *dst,
		 uint32_t min, uint32_t max)
{
	uint32_t x;

	if (conf_parse_u32(v, &x))
		return conf_fail(p, key, "'%s' is not a number", v);
	if (x < min || x > max)
		return conf_fail(p, key, "%" PRIu32 " is out of range %" PRIu32
			    "..%" PRIu32, x, min, max);
	*(uint32_t *)dst = x;
	return 1;
}

static int p_int(struct parse *p, const char *key, const char *v, void *dst,
		 uint32_t min, uint32_t max)
{
	uint32_t x = 0;

	if (!p_u32(p, key, v, &x, min, max))
		return 0;
	*(int *)dst = (int)x;
	return 1;
}

static int p_bool(struct parse *p, const char *key, const char *v, void *dst,
		  uint32_t min, uint32_t max)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	(void)min;
	(void)max;
	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]) || !strcasecmp(v, no[i])) {
			*(bool *)dst = !strcasecmp(v, yes[i]);
			return 1;
		}
	}
	return conf_fail(p, key, "'%s' is not a boolean (yes/no)", v);
}

/* Names: cluster and lease names travel to the kernel and to logs. */
static int p_name(struct parse *p, const char *key, const char *v, void *dst,
		  uint32_t min, uint32_t max)
{
	size_t n = strlen(v);

	(void)min;
	if (!n)
		return conf_fail(p, key, "must not be empty");
	if (n > max)
		return conf_fail(p, key, "'%s' is longer than %" PRIu32 " characters",
			    v, max);
	for (size_t i = 0; i < n; i++) {
		if (!isalnum((unsigned char)v[i]) && !strchr("-_.", v[i]))
			return conf_fail(p, key, "'%s': only letters, digits, '-', "
				    "'_' and '.' are allowed", v);
	}
	memcpy(dst, v, n + 1);
	return 1;
}

/*
 * Paths and hook commands must be absolute: quorumd runs as root and must
 * never depend on its working directory or $PATH.
 */
static int p_path(struct parse *p, const char *key, const char *v, void *dst,
		  uint32_t min, uint32_t max)
{
	size_t n = strlen(v);

	if (!n && min == 0) {
		*(char *)dst = '\0';
		return 1;
	}
	if (v[0] != '/')
		return conf_fail(p, key, "'%s' is not an absolute path", v);
	if (n > max)
		return conf_fail(p, key, "longer than %" PRIu32 " characters", max);
	memcpy(dst, v, n + 1);
	return 1;
}

static int p_profile(struct parse *p, const char *key, const char *v,
		     void *dst, uint32_t min, uint32_t max)
{
	(void)min;
	(void)max;
	if (!strcmp(v, "default"))
		*(enum qf_conf_profile *)dst = QF_CONF_PROFILE_DEFAULT;
	else if (!strcmp(v, "fast"))
		*(enum qf_conf_profile *)dst = QF_CONF_PROFILE_FAST;
	else
		return conf_fail(p, key, "'%s' is not a profile (default, fast)", v);
	return 1;
}

/* design.md §2.11: who asks for a rejoin, and with what evidence. */
static int p_rejoin(struct parse *p, const char *key, const char *v,
		    void *dst, uint32_t min, uint32_t max)
{
	(void)min;
	(void)max;
	if (!strcmp(v, "manual"))
		*(enum qf_conf_rejoin *)dst = QF_CONF_REJOIN_MANUAL;
	else if (!strcmp(v, "after-reboot"))
		*(enum qf_conf_rejoin *)dst = QF_CONF_REJOIN_AFTER_REBOOT;
	else if (!strcmp(v, "when-idle"))
		*(enum qf_conf_rejoin *)dst = QF_CONF_REJOIN_WHEN_IDLE;
	else
		return conf_fail(p, key, "'%s' is not a rejoin policy (manual, "
			    "after-reboot, when-idle)", v);
	return 1;
}

static int p_actions(struct parse *p, const char *key, const char *v,
		     void *dst, uint32_t min, uint32_t max)
{
	static const struct { const char *name; uint32_t bit; } tab[] = {
		{ "io", QFENCE_ACTION_IO },
		{ "reboot", QFENCE_ACTION_REBOOT },
		{ "panic", QFENCE_ACTION_PANIC },
	};
	char buf[LINE_MAX_CHARS], *tok, *save;
	uint32_t mask = 0;

	(void)min;
	(void)max;
	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, ", \t", &save); tok;
	     tok = strtok_r(NULL, ", \t", &save)) {
		size_t i;

		for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
			if (!strcmp(tok, tab[i].name))
				break;
		if (!strcmp(tok, "log-only"))
			return conf_fail(p, key, "'log-only' is refused: it turns off "
				    "the settle escalation, and the IO fence "
				    "does not bound IO already in flight, so F "
				    "and W would not hold (design.md rule 12). "
				    "Tests load qfence with log_only=1 and run "
				    "quorumd --allow-log-only instead");
		if (i == sizeof(tab) / sizeof(tab[0]))
			return conf_fail(p, key, "'%s' is not an action (io, reboot, "
				    "panic)", tok);
		mask |= tab[i].bit;
	}
	if (!mask)
		return conf_fail(p, key, "no action given");
	*(uint32_t *)dst = mask;
	return 1;
}

/* ---- addresses and peers ---- */

static struct qf_conf_peer *find_peer(struct qf_conf *c, uint32_t id)
{
	for (unsigned int i = 0; i < c->npeers; i++)
		if (c->peers[i].id == id)
			return &c->peers[i];
	return NULL;
}

static struct qf_conf_peer *new_peer(struct parse *p, const char *key,
				     uint32_t id)
{
	struct qf_conf_peer *pe = find_peer(&p->c, id);

	if (pe) {
		conf_fail(p, key, "peer %" PRIu32 " is already defined at line %d",
		     id, pe->line);
		return NULL;
	}
	if (p->c.npeers >= QF_CONF_MAX_PEERS) {
		conf_fail(p, key, "more than %d peers", QF_CONF_MAX_PEERS);
		return NULL;
	}
	pe = &p->c.peers[p->c.npeers++];
	memset(pe, 0, sizeof(*pe));
	pe->id = id;
	pe->line = p->line;
	return pe;
}

/* "ADDR:PORT[,ADDR:PORT]", appended to the peer's addresses. */
static int add_addrs(struct parse *p, const char *key, struct qf_conf_peer *pe,
		     const char *list)
{
	char buf[LINE_MAX_CHARS], why[160], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", list);
	tok = strtok_r(buf, ",", &save);
	if (!tok)
		return conf_fail(p, key, "no address given");
	for (; tok; tok = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*tok))
			tok++;
		if (pe->naddrs >= QF_CONF_MAX_ADDRS)
			return conf_fail(p, key, "peer %" PRIu32 ": more than %d "
				    "addresses", pe->id, QF_CONF_MAX_ADDRS);
		if (qf_conf_parse_addr(tok, &pe->addr[pe->naddrs], why,
				       sizeof(why)))
			return conf_fail(p, key, "%s", why);
		pe->naddrs++;
	}
	return 1;
}

static int parse_id(struct parse *p, const char *key, const char *v,
		    uint32_t *id)
{
	if (conf_parse_u32(v, id) || *id < 1 || *id > QF_CONF_MAX_ID)
		return conf_fail(p, key, "'%s' is not a node id (1..%u)", v,
			    QF_CONF_MAX_ID);
	return 1;
}

/* [cluster] peer = ID ADDR:PORT[,ADDR2:PORT] [witness] */
static int p_peer_line(struct parse *p, const char *key, const char *v,
		       void *dst, uint32_t min, uint32_t max)
{
	char buf[LINE_MAX_CHARS], *tok[4], *save;
	struct qf_conf_peer *pe;
	uint32_t id;
	int n = 0;

	(void)dst;
	(void)min;
	(void)max;
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *t = strtok_r(buf, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save)) {
		if (n == 3)
			return conf_fail(p, key, "expected 'ID ADDR:PORT[,ADDR:PORT] "
				    "[witness]', got '%s'", v);
		tok[n++] = t;
	}
	if (n < 2)
		return conf_fail(p, key, "expected 'ID ADDR:PORT[,ADDR:PORT] "
			    "[witness]', got '%s'", v);
	if (n == 3 && strcmp(tok[2], "witness"))
		return conf_fail(p, key, "'%s': the only flag is 'witness'", tok[2]);
	if (!parse_id(p, key, tok[0], &id))
		return 0;
	pe = new_peer(p, key, id);
	if (!pe)
		return 0;
	pe->witness = n == 3;
	return add_addrs(p, key, pe, tok[1]);
}

/* [peer.N] address = ..., witness = yes|no */
static int peer_section(struct parse *p, const char *section, const char *key,
			const char *v)
{
	struct qf_conf_peer *pe;
	uint32_t id;

	if (!parse_id(p, section, section + 5, &id))
		return 0;
	pe = find_peer(&p->c, id);
	if (pe && strcmp(p->last_section, section))
		return conf_fail(p, section, "peer %" PRIu32 " is already defined "
			    "at line %d", id, pe->line);
	if (!pe && !(pe = new_peer(p, section, id)))
		return 0;
	snprintf(p->last_section, sizeof(p->last_section), "%s", section);
	if (!strcmp(key, "address"))
		return add_addrs(p, key, pe, v);
	if (!strcmp(key, "witness"))
		return p_bool(p, key, v, &pe->witness, 0, 0);
	return conf_fail(p, key, "unknown key in [%s] (known: address, witness)",
		    section);
}

/*
 * [node] pr_device = PATH, repeatable: every SCSI path device of every
 * fenced LUN (design.md rule 13, §2.9: a path left out is outside the
 * argument). Absolute, at most QF_CONF_MAX_PR, each once.
 */
static int p_pr_device(struct parse *p, const char *key, const char *v,
		       void *dst, uint32_t min, uint32_t max)
{
	struct qf_conf *c = &p->c;
	char path[QF_CONF_PATH_LEN];

	(void)dst;
	(void)min;
	(void)max;
	if (!v[0])
		return conf_fail(p, key, "empty: name a SCSI path device "
			    "(/dev/sdX or a /dev/disk/by-* link)");
	if (!p_path(p, key, v, path, 1, sizeof(path) - 1))
		return 0;
	if (c->n_pr_devices >= QF_CONF_MAX_PR)
		return conf_fail(p, key, "more than %d pr_device lines",
			    QF_CONF_MAX_PR);
	for (unsigned int i = 0; i < c->n_pr_devices; i++)
		if (!strcmp(c->pr_devices[i], path))
			return conf_fail(p, key, "'%s' is listed twice", path);
	snprintf(c->pr_devices[c->n_pr_devices++], sizeof(c->pr_devices[0]),
		 "%s", path);
	return 1;
}

/* ---- the key table ---- */

#define OFF(field) offsetof(struct qf_conf, field)
#define SZ(field) (sizeof(((struct qf_conf *)0)->field) - 1)

static const struct key_def keys[] = {
	{ "cluster", "name", K_NAME, p_name, OFF(name), 1, SZ(name) },
	{ "cluster", "key_file", K_KEY_FILE, p_path, OFF(key_file), 1,
	  SZ(key_file) },
	{ "cluster", "profile", K_PROFILE, p_profile, OFF(profile), 0, 0 },
	{ "cluster", "heartbeat_ms", K_HEARTBEAT, p_u32,
	  OFF(timing.heartbeat_ms), 1, 60000 },
	{ "cluster", "election_min_ms", K_EMIN, p_u32,
	  OFF(timing.election_min_ms), 1, 600000 },
	{ "cluster", "election_max_ms", K_EMAX, p_u32,
	  OFF(timing.election_max_ms), 1, 600000 },
	{ "cluster", "lease_ms", K_LEASE, p_u32, OFF(timing.lease_ms), 1,
	  QFENCE_MAX_LEASE_MS_LIMIT },
	{ "cluster", "settle_ms", K_SETTLE, p_u32, OFF(timing.settle_ms), 0,
	  QFENCE_DELAY_MS_LIMIT },
	{ "cluster", "rho_ppm", K_RHO, p_u32, OFF(timing.rho_ppm), 0, 999999 },
	{ "cluster", "margin_ms", K_MARGIN, p_u32, OFF(timing.margin_ms), 0,
	  60000 },
	{ "cluster", "fence_after_ms", K_FENCE_AFTER, p_u32,
	  OFF(fence_after_ms), 0, 3600000 },
	{ "cluster", "pr_fence_after_ms", K_PR_FENCE_AFTER, p_u32,
	  OFF(pr_fence_after_ms), 0, 3600000 },
	{ "cluster", "flap_max", K_FLAP_MAX, p_u32, OFF(flap_max), 1,
	  QF_FLAP_MAX_LIMIT },
	{ "cluster", "flap_window_s", K_FLAP_WINDOW, p_u32, OFF(flap_window_s),
	  1, 7 * 24 * 3600 },
	{ "cluster", "peer", K_PEER, p_peer_line, 0, 0, 0 },
	{ "node", "id", K_ID, p_u32, OFF(node_id), 1, QF_CONF_MAX_ID },
	{ "node", "lease_name", K_LEASE_NAME, p_name, OFF(lease_name), 1,
	  SZ(lease_name) },
	{ "node", "actions", K_ACTIONS, p_actions, OFF(actions), 0, 0 },
	{ "node", "reboot_delay_ms", K_REBOOT_DELAY, p_u32,
	  OFF(reboot_delay_ms), 0, QFENCE_DELAY_MS_LIMIT },
	{ "node", "nowayout", K_NOWAYOUT, p_bool, OFF(nowayout), 0, 0 },
	{ "node", "data_dir", K_DATA_DIR, p_path, OFF(data_dir), 1,
	  SZ(data_dir) },
	{ "node", "control_socket", K_CONTROL_SOCKET, p_path,
	  OFF(control_socket), 1, sizeof(((struct sockaddr_un *)0)->sun_path) - 1 },
	{ "node", "mlockall", K_MLOCKALL, p_bool, OFF(mlockall), 0, 0 },
	{ "node", "sched_rr_priority", K_SCHED_RR, p_int,
	  OFF(sched_rr_priority), 0, 99 },
	{ "node", "watchdog_device", K_WATCHDOG, p_path, OFF(watchdog_device),
	  0, SZ(watchdog_device) },
	{ "node", "watchdog_timeout_s", K_WATCHDOG_TIMEOUT, p_u32,
	  OFF(watchdog_timeout_s), 1, 600 },
	{ "node", "on_fenced", K_ON_FENCED, p_path, OFF(on_fenced), 0,
	  SZ(on_fenced) },
	{ "node", "on_lease_lost", K_ON_LEASE_LOST, p_path,
	  OFF(on_lease_lost), 0, SZ(on_lease_lost) },
	{ "node", "pr_device", K_PR_DEVICE, p_pr_device, 0, 0, 0 },
	{ "node", "require_pr", K_REQUIRE_PR, p_bool, OFF(require_pr), 0, 0 },
	{ "node", "hook_timeout_ms", K_HOOK_TIMEOUT, p_u32,
	  OFF(hook_timeout_ms), 100, 3600000 },
	{ "node", "rejoin", K_REJOIN, p_rejoin, OFF(rejoin), 0, 0 },
};

static int handler(void *user, const char *section, const char *key,
		   const char *v)
{
	struct parse *p = user;
	const struct key_def *k = NULL;
	bool known_section = false;

	if (p->err_line)
		return 0;	/* report only the first error */
	if (!strncmp(section, "peer.", 5))
		return peer_section(p, section, key, v);
	p->last_section[0] = '\0';
	if (!section[0])
		return conf_fail(p, key, "key outside any section (start with "
			    "[cluster])");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(keys[i].section, section))
			continue;
		known_section = true;
		if (!strcmp(keys[i].name, key))
			k = &keys[i];
	}
	if (!known_section)
		return conf_fail(p, NULL, "unknown section [%s] (known: cluster, node, "
			    "peer.ID)", section);
	if (!k)
		return conf_fail(p, key, "unknown key in [%s]", section);
	if (k->id < K_COUNT) {
		if (p->key_line[k->id])
			return conf_fail(p, key, "already set at line %d",
				    p->key_line[k->id]);
		p->key_line[k->id] = p->line;
	}
	return k->parse(p, key, v, (char *)&p->c + k->off, k->min, k->max);
}

/* ---- line reader (see the top of the file) ---- */

static int next_char(struct parse *p)
{
	if (p->f)
		return getc(p->f);
	if (!*p->s)
		return EOF;
	return (unsigned char)*p->s++;
}

static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	int ch, n = 0, cap = num - 2 < LINE_MAX_CHARS ? num - 2 : LINE_MAX_CHARS;
	bool too_long = false, lead = true, any = false;

	while ((ch = next_char(p)) != EOF) {
		any = true;
		if (ch == '\n')
			break;
		if (lead && (ch == ' ' || ch == '\t'))
			continue;
		lead = false;
		if (n < cap)
			str[n++] = (char)ch;
		else
			too_long = true;
	}
	if (!any)
		return NULL;
	p->line++;
	if (too_long) {
		conf_fail(p, NULL, "line longer than %d characters", cap);
		n = 0;
	}
	str[n++] = '\n';
	str[n] = '\0';
	return str;
}

static void defaults(struct qf_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->lease_name, sizeof(c->lease_name), "qfence");
	c->actions = QFENCE_ACTION_IO | QFENCE_ACTION_REBOOT;
	c->hook_timeout_ms = QF_CONF_HOOK_TIMEOUT_MS;
	snprintf(c->data_dir, sizeof(c->data_dir), "/var/lib/qfence");
	snprintf(c->control_socket, sizeof(c->control_socket),
		 "/run/qfence/quorumd.sock");
}

static int run(struct parse *p, struct qf_conf *out, char *err, size_t errlen)
{
	int rc;

	defaults(&p->c);
	snprintf(p->c.file, sizeof(p->c.file), "%s", p->file);
	rc = ini_parse_stream(reader, p, handler, p);
	if (rc < 0) {
		ierr(err, errlen, "%s: out of memory", p->file);
		return -1;
	}
	if (p->err_line > 0 && (rc == 0 || p->err_line <= rc)) {
		ierr(err, errlen, "%s", p->err);
		return -1;
	}
	if (rc > 0) {
		ierr(err, errlen, "%s:%d: syntax error: expected '[section]' "
		     "or 'key = value'", p->file, rc);
		return -1;
	}
	if (conf_validate(p)) {
		ierr(err, errlen, "%s", p->err);
		return -1;
	}
	*out = p->c;
	return 0;
}

int qf_conf_load(struct qf_conf *c, const char *path, char *err, size_t errlen)
{
	struct parse *p = calloc(1, sizeof(*p));
	int rc;

	if (!p) {
		ierr(err, errlen, "%s: out of memory", path);
		return -1;
	}
	p->file = path;
	p->f = fopen(path, "re");
	if (!p->f) {
		ierr(err, errlen, "%s: %s", path, strerror(errno));
		free(p);
		return -1;
	}
	rc = run(p, c, err, errlen);
	fclose(p->f);
	free(p);
	return rc;
}

int qf_conf_load_string(struct qf_conf *c, const char *fname, const char *text,
			char *err, size_t errlen)
{
	struct parse *p = calloc(1, sizeof(*p));
	int rc;

	if (!p) {
		ierr(err, errlen, "%s: out of memory", fname);
		return -1;
	}
	p->file = fname;
	p->s = text;
	rc = run(p, c, err, errlen);
	free(p);
	return rc;
}

const struct qf_conf_peer *qf_conf_peer(const struct qf_conf *c, uint32_t id)
{
	for (unsigned int i = 0; i < c->npeers; i++)
		if (c->peers[i].id == id)
			return &c->peers[i];
	return NULL;
}

const struct qf_conf_peer *qf_conf_self(const struct qf_conf *c)
{
	return qf_conf_peer(c, c->node_id);
}

void qf_conf_dump(const struct qf_conf *c, FILE *f)
{
	const struct qf_conf_timing *t = &c->timing;

	fprintf(f, "cluster %s, node %" PRIu32 ", %u members\n", c->name,
		c->node_id, c->npeers);
	for (unsigned int i = 0; i < c->npeers; i++) {
		fprintf(f, "  peer %" PRIu32 "%s:", c->peers[i].id,
			c->peers[i].witness ? " (witness)" : "");
		for (unsigned int j = 0; j < c->peers[i].naddrs; j++)
			fprintf(f, " %s", c->peers[i].addr[j].text);
		fputc('\n', f);
	}
	fprintf(f, "heartbeat %" PRIu32 " ms, election %" PRIu32 "..%" PRIu32
		" ms, margin %" PRIu32 " ms\n", t->heartbeat_ms,
		t->election_min_ms, t->election_max_ms, t->margin_ms);
	fprintf(f, "lease L %" PRIu32 " ms, settle F %" PRIu32 " ms, rho %"
		PRIu32 " ppm\n", t->lease_ms, t->settle_ms, t->rho_ppm);
	fprintf(f, "W = (L+F)(1+rho)/(1-rho) = %" PRIu64 " ms\n", c->wait_ms);
	for (unsigned int i = 0; i < c->n_pr_devices; i++)
		fprintf(f, "pr_device %s\n", c->pr_devices[i]);
	if (c->n_pr_devices)
		fprintf(f, "lost after %" PRIu32 " ms of silence with the storage "
			"fence\n", c->pr_fence_after_ms ? c->pr_fence_after_ms :
			t->election_max_ms);
	fprintf(f, "require_pr %s\n", c->require_pr ? "yes" : "no");
	fprintf(f, "rejoin %s, flapping guard %" PRIu32 " in %" PRIu32 " s\n",
		qf_conf_rejoin_name(c->rejoin),
		c->flap_max ? c->flap_max : QF_FLAP_MAX_DEFAULT,
		c->flap_window_s ? c->flap_window_s : QF_FLAP_WINDOW_DEFAULT);
	for (unsigned int i = 0; i < c->nwarn; i++)
		fprintf(f, "warning: %s\n", c->warn[i]);
}
