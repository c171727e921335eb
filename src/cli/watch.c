/* watch: `slipway deploy watch` and `deploy create --wait` (filled in by a later change). */
#include "cli_int.h"
