"""Progress bars for long operations: ``progress=True`` in the API and the command line.

Bars go to standard error and only when it is a terminal: piped output stays clean.
"""

from __future__ import annotations

from typing import Any


class _NoBar:
    """Stands in for a bar when progress is off (no tqdm import, no output)."""

    total: int | None = None

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        pass


def progress_bar(
    enabled: bool, total: int | None, desc: str, unit: str = "it", unit_scale: bool = False
) -> Any:
    """A tqdm bar over ``total`` steps, or a silent stand-in.

    Parameters
    ----------
    enabled
        Whether progress was asked for at all.
    total
        The number of steps (``None`` when unknown).
    desc
        The label in front of the bar.
    unit, unit_scale
        As for tqdm (``unit="B", unit_scale=True`` shows bytes in human units).
    """
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    # disable=None: tqdm turns itself off when standard error is not a terminal
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        unit_scale=unit_scale,
        disable=None,
        leave=False,
        dynamic_ncols=True,
    )
