/* store_int: what the store core shares with its backends. */
#ifndef SW_STORE_INT_H
#define SW_STORE_INT_H

#include "store.h"

#include <pthread.h>

struct store_conn {
	struct store *store;
	struct store_conn *next; /* all connections, for store_free */
	void *backend;		 /* backend's connection handle */
	int depth;		 /* transaction nesting: inner store_write joins the outer */
};

/* Every backend's statement starts with this header. */
struct store_stmt {
	const struct store_ops *ops;
};

struct store {
	const struct store_ops *ops;
	void *backend;
	pthread_key_t key;
	pthread_mutex_t lock; /* guards conns */
	struct store_conn *conns;
	int version;
	char *path;
	struct store_writer *writer; /* group commit: started by the first store_write */
};

/* The numbered migrations compiled in from migrations/NNNN_*.sql (generated). */
struct store_migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct store_migration store_migrations[];
extern const int store_migration_count;

#endif
