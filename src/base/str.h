/* str: bounded string helpers that replace the banned libc ones. */
#ifndef SW_STR_H
#define SW_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copies src into dst (size bytes); returns -SW_E_TRUNCATED (dst still terminated) if it did
 * not fit. */
int str_copy(char *dst, size_t size, const char *src);
int str_copyn(char *dst, size_t size, const char *src, size_t n);
/* snprintf that reports truncation as -SW_E_TRUNCATED. */
int str_fmt(char *dst, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Strict decimal parse of the whole string into [min, max]; -SW_E_INVALID otherwise. */
int str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out);
bool str_starts(const char *s, const char *prefix);
bool str_ends(const char *s, const char *suffix);
bool str_eq(const char *a, const char *b); /* NULL-safe */
bool str_caseeq(const char *a, const char *b);
/* FNV-1a over s: for spreading keys over hash buckets (not for anything an attacker must not
 * be able to collide). */
uint32_t str_hash(const char *s);
/* The value of one hex digit (either case), -1 for anything else. */
int hex_digit(char c);
/* strdup that aborts on OOM is not allowed; this returns NULL on failure like strdup. */
char *str_dup(const char *s);
char *str_ndup(const char *s, size_t n);
/* Simple glob with '*' only (matches any run, including '/'). */
bool str_glob(const char *pattern, const char *s);

#endif
