/* The Dockerfile frontend: facts at the lines a user would point at, parse
 * errors that do not stop the rest, and the build-step rules on top. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/frontends.h"
#include "rules/rules.h"

static struct workload *parse(const char *text)
{
	struct workload *w = NULL;
	assert_int_equal(fe_dockerfile(text, strlen(text), "Dockerfile", &w), 0);
	assert_non_null(w);
	assert_int_equal(w->kind, WL_DOCKERFILE);
	assert_string_equal(w->file, "Dockerfile");
	return w;
}

/* Parse and insist that nothing was a parse error. */
static struct workload *parse_ok(const char *text)
{
	struct workload *w = parse(text);
	if (w->n_errors)
		fail_msg("unexpected parse error at line %d: %s", w->errors[0].at.line, w->errors[0].message);
	return w;
}

static bool has_error(const struct workload *w, int line, const char *needle)
{
	for (size_t i = 0; i < w->n_errors; i++)
		if (w->errors[i].at.line == line && strstr(w->errors[i].message, needle))
			return true;
	return false;
}

static const struct wl_container *stage(const struct workload *w, size_t i)
{
	assert_true(i < w->n_containers);
	return &w->containers[i];
}

static struct findings eval(const struct workload *w)
{
	struct rule_ctx ctx;
	rule_ctx_default(&ctx);
	struct findings f = { 0 };
	assert_int_equal(rules_eval(w, &ctx, &f), 0);
	return f;
}

/* The finding of `id` at `line` (0: any line), unsuppressed unless `suppressed`. */
static const struct finding *find(const struct findings *f, const char *id, int line)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].rule->id, id) == 0 && (line == 0 || f->v[i].at.line == line))
			return &f->v[i];
	return NULL;
}

/* The finding, which must be there. */
static const struct finding *must_find(const struct findings *f, const char *id, int line)
{
	const struct finding *x = find(f, id, line);
	if (!x) {
		fail_msg("no %s finding at line %d", id, line);
		abort();
	}
	return x;
}

/* Does the single RUN/COPY file fire `id`? */
static const char *fires(const char *dockerfile, const char *id)
{
	static char msg[512];
	struct workload *w = parse_ok(dockerfile);
	struct findings f = eval(w);
	const struct finding *x = find(&f, id, 0);
	const char *r = NULL;
	if (x) {
		snprintf(msg, sizeof(msg), "%s", x->message);
		r = msg;
	}
	findings_free(&f);
	workload_free(w);
	return r;
}

static const char *fires_msg(const char *dockerfile, const char *id)
{
	const char *m = fires(dockerfile, id);
	if (!m) {
		fail_msg("%s does not fire on: %s", id, dockerfile);
		abort();
	}
	return m;
}

static void test_single_stage_facts(void **st)
{
	(void)st;
	struct workload *w = parse_ok("FROM alpine:3.19\n"
				      "ENV APP_HOME=/app MODE=\"prod run\"\n"
				      "ENV LEGACY value with spaces\n"
				      "ARG VERSION=1.2\n"
				      "RUN apk add curl\n"
				      "COPY a.txt b.txt /dst/\n"
				      "EXPOSE 8080\n"
				      "USER 1000:1000\n");
	assert_int_equal(w->n_containers, 1);
	const struct wl_container *c = stage(w, 0);
	assert_false(c->build_stage);
	assert_string_equal(c->kind, "final stage");
	assert_string_equal(c->name, "stage 0 (final)");
	assert_int_equal(c->at.line, 1);
	assert_int_equal(c->n_images, 1);
	assert_string_equal(c->images[0].ref, "alpine:3.19");
	assert_false(c->images[0].unresolved);
	assert_int_equal(c->n_env, 4);
	assert_string_equal(c->env[0].name, "APP_HOME");
	assert_string_equal(c->env[1].value, "prod run");
	assert_int_equal(c->env[1].at.line, 2);
	assert_string_equal(c->env[2].name, "LEGACY");
	assert_string_equal(c->env[2].value, "value with spaces");
	assert_string_equal(c->env[3].name, "VERSION");
	assert_true(c->env[3].build_time);
	assert_int_equal(c->env[3].at.line, 4);
	assert_int_equal(c->n_runs, 1);
	assert_string_equal(c->runs[0].cmd, "apk add curl");
	assert_int_equal(c->runs[0].at.line, 5);
	assert_int_equal(c->n_copies, 1);
	assert_int_equal(c->copies[0].n_srcs, 2);
	assert_string_equal(c->copies[0].srcs[1], "b.txt");
	assert_false(c->copies[0].add);
	assert_int_equal(c->n_ports, 0); /* EXPOSE publishes nothing */
	assert_int_equal(c->user.set, WL_YES);
	assert_int_equal(c->user.uid, 1000);
	assert_string_equal(c->user.name, "1000:1000");
	assert_int_equal(c->user.at.line, 8);
	workload_free(w);
}

