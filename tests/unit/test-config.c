// SPDX-License-Identifier: LGPL-2.1-or-later
/* Unit tests for the OpenVZ config parser/writer (userspace/lib/config.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glob.h>

#include "config.h"
#include "values.h"
#include "unit.h"

static struct vx_conf *parse_ok(const char *text)
{
	struct vx_conf *c = NULL;
	struct vx_error *err = NULL;

	if (vx_conf_parse(text, "t.conf", &c, &err)) {
		printf("#   unexpected parse error: %s\n", err->msg);
		unit_failed_now = 1;
		vx_error_free(err);
		return vx_conf_new();
	}
	return c;
}

/* Parse must fail with a message naming t.conf:line and containing why. */
static void parse_bad(const char *text, unsigned int line, const char *why)
{
	struct vx_conf *c = NULL;
	struct vx_error *err = NULL;
	char where[32];

	snprintf(where, sizeof(where), "t.conf:%u:", line);
	CHECK(vx_conf_parse(text, "t.conf", &c, &err) == -EINVAL);
	CHECK(c == NULL);
	CHECK(err && err->code == VX_E_CONFIG_PARSE);
	CHECK_MSG(err, where);
	CHECK_MSG(err, why);
	CHECK_MSG(err, "fix or remove the line");
	vx_error_free(err);
	vx_conf_free(c);
}

static void roundtrip_preserves_everything(void)
{
	const char *text =
		"# a comment\n"
		"\n"
		"  # indented comment\n"
		"ONBOOT=\"yes\"\n"
		"UNKNOWN_KEY='kept as is'   # trailing comment\n"
		"NUMPROC=100:200\n"
		"export EXPORTED=\"x\"\n"
		"\tINDENTED=\"y\"\n";
	struct vx_conf *c = parse_ok(text);
	char *out = vx_conf_format(c);

	CHECK_STR(out, text);
	CHECK_STR(vx_conf_get(c, "UNKNOWN_KEY"), "kept as is");
	CHECK_STR(vx_conf_get(c, "NUMPROC"), "100:200");
	CHECK_STR(vx_conf_get(c, "EXPORTED"), "x");
	CHECK_STR(vx_conf_get(c, "INDENTED"), "y");
	CHECK(vx_conf_get(c, "MISSING") == NULL);
	free(out);
	vx_conf_free(c);
}

static void missing_final_newline(void)
{
	struct vx_conf *c = parse_ok("A=1\nB=2");
	char *out = vx_conf_format(c);

	CHECK_STR(vx_conf_get(c, "B"), "2");
	CHECK_STR(out, "A=1\nB=2\n");
	free(out);
	vx_conf_free(c);
}

static void quoting_forms(void)
{
	struct vx_conf *c = parse_ok(
		"DQ=\"a b  c\"\n"
		"SQ='a \"b\" $c'\n"
		"ESC=\"say \\\"hi\\\" \\\\ \\$x\"\n"
		"KEEPBS=\"a\\nb\"\n"
		"VEID_LIT=\"/vz/root/$VEID\"\n"
		"UNQ_VEID=/vz/private/$VEID\n"
		"EMPTY=\n"
		"EMPTYQ=\"\"\n"
		"CONCAT=\"a\"'b'c\n"
		"HASHVAL=#notacomment\n"
		"MIDHASH=a#b\n"
		"CMT=\"v\" # comment\n"
		"UNQBS=a\\ b\n"
		"CRLF=\"x\"\r\n");

	CHECK_STR(vx_conf_get(c, "DQ"), "a b  c");
	CHECK_STR(vx_conf_get(c, "SQ"), "a \"b\" $c");
	CHECK_STR(vx_conf_get(c, "ESC"), "say \"hi\" \\ $x");
	CHECK_STR(vx_conf_get(c, "KEEPBS"), "a\\nb");
	CHECK_STR(vx_conf_get(c, "VEID_LIT"), "/vz/root/$VEID");
	CHECK_STR(vx_conf_get(c, "UNQ_VEID"), "/vz/private/$VEID");
	CHECK_STR(vx_conf_get(c, "EMPTY"), "");
	CHECK_STR(vx_conf_get(c, "EMPTYQ"), "");
	CHECK_STR(vx_conf_get(c, "CONCAT"), "abc");
	CHECK_STR(vx_conf_get(c, "HASHVAL"), "#notacomment");
	CHECK_STR(vx_conf_get(c, "MIDHASH"), "a#b");
	CHECK_STR(vx_conf_get(c, "CMT"), "v");
	CHECK_STR(vx_conf_get(c, "UNQBS"), "a b");
	CHECK_STR(vx_conf_get(c, "CRLF"), "x");
	vx_conf_free(c);
}

