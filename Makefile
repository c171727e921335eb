# Thin wrapper around meson: `make` builds, `make check` tests everything, `make demo` shows it.
BUILD   ?= build
SAN     ?= build-san
PYTHON  ?= /usr/bin/python3

.PHONY: all deps check unit fuzz-replay e2e demo bench format format-check clean lint

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	@scripts/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized

$(SAN)/build.ninja:
	meson setup $(SAN) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

# Everything CI runs: the sanitizer build, unit tests, fuzz-corpus replay, end-to-end tests.
check: deps
	scripts/check.sh

demo: deps all
	BUILD=$(BUILD) scripts/demo.sh

# Every benchmark prints figures (none passes or fails on time); each builds its own release tree.
bench: deps
	bench/run.sh
	bench/cli.sh
	bench/deploy.sh     # runs bench/agent.sh for the agent's memory figures
	-bench/traffic.sh   # rollouts behind a real HAProxy (needs root; make goes on without it)
	/root/.pyenv/versions/3.11.7/bin/python3 bench/metrics.py 2>/dev/null || python3 bench/metrics.py

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 'bench/*.c' 'bench/*.h')

format-check:
	clang-format --dry-run -Werror $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 'bench/*.c' 'bench/*.h')

lint:
	scripts/lint.sh

clean:
	rm -rf $(BUILD) $(SAN) build-fuzz
