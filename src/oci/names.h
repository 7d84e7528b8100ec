#pragma once

int rlimit_from_name(const char *name);
const char *rlimit_to_name(int res);
