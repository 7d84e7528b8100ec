#pragma once

#include <json-c/json.h>

/*
 * stockade's hardened config.json ("deny all, permit some").  Each choice
 * and why is documented in the README ("Hardened defaults").
 */
json_object *default_spec_json(const char *const *args, int nargs);