static void corrupt_lines(void)
{
	parse_bad("A=1\nthis is garbage\n", 2, "'this is garbage'");
	parse_bad("A=1\nB=2\nC=\"open\n", 3, "unterminated double quote");
	parse_bad("C='open\n", 1, "unterminated single quote");
	parse_bad("KEY = \"v\"\n", 1, "no spaces allowed around '='");
	parse_bad("KEY=a b\n", 1, "text after the value");
	parse_bad("KEY=\"a\" junk\n", 1, "text after the value");
	parse_bad("1KEY=x\n", 1, "expected KEY=\"value\"");
	parse_bad("KEY=a;rm -rf /\n", 1, "unquoted special character");
	parse_bad("=x\n", 1, "expected KEY");
	parse_bad("# ok\n\nNOEQUALS\n", 3, "NOEQUALS");
}

static void last_wins_and_set_in_place(void)
{
	struct vx_conf *c = parse_ok("# head\nA=\"1\"\nB=2\nA=3 # again\nC=4\n");
	char *out;

	CHECK_STR(vx_conf_get(c, "A"), "3");
	CHECK(vx_conf_set(c, "A", "new") == 0);
	CHECK(vx_conf_set(c, "B", "with \"quote\" and \\ and $VEID") == 0);
	CHECK(vx_conf_set(c, "D", "appended") == 0);
	out = vx_conf_format(c);
	/* The last A is replaced where it was; the first stays (dead). */
	CHECK_STR(out, "# head\nA=\"1\"\nB=\"with \\\"quote\\\" and \\\\ and $VEID\"\n"
		       "A=\"new\"\nC=4\nD=\"appended\"\n");
	free(out);
	CHECK_STR(vx_conf_get(c, "B"), "with \"quote\" and \\ and $VEID");
	vx_conf_free(c);
}

static void set_rejects_bad_input(void)
{
	struct vx_conf *c = vx_conf_new();

	CHECK(vx_conf_set(c, "BAD KEY", "v") == -EINVAL);
	CHECK(vx_conf_set(c, "9KEY", "v") == -EINVAL);
	CHECK(vx_conf_set(c, "", "v") == -EINVAL);
	CHECK(vx_conf_set(c, "K", "two\nlines") == -EINVAL);
	CHECK(vx_conf_get(c, "K") == NULL);
	vx_conf_free(c);
}

/* What we write, we read back to the same values. */
static void written_values_reparse(void)
{
	static const char *const vals[] = {
		"", "plain", "a b", "\"", "\\", "'", "$VEID", "`x`", "#x",
		"a # b", "x=y", "tab\there", "semi;colon", "ünïcode",
	};
	struct vx_conf *c = vx_conf_new(), *d;
	char key[16], *text;

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		snprintf(key, sizeof(key), "K%zu", i);
		CHECK(vx_conf_set(c, key, vals[i]) == 0);
	}
	text = vx_conf_format(c);
	d = parse_ok(text);
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		snprintf(key, sizeof(key), "K%zu", i);
		CHECK_STR(vx_conf_get(d, key), vals[i]);
	}
	free(text);
	vx_conf_free(c);
	vx_conf_free(d);
}

static int collect(const char *k, const char *v, void *data)
{
	strcat(data, k);
	strcat(data, v);
	return 0;
}