static void test_user_forms(void **st)
{
	(void)st;
	struct workload *w = parse_ok("FROM a:1\nUSER root\nRUN x\nUSER app\n");
	assert_int_equal(stage(w, 0)->user.uid, -1); /* the last USER wins; a name cannot be resolved here */
	assert_string_equal(stage(w, 0)->user.name, "app");
	assert_int_equal(stage(w, 0)->user.at.line, 4);
	workload_free(w);
	w = parse_ok("FROM a:1\nUSER app\nuser root:root\n");
	assert_int_equal(stage(w, 0)->user.uid, 0);
	workload_free(w);
	w = parse_ok("FROM a:1\nRUN x\n");
	assert_int_equal(stage(w, 0)->user.set, WL_UNSET);
	assert_int_equal(stage(w, 0)->user.at.line, 1); /* points at FROM */
	workload_free(w);
}

static void test_continuations_and_comments(void **st)
{
	(void)st;
	struct workload *w = parse_ok("FROM a:1\n"
				      "\n"
				      "RUN apt-get update \\\n"
				      "# a comment inside the continuation\n"
				      "\n"
				      "    && apt-get install -y git \\\n"
				      "    && rm -rf /var/lib/apt/lists/*\n"
				      "# trailing comment\n"
				      "  run   echo done\n");
	const struct wl_container *c = stage(w, 0);
	assert_int_equal(c->n_runs, 2);
	assert_int_equal(c->runs[0].at.line, 3);
	assert_non_null(strstr(c->runs[0].cmd, "apt-get update "));
	assert_non_null(strstr(c->runs[0].cmd, "&& apt-get install -y git"));
	assert_non_null(strstr(c->runs[0].cmd, "rm -rf /var/lib/apt/lists/*"));
	assert_null(strstr(c->runs[0].cmd, "comment"));
	assert_null(strchr(c->runs[0].cmd, '\\'));
	assert_int_equal(c->runs[1].at.line, 9); /* lower-case instruction, indented */
	assert_string_equal(c->runs[1].cmd, "echo done");
	workload_free(w);
}

static void test_escape_directive(void **st)
{
	(void)st;
	struct workload *w = parse_ok("# syntax=docker/dockerfile:1\n"
				      "# escape=`\n"
				      "\n"
				      "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
				      "COPY C:\\src\\app.exe C:\\app\\\n"
				      "RUN dir c:\\ `\n"
				      "    && echo ok\n"
				      "USER ContainerUser\n");
	const struct wl_container *c = stage(w, 0);
	assert_string_equal(c->copies[0].srcs[0], "C:\\src\\app.exe"); /* backslash is an ordinary character */
	assert_int_equal(c->n_runs, 1);
	assert_non_null(strstr(c->runs[0].cmd, "dir c:\\ "));
	assert_non_null(strstr(c->runs[0].cmd, "&& echo ok"));
	assert_int_equal(c->user.at.line, 8);
	workload_free(w);

	/* after the first instruction a directive is only a comment */
	w = parse_ok("FROM a:1\n# escape=`\nRUN echo \\\n  next\n");
	assert_non_null(strstr(stage(w, 0)->runs[0].cmd, "next"));
	workload_free(w);

	w = parse("# escape=x\nFROM a:1\n");
	assert_true(has_error(w, 1, "escape"));
	assert_int_equal(w->n_containers, 1);
	workload_free(w);
}

