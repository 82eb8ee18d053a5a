"""A shortened hash given to ``--sha256`` is refused as such, not taken for a damaged
file: ``forcing unpack pack.zip --sha256 77df1513`` (as the listings print hashes) said
"damaged in transit" of an intact pack."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from _cli import run_cli
from sarwatch.errors import InputError
from sarwatch.services.forcing_library import ForcingLibrary, check_sha256_text
from sarwatch.services.forcing_pack import unpack


@given(st.binary(max_size=64))
def test_a_whole_hash_is_taken_in_either_case_and_any_prefix_is_refused(data: bytes) -> None:
    digest = hashlib.sha256(data).hexdigest()
    assert check_sha256_text(digest.upper()) == digest
    assert check_sha256_text(f" {digest}\n") == digest  # pasted with its line end
    for n in (8, 16, 63):
        with pytest.raises(InputError, match=rf"not a whole SHA-256 \({n} characters"):
            check_sha256_text(digest[:n])
    with pytest.raises(InputError, match="not a whole SHA-256"):
        check_sha256_text(digest[:63] + "g")


def test_unpack_with_a_short_hash_says_so_and_adds_nothing(tmp_path: Path) -> None:
    pack = tmp_path / "pack.zip"
    pack.write_bytes(b"whatever the link delivered")
    digest = hashlib.sha256(pack.read_bytes()).hexdigest()
    library = ForcingLibrary(tmp_path / "aboard")
    with pytest.raises(InputError, match="give the whole hash") as refused:
        unpack(library, pack, expected_sha256=digest[:8])
    assert "damaged" not in str(refused.value)
    assert library.entries() == []


@pytest.mark.parametrize("command", ["unpack", "add"])
def test_the_cli_refuses_a_short_hash_in_one_line(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    path = tmp_path / "file.nc"
    path.write_bytes(b"not looked at")
    prefix = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    extra = ("--provider", "ecmwf-opendata") if command == "add" else ()
    code, _, err = run_cli(capsys, "forcing", command, str(path), "--sha256", prefix, *extra)
    assert code == 2
    assert err.startswith(f"error: --sha256 '{prefix}' is not a whole SHA-256"), err
    assert "damaged" not in err and len(err.strip().splitlines()) == 1
