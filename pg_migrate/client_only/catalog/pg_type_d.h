/* catalog/pg_type_d.h (client-only build): the type OIDs pg_migrate reads */
#ifndef PG_MIGRATE_CLIENT_ONLY_PG_TYPE_D_H
#define PG_MIGRATE_CLIENT_ONLY_PG_TYPE_D_H

#define BOOLOID 16
#define INT8OID 20
#define INT4OID 23

#endif
