/*
 * A scratch directory for fuzz targets that read trees (proc, a host root):
 * made once per process under /tmp, removed when the fuzzer exits, so a run
 * leaves no debris.  Header-only: each target is its own executable.
 */
#pragma once

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char scratch_root[64];

static int scratch_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path); /* best effort: keep walking */
	return 0;
}

static void scratch_cleanup(void)
{
	if (scratch_root[0])
		nftw(scratch_root, scratch_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* /tmp/fuzz-NAME-PID, made now and removed at exit; returns its path. */
static const char *scratch_make(const char *name)
{
	snprintf(scratch_root, sizeof(scratch_root), "/tmp/fuzz-%s-%d", name, (int)getpid());
	if (mkdir(scratch_root, 0700) < 0)
		abort();
	atexit(scratch_cleanup);
	return scratch_root;
}
