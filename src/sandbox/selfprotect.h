/*
 * The runtime must never be the way out (CVE-2019-5736: a container wrote
 * to the host's runc binary through /proc/<pid>/exe).  Before create, run
 * and exec do anything, stockade re-executes itself from a read-only,
 * detached bind mount of its own binary (so /proc/<pid>/exe of every
 * process it starts points at a file no one can open for writing) and
 * marks itself non-dumpable (so nothing in the container can ptrace it or
 * open its /proc/<pid>/{mem,fd,exe} until it execs the container's program).
 */
#pragma once

/* Returns only when already protected; otherwise re-execs (or fails). */
int selfprotect_ensure(char **argv);
