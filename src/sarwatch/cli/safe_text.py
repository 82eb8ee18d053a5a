"""Untrusted text made safe to print on a terminal.

Text that the CLI prints but did not write itself (case titles, notes, decision
summaries, actors, member names read from a bundle, paths, error messages that
quote any of these) may carry bytes a terminal obeys: ESC sequences that move the
cursor, erase a line or recolour it (a bundle member named so erased the
"verification FAILED" line and drew a fake "bundle intact"), a carriage return
that overwrites the line, NUL, and the bidirectional controls that reorder what is
shown (``U+202E`` turns ``exe.txt`` into ``txt.exe``). And rich reads ``[...]`` as
markup: ``[/]`` in a title crashed ``case list``, ``[link=...]`` made a link.

Every such character is shown as its Python escape (``\\x1b``, ``\\u202e``), so
what was recorded is visible, not obeyed; markup is never read from untrusted
text (:func:`safe_markup` escapes it for an f-string printed with markup,
:func:`safe_text` gives a rich :class:`~rich.text.Text`, never parsed).

Examples
--------
>>> terminal_safe("ok\\x1b[2K bundle intact")
'ok\\\\x1b[2K bundle intact'
>>> terminal_safe("photo\\u202egnp.exe")
'photo\\\\u202egnp.exe'
>>> terminal_safe("two\\nlines", keep_newlines=True)
'two\\nlines'
>>> safe_markup("title [/] markup")
'title \\\\[/] markup'
"""

from __future__ import annotations

import re

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from sarwatch.domain.intake import UNSAFE_CHARS

__all__ = ["json_safe", "print_notice", "safe_markup", "safe_text", "terminal_safe"]

_UNSAFE = re.compile(f"[{UNSAFE_CHARS}]")
_UNSAFE_KEEP_NEWLINES = re.compile(f"[{UNSAFE_CHARS}]".replace("\x00-\x1f", "\x00-\x09\x0b-\x1f"))


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: object, *, keep_newlines: bool = False) -> str:
    """``text`` (``str()`` of any value) with every control character shown as its escape.

    Parameters
    ----------
    text
        Untrusted text (or any value; ``None`` gives ``"None"``).
    keep_newlines
        Keep ``\\n`` as a line break (multi-line free text in a table cell); by
        default it is shown as ``\\x0a`` so that one item stays on one line and
        cannot print a line of its own.

    Returns
    -------
    str
        Text without C0/C1 control characters, DEL, line/paragraph separators or
        bidirectional controls: each is replaced by ``\\xNN`` or ``\\uNNNN``.
    """
    pattern = _UNSAFE_KEEP_NEWLINES if keep_newlines else _UNSAFE
    return pattern.sub(_visible, str(text))


def safe_markup(text: object, *, keep_newlines: bool = False) -> str:
    """Untrusted text to put inside a rich markup string: controls shown, ``[`` escaped."""
    return escape(terminal_safe(text, keep_newlines=keep_newlines))


def safe_text(text: object, *, keep_newlines: bool = False, style: str = "") -> Text:
    """Untrusted text as a rich :class:`~rich.text.Text` (never read as markup)."""
    return Text(terminal_safe(text, keep_newlines=keep_newlines), style=style)


def json_safe(json_text: str) -> str:
    """JSON text with every control character inside its strings as a ``\\uNNNN`` escape.

    ``json.dumps(..., ensure_ascii=False)`` escapes C0 controls but leaves C1
    controls and the bidirectional overrides raw; escaped, the JSON means the same.
    """
    return _UNSAFE_KEEP_NEWLINES.sub(lambda m: f"\\u{ord(m.group()):04x}", json_text)


def print_notice(
    label: str, message: object, *, style: str = "bold red", console: Console | None = None
) -> None:
    """Print ``label: message`` on stderr (or ``console``), the label styled.

    ``message`` may quote untrusted text (what was typed, what a bundle holds): it is
    never read as markup or emoji codes, and its control characters are shown escaped
    (newlines kept: messages may have several lines).
    """
    console = console or Console(stderr=True)
    line = Text.assemble((f"{label}:", style), " ", safe_text(message, keep_newlines=True))
    console.print(line, highlight=False, soft_wrap=True)
