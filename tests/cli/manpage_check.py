#!/usr/bin/env python3
"""Compare a tool's --help with its man page source (scdoc) and the generated page.

usage: manpage_check.py TOOL SOURCE.scd GENERATED.1

Reports every drift, one line each, naming the command, the option and where to add or remove
it; exits 1 when there is any. What is compared:
  - the commands in `TOOL --help` and the "## COMMAND" sections under "# COMMANDS";
  - for each command, the options in `TOOL COMMAND --help` ("options:" lines) and the options
    documented for it: option lines of its "## COMMAND" section, of every top-level section it
    names in bold (*QR OPTIONS*), and of "# GLOBAL OPTIONS" (both ways; short aliases and the
    argument's name too);
  - the global options named in `TOOL --help` and "# GLOBAL OPTIONS";
  - the exit codes on the "exit status:" lines and "# EXIT STATUS" (both ways);
  - every $VARIABLE the help texts mention and "# ENVIRONMENT";
  - the generated page: every option of every command in bold (\\fB--opt\\fR), and it renders
    with groff without a warning.
An option line in the source is an unindented line that starts with a bold option:
  *-o*, *--out* _FILE_
"""
import re
import subprocess
import sys

OPT_RE = re.compile(r"^((?:-[A-Za-z0-9], )?--?[A-Za-z0-9][\w-]*)(?: (\S.*?))?$")


