/* slipway-agent: the host agent (the deployment side arrives with the agent issue). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("slipway-agent 0.1.0\n");
		return 0;
	}
	fprintf(stderr, "slipway-agent: not implemented yet (see the agent issue)\n");
	return 2;
}
