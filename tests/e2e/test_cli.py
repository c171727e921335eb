"""`slipway`, the command-line client, against a real slipwayd: the command table (help, man page,
bash completion), usage errors and exit codes, the endpoint and credentials chains, `configure`,
and the app / group / config / instance commands with their --output json checked against what
boto3 reads back.  (Deployments: test_cli_deploy.py.)"""
import configparser
import json
import os
import pty
import re
import select
import stat
import subprocess
import time

import ports
import pytest
from agents import dserver  # noqa: F401
from conftest import CLI

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ---- helpers (test_cli_deploy.py uses them too) -------------------------------------------------

def cli_env(server=None, **extra):
    """An environment that reaches server with its DATA/credentials file (profile 'slipway')
    and nothing else from the machine's own AWS setup."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")
           and k not in ("SLIPWAY_ENDPOINT", "NO_COLOR")}
    env["HOME"] = "/nonexistent"
    env["TZ"] = "UTC"
    if server is not None:
        env["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(server.data_dir, "credentials")
        env["AWS_CONFIG_FILE"] = os.path.join(server.data_dir, "config")
        env["SLIPWAY_ENDPOINT"] = server.endpoint
    env.update({k: v for k, v in extra.items() if v is not None})
    for k, v in extra.items():
        if v is None:
            env.pop(k, None)
    return env


def run(server, *args, env=None, input=None, timeout=120):
    """Runs slipway; returns the CompletedProcess (text).  A sanitizer report fails the test."""
    p = subprocess.run([CLI] + [str(a) for a in args], capture_output=True, text=True,
                       input=input, env=env if env is not None else cli_env(server),
                       timeout=timeout, stdin=None if input is not None else subprocess.DEVNULL)
    assert "AddressSanitizer" not in p.stderr and "runtime error:" not in p.stderr, p.stderr
    assert "LeakSanitizer" not in p.stderr, p.stderr
    return p


def ok(server, *args, **kw):
    p = run(server, *args, **kw)
    assert p.returncode == 0, f"slipway {' '.join(map(str, args))} exited {p.returncode}:\n" \
                              f"{p.stdout}\n{p.stderr}"
    return p


def js(server, *args, **kw):
    """Runs slipway with --output json and returns the parsed document."""
    return json.loads(ok(server, *args, "--output", "json", **kw).stdout)


def fails(server, code, *args, **kw):
    p = run(server, *args, **kw)
    assert p.returncode == code, f"expected exit {code}, got {p.returncode}:\n{p.stdout}\n" \
                                 f"{p.stderr}"
    return p


def free_port():
    """A closed loopback port, kept closed while the tests run (ports.dead_port): a port merely
    free a moment ago may be another test's server by the time the CLI tries it."""
    return ports.dead_port()


def table(stdout):
    """Rows of a table (header first), split on runs of two or more spaces."""
    return [re.split(r"\s{2,}", line.strip()) for line in stdout.splitlines() if line.strip()]


