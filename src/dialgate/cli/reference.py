"""Generates docs/cli.md and docs/settings.md from the code; tests/unit/test_docs.py holds them equal.

python -m dialgate.cli.reference      # rewrite both files
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from pydantic import BaseModel

from dialgate.config import Settings

DOCS = Path(__file__).resolve().parents[3] / "docs"


def _commands(group: click.Group, prefix: str) -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []
    for name in sorted(group.commands):
        command = group.commands[name]
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            out.extend(_commands(command, path))
        else:
            out.append((path, command))
    return out


def cli_reference() -> str:
    from dialgate.cli.main import cli

    lines = [
        "# Command-line reference",
        "",
        "Generated from the code by `python -m dialgate.cli.reference`.",
        "",
    ]
    ctx = click.Context(cli, info_name="dialgate")
    lines += ["Global options:", ""]
    lines += _options(cli, ctx)
    for path, command in _commands(cli, "dialgate"):
        sub = click.Context(command, info_name=path, parent=ctx)
        usage = " ".join(command.collect_usage_pieces(sub))
        lines += [f"## `{path}`", "", f"    {path} {usage}", ""]
        if command.help:
            lines += [command.help.strip(), ""]
        lines += _options(command, sub)
    return "\n".join(lines).rstrip() + "\n"


def _options(command: click.Command, ctx: click.Context) -> list[str]:
    rows = []
    for param in command.get_params(ctx):
        if "--help" in getattr(
            param, "opts", ()
        ):  # the same everywhere; click caches its spelling per context
            continue
        record = param.get_help_record(ctx)
        if record is None:
            continue
        rows.append(f"| `{record[0]}` | {record[1].replace('|', '/')} |")
    return (["| option | meaning |", "| --- | --- |", *rows, ""]) if rows else []


def settings_reference() -> str:
    lines = [
        "# Settings",
        "",
        "Every setting is read from the environment (prefix `DIALGATE_`; nested settings use `__`, e.g.",
        "`DIALGATE_HLR__PROVIDER`). Generated from `src/dialgate/config.py` by `python -m dialgate.cli.reference`.",
        "",
        "| variable | default | meaning |",
        "| --- | --- | --- |",
    ]
    lines += _settings_rows(Settings, "DIALGATE_")
    return "\n".join(lines) + "\n"


def _settings_rows(model: type[BaseModel], prefix: str) -> list[str]:
    rows = []
    for name, field in model.model_fields.items():
        annotation: Any = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            rows += _settings_rows(annotation, f"{prefix}{name.upper()}__")
            continue
        value = field.get_default(call_default_factory=True)
        default = "" if field.is_required() else (str(value) if isinstance(value, Path) else repr(value))
        text = (field.description or "").replace("|", "/").replace("\n", " ")
        rows.append(f"| `{prefix}{name.upper()}` | `{default}` | {text} |")
    return rows


def write() -> None:
    DOCS.mkdir(exist_ok=True)
    (DOCS / "cli.md").write_text(cli_reference(), encoding="utf-8")
    (DOCS / "settings.md").write_text(settings_reference(), encoding="utf-8")


if __name__ == "__main__":
    write()