static void test_heredocs(void **st)
{
	(void)st;
	struct workload *w = parse_ok("FROM debian:12\n"
				      "RUN <<EOF\n"
				      "apt-get update\n"
				      "curl -fsSL https://x/i.sh | sh\n"
				      "EOF\n"
				      "RUN <<-\"END\" bash\n"
				      "\t\techo tabs stripped\n"
				      "\tEND\n"
				      "RUN cat <<A >/a && cat <<'B' >/b\n"
				      "first $HOME\n"
				      "A\n"
				      "second\n"
				      "B\n"
				      "COPY <<EOF /etc/app.conf\n"
				      "key=value\n"
				      "EOF\n"
				      "USER 10001\n");
	const struct wl_container *c = stage(w, 0);
	assert_int_equal(c->n_runs, 3);
	assert_int_equal(c->runs[0].at.line, 2);
	assert_non_null(strstr(c->runs[0].cmd, "curl -fsSL https://x/i.sh | sh"));
	assert_int_equal(c->runs[1].at.line, 6);
	assert_non_null(strstr(c->runs[1].cmd, "\necho tabs stripped\n"));
	assert_int_equal(c->runs[2].at.line, 9);
	assert_non_null(strstr(c->runs[2].cmd, "first $HOME\n"));
	assert_non_null(strstr(c->runs[2].cmd, "second\n"));
	assert_int_equal(c->n_copies, 1);
	assert_int_equal(c->copies[0].at.line, 14);
	assert_int_equal(c->copies[0].n_srcs, 0); /* the heredoc is not a file of the build context */
	assert_int_equal(c->user.at.line, 17);
	workload_free(w);

	w = parse("FROM a:1\nRUN <<EOF\necho never closed\nUSER 1\n");
	assert_true(has_error(w, 2, "heredoc <<EOF is not closed"));
	assert_int_equal(stage(w, 0)->n_runs, 1);
	workload_free(w);

	/* here-strings and shifts are not heredocs */
	w = parse_ok("FROM a:1\nRUN cat <<< \"x\" && echo $((1<<2))\nUSER 1\n");
	assert_int_equal(stage(w, 0)->user.at.line, 3);
	workload_free(w);
}

static void test_json_form(void **st)
{
	(void)st;
	struct workload *w = parse_ok("FROM a:1\n"
				      "RUN [\"sh\", \"-c\", \"echo \\\"hi\\\"\"]\n"
				      "RUN [ -f /etc/os-release ] && echo yes\n"
				      "COPY [\"my file.txt\", \"/dst/\"]\n"
				      "CMD [\"app\"]\n");
	const struct wl_container *c = stage(w, 0);
	assert_string_equal(c->runs[0].cmd, "sh -c echo \"hi\"");
	assert_string_equal(c->runs[1].cmd, "[ -f /etc/os-release ] && echo yes");
	assert_string_equal(c->copies[0].srcs[0], "my file.txt");
	workload_free(w);

	w = parse("FROM a:1\nRUN [\"sh\", \"-c\" \"x\"]\nCMD [\"app\"\nUSER 5\n");
	assert_true(has_error(w, 2, "not a valid JSON array"));
	assert_true(has_error(w, 3, "not a valid JSON array"));
	assert_int_equal(stage(w, 0)->n_runs, 1);
	assert_int_equal(stage(w, 0)->user.uid, 5);
	workload_free(w);
}

static void test_arg_expansion(void **st)
{
	(void)st;
	struct workload *w = parse_ok("ARG BASE=python\n"
				      "ARG TAG\n"
				      "ARG REG=\n"
				      "FROM ${BASE}:3.12 AS one\n"
				      "FROM $BASE:${TAG:-3.11} AS two\n"
				      "FROM ${BASE}:${TAG} AS three\n"
				      "FROM ${REG:+$REG/}img:1 AS four\n"
				      "FROM \\$literal AS five\n"
				      "FROM ${UNDECLARED-debian}:${BASE+12} AS six\n"
				      "ARG BASE\n"
				      "ENV HOME_DIR=/home/$BASE WHO=app\n"
				      "USER ${WHO}\n"
				      "COPY ${HOME_DIR}/x /y\n");
	assert_int_equal(w->n_containers, 6);
	assert_string_equal(stage(w, 0)->images[0].ref, "python:3.12");
	assert_string_equal(stage(w, 1)->images[0].ref, "python:3.11");
	assert_false(stage(w, 1)->images[0].unresolved);
	assert_true(stage(w, 2)->images[0].unresolved); /* TAG has no value here: not judged */
	assert_string_equal(stage(w, 3)->images[0].ref, "img:1");
	assert_string_equal(stage(w, 4)->images[0].ref, "$literal");
	assert_string_equal(stage(w, 5)->images[0].ref, "debian:12");
	const struct wl_container *c = stage(w, 5);
	/* a global ARG redeclared in a stage takes its default */
	assert_string_equal(c->env[0].name, "HOME_DIR");
	assert_string_equal(c->env[0].value, "/home/python");
	assert_string_equal(c->user.name, "app");
	assert_string_equal(c->copies[0].srcs[0], "/home/python/x");
	/* global ARG defaults are facts of the first stage, at their own lines */
	assert_int_equal(stage(w, 0)->n_env, 2);
	assert_string_equal(stage(w, 0)->env[0].name, "BASE");
	assert_int_equal(stage(w, 0)->env[0].at.line, 1);
	assert_true(stage(w, 0)->env[0].build_time);
	workload_free(w);

	/* ENV values see the variables from before the instruction */
	w = parse_ok("FROM a:1\nENV A=old\nENV A=new B=$A\n");
	assert_string_equal(stage(w, 0)->env[2].value, "old");
	workload_free(w);
}

