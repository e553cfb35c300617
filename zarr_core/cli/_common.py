"""What every command shares: options, opening URLs, errors and exit statuses."""

from __future__ import annotations

import json
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import click

from zarr_core.errors import (
    InvalidKeyError,
    PathNotFoundError,
    URLPipelineError,
    ZarrCoreError,
)

EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# Bad input the user can fix by changing the command (array/group "not found" errors are
# PathNotFoundError's siblings and subclass KeyError, caught below with it). A plugin
# that is not installed is a failure (1): the command is right, the machine lacks it.
_USAGE_ERRORS = (PathNotFoundError, URLPipelineError, InvalidKeyError)


class CommandError(ZarrCoreError):
    """A command failed; ``exit_code`` says how (1 failed, 2 usage)."""

    def __init__(self, message: str, exit_code: int = EXIT_FINDINGS):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class Options:
    """The global options, kept on the click context."""

    debug: bool = False
    storage_options: dict | None = None

    @classmethod
    def parse(cls, debug: bool, storage_options: str | None) -> Options:
        if storage_options is None:
            return cls(debug)
        try:
            parsed = json.loads(storage_options)
        except json.JSONDecodeError as exc:
            raise click.BadParameter(f"not JSON: {exc}", param_hint="--storage-options") from exc
        if not isinstance(parsed, dict):
            raise click.BadParameter("must be a JSON object", param_hint="--storage-options")
        return cls(debug, parsed)


def options() -> Options:
    return click.get_current_context().find_object(Options) or Options()


@contextmanager
def about(url: str) -> Iterator[None]:
    """Turn an error while working on ``url`` into a CommandError naming it."""
    try:
        yield
    except (CommandError, click.ClickException, KeyboardInterrupt):
        raise
    except Exception as exc:
        if options().debug:
            raise
        usage = isinstance(exc, _USAGE_ERRORS) or (
            isinstance(exc, KeyError) and isinstance(exc, ZarrCoreError)
        )
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        raise CommandError(
            f"{url}: {type(exc).__name__}: {message}", EXIT_USAGE if usage else EXIT_FINDINGS
        ) from exc


def storage_options_for(url: str) -> dict | None:
    """``--storage-options`` if ``url`` goes through fsspec (``cp s3://... dir`` passes
    them to the S3 side only)."""
    given = options().storage_options
    if given is None:
        return None
    from zarr_core.storage.resolve import which

    return given if which(url)["stages"][0]["how"] == "fsspec" else None


def open_node(url: str, path: str | None = None, mode: str = "r") -> Any:
    """The array or group at ``url`` (and ``path`` inside it)."""
    import zarr_core

    return zarr_core.open(url, mode=mode, path=path, storage_options=storage_options_for(url))


def open_raw_store(url: str, mode: str) -> Any:
    from zarr_core.storage.resolve import open_store

    return open_store(url, mode=mode, storage_options=storage_options_for(url))


def close_store(node_or_store: Any) -> None:
    store = getattr(node_or_store, "store", node_or_store)
    close = getattr(store, "close", None)
    if close is not None:
        close()


def human(n: int) -> str:
    """``n`` bytes in binary units: ``512 B``, ``1.5 KiB``, ``3.0 GiB``."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def parse_shape(text: str, option: str) -> tuple[int, ...]:
    """``"512,512"`` -> ``(512, 512)``."""
    try:
        shape = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a comma-separated list of integers (e.g. 512,512)",
            param_hint=option,
        ) from None
    if any(s <= 0 for s in shape):
        raise click.BadParameter(f"{text!r}: every entry must be positive", param_hint=option)
    return shape


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2))


def run(command: click.Group, args: list[str]) -> int:
    """Run ``command``, mapping errors to messages and exit statuses."""
    debug = "--debug" in args
    try:
        result = command.main(args, prog_name="zarr-core", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE if isinstance(exc, click.UsageError) else exc.exit_code
    except (KeyboardInterrupt, click.exceptions.Abort):
        click.echo("zarr-core: interrupted", err=True)
        return EXIT_INTERRUPTED
    except CommandError as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"zarr-core: error: {exc}", err=True)
        return exc.exit_code
    except Exception as exc:
        if debug:
            raise
        click.echo(f"zarr-core: error: {type(exc).__name__}: {exc}", err=True)
        return EXIT_FINDINGS
    return result if isinstance(result, int) else 0
