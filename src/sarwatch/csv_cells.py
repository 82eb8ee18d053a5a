"""Text cells of CSV files that people open in a spreadsheet: never run as formulas.

A cell that starts like a formula (OWASP, "CSV injection") is written with a leading
apostrophe, which a spreadsheet shows as text; reading back takes it off again. The
incident exports and the batch assessment write their text cells through here.
"""

from __future__ import annotations

__all__ = ["from_spreadsheet_cell", "spreadsheet_cell", "spreadsheet_text"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV
#: injection"), and the apostrophe that marks a cell escaped.
_ESCAPED_START = ("=", "+", "-", "@", "\t", "\r", "'")


def spreadsheet_cell(value: str) -> str:
    """A text cell as written to CSV: with a leading apostrophe if it starts like a formula.

    A cell that starts with an apostrophe gets one more, so that reading back with
    :func:`from_spreadsheet_cell` gives every text exactly.

    Examples
    --------
    >>> print(spreadsheet_cell('=HYPERLINK("http://example.org")'))
    '=HYPERLINK("http://example.org")
    >>> spreadsheet_cell("off Zuwara"), spreadsheet_cell("")
    ('off Zuwara', '')
    """
    return "'" + value if value.startswith(_ESCAPED_START) else value


def from_spreadsheet_cell(value: str) -> str:
    """A text cell as read from CSV: the apostrophe :func:`spreadsheet_cell` added taken off.

    Only an apostrophe followed by a formula's first character (or by another
    apostrophe) is taken off, so that cells of files written elsewhere stay as they are.

    Examples
    --------
    >>> from_spreadsheet_cell("'=1+2"), from_spreadsheet_cell("'t is"), from_spreadsheet_cell("''a")
    ('=1+2', "'t is", "'a")
    """
    if len(value) >= 2 and value[0] == "'" and value[1] in _ESCAPED_START:
        return value[1:]
    return value


def spreadsheet_text(value: str) -> str:
    """:func:`spreadsheet_cell` of a text that is not a number: ``-12.5`` stays a number.

    Examples
    --------
    >>> spreadsheet_text("-12.5"), spreadsheet_text("=1+2")
    ('-12.5', "'=1+2")
    """
    try:
        float(value)
    except ValueError:
        return spreadsheet_cell(value)
    return value