static void test_multistage(void **st)
{
	(void)st;
	struct workload *w = parse_ok("FROM golang:1.22 AS build\n"
				      "USER 1001\n"
				      "ENV CGO_ENABLED=0\n"
				      "RUN go build -o /app\n"
				      "FROM build AS test\n"
				      "RUN go test ./...\n"
				      "FROM scratch\n"
				      "COPY --from=build /app /app\n"
				      "COPY --from=0 /etc/passwd /etc/passwd\n");
	assert_int_equal(w->n_containers, 3);
	const struct wl_container *b = stage(w, 0), *t = stage(w, 1), *f = stage(w, 2);
	assert_string_equal(b->name, "build");
	assert_string_equal(b->kind, "build stage");
	assert_true(b->build_stage);
	assert_string_equal(t->name, "test");
	assert_true(t->build_stage);
	assert_int_equal(t->n_images, 0); /* a stage reference is not an image */
	assert_int_equal(t->user.set, WL_YES); /* USER carries over from the parent stage */
	assert_int_equal(t->user.uid, 1001);
	assert_int_equal(t->user.at.line, 2);
	assert_int_equal(t->at.line, 5);
	assert_string_equal(f->name, "stage 2 (final)");
	assert_string_equal(f->kind, "final stage");
	assert_false(f->build_stage);
	assert_int_equal(f->n_images, 0); /* scratch */
	assert_int_equal(f->user.set, WL_UNSET);
	assert_int_equal(f->n_copies, 2);
	assert_true(f->copies[0].from_stage);
	assert_true(f->copies[1].from_stage);
	workload_free(w);

	w = parse_ok("FROM node:20 AS Base\nFROM base\n");
	assert_int_equal(stage(w, 1)->n_images, 0); /* stage names are case-insensitive */
	assert_string_equal(stage(w, 1)->name, "stage 1 (final)");
	workload_free(w);
}

static void test_buildkit_flags(void **st)
{
	(void)st;
	struct workload *w = parse_ok("FROM --platform=$BUILDPLATFORM golang:1.22 AS b\n"
				      "RUN --mount=type=secret,id=npm,target=/root/.npmrc --network=none \\\n"
				      "    --security=insecure npm ci\n"
				      "COPY --chown=app:app --chmod=644 --link --from=b /out /app\n"
				      "ADD --checksum=sha256:0123456789abcdef https://example.com/tool.tar.gz /tmp/\n"
				      "ADD --chown=1:1 --link https://example.com/x.sh /x.sh\n");
	const struct wl_container *c = stage(w, 0);
	assert_string_equal(c->images[0].ref, "golang:1.22");
	assert_string_equal(c->runs[0].cmd, "npm ci");
	assert_true(c->copies[0].from_stage);
	assert_string_equal(c->copies[0].srcs[0], "/out");
	assert_true(c->copies[1].add);
	assert_string_equal(c->copies[2].srcs[0], "https://example.com/x.sh");
	assert_false(c->copies[2].from_stage);
	workload_free(w);

	w = parse("FROM a:1\nRUN --mystery=1 make\nCOPY --from=x a\nUSER 7\n");
	assert_true(has_error(w, 2, "unknown flag --mystery"));
	assert_string_equal(stage(w, 0)->runs[0].cmd, "make");
	assert_true(has_error(w, 3, "needs a source and a destination"));
	assert_int_equal(stage(w, 0)->user.uid, 7);
	workload_free(w);
}

