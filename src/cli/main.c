/* slipway: the command-line client (commands arrive with the CLI issue). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("slipway 0.1.0\n");
		return 0;
	}
	fprintf(stderr, "slipway: not implemented yet (see the CLI issue)\n");
	return 2;
}
