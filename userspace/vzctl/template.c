// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vzctl template list | info NAME | remove NAME | build NAME
 *
 * Unlike the CT verbs this runs in vzctl itself, not in vxd: templates are
 * files under TEMPLATE, nothing a running CT or the daemon owns, and
 * `build` may run for minutes (debootstrap) with its progress on the
 * user's terminal. Coordination with concurrent creates is by the
 * template's lock file (libvx, template_admin.c), which works the same from
 * any process.
 *
 * build runs templates/NAME/build.sh OUTDIR, found in $VX_TEMPLATES_DIR,
 * next to the binary (build/bin/vzctl -> templates/ of the source tree),
 * or in the installed share directory (PREFIX/share/vx/templates), into a
 * temp directory under TEMPLATE/cache, and publishes the archive with one
 * rename under the template's lock.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "storage.h"
#include "template.h"
#include "vzctl.h"

static const char usage[] =
	"Usage: vzctl template list\n"
	"       vzctl template info NAME\n"
	"       vzctl template remove NAME\n"
	"       vzctl template build NAME\n"
	"\n"
	"OS templates are precreated caches TEMPLATE/cache/NAME.tar.{zst,gz,xz}.\n"
	"The overlay layout unpacks each once into a shared tree\n"
	"TEMPLATE/lower/NAME@ID that its CTs mount read-only.\n"
	"\n"
	"  list          templates with archive size, shared tree and users\n"
	"  info NAME     archive, shared trees, the CTs that use it\n"
	"  remove NAME   removes the archive and its shared trees; refused while\n"
	"                overlay CTs use it (it names them)\n"
	"  build NAME    runs templates/NAME/build.sh (busybox: offline, seconds;\n"
	"                debian-12: debootstrap from Debian's mirror) and installs\n"
	"                the archive; $VX_TEMPLATES_DIR overrides where the\n"
	"                builders are looked for\n";

static int load_global(struct vx_global **g)
{
	struct vx_error *err = NULL;
	int ret = vx_global_load(NULL, g, &err);

	if (ret < 0) {
		ret = vzctl_fail_err(err);
		vx_error_free(err);
		return ret;
	}
	return 0;
}

static int fail(struct vx_error *err)
{
	int ret = vzctl_fail_err(err);

	vx_error_free(err);
	return ret;
}

static void human(char *buf, size_t size, long long bytes)
{
	static const char units[] = "BKMGT";
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f%c" : "%.0f%c", v, units[u]);
}

static void print_ids(const char *key, const unsigned int *ids, size_t n)
{
	if (vzctl.json) {
		printf(",\"%s\":[", key);
		for (size_t i = 0; i < n; i++)
			printf("%s%u", i ? "," : "", ids[i]);
		printf("]");
		return;
	}
	printf("%-10s", key);
	if (!n)
		printf(" -");
	for (size_t i = 0; i < n; i++)
		printf(" %u", ids[i]);
	printf("\n");
}

static int tpl_list(const struct vx_global *g)
{
	cleanup_strv char **names = NULL;
	struct vx_error *err = NULL;
	bool first = true;

	if (vx_template_list(g, &names, &err) < 0)
		return fail(err);
	if (vzctl.json)
		printf("[");
	else
		printf("%-20s %8s %-8s %5s %6s\n", "NAME", "SIZE", "UNPACKED",
		       "USERS", "COPIES");
	for (char **n = names; *n; n++) {
		struct vx_template_info *ti = NULL;
		char size[16];

		if (vx_template_info(g, *n, false, &ti, &err) < 0) {
			vx_error_free(err);
			err = NULL;
			continue;
		}
		if (vzctl.json) {
			printf("%s{\"name\":", first ? "" : ",");
			vzctl_json_string(stdout, ti->name);
			printf(",\"size\":%lld,\"unpacked\":%s,\"users\":%zu,\"copies\":%zu}",
			       ti->size, ti->current ? "true" : "false",
			       ti->nusers, ti->ncopies);
		} else {
			human(size, sizeof(size), ti->size);
			printf("%-20s %8s %-8s %5zu %6zu\n", ti->name, size,
			       ti->current ? "yes" : "no", ti->nusers,
			       ti->ncopies);
		}
		first = false;
		vx_template_info_free(ti);
	}
	if (vzctl.json)
		printf("]\n");
	return 0;
}