def run_help(tool, *args):
    p = subprocess.run([tool, *args, "--help"], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{tool} {' '.join(args)} --help: exit {p.returncode}: {p.stderr.strip()}")
    return p.stdout


def parse_opt(text):
    """'-o, --out FILE' -> (('--out', '-o'), 'FILE'); long name first."""
    m = OPT_RE.match(text.strip())
    if not m:
        return None
    names = [n.strip() for n in m.group(1).split(",")]
    names.sort(key=lambda n: (not n.startswith("--"), n))
    return tuple(names), (m.group(2) or "").strip()


def help_section(text, header):
    """Lines after a line equal to `header` up to the next blank line."""
    out, inside = [], False
    for line in text.splitlines():
        if inside:
            if not line.strip():
                break
            out.append(line)
        elif line.strip() == header:
            inside = True
    return out


def help_options(text):
    opts = {}
    for line in help_section(text, "options:"):
        m = re.match(r"^\s+(-\S.*?)(?:\s{2,}|$)", line)
        if not m:
            continue  # a description's continuation line
        o = parse_opt(m.group(1))
        if o:
            opts[o[0][0]] = o
    return opts


def help_exit_codes(text):
    m = re.search(r"^exit status:(.*?)(?:\n\s*\n|\Z)", text, re.S | re.M)
    if not m:
        return set()
    return set(re.findall(r"(?:^|,)\s*(\d+) ", m.group(1).replace("\n", " ")))


def strip_markup(s):
    s = s.replace("\\", "")
    return re.sub(r"[*_]", "", s)


class Page:
    """The scdoc source: top sections (# X) with their subsections (## y) and option lines."""

    def __init__(self, path):
        self.path = path
        self.top = {}  # name -> {"options": {...}, "refs": set(), "subs": {name: {...}}, "lines": []}
        cur = sub = None
        in_literal = False
        for raw in open(path, encoding="utf-8"):
            line = raw.rstrip("\n")
            if line.startswith("```"):
                in_literal = not in_literal
                continue
            if in_literal or line.startswith(";"):
                continue
            if line.startswith("# "):
                cur = self.top.setdefault(line[2:].strip(), self._new())
                sub = None
                continue
            if line.startswith("## ") and cur is not None:
                sub = cur["subs"].setdefault(line[3:].strip(), self._new())
                continue
            target = sub if sub is not None else cur
            if target is None:
                continue
            target["lines"].append(line)
            for ref in re.findall(r"\*([A-Z][A-Z ]+[A-Z])\*", line):
                target["refs"].add(ref)
            if line.startswith("*-"):
                o = parse_opt(strip_markup(line))
                if o is None:
                    raise SystemExit(f"{path}: cannot read the option line: {line}")
                target["options"][o[0][0]] = o

    @staticmethod
    def _new():
        return {"options": {}, "refs": set(), "subs": {}, "lines": []}

    def section(self, name):
        return self.top.get(name, self._new())


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    tool, src, gen = sys.argv[1:]
    name = tool.rsplit("/", 1)[-1]
    page = Page(src)
    drift = []

    def say(msg):
        drift.append(f"{name}: {msg}")

    top_help = run_help(tool)
    commands = [re.match(r"\s+(\S+)", l).group(1) for l in help_section(top_help, "commands:")]
    man_cmds = page.section("COMMANDS")["subs"]
    for c in commands:
        if c not in man_cmds:
            say(f"command '{c}' is in `{name} --help` but has no '## {c}' section under "
                f"'# COMMANDS' in {src}")
    for c in man_cmds:
        if c not in commands:
            say(f"'## {c}' in {src} documents a command `{name} --help` does not list")

    glob = page.section("GLOBAL OPTIONS")["options"]
    m = re.search(r"^global options:(.*)$", top_help, re.M)
    for tok in (m.group(1).split(",") if m else []):
        for n in re.findall(r"--?[\w-]+", tok.strip().split(" ")[0]):
            if not any(n in o[0] for o in glob.values()):
                say(f"global option {n} is in `{name} --help` but not under '# GLOBAL OPTIONS' "
                    f"in {src}")

    roff = open(gen, encoding="utf-8").read()
    all_help = top_help
    help_codes = set()
    for c in commands:
        text = run_help(tool, c)
        all_help += text
        help_codes |= help_exit_codes(text)
        h = help_options(text)
        sec = man_cmds.get(c, Page._new())
        documented = {}  # key -> (option, where)
        for ref in sorted(sec["refs"]):
            if ref in page.top and page.top[ref]["options"]:
                for k, o in page.top[ref]["options"].items():
                    documented[k] = (o, f"'# {ref}' (named in '## {c}')")
        for k, o in glob.items():
            documented[k] = (o, "'# GLOBAL OPTIONS'")
        for k, o in sec["options"].items():
            documented[k] = (o, f"'## {c}'")
        where_cmd = f"`{name} {c} --help`"
        for k, (names, arg) in h.items():
            if k not in documented:
                shown = ", ".join(reversed(names)) + (f" {arg}" if arg else "")
                say(f"{c}: option {shown} is in {where_cmd} but not in {src} "
                    f"(add an option line under '## {c}')")
                continue
            (mnames, marg), where = documented[k]
            if set(mnames) != set(names):
                say(f"{c}: option {k}: {where_cmd} names it {', '.join(names)}, {src} {where} "
                    f"names it {', '.join(mnames)}")
            if strip_markup(marg) != arg:
                say(f"{c}: option {k}: {where_cmd} gives its argument as '{arg}', {src} {where} "
                    f"as '{strip_markup(marg)}'")
            if f"\\fB{k}\\fR" not in roff:
                say(f"{c}: option {k} is not in bold in the generated {gen}")
        for k, ((mnames, marg), where) in documented.items():
            if k not in h:
                say(f"{c}: option {k} is documented in {src} {where} but {where_cmd} does not "
                    f"list it")

    man_codes = set()
    for line in page.section("EXIT STATUS")["lines"]:
        mm = re.match(r"^\*(\d+)\*\s*$", line)
        if mm:
            man_codes.add(mm.group(1))
    for code in sorted(help_codes - man_codes):
        say(f"exit code {code} is in the --help texts but not under '# EXIT STATUS' in {src}")
    for code in sorted(man_codes - help_codes):
        say(f"exit code {code} is under '# EXIT STATUS' in {src} but in no --help text")

    env = set()
    for line in page.section("ENVIRONMENT")["lines"]:
        if line.startswith("*"):
            env |= set(re.findall(r"\*([A-Za-z_][A-Za-z0-9_]*)\*", line))
    for var in sorted(set(re.findall(r"\$([A-Z_][A-Z0-9_]*)", all_help)) - env):
        say(f"${var} is mentioned in --help but not under '# ENVIRONMENT' in {src}")

    p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", gen], capture_output=True,
                       text=True)
    if p.returncode != 0 or p.stderr.strip():
        say(f"{gen} does not render cleanly with groff: {p.stderr.strip()}")

    for d in drift:
        print(d)
    n_opts = sum(len(s["options"]) for s in man_cmds.values())
    print(f"{name}: {len(commands)} commands, {n_opts} command options, {len(glob)} global "
          f"options, exit codes {','.join(sorted(help_codes))}: "
          f"{'DRIFT (' + str(len(drift)) + ')' if drift else 'man page and --help agree'}",
          file=sys.stderr)
    return 1 if drift else 0


if __name__ == "__main__":
    sys.exit(main())
