// SPDX-License-Identifier: MIT
/* Peer address lists of `member add`: strict parsing, exact printing. */
#include <errno.h>
#include <stdint.h>

#include "addr.h"
#include "tap.h"

static void test_one(void)
{
	static const struct {
		const char *s;
		int ret;
		const char *back;	/* printed again, when accepted */
	} c[] = {
		{ "10.0.0.2:7000", 0, "10.0.0.2:7000" },
		{ "255.255.255.255:65535", 0, "255.255.255.255:65535" },
		{ "[fd00::2]:7000", 0, "[fd00::2]:7000" },
		{ "[FD00:0::2]:1", 0, "[fd00::2]:1" },
		{ "[::ffff:10.0.0.1]:9", 0, "[::ffff:10.0.0.1]:9" },
		{ "10.0.0.2", -EINVAL, NULL },
		{ "10.0.0.2:", -EINVAL, NULL },
		{ "10.0.0.2:0", -EINVAL, NULL },
		{ "10.0.0.2:65536", -EINVAL, NULL },
		{ "10.0.0.2:+70", -EINVAL, NULL },
		{ "10.0.0.2:70x", -EINVAL, NULL },
		{ "10.0.0.256:70", -EINVAL, NULL },
		{ "10.0.2:70", -EINVAL, NULL },
		{ "host.example:70", -EINVAL, NULL },
		{ "fd00::2:7000", -EINVAL, NULL },	/* IPv6 needs brackets */
		{ "[fd00::2]7000", -EINVAL, NULL },
		{ "[fd00::2]:", -EINVAL, NULL },
		{ "[fd00::2", -EINVAL, NULL },
		{ "[fe80::1%eth0]:7000", -EINVAL, NULL },
		{ "[10.0.0.1]:7000", -EINVAL, NULL },
		{ "[]:7000", -EINVAL, NULL },
		{ ":7000", -EINVAL, NULL },
		{ "", -EINVAL, NULL },
		{ "0.0.0.0:7000", -EADDRNOTAVAIL, NULL },
		{ "[::]:7000", -EADDRNOTAVAIL, NULL },
	};
	char name[96], buf[QC_ADDR_STRLEN];
	struct qc_addr a;
	size_t i;
	int r;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		memset(&a, 0x5a, sizeof(a));
		r = qc_parse_addr(c[i].s, strlen(c[i].s), &a);
		snprintf(name, sizeof(name), "addr \"%s\"", c[i].s);
		if (c[i].ret) {
			CHECK(name, r == c[i].ret && a.family == 0x5a,
			      "ret %d family %u, want %d and nothing written", r,
			      a.family, c[i].ret);
			continue;
		}
		qc_addr_str(&a, buf, sizeof(buf));
		CHECK(name, r == 0 && !strcmp(buf, c[i].back),
		      "ret %d printed \"%s\", want \"%s\"", r, buf, c[i].back);
	}
	qc_parse_addr("10.0.0.2:7000", 13, &a);
	CHECK("addr: port in host order, ip in network order",
	      a.family == 4 && a.port == 7000 && a.ip[0] == 10 && a.ip[3] == 2 &&
	      a.ip[4] == 0, "family %u port %u ip %u.%u", a.family, a.port,
	      a.ip[0], a.ip[3]);
	/* The length bounds the parse: the rest of the string is not read. */
	CHECK("addr: parses only len bytes",
	      qc_parse_addr("10.0.0.2:70,junk", 11, &a) == 0 && a.port == 70,
	      "refused or port %u", a.port);
	a.family = 9;
	qc_addr_str(&a, buf, sizeof(buf));
	CHECK_STR("addr: unknown family prints ?", buf, "?");
}

static void test_list(void)
{
	static const struct {
		const char *s;
		int ret;
		size_t n;
		const char *why;
	} c[] = {
		{ "10.0.0.2:7000", 0, 1, NULL },
		{ "10.0.0.2:7000,[fd00::2]:7000", 0, 2, NULL },
		{ "10.0.0.2:7000,10.0.0.2:7001", 0, 2, NULL },
		{ "10.0.0.2:7000,10.0.0.2:7000", -EEXIST, 0, "\"10.0.0.2:7000\" given twice" },
		{ "1.1.1.1:1,2.2.2.2:2,3.3.3.3:3", -E2BIG, 0, "more than 2 addresses" },
		{ "10.0.0.2:7000,", -EINVAL, 0, "\"\" is not IPV4:PORT" },
		{ ",10.0.0.2:7000", -EINVAL, 0, "\"\" is not IPV4:PORT" },
		{ "10.0.0.2:7000,bad", -EINVAL, 0, "\"bad\" is not IPV4:PORT" },
		{ "0.0.0.0:1", -EADDRNOTAVAIL, 0, "unspecified address" },
	};
	struct qc_addr out[2];
	char name[96], why[128];
	size_t i, n;
	int r;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		n = 77;
		why[0] = '\0';
		memset(out, 0, sizeof(out));
		r = qc_parse_addr_list(c[i].s, out, 2, &n, why, sizeof(why));
		snprintf(name, sizeof(name), "addr list \"%s\"", c[i].s);
		if (!c[i].ret)
			CHECK(name, r == 0 && n == c[i].n && out[n - 1].family,
			      "ret %d n %zu why %s", r, n, why);
		else
			CHECK(name, r == c[i].ret && n == 77 && !out[0].family &&
			      strstr(why, c[i].why), "ret %d n %zu why \"%s\", want \"%s\"",
			      r, n, why, c[i].why);
	}
}

int main(void)
{
	test_one();
	test_list();
	return TAP_DONE();
}
