"""Shell completion for bash, zsh and fish: `--show-completion [SHELL]` prints the script,
`--install-completion [SHELL]` writes it where the shell finds it (SHELL defaults to `$SHELL`'s).

The scripts are click's: a shell asks `_INFRAPROBE_COMPLETE=bash_complete infraprobe` (`zsh_complete`,
`fish_complete`) with the words typed so far; commands add their own values (`check --only` offers the
config's component names). Installed as files rather than an `eval "$(infraprobe ...)"` line, so a new
shell does not start Python."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

PROG = "infraprobe"
COMPLETE_VAR = "_INFRAPROBE_COMPLETE"
F = TypeVar("F", bound=Callable[..., Any])

# Where each shell reads a completion script, and the line its rc file needs for that (None: none needed).
INSTALL: dict[str, tuple[str, str | None, str | None]] = {
    "bash": (".bash_completions/infraprobe.sh", ".bashrc", "source ~/.bash_completions/infraprobe.sh"),
    "zsh": (".zfunc/_infraprobe", ".zshrc", "fpath+=~/.zfunc; autoload -Uz compinit; compinit"),
    "fish": (".config/fish/completions/infraprobe.fish", None, None),
}


def script(command: click.Command, shell: str) -> str:
    """The completion script `shell` sources for `command`."""
    from click.shell_completion import get_completion_class

    completion = get_completion_class(shell)
    if completion is None:  # INSTALL names only shells click has a class for
        raise click.BadParameter(f"{shell!r} is not one of {', '.join(INSTALL)}")
    return completion(command, {}, PROG, COMPLETE_VAR).source()


def install(command: click.Command, shell: str, home: Path) -> Path:
    """Write the script under `home` and, once, the line that loads it into the shell's rc file."""
    relative, rc, line = INSTALL[shell]
    target = home / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(script(command, shell), encoding="utf-8")
    if rc is not None and line is not None:
        rc_file = home / rc
        existing = rc_file.read_text(encoding="utf-8") if rc_file.exists() else ""
        if line not in existing:
            with rc_file.open("a", encoding="utf-8") as out:
                out.write(f"\n{line}\n")
    return target


def _shell(value: str) -> str:
    """The shell named, or `$SHELL`'s."""
    shell = (value or Path(os.environ.get("SHELL", "")).name).lower()
    if shell not in INSTALL:
        raise click.BadParameter(f"{shell or 'no $SHELL'!r}: name one of {', '.join(INSTALL)}")
    return shell


def _show(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:
        return
    click.echo(script(ctx.find_root().command, _shell(value)), nl=False)
    ctx.exit()


def _install(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:
        return
    shell = _shell(value)
    target = install(ctx.find_root().command, shell, Path.home())
    click.echo(f"{shell} completion installed in {target}; it takes effect in a new shell")
    ctx.exit()


def completion_options(function: F) -> F:
    """`--install-completion [SHELL]` and `--show-completion [SHELL]` on the root command."""
    for name, callback, does in (
        ("--show-completion", _show, "print the completion script"),
        ("--install-completion", _install, "install completion"),
    ):
        function = click.option(
            name,
            is_flag=False,
            flag_value="",  # given without a value: $SHELL's shell
            default=None,
            metavar="[SHELL]",
            expose_value=False,
            is_eager=True,
            callback=callback,
            help=f"{does} for bash, zsh or fish (default: $SHELL's)",
            show_default=False,
        )(function)
    return function


def component_names(ctx: click.Context, param: click.Parameter | None, incomplete: str) -> list[str]:
    """Shell completion for `check --only`, `validate --only` and `history --component`: the component names
    of the config already on the command line."""
    # While a shell completes `--only <TAB>`, click's parse stops at the option that lacks its value, so the
    # config named before it is left in ctx.args rather than bound to its parameter.
    config = ctx.params.get("config") or next(iter(getattr(ctx, "args", None) or ()), None)
    import yaml  # only while a shell completes: not on every command's start-up

    try:
        data = yaml.safe_load(Path(str(config)).read_text(encoding="utf-8")) if config else None
    except (OSError, yaml.YAMLError):
        return []
    items = data.get("components") if isinstance(data, dict) else None
    names = [str(c.get("name")) for c in items or () if isinstance(c, dict) and c.get("name")]
    return [n for n in names if n.startswith(incomplete)]
