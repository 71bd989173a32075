"""Progress bars: on a terminal only, never in quiet builds or in logs."""

from __future__ import annotations

import io

import pytest

from stretchguide.progress import progress


class Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("stream", "enabled", "total"), [
    (io.StringIO(), True, 10),  # a log file or a pipe
    (Terminal(), False, 10),  # --quiet
    (Terminal(), True, 1),  # nothing worth a bar
])
def test_no_bar_where_it_would_only_be_noise(monkeypatch: pytest.MonkeyPatch, stream: io.StringIO, enabled: bool,
                                              total: int) -> None:
    monkeypatch.setattr("sys.stderr", stream)
    with progress(total, "Rendering cards", enabled) as advance:
        for _ in range(total):
            advance()
    assert stream.getvalue() == ""


def test_a_terminal_shows_the_bar_with_its_label(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = Terminal()
    monkeypatch.setattr("sys.stderr", stream)
    with progress(3, "Rendering cards", True) as advance:
        for _ in range(3):
            advance()
    assert "Rendering cards" in stream.getvalue()
