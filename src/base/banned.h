/* banned: libc functions that must not be used (git's banned.h); use src/base/str.h.
 *
 * Every translation unit gets this file first, through the compiler's `-include` (meson.build),
 * so that no file can forget it.  The bans are function-like macros, as in git, which must
 * come after libc's own declarations: defined before them they would rewrite those
 * declarations (and, with _FORTIFY_SOURCE, the inline bodies in <bits/string_fortified.h> and
 * <bits/stdio2.h>) into nonsense.  So this file first includes the three headers that declare
 * the banned functions; their include guards make any later #include of them a no-op, and a
 * later use of a banned name anywhere, in our code or in a macro of ours, fails to compile with
 * "sorry_X_is_a_banned_function undeclared".  Feature-test macros must therefore come from the
 * command line (-D_GNU_SOURCE in meson.build), never from a #define in a file.
 *
 * `#pragma GCC poison` is not used: it would also reject the names inside other libraries'
 * headers included later (and in their macro definitions), which gcc and clang treat alike. */
#ifndef SW_BANNED_H
#define SW_BANNED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef gets
#define gets(x) BANNED(gets)

#endif
