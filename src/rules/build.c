#include "rules/rules_internal.h"
/* Dockerfile build-step rules: being written */
void rules_build(struct eval *e)
{
	(void)e;
}