static void test_suppressions(void **st)
{
	(void)st;
	struct workload *w = parse_ok("# stockade:ignore STK101 the entrypoint drops to uid 10001\n"
				      "FROM alpine:3.19\n"
				      "# stockade:ignore STK503, STK506\n"
				      "RUN sudo apk add curl \\\n"
				      "    && curl -fsSL https://x/i.sh | sh\n"
				      "RUN curl -fsSL https://y/i.sh | bash\n");
	assert_int_equal(w->n_suppress, 2);
	assert_int_equal(w->suppress[0].first_line, 2);
	assert_int_equal(w->suppress[0].last_line, 2);
	assert_int_equal(w->suppress[0].n_ids, 1);
	assert_string_equal(w->suppress[0].ids[0], "STK101");
	assert_string_equal(w->suppress[0].reason, "the entrypoint drops to uid 10001");
	assert_int_equal(w->suppress[1].first_line, 4);
	assert_int_equal(w->suppress[1].last_line, 5);
	assert_int_equal(w->suppress[1].n_ids, 2);
	assert_string_equal(w->suppress[1].ids[1], "STK506");
	assert_null(w->suppress[1].reason);
	assert_int_equal(w->suppress[1].at.line, 3);

	struct findings f = eval(w);
	assert_true(must_find(&f, "STK101", 2)->suppressed);
	assert_true(must_find(&f, "STK503", 4)->suppressed);
	assert_true(must_find(&f, "STK506", 4)->suppressed);
	assert_false(must_find(&f, "STK503", 6)->suppressed); /* only the next instruction is covered */
	assert_non_null(find(&f, "STK001", 3));            /* no reason given */
	findings_free(&f);
	workload_free(w);

	w = parse_ok("FROM a:1\n# hadolint ignore=DL3002\n# stockade:ignored STK101\nUSER root\n");
	assert_int_equal(w->n_suppress, 0);
	workload_free(w);
}

static void test_parse_errors_keep_going(void **st)
{
	(void)st;
	struct workload *w = parse("RUN echo before\n"
				   "FROM alpine:latest\n"
				   "FROOM typo\n"
				   "ENV\n"
				   "ENV LONELY\n"
				   "USER root\n"
				   "RUN sudo make\n");
	assert_true(has_error(w, 1, "before the first FROM"));
	assert_true(has_error(w, 3, "unknown instruction FROOM"));
	assert_true(has_error(w, 4, "ENV needs arguments"));
	assert_true(has_error(w, 5, "LONELY"));
	struct findings f = eval(w);
	assert_non_null(find(&f, "STK000", 3));
	assert_non_null(find(&f, "STK101", 6)); /* the rest of the file is still judged */
	assert_non_null(find(&f, "STK502", 2));
	assert_non_null(find(&f, "STK506", 7));
	findings_free(&f);
	workload_free(w);

	w = parse("# only a comment\n\n");
	assert_int_equal(w->n_containers, 0);
	assert_true(has_error(w, 1, "no FROM"));
	workload_free(w);

	w = parse("");
	assert_true(has_error(w, 1, "no FROM"));
	workload_free(w);
}

static void test_user_rule_on_final_stage_only(void **st)
{
	(void)st;
	struct workload *w = parse_ok("FROM golang:1.22@sha256:aaaa AS build\nRUN make\n"
				      "FROM alpine:3.19\nUSER 10001\n");
	struct findings f = eval(w);
	assert_null(find(&f, "STK101", 0));
	assert_null(find(&f, "STK502", 0));
	assert_non_null(find(&f, "STK501", 3)); /* alpine:3.19 has no digest */
	assert_null(find(&f, "STK501", 1));
	assert_null(find(&f, "STK201", 0)); /* a Dockerfile says nothing of run-time caps */
	findings_free(&f);
	workload_free(w);

	w = parse_ok("FROM alpine:3.19\nUSER app\nFROM alpine:3.19\n");
	f = eval(w);
	const struct finding *x = must_find(&f, "STK101", 3);
	assert_non_null(x);
	assert_string_equal(x->container, "stage 1 (final)");
	findings_free(&f);
	workload_free(w);
}

