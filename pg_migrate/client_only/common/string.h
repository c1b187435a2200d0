/* common/string.h (client-only build): see ../postgres_fe.h */
#ifndef PG_MIGRATE_CLIENT_ONLY_COMMON_STRING_H
#define PG_MIGRATE_CLIENT_ONLY_COMMON_STRING_H

extern char *simple_prompt(const char *prompt, bool echo);

#endif
