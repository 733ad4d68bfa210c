/* Unit test: the committed man page and bash completion are what the
 * command table generates now (regenerate with memifctl --gen-man and
 * --gen-bash-completion when this fails). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"

/* The committed file NAME under cli/: from the repository root (where
 * tests/run.sh runs), else found from this program's place in build/. */
static char *read_committed(const char *name)
{
	char path[PATH_MAX + 64], exe[PATH_MAX];
	ssize_t n;
	FILE *fp;
	char *buf = NULL;
	size_t len = 0, cap = 0;

	snprintf(path, sizeof(path), "cli/%s", name);
	fp = fopen(path, "r");
	if (!fp && (n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';	/* ROOT/build*\/tests/unit/cli/test_generated */
		for (int up = 0; up < 5; up++)
			*strrchr(exe, '/') = '\0';
		snprintf(path, sizeof(path), "%s/cli/%s", exe, name);
		fp = fopen(path, "r");
	}
	if (!fp)
		fail_msg("cannot open cli/%s", name);
	for (;;) {
		if (len + 4096 > cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = (ssize_t)fread(buf + len, 1, cap - len - 1, fp);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	fclose(fp);
	return buf;
}

static void expect_up_to_date(const char *name, void (*gen)(FILE *))
{
	char *now = NULL, *committed = read_committed(name);
	size_t len = 0;
	FILE *fp = open_memstream(&now, &len);

	gen(fp);
	fclose(fp);
	if (strcmp(now, committed))
		fail_msg("cli/%s is stale: regenerate it from the command table", name);
	free(now);
	free(committed);
}

static void test_man_page_matches_table(void **state)
{
	(void)state;
	expect_up_to_date("memifctl.8", help_gen_man);
}

static void test_bash_completion_matches_table(void **state)
{
	(void)state;
	expect_up_to_date("memifctl.bash-completion", help_gen_bash);
}

static void test_man_page_names_every_command_and_keyword(void **state)
{
	char *man = read_committed("memifctl.8");

	(void)state;
	for (const struct cmd *c = cmd_table; c->name; c++) {
		char want[64];

		snprintf(want, sizeof(want), "\\fB%s\\fR", c->name);
		if (!strstr(man, want))
			fail_msg("man page lacks command %s", c->name);
	}
	for (const struct kw *k = kw_create; k->name; k++) {
		char want[64];

		snprintf(want, sizeof(want), "\\fB%s\\fR", k->name);
		for (char *p = strchr(want + 3, '-'); p; p = strchr(p, '-')) {
			memmove(p + 1, p, strlen(p) + 1);	/* roff writes - as \- */
			*p = '\\';
			p += 2;
		}
		if (!strstr(man, want))
			fail_msg("man page lacks create keyword %s", k->name);
	}
	free(man);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_man_page_matches_table),
		cmocka_unit_test(test_bash_completion_matches_table),
		cmocka_unit_test(test_man_page_names_every_command_and_keyword),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