static void unset_and_foreach(void)
{
	struct vx_conf *c = parse_ok("A=1\nB=2\nA=3\nC=4\n# x\n");
	char seen[64] = "";
	char *out;

	CHECK(vx_conf_foreach(c, collect, seen) == 0);
	/* Each key once, at its effective (last) position. */
	CHECK_STR(seen, "B2A3C4");
	vx_conf_unset(c, "A");
	CHECK(vx_conf_get(c, "A") == NULL);
	out = vx_conf_format(c);
	CHECK_STR(out, "B=2\nC=4\n# x\n");
	free(out);
	vx_conf_free(c);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void atomic_save_and_load(void)
{
	char dir[] = "/tmp/vx-unit-conf.XXXXXX", path[256], bad[512];
	struct vx_conf *c = parse_ok("# keep me\nX=1\n"), *d = NULL;
	struct vx_error *err = NULL;
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/101.conf", dir);
	CHECK(vx_conf_set(c, "Y", "two words") == 0);
	CHECK(vx_conf_save(c, path, &err) == 0);
	CHECK(vx_conf_save(c, path, &err) == 0);	/* replace existing */
	CHECK(err == NULL);
	CHECK(count_entries(dir) == 1);			/* no temp files left */
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644);
	CHECK(vx_conf_load(path, &d, &err) == 0);
	CHECK_STR(vx_conf_get(d, "Y"), "two words");
	vx_conf_free(d);
	d = NULL;

	/* Missing file: ENOENT with the config-missing exit code. */
	snprintf(bad, sizeof(bad), "%s/nope.conf", dir);
	CHECK(vx_conf_load(bad, &d, &err) == -ENOENT);
	CHECK(err && err->code == VX_E_NOCONFIG);
	CHECK_MSG(err, bad);
	vx_error_free(err);
	err = NULL;

	/* Saving into a missing directory fails and leaves nothing. */
	snprintf(bad, sizeof(bad), "%s/nodir/x.conf", dir);
	CHECK(vx_conf_save(c, bad, &err) < 0);
	CHECK(err && err->code == VX_E_SAVE_CONFIG);
	vx_error_free(err);
	err = NULL;

	/* A corrupt file names path:line. */
	CHECK(vx_write_file_atomic(path, "A=1\nB=\"x\n", 9, 0600, &err) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
	CHECK(vx_conf_load(path, &d, &err) == -EINVAL);
	snprintf(bad, sizeof(bad), "%s:2:", path);
	CHECK_MSG(err, bad);
	vx_error_free(err);
	CHECK(count_entries(dir) == 1);

	/* A rename that fails (target is a directory) leaves no temp file. */
	snprintf(bad, sizeof(bad), "%s/adir", dir);
	CHECK(mkdir(bad, 0755) == 0);
	err = NULL;
	CHECK(vx_write_file_atomic(bad, "x", 1, 0644, &err) < 0);
	CHECK(err && err->code == VX_E_SAVE_CONFIG);
	CHECK_MSG(err, bad);
	vx_error_free(err);
	CHECK(count_entries(dir) == 2);
	rmdir(bad);

	unlink(path);
	rmdir(dir);
	vx_conf_free(c);
}

/* Resource keys of the shipped samples and the unit each is kept in. */
static const struct {
	const char *key;
	enum vx_unit unit;
} res_keys[] = {
	{ "NUMPROC", VX_UNIT_COUNT },	{ "NUMFILE", VX_UNIT_COUNT },
	{ "NUMTCPSOCK", VX_UNIT_COUNT }, { "NUMOTHERSOCK", VX_UNIT_COUNT },
	{ "NUMFLOCK", VX_UNIT_COUNT },	{ "NUMPTY", VX_UNIT_COUNT },
	{ "NUMSIGINFO", VX_UNIT_COUNT }, { "PHYSPAGES", VX_UNIT_PAGES },
	{ "SWAPPAGES", VX_UNIT_PAGES },	{ "DISKSPACE", VX_UNIT_KBYTES },
	{ "DISKINODES", VX_UNIT_COUNT },
};

/* Every config file the project ships parses, and every resource value in
 * it is a valid barrier:limit: the samples are what users copy. */
static void shipped_configs_parse(void)
{
	glob_t gl;
	int n = 0;

	if (glob("templates/conf/*.conf-sample", 0, NULL, &gl) == 0) {
		for (size_t i = 0; i < gl.gl_pathc; i++) {
			struct vx_conf *c = NULL;
			struct vx_error *err = NULL;

			if (vx_conf_load(gl.gl_pathv[i], &c, &err)) {
				printf("#   %s\n", err->msg);
				unit_failed_now = 1;
				vx_error_free(err);
				continue;
			}
			n++;
			for (size_t k = 0; k < sizeof(res_keys) / sizeof(*res_keys); k++) {
				const char *v = vx_conf_get(c, res_keys[k].key);
				uint64_t b, l;

				if (v && vx_parse_barrier_limit(v, res_keys[k].unit,
								&b, &l, &err)) {
					printf("#   %s: %s: %s\n", gl.gl_pathv[i],
					       res_keys[k].key, err->msg);
					unit_failed_now = 1;
					vx_error_free(err);
					err = NULL;
				}
			}
			vx_conf_free(c);
		}
		globfree(&gl);
	}
	if (access("templates/vz.conf", R_OK) == 0) {
		struct vx_conf *c = NULL;

		CHECK(vx_conf_load("templates/vz.conf", &c, NULL) == 0);
		CHECK_STR(vx_conf_get(c, "VE_ROOT"), "/vz/root/$VEID");
		vx_conf_free(c);
		n++;
	}
	if (n == 0)
		printf("#   no shipped configs found (run from the repository root)\n");
}

/*
 * Random text from the characters that matter to the parser: it must never
 * crash (ASan watches), and whatever it accepts must format back to the
 * same bytes and re-parse to the same values.
 */
static void random_input(void)
{
	static const char alphabet[] = "AB_=\"'\\ #\n\t$`;x9\r";
	unsigned int seed = 12345, accepted = 0;
	char text[64];

	for (int iter = 0; iter < 20000; iter++) {
		size_t len = rand_r(&seed) % (sizeof(text) - 1);
		struct vx_conf *c = NULL, *d = NULL;
		char *out;

		for (size_t i = 0; i < len; i++)
			text[i] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		text[len] = '\0';
		if (vx_conf_parse(text, "fuzz", &c, NULL))
			continue;
		accepted++;
		out = vx_conf_format(c);
		/* Formatting adds a final newline if the text had none. */
		CHECK(out && !strncmp(out, text, len));
		CHECK(vx_conf_parse(out, "fuzz", &d, NULL) == 0);
		if (d && vx_conf_get(c, "A"))
			CHECK_STR(vx_conf_get(d, "A"), vx_conf_get(c, "A"));
		/* Setting a key always yields a parseable file. */
		CHECK(vx_conf_set(c, "B", text) == (strchr(text, '\n') ? -EINVAL : 0));
		free(out);
		out = vx_conf_format(c);
		vx_conf_free(d);
		d = NULL;
		CHECK(vx_conf_parse(out, "fuzz", &d, NULL) == 0);
		if (d && !strchr(text, '\n'))
			CHECK_STR(vx_conf_get(d, "B"), text);
		free(out);
		vx_conf_free(c);
		vx_conf_free(d);
		if (unit_failed_now) {
			printf("#   input: '%s'\n", text);
			break;
		}
	}
	printf("#   %u of 20000 random inputs accepted\n", accepted);
	CHECK(accepted > 100);
}

int main(void)
{
	RUN(roundtrip_preserves_everything);
	RUN(missing_final_newline);
	RUN(quoting_forms);
	RUN(corrupt_lines);
	RUN(last_wins_and_set_in_place);
	RUN(set_rejects_bad_input);
	RUN(written_values_reparse);
	RUN(unset_and_foreach);
	RUN(atomic_save_and_load);
	RUN(shipped_configs_parse);
	RUN(random_input);
	UNIT_EXIT();
}