static void test_remote_script_exec(void **st)
{
	(void)st;
	const char *m = fires_msg("FROM a:1\nRUN curl -fsSL https://x/install.sh | sh\n", "STK503");
	assert_non_null(m);
	assert_string_equal(m, "curl output piped into sh: \"curl -fsSL https://x/install.sh | sh\"");
	assert_non_null(fires("FROM a:1\nRUN wget -qO- https://x/i | sudo -E bash -s -- --yes\n", "STK503"));
	assert_non_null(fires("FROM a:1\nRUN apt-get update && curl -s https://x | python3 -\n", "STK503"));
	assert_non_null(fires("FROM a:1\nRUN bash -c \"$(curl -fsSL https://x/install.sh)\"\n", "STK503"));
	assert_non_null(fires("FROM a:1\nRUN sh <(curl -fsSL https://x/install.sh)\n", "STK503"));
	assert_non_null(fires("FROM a:1\nRUN sh -c 'curl -s https://x | sh'\n", "STK503"));
	assert_non_null(fires("FROM a:1\nRUN <<EOF\nset -e\ncurl -s https://x | bash\nEOF\n", "STK503"));
	m = fires_msg("FROM a:1\nRUN curl -fsSL https://x/" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sh | sh\n",
		  "STK503");
	assert_non_null(m);
	assert_true(strlen(m) < 130);
	assert_non_null(strstr(m, "...\""));

	assert_null(fires("FROM a:1\nRUN curl -fsSLo x https://x/i.sh && sha256sum -c x.sha256 && sh x\n", "STK503"));
	assert_null(fires("FROM a:1\nRUN curl -fsSL https://x/a.tgz | tar -xz -C /opt\n", "STK503"));
	assert_null(fires("FROM a:1\nRUN echo 'curl x | sh' > /notes.txt\n", "STK503"));
	assert_null(fires("FROM a:1\nRUN curl https://x > /tmp/i.sh; sh /tmp/i.sh\n", "STK503"));
}

static void test_insecure_download(void **st)
{
	(void)st;
	const char *bad[] = {
		"RUN curl -Lkv https://example.com",
		"RUN curl \\\n    --insecure \\\n    https://example.com",
		"RUN echo -n -Lv https://example.com && curl -k https://example.com",
		"RUN wget --no-progress --no-check-certificate -o file https://example.com",
		"RUN pip install --trusted-host pypi.example.com flask",
		"RUN python3 -m pip install --trusted-host=pypi.example.com flask",
		"RUN git -c http.sslVerify=false clone https://x/repo",
		"RUN git config --global http.sslverify false",
		"RUN npm config set strict-ssl false",
		"RUN GIT_SSL_NO_VERIFY=1 git clone https://x/repo",
		"ENV GIT_SSL_NO_VERIFY=true",
	};
	const char *good[] = {
		"RUN curl https://example.com",
		"RUN curl -lol https://example.com",
		"RUN curl -o k https://example.com",
		"RUN curl https://example.com | grep -k lol",
		"RUN curl https://example.com; grep /etc/passwd -k lol",
		"RUN curl https://example.com &&\\\n    grep /etc/passwd -k lol",
		"RUN wget https://example.com | grep \"--no-check-certificate\" /etc/passwd",
		"RUN wget https://example.com &&\\\n    echo \"--no-check-certificate\"",
		"RUN pip install flask",
		"RUN git config --global http.sslVerify true",
	};
	char buf[512];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "FROM a:1\n%s\n", bad[i]);
		if (!fires(buf, "STK505"))
			fail_msg("STK505 does not fire on: %s", bad[i]);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(buf, sizeof(buf), "FROM a:1\n%s\n", good[i]);
		const char *m = fires(buf, "STK505");
		if (m)
			fail_msg("STK505 fires on: %s (%s)", good[i], m);
	}
	const char *m = fires_msg("FROM a:1\nRUN curl -k https://example.com\n", "STK505");
	assert_non_null(strstr(m, "curl --insecure"));
	assert_non_null(strstr(m, "\"curl -k https://example.com\""));
}