def kv(stdout):
    """A show command's key/value block as a dict (keys may contain one space)."""
    out = {}
    for line in stdout.splitlines():
        m = re.match(r"^(\S+(?: \S+)?)\s{2,}(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


# ---- the command table: help, man page, completion ------------------------------------------

def commands():
    """(group, name) of every command, from the top-level help."""
    p = subprocess.run([CLI, "--help"], capture_output=True, text=True, check=True)
    found = []
    for line in p.stdout.splitlines():
        m = re.match(r"^  ([a-z]+)(?: ([a-z-]+))?\s{2,}\S", line)
        if m and not line.startswith("   "):
            found.append((m.group(1), m.group(2)))
    return found


EXPECTED = {("configure", None)} | {("app", n) for n in ("create", "list", "show", "delete")} | \
    {("group", n) for n in ("create", "list", "show", "update", "delete")} | \
    {("config", n) for n in ("create", "list", "show", "delete")} | \
    {("instance", n) for n in ("register", "list", "show", "tag", "untag", "deregister")} | \
    {("deploy", n) for n in ("push", "create", "list", "show", "stop", "continue", "events",
                             "watch", "local")} | \
    {("metrics", n) for n in ("list", "get")} | \
    {("alarm", n) for n in ("list", "show", "history", "set-state")} | {("logs", "tail")} | \
    {("function", n) for n in ("create", "update", "publish", "list", "show", "invoke", "logs",
                               "delete", "concurrency")} | \
    {("alias", n) for n in ("create", "update", "show", "list", "delete")} | \
    {("completion", "bash")}


def test_version_and_top_help():
    p = subprocess.run([CLI, "--version"], capture_output=True, text=True)
    assert p.returncode == 0 and re.match(r"^slipway \d+\.\d+\.\d+\n$", p.stdout)
    assert set(commands()) == EXPECTED
    p = subprocess.run([CLI, "--help"], capture_output=True, text=True)
    assert "Exit status:" in p.stdout and "3 could not reach slipwayd" in p.stdout
    for opt in ("--endpoint-url", "--profile", "--region", "--output", "--no-color"):
        assert opt in p.stdout
    # no command: the same help on stderr, exit 2
    p = subprocess.run([CLI], capture_output=True, text=True)
    assert p.returncode == 2 and "usage: slipway <command>" in p.stderr


@pytest.mark.parametrize("group,name", sorted(EXPECTED, key=lambda c: (c[0], c[1] or "")))
def test_every_command_has_help_with_examples(group, name):
    words = [group] + ([name] if name else [])
    for args in (words + ["--help"], ["help"] + words, words + ["-h"]):
        p = subprocess.run([CLI] + args, capture_output=True, text=True)
        assert p.returncode == 0, (args, p.stderr)
        if name == "local":
            assert "usage: slipway deploy local" in p.stdout
            continue
        assert p.stdout.startswith("usage: slipway " + " ".join(words)), p.stdout
        assert "\x1f" not in p.stdout and "--app APP " in p.stdout if group == "group" \
            else True
        assert "Examples:" in p.stdout and "$ slipway " + " ".join(words) in p.stdout
        assert all(len(line) <= 80 for line in p.stdout.splitlines()
                   if not line.startswith("  $ ")), p.stdout


def test_synopses_match_the_issue():
    def usage(*words):
        p = subprocess.run([CLI, *words, "--help"], capture_output=True, text=True)
        text = p.stdout.split("\n\n")[0]
        return " ".join(text.replace("usage: ", "").split())

    assert usage("app", "create") == "slipway app create NAME [--platform server|lambda]"
    assert usage("group", "create").startswith(
        "slipway group create --app APP NAME [--tag K=V]... [--tag-set K=V,K=V]... "
        "[--config CONFIG] [--rollback-on failure,stop,alarm] [--style in-place|blue-green]")
    assert usage("config", "create") == ("slipway config create NAME [--canary P%/Tm | "
                                         "--linear P%/Tm | --steps P%:Tm,...,100% | "
                                         "--all-at-once] [--min-healthy N|N%] "
                                         "[--platform server|lambda]")
    assert usage("deploy", "create").startswith(
        "slipway deploy create --app APP --group GROUP (--source DIR | --s3 s3://BUCKET/KEY | "
        "--revision REV) [--config CONFIG] [--wait]")
    assert usage("deploy", "stop") == "slipway deploy stop ID [--rollback | --no-rollback]"
    assert usage("instance", "untag") == "slipway instance untag NAME KEY..."


def test_man_page_documents_every_command(tmp_path):
    p = subprocess.run([CLI, "--man"], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.startswith(".\\\"")
    assert ".TH SLIPWAY 1" in p.stdout
    for group, name in EXPECTED:
        words = (group + (" " + name if name else "")).replace("-", "\\-")  # roff's minus
        assert f'.SS "{words}' in p.stdout, (group, name)
    for section in ("EXIT STATUS", "ENVIRONMENT", "GLOBAL OPTIONS", "FILES"):
        assert f".SH {section}" in p.stdout
    # it renders without roff warnings
    man = tmp_path / "slipway.1"
    man.write_text(p.stdout)
    r = subprocess.run(["man", "--warnings", "-l", "-Tutf8", str(man)], capture_output=True,
                       text=True, env=dict(os.environ, MANWIDTH="80"))
    if r.returncode == 0:
        assert "warning" not in r.stderr, r.stderr
        assert "deploy watch ID" in re.sub(".\x08", "", r.stdout)


def complete(*words):
    """What bash completes for the command line words (the last one is being typed)."""
    script = subprocess.run([CLI, "completion", "bash"], capture_output=True, text=True,
                            check=True).stdout
    line = " ".join("'" + w + "'" if w else "''" for w in words)
    prog = (script + f"\nCOMP_WORDS=(slipway {line}); COMP_CWORD={len(words)}; _slipway; "
            'printf "%s\\n" "${COMPREPLY[@]}"\n')
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", prog], capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stderr
    return sorted(x for x in p.stdout.split("\n") if x)


def test_bash_completion_follows_the_command_table(tmp_path):
    assert {"app", "group", "config", "instance", "deploy", "configure"} <= set(complete(""))
    assert complete("de") == ["deploy"]
    assert complete("deploy", "") == sorted(["push", "create", "list", "show", "stop",
                                             "continue", "events", "watch", "local"])
    assert complete("group", "create", "--ro") == ["--role", "--rollback-on"]
    assert complete("group", "create", "--style", "") == ["blue-green", "in-place"]
    assert complete("app", "create", "--platform", "l") == ["lambda"]
    assert complete("--output", "json", "app", "cr") == ["create"]
    assert complete("app", "list", "--output", "") == ["json", "table", "text"]
    # a global option's value is not taken for a command word
    assert complete("--profile", "x", "instance", "un") == ["untag"]
    (tmp_path / "site").mkdir()
    os.chdir(tmp_path)
    assert complete("deploy", "push", "--source", "si") == ["site"]


# ---- usage errors: exit 2, before anything is sent --------------------------------------------

@pytest.mark.parametrize("args,message", [
    (["nope"], "unknown command 'nope'"),
    (["app"], "missing command"),
    (["app", "frobnicate"], "unknown command 'frobnicate'"),
    (["app", "create"], "missing NAME"),
    (["app", "create", "a", "b"], "unexpected argument 'b'"),
    (["app", "create", "a", "--colour"], "unknown option '--colour'"),
    (["app", "create", "a", "--platform", "ecs"], "--platform must be one of: server lambda"),
    (["app", "list", "--output", "yaml"], "--output must be one of: table json text"),
    (["app", "list", "--output"], "--output needs a value"),
    (["app", "list", "--no-color=1"], "--no-color takes no value"),
    (["group", "create", "prod"], "--app APP is required"),
    (["group", "create", "--app", "a", "g", "--rollback-on", "sometimes"],
     "--rollback-on takes failure, stop and alarm"),
    (["group", "create", "--app", "a", "g", "--tag", "a=b", "--tag-set", "c=d"],
     "give --tag or --tag-set, not both"),
    (["config", "create", "c"], "give --min-healthy, or one of --canary, --linear, --steps"),
    (["config", "create", "c", "--linear", "10%/1m", "--canary", "10%/5m"],
     "give only one of --canary, --linear, --steps, --all-at-once"),
    (["config", "create", "c", "--steps", "5%:1m,100%"],
     "a server configuration needs --min-healthy as well"),
    (["config", "create", "c", "--min-healthy", "1", "--steps", "5%:1m,,100%"],
     "--steps is a comma-separated list of PERCENT%[:WAIT]"),
    (["config", "create", "c", "--min-healthy", "1", "--steps", "5:1m,100%"],
     "--steps is a comma-separated list"),
    (["config", "create", "c", "--min-healthy", "100%"], "--min-healthy is a host count"),
    (["config", "create", "c", "--canary", "10%"], "--canary is PERCENT%/MINUTES"),
    (["instance", "register", "h", "--tags", "role", "--out", "x.yml"],
     "tag 'role' must be KEY=VALUE"),
    (["instance", "tag", "h"], "missing NAME K=V..."),
    (["deploy", "create", "--app", "a", "--group", "g"],
     "give exactly one of --source, --s3, --revision"),
    (["deploy", "stop", "d-AAAAAAAAA", "--rollback", "--no-rollback"],
     "give only one of --rollback, --no-rollback"),
    (["completion", "bash", "extra"], "unexpected argument 'extra'"),
])
def test_usage_errors_exit_2_without_contacting_the_server(args, message):
    # the endpoint is a closed port: had anything been sent, the exit status would be 3
    env = cli_env(SLIPWAY_ENDPOINT=f"http://127.0.0.1:{free_port()}",
                  AWS_ACCESS_KEY_ID="AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY="x" * 40)
    p = run(None, *args, env=env)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert message in p.stderr, p.stderr
    assert p.stdout == ""


# ---- reaching and authenticating: exit 3 ------------------------------------------------------

def test_unreachable_endpoint_exits_3_and_says_what_to_do(server):
    port = free_port()
    p = fails(server, 3, "app", "list", "--endpoint-url", f"http://127.0.0.1:{port}")
    assert f"cannot reach slipwayd at http://127.0.0.1:{port} (from --endpoint-url)" in p.stderr
    assert "--endpoint-url or SLIPWAY_ENDPOINT" in p.stderr
    p = fails(server, 2, "app", "list", "--endpoint-url", "ftp://127.0.0.1:21")
    assert "not an http:// or https:// URL" in p.stderr


def test_no_credentials_exits_3_naming_the_profile(server, tmp_path):
    env = cli_env(server, AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
                  AWS_CONFIG_FILE=str(tmp_path / "none2"))
    p = fails(server, 3, "app", "list", env=env)
    assert "no credentials for profile 'default'" in p.stderr
    assert "run `slipway configure` or pass --profile" in p.stderr
    p = fails(server, 3, "app", "list", "--profile", "slipway", env=env)
    assert "no credentials for profile 'slipway'" in p.stderr


def test_bad_credentials_exit_3_with_the_aws_exception(server):
    env = cli_env(server, AWS_ACCESS_KEY_ID=server.access_key, AWS_SECRET_ACCESS_KEY="x" * 40)
    p = fails(server, 3, "app", "list", env=env)
    assert p.stderr.startswith("slipway: InvalidSignatureException: ")
    assert "hint: the secret key does not match" in p.stderr
    env = cli_env(server, AWS_ACCESS_KEY_ID="AKIANOTAREALKEY00000",
                  AWS_SECRET_ACCESS_KEY="x" * 40)
    p = fails(server, 3, "app", "list", env=env)
    assert p.stderr.startswith("slipway: UnrecognizedClientException: ")


def test_an_instance_key_may_not_administer(server, tmp_path):
    out = tmp_path / "agent.yml"
    ok(server, "instance", "register", "h1", "--tags", "role=web", "--out", out)
    cfg = {line.split(": ")[0]: json.loads(line.split(": ", 1)[1])
           for line in out.read_text().splitlines() if not line.startswith("#")}
    env = cli_env(server, AWS_ACCESS_KEY_ID=cfg["aws_access_key_id"],
                  AWS_SECRET_ACCESS_KEY=cfg["aws_secret_access_key"])
    p = fails(server, 3, "app", "create", "web", env=env)
    assert "AccessDeniedException" in p.stderr


# ---- the endpoint and credentials chains ------------------------------------------------------

def write_ini(path, sections):
    with open(path, "w") as f:
        for name, values in sections.items():
            f.write(f"[{name}]\n")
            for k, v in values.items():
                f.write(f"{k} = {v}\n")
            f.write("\n")


def test_endpoint_chain(server, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    cfg = tmp_path / "config"
    write_ini(cfg, {"profile slipway": {"region": "us-east-1", "endpoint_url": server.endpoint}})
    base = dict(AWS_CONFIG_FILE=str(cfg), SLIPWAY_ENDPOINT=None)
    # the profile's endpoint_url
    ok(server, "app", "list", env=cli_env(server, **base))
    # AWS_ENDPOINT_URL over the profile's
    p = fails(server, 3, "app", "list", env=cli_env(server, AWS_ENDPOINT_URL=dead, **base))
    assert "(from AWS_ENDPOINT_URL)" in p.stderr
    # SLIPWAY_ENDPOINT over AWS_ENDPOINT_URL
    ok(server, "app", "list", env=cli_env(server, AWS_CONFIG_FILE=str(cfg),
                                          SLIPWAY_ENDPOINT=server.endpoint,
                                          AWS_ENDPOINT_URL=dead))
    p = fails(server, 3, "app", "list",
              env=cli_env(server, AWS_CONFIG_FILE=str(cfg), SLIPWAY_ENDPOINT=dead,
                          AWS_ENDPOINT_URL=server.endpoint))
    assert "(from SLIPWAY_ENDPOINT)" in p.stderr
    # --endpoint-url over everything
    ok(server, "app", "list", "--endpoint-url", server.endpoint,
       env=cli_env(server, SLIPWAY_ENDPOINT=dead, AWS_ENDPOINT_URL=dead))
    # nothing: the default address (whatever answers there, if anything)
    p = run(server, "app", "list", "--debug", env=cli_env(server, AWS_CONFIG_FILE=os.devnull,
                                                         SLIPWAY_ENDPOINT=None))
    assert "debug: CodeDeploy.ListApplications http://127.0.0.1:8790/ " in p.stderr


def test_credentials_chain_prefers_profile_slipway(server, tmp_path):
    creds = tmp_path / "credentials"
    good = {"aws_access_key_id": server.access_key, "aws_secret_access_key": server.secret_key}
    bad = {"aws_access_key_id": "AKIANOTAREALKEY00000", "aws_secret_access_key": "x" * 40}
    write_ini(creds, {"default": bad, "slipway": good, "other": good})
    env = dict(AWS_SHARED_CREDENTIALS_FILE=str(creds), AWS_CONFIG_FILE=os.devnull)
    # 'slipway' exists: it is used rather than 'default'
    ok(server, "app", "list", env=cli_env(server, **env))
    # --profile and AWS_PROFILE choose another
    fails(server, 3, "app", "list", "--profile", "default", env=cli_env(server, **env))
    fails(server, 3, "app", "list", env=cli_env(server, AWS_PROFILE="default", **env))
    ok(server, "app", "list", env=cli_env(server, AWS_PROFILE="other", **env))
    # environment credentials win over the files (and AWS_PROFILE) ...
    ok(server, "app", "list", env=cli_env(server, AWS_ACCESS_KEY_ID=server.access_key,
                                          AWS_SECRET_ACCESS_KEY=server.secret_key,
                                          AWS_PROFILE="default", **env))
    fails(server, 3, "app", "list", env=cli_env(server, AWS_ACCESS_KEY_ID="AKIANOTAREALKEY00000",
                                                AWS_SECRET_ACCESS_KEY="x" * 40, **env))
    # ... but not over an explicit --profile
    ok(server, "app", "list", "--profile", "slipway",
       env=cli_env(server, AWS_ACCESS_KEY_ID="AKIANOTAREALKEY00000",
                   AWS_SECRET_ACCESS_KEY="x" * 40, **env))
    # without a 'slipway' profile, 'default' is used
    write_ini(creds, {"default": good})
    ok(server, "app", "list", env=cli_env(server, **env))


def test_region_chain(server, tmp_path):
    """--region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region, us-east-1 — seen in the
    region an instance's agent configuration is written with."""
    cfg = tmp_path / "config"
    write_ini(cfg, {"profile slipway": {"region": "eu-west-3"}})

    def region(*args, **env):
        out = tmp_path / "r.yml"
        if out.exists():
            out.unlink()
        name = f"h{len(list(tmp_path.glob('*.done')))}"
        (tmp_path / f"{name}.done").write_text("")
        p = run(server, "instance", "register", name, "--tags", "a=b", "--out", out,
                "--ca", os.path.join(server.data_dir, "server.crt"), *args,
                env=cli_env(server, **env))
        if p.returncode == 3:  # slipwayd (us-east-1) refuses a request signed for another
            m = re.search(r"The region '([a-z0-9-]+)' is wrong", p.stderr)
            assert m and "slipway configure --region" in p.stderr, p.stderr
            return m.group(1)
        assert p.returncode == 0, p.stderr
        return agent_config(out)["region"]

    assert region(AWS_CONFIG_FILE=str(cfg)) == "eu-west-3"
    assert region(AWS_CONFIG_FILE=str(cfg), AWS_DEFAULT_REGION="ap-south-1") == "ap-south-1"
    assert region(AWS_CONFIG_FILE=str(cfg), AWS_DEFAULT_REGION="ap-south-1",
                  AWS_REGION="sa-east-1") == "sa-east-1"
    assert region("--region", "ca-central-1", AWS_CONFIG_FILE=str(cfg),
                  AWS_REGION="sa-east-1") == "ca-central-1"
    assert region(AWS_CONFIG_FILE=os.devnull) == "us-east-1"


# ---- configure --------------------------------------------------------------------------------

def test_configure_writes_a_profile_and_keeps_the_others(server, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".aws").mkdir()
    (home / ".aws" / "credentials").write_text(
        "[work]\naws_access_key_id = AKIAWORK\naws_secret_access_key = secret\n")
    (home / ".aws" / "config").write_text("[profile work]\nregion = eu-west-1\n# a comment\n")
    env = cli_env(None, HOME=str(home))
    crt = os.path.join(server.data_dir, "server.crt")
    p = ok(None, "configure", "--access-key", server.access_key, "--secret-key",
           server.secret_key, "--region", "eu-central-1", "--endpoint", server.endpoint,
           "--ca", crt, env=env)
    assert "profile 'slipway' saved" in p.stdout
    creds = configparser.ConfigParser()
    creds.read(home / ".aws" / "credentials")
    assert creds["slipway"]["aws_access_key_id"] == server.access_key
    assert creds["slipway"]["aws_secret_access_key"] == server.secret_key
    assert creds["work"]["aws_access_key_id"] == "AKIAWORK"
    assert stat.S_IMODE(os.stat(home / ".aws" / "credentials").st_mode) == 0o600
    config = configparser.ConfigParser()
    config.read(home / ".aws" / "config")
    assert dict(config["profile slipway"]) == {"region": "eu-central-1",
                                               "endpoint_url": server.endpoint,
                                               "ca_file": crt}
    assert config["profile work"]["region"] == "eu-west-1"
    assert "# a comment" in (home / ".aws" / "config").read_text()
    # slipwayd serves us-east-1 only: a request signed for eu-central-1 is refused, saying so
    p = fails(None, 3, "app", "create", "from-profile", env=env)
    assert "region 'eu-central-1' is wrong" in p.stderr and "--region" in p.stderr
    ok(None, "configure", "--region", "us-east-1", env=env)
    # the profile works on its own: endpoint, keys, and the certificate for instance register
    ok(None, "app", "create", "from-profile", env=env)
    ok(None, "instance", "register", "h1", "--tags", "a=b", "--out", tmp_path / "h1.yml",
       env=env)
    # the aws CLI reads the same files
    r = subprocess.run(["aws", "--profile", "slipway", "--endpoint-url", server.endpoint,
                        "deploy", "list-applications", "--output", "json"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0 and "from-profile" in r.stdout, r.stderr
    # changing one value keeps the rest; nothing given and no terminal: nothing changes
    ok(None, "configure", "--region", "us-west-2", env=env)
    config.read(home / ".aws" / "config")
    assert config["profile slipway"]["region"] == "us-west-2"
    assert config["profile slipway"]["endpoint_url"] == server.endpoint
    p = ok(None, "configure", env=env)
    assert "unchanged" in p.stdout
    # another profile by name
    ok(None, "configure", "--profile", "staging", "--access-key", "AKIASTAGING",
       "--secret-key", "s", env=env)
    creds.read(home / ".aws" / "credentials")
    assert creds["staging"]["aws_access_key_id"] == "AKIASTAGING"
    p = fails(None, 2, "configure", "--endpoint", "localhost:8790", env=env)
    assert "http:// or https:// URL" in p.stderr


def test_configure_prompts_on_a_terminal(server, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = cli_env(None, HOME=str(home))
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(CLI, [CLI, "configure"], env)
    answers = [server.access_key, server.secret_key, "", server.endpoint, ""]
    out = b""
    seen = 0
    deadline = time.time() + 30
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 1)
        if not r:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
        while seen < len(answers) and out.count(b"]: ") > seen:
            os.write(fd, answers[seen].encode() + b"\n")
            seen += 1
    _, status = os.waitpid(pid, 0)
    text = out.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "Access key id [none]:" in text and "Endpoint URL [none]:" in text
    assert server.secret_key not in text  # the secret is not echoed
    ok(None, "app", "list", env=env)


# ---- applications ---------------------------------------------------------------------------

def test_app_commands(server, cd):
    p = ok(server, "app", "create", "web")
    app_id = cd.get_application(applicationName="web")["application"]["applicationId"]
    assert p.stdout == f"created application web (Server, id {app_id})\n"
    j = js(server, "app", "create", "thumbs", "--platform", "lambda")
    assert j["applicationName"] == "thumbs" and j["computePlatform"] == "Lambda"
    assert cd.get_application(applicationName="thumbs")["application"]["computePlatform"] == \
        "Lambda"
    assert ok(server, "app", "create", "api", "-o", "text").stdout.strip() == \
        cd.get_application(applicationName="api")["application"]["applicationId"]

    listing = js(server, "app", "list")
    assert [a["applicationName"] for a in listing] == ["api", "thumbs", "web"]
    web = next(a for a in listing if a["applicationName"] == "web")
    assert web["applicationId"] == app_id and web["computePlatform"] == "Server"
    assert isinstance(web["createTime"], (int, float))
    rows = table(ok(server, "app", "list").stdout)
    assert rows[0] == ["NAME", "PLATFORM", "CREATED", "ID"]
    assert [r[0] for r in rows[1:]] == ["api", "thumbs", "web"]
    text = ok(server, "app", "list", "--output", "text").stdout.splitlines()
    assert text[2].split("\t")[0:2] == ["web", "Server"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", text[2].split("\t")[2])

    cd.create_deployment_group(applicationName="web", deploymentGroupName="prod",
                               serviceRoleArn="arn:aws:iam::123456789012:role/x")
    show = js(server, "app", "show", "web")
    assert show["applicationId"] == app_id and show["deploymentGroups"] == ["prod"]
    assert kv(ok(server, "app", "show", "web").stdout)["groups"] == "prod"

    p = fails(server, 1, "app", "create", "web")
    assert p.stderr.startswith("slipway: ApplicationAlreadyExistsException: ")
    p = fails(server, 1, "app", "show", "nope")
    assert "ApplicationDoesNotExistException" in p.stderr
    assert "hint: see `slipway app list`" in p.stderr

    assert ok(server, "app", "delete", "api").stdout == "deleted application api\n"
    assert js(server, "app", "delete", "thumbs") == {"applicationName": "thumbs",
                                                     "deleted": True}
    fails(server, 1, "app", "delete", "thumbs")
    assert [a["applicationName"] for a in js(server, "app", "list")] == ["web"]
    assert cd.list_applications()["applications"] == ["web"]


def test_app_list_pages_through_every_application(server, cd):
    for i in range(130):
        cd.create_application(applicationName=f"app-{i:03d}")
    names = [a["applicationName"] for a in js(server, "app", "list")]
    assert names == [f"app-{i:03d}" for i in range(130)]


def test_global_options_anywhere_and_no_colour_without_a_terminal(server):
    ok(server, "app", "create", "web")
    a = ok(server, "--output", "json", "app", "list").stdout
    b = ok(server, "app", "list", "-o", "json").stdout
    c = ok(server, "app", "list", "--output=json").stdout
    assert json.loads(a) == json.loads(b) == json.loads(c)
    assert "\033[" not in ok(server, "app", "list").stdout


# ---- deployment groups ------------------------------------------------------------------------

def test_group_commands(server, cd):
    ok(server, "app", "create", "web")
    account = server.aws("iam", "get-user")["User"]["Arn"].split(":")[4]
    p = ok(server, "group", "create", "--app", "web", "prod", "--tag", "role=web", "--tag",
           "env", "--rollback-on", "failure,stop")
    g = cd.get_deployment_group(applicationName="web",
                                deploymentGroupName="prod")["deploymentGroupInfo"]
    assert p.stdout == f"created deployment group prod of web (id {g['deploymentGroupId']})\n"
    assert g["serviceRoleArn"] == f"arn:aws:iam::{account}:role/slipway"
    assert g["onPremisesInstanceTagFilters"] == [
        {"Key": "role", "Value": "web", "Type": "KEY_AND_VALUE"},
        {"Key": "env", "Type": "KEY_ONLY"}]
    assert g["autoRollbackConfiguration"] == {
        "enabled": True, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"]}
    assert g["deploymentConfigName"] == "CodeDeployDefault.OneAtATime"
    assert g["deploymentStyle"]["deploymentType"] == "IN_PLACE"

    ok(server, "group", "create", "--app", "web", "canary", "--tag-set", "role=web,role=api",
       "--tag-set", "zone=a", "--config", "CodeDeployDefault.AllAtOnce", "--rollback-on",
       "alarm", "--role", "arn:aws:iam::123456789012:role/deployer")
    c = cd.get_deployment_group(applicationName="web",
                                deploymentGroupName="canary")["deploymentGroupInfo"]
    assert c["onPremisesTagSet"]["onPremisesTagSetList"] == [
        [{"Key": "role", "Value": "web", "Type": "KEY_AND_VALUE"},
         {"Key": "role", "Value": "api", "Type": "KEY_AND_VALUE"}],
        [{"Key": "zone", "Value": "a", "Type": "KEY_AND_VALUE"}]]
    assert c["serviceRoleArn"] == "arn:aws:iam::123456789012:role/deployer"
    assert c["autoRollbackConfiguration"]["events"] == ["DEPLOYMENT_STOP_ON_ALARM"]

    # show --output json is the DeploymentGroupInfo, complete
    shown = js(server, "group", "show", "--app", "web", "prod")
    raw = server.aws("deploy", "get-deployment-group", "--application-name", "web",
                     "--deployment-group-name", "prod")["deploymentGroupInfo"]
    assert shown == raw
    view = kv(ok(server, "group", "show", "--app", "web", "canary").stdout)
    assert view["targets"] == "(role=web, role=api) and (zone=a)"
    assert view["rollback"] == "on alarm" and view["config"] == "CodeDeployDefault.AllAtOnce"
    assert view["revision"] == "(none)" and view["style"] == "in-place"

    listing = js(server, "group", "list", "--app", "web")
    assert [g["deploymentGroupName"] for g in listing] == ["canary", "prod"]
    rows = table(ok(server, "group", "list", "--app", "web").stdout)
    assert rows[0] == ["NAME", "CONFIG", "TARGETS", "ROLLBACK", "LAST DEPLOYMENT"]
    assert rows[2][:4] == ["prod", "CodeDeployDefault.OneAtATime", "role=web, env (any)",
                           "on failure, stop"]

    # update: one setting at a time, the others kept; tags replace tag sets; rename
    ok(server, "group", "update", "--app", "web", "canary", "--tag", "role=db")
    c = cd.get_deployment_group(applicationName="web",
                                deploymentGroupName="canary")["deploymentGroupInfo"]
    assert c["onPremisesInstanceTagFilters"] == [{"Key": "role", "Value": "db",
                                                  "Type": "KEY_AND_VALUE"}]
    assert not c.get("onPremisesTagSet", {}).get("onPremisesTagSetList")
    assert c["deploymentConfigName"] == "CodeDeployDefault.AllAtOnce"
    p = ok(server, "group", "update", "--app", "web", "prod", "--rollback-on", "none",
           "--config", "CodeDeployDefault.HalfAtATime", "--name", "production")
    assert p.stdout == "updated deployment group production of web (renamed from prod)\n"
    g = cd.get_deployment_group(applicationName="web",
                                deploymentGroupName="production")["deploymentGroupInfo"]
    assert g["autoRollbackConfiguration"]["enabled"] is False
    assert g["deploymentConfigName"] == "CodeDeployDefault.HalfAtATime"
    assert g["onPremisesInstanceTagFilters"][0]["Value"] == "web"
    fails(server, 2, "group", "update", "--app", "web", "production")

    p = fails(server, 1, "group", "create", "--app", "web", "production", "--tag", "a=b")
    assert "DeploymentGroupAlreadyExistsException" in p.stderr
    p = fails(server, 1, "group", "create", "--app", "web", "x", "--config", "Nope")
    assert "DeploymentConfigDoesNotExistException" in p.stderr
    p = fails(server, 1, "group", "list", "--app", "nope")
    assert "ApplicationDoesNotExistException" in p.stderr

    assert js(server, "group", "delete", "--app", "web", "canary") == {
        "applicationName": "web", "deploymentGroupName": "canary", "deleted": True}
    p = fails(server, 1, "group", "delete", "--app", "web", "canary")
    assert "DeploymentGroupDoesNotExistException" in p.stderr
    assert cd.list_deployment_groups(applicationName="web")["deploymentGroups"] == \
        ["production"]


# ---- deployment configurations ----------------------------------------------------------------

def test_config_commands(server, cd):
    ok(server, "config", "create", "quarter", "--min-healthy", "75%")
    ok(server, "config", "create", "keep-two", "--min-healthy", "2")
    ok(server, "config", "create", "canary", "--canary", "10%/5m")
    ok(server, "config", "create", "linear", "--linear", "20%/1h")

    def info(name):
        return cd.get_deployment_config(deploymentConfigName=name)["deploymentConfigInfo"]

    assert info("quarter")["minimumHealthyHosts"] == {"type": "FLEET_PERCENT", "value": 75}
    assert info("quarter")["computePlatform"] == "Server"
    assert info("keep-two")["minimumHealthyHosts"] == {"type": "HOST_COUNT", "value": 2}
    assert info("canary")["computePlatform"] == "Lambda"
    assert info("canary")["trafficRoutingConfig"] == {
        "type": "TimeBasedCanary",
        "timeBasedCanary": {"canaryPercentage": 10, "canaryInterval": 5}}
    assert info("linear")["trafficRoutingConfig"]["timeBasedLinear"] == {
        "linearPercentage": 20, "linearInterval": 60}

    shown = js(server, "config", "show", "quarter")
    assert shown == server.aws("deploy", "get-deployment-config", "--deployment-config-name",
                               "quarter")["deploymentConfigInfo"]
    assert kv(ok(server, "config", "show", "keep-two").stdout)["rule"] == \
        "at least 2 hosts healthy"
    listing = js(server, "config", "list")
    names = [c["deploymentConfigName"] for c in listing]
    assert {"CodeDeployDefault.OneAtATime", "quarter", "canary"} <= set(names)
    rows = {r[0]: r for r in table(ok(server, "config", "list").stdout)}
    assert rows["quarter"][1:] == ["Server", "at least 75% of hosts healthy"]
    assert rows["canary"][2] == "canary: 10% of traffic, the rest after 5 min"
    assert rows["CodeDeployDefault.AllAtOnce"][2] == "all hosts at once"

    # in use by a group: cannot be deleted, and the hint says why
    ok(server, "app", "create", "web")
    ok(server, "group", "create", "--app", "web", "g", "--config", "quarter", "--tag", "a=b")
    p = fails(server, 1, "config", "delete", "quarter")
    assert "DeploymentConfigInUseException" in p.stderr and "hint:" in p.stderr
    p = fails(server, 1, "config", "create", "quarter", "--min-healthy", "1")
    assert "DeploymentConfigAlreadyExistsException" in p.stderr
    assert ok(server, "config", "delete", "keep-two").stdout == \
        "deleted deployment configuration keep-two\n"
    p = fails(server, 1, "config", "delete", "keep-two")
    assert "DeploymentConfigDoesNotExistException" in p.stderr


# ---- instances --------------------------------------------------------------------------------

def agent_config(path):
    import yaml  # python3-yaml
    with open(path) as f:
        return yaml.safe_load(f)


def test_instance_register_writes_a_working_agent_configuration(server, cd, iam, tmp_path):
    out = tmp_path / "etc" / "agent.yml"
    out.parent.mkdir()
    p = ok(server, "instance", "register", "web-1", "--tags", "role=web,zone=a", "--out", out)
    assert "registered web-1" in p.stdout and "slipway-agent --config" in p.stdout
    cfg = agent_config(out)
    user = iam.get_user(UserName="web-1")["User"]
    assert cfg["iam_user_arn"] == user["Arn"]
    assert cfg["endpoint"] == server.endpoint and cfg["region"] == "us-east-1"
    keys = iam.list_access_keys(UserName="web-1")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [cfg["aws_access_key_id"]]
    # the certificate beside it is slipwayd's, named by absolute path
    assert cfg["ca_file"] == str(tmp_path / "etc" / "server.crt")
    with open(os.path.join(server.data_dir, "server.crt")) as a, open(cfg["ca_file"]) as b:
        assert a.read() == b.read()
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    info = cd.get_on_premises_instance(instanceName="web-1")["instanceInfo"]
    assert info["iamUserArn"] == user["Arn"]
    assert sorted((t["Key"], t["Value"]) for t in info["tags"]) == [("role", "web"),
                                                                    ("zone", "a")]
    # the JSON form names what was written
    j = js(server, "instance", "register", "web-2", "--tags", "role=web", "--out",
           tmp_path / "w2.yml", "--agent-endpoint", "http://10.1.2.3:8790", "--root-dir",
           "/srv/deploy")
    assert j["instanceName"] == "web-2" and j["configFile"] == str(tmp_path / "w2.yml")
    assert j["tags"] == [{"Key": "role", "Value": "web"}]
    cfg2 = agent_config(tmp_path / "w2.yml")
    assert cfg2["endpoint"] == "http://10.1.2.3:8790" and cfg2["root_dir"] == "/srv/deploy"


def test_instance_register_writes_a_file_the_agent_runs_with(dserver, tmp_path):
    """slipway-agent loads the file, trusts the certificate and polls slipwayd with the key."""
    from conftest import AGENT
    out = tmp_path / "agent.yml"
    ok(dserver, "instance", "register", "h", "--tags", "role=web", "--out", out, "--root-dir",
       tmp_path / "root")
    p = subprocess.run([AGENT, "--config", str(out), "--once", "--stderr"], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert "polling" in p.stderr and "user/h" in p.stderr


def test_instance_register_failures_undo_what_was_created(server, cd, iam, tmp_path):
    # the instance name is taken (by another IAM user): the new user and key are removed again
    arn = iam.create_user(UserName="someone")["User"]["Arn"]
    cd.register_on_premises_instance(instanceName="taken", iamUserArn=arn)
    p = fails(server, 1, "instance", "register", "taken", "--tags", "a=b", "--out",
              tmp_path / "t.yml")
    assert "InstanceNameAlreadyRegisteredException" in p.stderr
    assert "taken" not in [u["UserName"] for u in iam.list_users()["Users"]]
    assert not (tmp_path / "t.yml").exists()
    # an IAM user of that name exists: nothing is registered
    iam.create_user(UserName="occupied")
    p = fails(server, 1, "instance", "register", "occupied", "--tags", "a=b", "--out",
              tmp_path / "o.yml")
    assert "EntityAlreadyExists" in p.stderr
    assert "occupied" not in cd.list_on_premises_instances()["instanceNames"]
    # no certificate to be found: a usage error before anything is created
    env = cli_env(server, AWS_SHARED_CREDENTIALS_FILE=None, AWS_CONFIG_FILE=None,
                  AWS_ACCESS_KEY_ID=server.access_key, AWS_SECRET_ACCESS_KEY=server.secret_key)
    p = fails(server, 2, "instance", "register", "noca", "--tags", "a=b", "--out",
              tmp_path / "n.yml", env=env)
    assert "pass --ca" in p.stderr
    assert "noca" not in [u["UserName"] for u in iam.list_users()["Users"]]
    # with --ca it works
    ok(server, "instance", "register", "noca", "--tags", "a=b", "--out", tmp_path / "n.yml",
       "--ca", os.path.join(server.data_dir, "server.crt"), env=env)
    p = fails(server, 2, "instance", "register", "x", "--tags", "a=b", "--out",
              tmp_path / "x.yml", "--ca", os.path.join(server.data_dir, "credentials"))
    assert "is not a PEM certificate" in p.stderr
    p = fails(server, 2, "instance", "register", "x", "--tags", "a=b", "--out",
              tmp_path / "missing-dir" / "x.yml")
    assert "cannot write into the directory" in p.stderr


def test_instance_list_show_tag_untag_deregister(server, cd, iam, tmp_path):
    for name, tags in (("web-1", "role=web,zone=a"), ("web-2", "role=web,zone=b"),
                       ("db-1", "role=db")):
        ok(server, "instance", "register", name, "--tags", tags, "--out",
           tmp_path / f"{name}.yml")
    listing = js(server, "instance", "list")
    assert [i["instanceName"] for i in listing] == ["db-1", "web-1", "web-2"]
    raw = cd.batch_get_on_premises_instances(instanceNames=["web-1"])["instanceInfos"][0]
    web1 = next(i for i in listing if i["instanceName"] == "web-1")
    assert web1["instanceArn"] == raw["instanceArn"] and web1["iamUserArn"] == raw["iamUserArn"]
    assert [i["instanceName"] for i in js(server, "instance", "list", "--tag", "role=web")] == \
        ["web-1", "web-2"]
    assert [i["instanceName"] for i in js(server, "instance", "list", "--tag", "zone=b",
                                          "--tag", "role=db")] == ["db-1", "web-2"]
    rows = table(ok(server, "instance", "list").stdout)
    assert rows[0] == ["NAME", "STATUS", "TAGS", "REGISTERED"]
    assert rows[2][:3] == ["web-1", "Registered", "role=web, zone=a"]

    assert ok(server, "instance", "tag", "web-1", "tier=front", "zone=c").stdout == \
        "tagged web-1\n"
    j = js(server, "instance", "untag", "web-1", "role")
    assert sorted((t["Key"], t["Value"]) for t in j["tags"]) == [("tier", "front"),
                                                                 ("zone", "c")]
    shown = js(server, "instance", "show", "web-1")
    assert shown == server.aws("deploy", "get-on-premises-instance", "--instance-name",
                               "web-1")["instanceInfo"]
    view = kv(ok(server, "instance", "show", "web-1").stdout)
    assert view["status"] == "Registered" and view["tags"] == "tier=front, zone=c"
    p = fails(server, 1, "instance", "show", "nope")
    assert "InstanceNotRegisteredException" in p.stderr or "InstanceDoesNotExist" in p.stderr

    p = ok(server, "instance", "deregister", "web-2")
    assert p.stdout == "deregistered web-2 and deleted IAM user web-2\n"
    assert "web-2" not in [u["UserName"] for u in iam.list_users()["Users"]]
    info = cd.get_on_premises_instance(instanceName="web-2")["instanceInfo"]
    assert "deregisterTime" in info and info.get("tags", []) == []
    assert [i["instanceName"] for i in js(server, "instance", "list")] == ["db-1", "web-1"]
    assert [(i["instanceName"], "deregisterTime" in i)
            for i in js(server, "instance", "list", "--all")] == \
        [("db-1", False), ("web-1", False), ("web-2", True)]
    j = js(server, "instance", "deregister", "db-1", "--keep-iam-user")
    assert j["iamUserDeleted"] is False and j["deregistered"] is True
    assert "db-1" in [u["UserName"] for u in iam.list_users()["Users"]]
