/* deploy: `slipway deploy create|list|show|stop|continue|events` (filled in by the next change). */
#include "cli_int.h"