static int tpl_info(const struct vx_global *g, const char *name)
{
	struct vx_template_info *ti = NULL;
	struct vx_error *err = NULL;
	char size[16], when[32] = "-";
	time_t t;

	if (vx_template_info(g, name, true, &ti, &err) < 0)
		return fail(err);
	t = (time_t)ti->mtime;
	if (ti->archive)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
			 localtime(&t));
	if (vzctl.json) {
		printf("{\"name\":");
		vzctl_json_string(stdout, ti->name);
		printf(",\"archive\":");
		if (ti->archive)
			vzctl_json_string(stdout, ti->archive);
		else
			printf("null");
		printf(",\"size\":%lld,\"mtime\":%lld,\"lower\":", ti->size,
		       ti->mtime);
		if (ti->current)
			vzctl_json_string(stdout, ti->current);
		else
			printf("null");
		printf(",\"lowers\":[");
		for (char **l = ti->lowers; *l; l++) {
			printf("%s", l == ti->lowers ? "" : ",");
			vzctl_json_string(stdout, *l);
		}
		printf("],\"lower_bytes\":%lld", ti->lower_bytes);
		print_ids("users", ti->users, ti->nusers);
		print_ids("copies", ti->copies, ti->ncopies);
		printf("}\n");
	} else {
		human(size, sizeof(size), ti->size);
		printf("%-10s %s\n", "name", ti->name);
		printf("%-10s %s\n", "archive", ti->archive ?: "- (removed; shared trees remain)");
		printf("%-10s %s (%lld bytes), built %s\n", "size", size,
		       ti->size, when);
		printf("%-10s %s\n", "lower", ti->current ?: "- (not unpacked: the first overlay create does it)");
		for (char **l = ti->lowers; *l; l++)
			if (!ti->current || strcmp(*l, ti->current))
				printf("%-10s %s (an older archive's)\n", "old", *l);
		human(size, sizeof(size), ti->lower_bytes);
		printf("%-10s %s\n", "lowersize", size);
		print_ids("users", ti->users, ti->nusers);
		print_ids("copies", ti->copies, ti->ncopies);
	}
	vx_template_info_free(ti);
	return 0;
}

static int tpl_remove(const struct vx_global *g, const char *name)
{
	struct vx_error *err = NULL;

	if (vx_template_remove(g, name, &err) < 0)
		return fail(err);
	if (vzctl.json)
		printf("{\"exit\":0}\n");
	else if (!vzctl.quiet)
		printf("Template %s removed\n", name);
	return 0;
}

/* templates/NAME/build.sh: $VX_TEMPLATES_DIR, the source tree next to
 * the binary, the installed share dir. */
static char *find_builder(const char *name)
{
	char exe[PATH_MAX], *slash, *p;
	const char *env = getenv("VX_TEMPLATES_DIR");
	const char *rel[] = { "/../../templates", "/../share/vx/templates",
			      "/../../share/vx/templates" };
	ssize_t r;

	if (env && *env) {
		if (asprintf(&p, "%s/%s/build.sh", env, name) < 0)
			return NULL;
		return p;
	}
	r = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (r > 0) {
		exe[r] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		for (size_t i = 0; i < ARRAY_SIZE(rel); i++) {
			if (asprintf(&p, "%s%s/%s/build.sh", exe, rel[i], name) < 0)
				return NULL;
			if (access(p, X_OK) == 0)
				return p;
			free(p);
		}
	}
	if (asprintf(&p, "/usr/share/vx/templates/%s/build.sh", name) < 0)
		return NULL;
	return p;
}

static int run_builder(const char *script, const char *out)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* The builder's progress goes to the user's stderr; stdout
		 * too, unless --json keeps stdout machine-readable. */
		if (vzctl.json || vzctl.quiet)
			dup2(2, 1);
		execl(script, script, out, (char *)NULL);
		fprintf(stderr, "vzctl template build: cannot run %s: %m\n",
			script);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) :
				   128 + WTERMSIG(status);
}

