"""README.md's table of supported operations must be what the binary's own routing table says
(`slipwayd --list-operations`, rendered by scripts/gen-ops-table.sh), so it cannot drift."""
import os
import shutil
import subprocess

from conftest import ROOT, SLIPWAYD

SCRIPT = os.path.join(ROOT, "scripts", "gen-ops-table.sh")
README = os.path.join(ROOT, "README.md")
BEGIN = "<!-- ops-table:begin -->"
END = "<!-- ops-table:end -->"


def _run(*args, **kw):
    return subprocess.run([SCRIPT, "--binary", SLIPWAYD] + list(args), capture_output=True,
                          text=True, timeout=60, **kw)


def _list_operations():
    out = subprocess.run([SLIPWAYD, "--list-operations"], capture_output=True, text=True,
                         timeout=30, check=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def test_readme_table_matches_the_binary():
    with open(README, encoding="utf-8") as f:
        text = f.read()
    assert text.count(BEGIN) == 1 and text.count(END) == 1, \
        "README.md needs one ops-table:begin and one ops-table:end marker"
    inside = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    want = _run("--print")
    assert want.returncode == 0, want.stderr
    assert inside == want.stdout.strip(), (
        "README.md's operation table is out of date: run scripts/gen-ops-table.sh")


def test_list_operations_shape_and_revisions_are_supported():
    rows = _list_operations()
    assert rows and all(len(r) == 3 and r[2] in ("yes", "not yet") for r in rows)
    ops = {(r[0], r[1]): r[2] for r in rows}
    assert len(ops) == len(rows), "an operation is listed twice"
    for op in ("RegisterApplicationRevision", "GetApplicationRevision",
               "ListApplicationRevisions", "BatchGetApplicationRevisions"):
        assert ops[("CodeDeploy", op)] == "yes"


def test_table_follows_the_routing_table():
    rows = _list_operations()
    table = _run("--print").stdout
    services = list(dict.fromkeys(r[0] for r in rows))
    headings = [line[4:] for line in table.splitlines() if line.startswith("### ")]
    assert headings == services
    lines = [line for line in table.splitlines() if line.startswith("| `")]
    assert lines == ["| `%s` | %s |" % (op, "✓" if status == "yes" else "not yet")
                     for _, op, status in rows]


def test_script_rewrites_only_between_the_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\nbefore\n\n{BEGIN}\nstale table\n{END}\n\nafter\n",
                      encoding="utf-8")
    p = _run("--readme", str(readme))
    assert p.returncode == 0, p.stderr
    text = readme.read_text(encoding="utf-8")
    assert text.startswith(f"# Title\n\nbefore\n\n{BEGIN}\n\n### ")
    assert text.endswith(f"\n\n{END}\n\nafter\n")
    assert "stale table" not in text
    # Running again changes nothing; --check agrees, and notices a hand edit.
    p = _run("--readme", str(readme))
    assert p.returncode == 0 and "up to date" in p.stdout
    assert readme.read_text(encoding="utf-8") == text
    assert _run("--check", "--readme", str(readme)).returncode == 0
    readme.write_text(text.replace("not yet", "✓", 1), encoding="utf-8")
    p = _run("--check", "--readme", str(readme))
    assert p.returncode == 1 and "differs" in p.stderr


def test_script_refuses_a_readme_without_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n", encoding="utf-8")
    p = _run("--readme", str(readme))
    assert p.returncode == 2 and "ops-table:begin" in p.stderr
    assert readme.read_text(encoding="utf-8") == "# no markers\n"
    p = _run("--readme", str(tmp_path / "missing.md"))
    assert p.returncode == 2 and "--print" in p.stderr