static void test_sudo(void **st)
{
	(void)st;
	assert_non_null(fires("FROM a:1\nRUN sudo apt-get install git\n", "STK506"));
	assert_non_null(fires("FROM a:1\nRUN apt-get update \\\n && sudo apt-get install vim\n", "STK506"));
	assert_non_null(fires("FROM a:1\nRUN DEBIAN_FRONTEND=noninteractive sudo -E apt-get install -y x\n", "STK506"));
	assert_non_null(fires("FROM a:1\nRUN [\"sudo\", \"make\", \"install\"]\n", "STK506"));
	assert_null(fires("FROM a:1\nRUN apt-get install sudo\n", "STK506"));
	assert_null(fires("FROM a:1\nRUN apt-get install sudoku\n", "STK506"));
	assert_null(fires("FROM a:1\nRUN echo 'sudo make'\n", "STK506"));
	assert_null(fires("FROM a:1\nRUN /usr/bin/pseudo build\n", "STK506"));
}

static void test_add_instead_of_copy(void **st)
{
	(void)st;
	const char *m = fires_msg("FROM a:1\nADD http://example.com/package.zip /temp\n", "STK504");
	assert_non_null(m);
	assert_non_null(strstr(m, "URL without --checksum"));
	m = fires_msg("FROM a:1\nADD \"/target/app.jar\" \"app.jar\"\n", "STK504");
	assert_non_null(m);
	assert_non_null(strstr(m, "\"/target/app.jar\""));
	assert_non_null(fires("FROM a:1\nADD . /app\n", "STK504"));
	assert_null(fires("FROM a:1\nADD app.tar.gz /\n", "STK504"));
	assert_null(fires("FROM a:1\nADD rootfs.tar.xz vendor.tgz /\n", "STK504"));
	assert_null(fires("FROM a:1\nADD --checksum=sha256:abc https://example.com/x.tar.gz /\n", "STK504"));
	assert_null(fires("FROM a:1\nCOPY app.jar /app.jar\n", "STK504"));
}

static void test_secret_in_image(void **st)
{
	(void)st;
	const char *bad[] = { "COPY id_rsa /root/.ssh/id_rsa", "COPY certs/server.pem /etc/ssl/",
		"COPY tls.key /etc/ssl/", "ADD .env /app/", "COPY .npmrc /root/", "COPY .aws/ /root/.aws/",
		"COPY home/.ssh /root/.ssh", "COPY .docker/config.json /root/.docker/", "COPY credentials.json /app/",
		"COPY [\".pypirc\", \"/root/\"]" };
	const char *good[] = { "COPY id_rsa.pub /root/.ssh/authorized_keys", "COPY .env.example /app/",
		"COPY --from=build /secrets/id_rsa /x", "COPY src/ /app/", "COPY keys.go /app/" };
	char buf[512];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "FROM a:1\n%s\n", bad[i]);
		if (!fires(buf, "STK603"))
			fail_msg("STK603 does not fire on: %s", bad[i]);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(buf, sizeof(buf), "FROM a:1\n%s\n", good[i]);
		if (fires(buf, "STK603"))
			fail_msg("STK603 fires on: %s", good[i]);
	}
}

static void test_build_rules_in_build_stages(void **st)
{
	(void)st;
	struct workload *w = parse_ok("FROM a:1 AS deps\nRUN curl -s https://x | sh\nFROM b:1\nUSER 1\n");
	struct findings f = eval(w);
	const struct finding *x = must_find(&f, "STK503", 2);
	assert_non_null(x);
	assert_string_equal(x->container, "deps");
	findings_free(&f);
	workload_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_stage_facts),
		cmocka_unit_test(test_user_forms),
		cmocka_unit_test(test_continuations_and_comments),
		cmocka_unit_test(test_escape_directive),
		cmocka_unit_test(test_heredocs),
		cmocka_unit_test(test_json_form),
		cmocka_unit_test(test_arg_expansion),
		cmocka_unit_test(test_multistage),
		cmocka_unit_test(test_buildkit_flags),
		cmocka_unit_test(test_suppressions),
		cmocka_unit_test(test_parse_errors_keep_going),
		cmocka_unit_test(test_user_rule_on_final_stage_only),
		cmocka_unit_test(test_remote_script_exec),
		cmocka_unit_test(test_insecure_download),
		cmocka_unit_test(test_sudo),
		cmocka_unit_test(test_add_instead_of_copy),
		cmocka_unit_test(test_secret_in_image),
		cmocka_unit_test(test_build_rules_in_build_stages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
