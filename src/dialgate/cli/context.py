"""Shared CLI plumbing: the lazily built container, output helpers, error translation."""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson

from dialgate.bootstrap import Container, build
from dialgate.config import Settings, load_settings
from dialgate.errors import DialgateError
from dialgate.services.imports import ImportReport
from dialgate.services.runtime import Runtime

F = TypeVar("F", bound=Callable[..., Any])


class CliState:
    def __init__(self, db: str | None, data_dir: Path | None) -> None:
        self._overrides = {"database_url": db, "data_dir": data_dir}
        self._container: Container | None = None

    @functools.cached_property
    def settings(self) -> Settings:
        return load_settings(**self._overrides)

    def container(self, *, check_schema: bool = True) -> Container:
        if self._container is None:
            self._container = build(self.settings, check_schema=check_schema)
        return self._container

    @property
    def runtime(self) -> Runtime:
        return self.container().runtime

    def close(self) -> None:
        if self._container is not None:
            self._container.close()


def state() -> CliState:
    obj = click.get_current_context().find_object(CliState)
    assert obj is not None, "the dialgate group sets the CLI state"
    return obj


def runtime() -> Runtime:
    return state().runtime


def echo_json(data: Any) -> None:
    click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode())


def report_import(report: ImportReport, what: str) -> None:
    """Summary on stderr; exit 2 when any row was rejected (the good rows are kept either way)."""
    for err in report.rejected:
        click.echo(f"rejected: {err.message}", err=True)
    click.echo(f"{report.accepted} {what} imported, {len(report.rejected)} rejected", err=True)
    if report.rejected:
        raise SystemExit(2)


def fail(error: DialgateError) -> None:
    click.echo(f"dialgate: error: {error}", err=True)
    raise SystemExit(error.exit_code)


def run_guarded(func: Callable[[], Any]) -> Any:
    """Translate errors at the edge: DialgateError -> its exit code; anything else -> 3."""
    try:
        return func()
    except DialgateError as exc:
        fail(exc)
    except click.exceptions.Exit:
        raise
    except click.ClickException:
        raise
    except KeyboardInterrupt:
        click.echo("dialgate: interrupted", err=True)
        raise SystemExit(130) from None
    except BrokenPipeError:
        sys.stderr.close()
        raise SystemExit(0) from None
    except Exception as exc:
        if os.environ.get("DIALGATE_DEBUG"):
            traceback.print_exc()
        undecodable = [arg for arg in sys.argv[1:] if _not_utf8(arg)]
        if undecodable and _about_encoding(exc):  # the cause: such text cannot be stored or compared
            shown = os.fsencode(undecodable[0]).decode("utf-8", "backslashreplace")
            click.echo(f"dialgate: the argument '{shown}' is not valid UTF-8: give text in UTF-8", err=True)
            raise SystemExit(2) from None
        click.echo(f"dialgate: internal error: {type(exc).__name__}: {exc}", err=True)
        raise SystemExit(3) from None


def _about_encoding(exc: Exception) -> bool:
    """Errors that text with lone surrogates raises where it is encoded (the stores, orjson)."""
    return isinstance(exc, UnicodeError) or "utf-8" in str(exc).lower() or "surrogate" in str(exc).lower()


def _not_utf8(arg: str) -> bool:
    """Python keeps the bytes of an argument that is not UTF-8 as lone surrogates (surrogateescape)."""
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