static int tpl_build(const struct vx_global *g, const char *name)
{
	cleanup_free char *script = find_builder(name);
	cleanup_free char *cache = NULL, *tmp = NULL, *built = NULL;
	struct vx_error *err = NULL;
	const char *exts[] = { ".tar.zst", ".tar.gz", ".tar.xz" };
	int ret, pruned;

	if (!name[0] || strchr(name, '/') || name[0] == '.')
		return vzctl_fail(VX_E_INVAL_VALUE,
				  "invalid template name '%s'", name);
	if (!script || access(script, X_OK) < 0)
		return vzctl_fail(VX_E_NO_OSTEMPLATE_FILE,
				  "no builder for template '%s' (%s not found); builders live in templates/NAME/build.sh of the source tree or PREFIX/share/vx/templates; set VX_TEMPLATES_DIR to point elsewhere",
				  name, script ? script : "build.sh");
	if (asprintf(&cache, "%s/cache", g->template_dir) < 0 ||
	    asprintf(&tmp, "%s/.build.%s.%d", cache, name, (int)getpid()) < 0)
		return vzctl_fail(VX_E_SYSTEM, "out of memory");
	if (vx_mkdir_p(tmp, 0700, &err) < 0)
		return fail(err);
	if (!vzctl.quiet && !vzctl.json)
		fprintf(stderr, "Building template %s with %s\n", name, script);
	ret = run_builder(script, tmp);
	if (ret) {
		vx_rm_rf(tmp, VX_E_SYSTEM, NULL);
		return vzctl_fail(VX_E_SYSTEM,
				  "template %s: %s failed (exit %d); its messages are above",
				  name, script, ret < 0 ? -ret : ret);
	}
	for (size_t i = 0; i < ARRAY_SIZE(exts) && !built; i++) {
		if (asprintf(&built, "%s/%s%s", tmp, name, exts[i]) < 0)
			return vzctl_fail(VX_E_SYSTEM, "out of memory");
		if (access(built, F_OK) < 0) {
			free(built);
			built = NULL;
		}
	}
	if (!built) {
		vx_rm_rf(tmp, VX_E_SYSTEM, NULL);
		return vzctl_fail(VX_E_SYSTEM,
				  "template %s: %s wrote no %s.tar.zst (or .gz, .xz)",
				  name, script, name);
	}
	ret = vx_template_install(g, name, built, &err);
	vx_rm_rf(tmp, VX_E_SYSTEM, NULL);
	if (ret < 0)
		return fail(err);
	/* The old archive's shared tree stays while CTs use it; the rest
	 * of it goes now. */
	pruned = vx_template_prune(g, name, &err);
	if (pruned < 0) {
		vx_error_free(err);
		pruned = 0;
	}
	if (vzctl.json)
		printf("{\"exit\":0}\n");
	else if (!vzctl.quiet)
		printf("Template %s installed in %s%s\n", name, cache,
		       pruned ? " (unused shared trees of the old one removed)" : "");
	return 0;
}

int cmd_template(int argc, char **argv)
{
	struct vx_global *g = NULL;
	const char *sub = argc > 1 ? argv[1] : NULL;
	int ret;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("%s", usage);
			return 0;
		}
	if (!sub)
		return vzctl_usage_error("template", "no subcommand (list, info, remove, build)");
	if (!strcmp(sub, "list") ? argc != 2 : argc != 3) {
		if (strcmp(sub, "list") && strcmp(sub, "info") &&
		    strcmp(sub, "remove") && strcmp(sub, "build"))
			return vzctl_usage_error("template",
						 "unknown subcommand '%s' (list, info, remove, build)",
						 sub);
		return vzctl_usage_error("template", strcmp(sub, "list") ?
					 "%s needs one template NAME" :
					 "%s takes no arguments", sub);
	}
	ret = load_global(&g);
	if (ret)
		return ret;
	if (!strcmp(sub, "list"))
		ret = tpl_list(g);
	else if (!strcmp(sub, "info"))
		ret = tpl_info(g, argv[2]);
	else if (!strcmp(sub, "remove"))
		ret = tpl_remove(g, argv[2]);
	else if (!strcmp(sub, "build"))
		ret = tpl_build(g, argv[2]);
	else
		ret = vzctl_usage_error("template",
					"unknown subcommand '%s' (list, info, remove, build)",
					sub);
	vx_global_free(g);
	return ret;
}
