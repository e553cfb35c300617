"""What every command shares: options, opening URLs, errors and exit statuses."""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import click

from zarr_core.errors import (
    InvalidKeyError,
    PathNotFoundError,
    StorageOptionsError,
    URLPipelineError,
    ZarrCoreError,
)

EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# Bad input the user can fix by changing the command (array/group "not found" errors are
# PathNotFoundError's siblings and subclass KeyError, caught below with it; a storage
# option a store does not take, or credentials it lacks, are fixed with -o). A plugin
# that is not installed is a failure (1): the command is right, the machine lacks it.
_USAGE_ERRORS = (PathNotFoundError, URLPipelineError, InvalidKeyError, StorageOptionsError)

# "scheme://user:password@": the password part, in any stage of a pipeline
_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://[^/@:|?#\s]*:)[^/@|\s]+@")
# -o KEY=VALUE or -o SCHEME:KEY=VALUE (options are keyword arguments: identifiers)
_OPTION = re.compile(r"(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*):)?(?P<key>[A-Za-z_]\w*)=")


def redact(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@`` URL in it masked.

    Messages name the URL they are about, and a URL may carry credentials
    (``mongodb://user:pw@host``, ``redis://:pw@host``); those must not reach a terminal,
    a log or the marker document stored in a destination.
    """
    return _PASSWORD.sub(r"\g<head>***@", text)


class CommandError(ZarrCoreError):
    """A command failed; ``exit_code`` says how (1 failed, 2 usage)."""

    def __init__(self, message: str, exit_code: int = EXIT_FINDINGS):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class Options:
    """The global options, kept on the click context.

    ``storage_options`` go to every URL of the command written with a scheme;
    ``scoped`` ones (``-o SCHEME:KEY=VALUE``), by scheme, only to the URLs whose store
    that scheme names (see :func:`storage_options_for`).
    """

    debug: bool = False
    storage_options: dict | None = None
    scoped: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def parse(
        cls, debug: bool, storage_options: str | None, pairs: tuple[str, ...] = ()
    ) -> Options:
        """The options from ``--storage-options JSON`` and each ``-o [SCHEME:]KEY=VALUE``."""
        common: dict[str, Any] = {}
        if storage_options is not None:
            try:
                parsed = json.loads(storage_options)
            except json.JSONDecodeError as exc:
                raise click.BadParameter(
                    f"not JSON: {exc}", param_hint="--storage-options"
                ) from exc
            if not isinstance(parsed, dict):
                raise click.BadParameter("must be a JSON object", param_hint="--storage-options")
            common.update(parsed)
        scoped: dict[str, dict] = {}
        for pair in pairs:
            match = _OPTION.match(pair)
            if match is None:
                raise click.BadParameter(
                    f"{pair!r} is not KEY=VALUE or SCHEME:KEY=VALUE (e.g. az:account_name=acc)",
                    param_hint="-o/--storage-option",
                )
            text = pair[match.end() :]
            try:  # numbers, true/false, null, quoted strings, objects: JSON; the rest: text
                value = json.loads(text)
            except json.JSONDecodeError:
                value = text
            scheme = match["scheme"]
            where = scoped.setdefault(scheme.lower(), {}) if scheme else common
            where[match["key"]] = value
        return cls(debug, common or None, scoped)


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


def _served_by(scheme: str) -> str:
    """What serves ``scheme``: the store class of its root plugin (``az`` and ``abfs``
    are both ABSStore's), else the scheme itself (fsspec protocols)."""
    from zarr_core.plugins import get_registry

    entry = get_registry().lookup("scheme", scheme, "root")
    return entry[1].target if entry is not None else scheme


def storage_options_for(url: str) -> dict | None:
    """The storage options for ``url``: those given for every URL plus those scoped to
    the store its scheme names (``-o az:...`` reaches ``abfs://`` URLs too). Only URLs
    written with a scheme take options: in ``cp s3://... dir`` a plain path gets none."""
    from zarr_core.storage.url import parse_url

    scheme = parse_url(url)[0].scheme
    if scheme is None:
        return None
    given = options()
    merged = dict(given.storage_options or {})
    store = _served_by(scheme)
    for scope, scoped in given.scoped.items():
        if scope == scheme or _served_by(scope) == store:
            merged.update(scoped)
    return merged or None


def open_node(url: str, path: str | None = None, mode: str = "r") -> Any:
    """The array or group at ``url`` (and ``path`` inside it)."""
    import zarr_core

    return zarr_core.open(url, mode=mode, path=path, storage_options=storage_options_for(url))


def open_raw_store(url: str, mode: str) -> Any:
    """The store at ``url`` (with the path a pipeline names applied)."""
    return open_pinned_store(url, mode)[0]


def open_pinned_store(url: str, mode: str) -> tuple[Any, int | None]:
    """The store at ``url`` and the Zarr format it pins, if any: by a ``|zarr2:`` or
    ``|zarr3:`` stage, or by holding one format only (an N5 container: 2)."""
    from zarr_core.storage.prefix import PrefixStore
    from zarr_core.storage.resolve import resolve

    resolved = resolve(url, mode=mode, storage_options=storage_options_for(url))
    store = PrefixStore(resolved.store, resolved.path) if resolved.path else resolved.store
    return store, resolved.zarr_format


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
        click.echo(redact(f"zarr-core: error: {exc}"), err=True)
        return exc.exit_code
    except Exception as exc:
        if debug:
            raise
        click.echo(redact(f"zarr-core: error: {type(exc).__name__}: {exc}"), err=True)
        return EXIT_FINDINGS
    return result if isinstance(result, int) else 0
