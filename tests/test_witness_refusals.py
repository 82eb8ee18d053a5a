"""A witness's refusal is told apart by what it means: only a conflict reads as tampering.

A key the witness does not trust yet (403) is its operator's decision, not evidence that the
record was altered: the station gets exit 2 and the command to have its key trusted, not the
exit 3 kept for a checkpoint that contradicts what the witness holds (409).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from _cases_helpers import make_service, open_case
from _live import served_in_thread
from sarwatch.adapters.store import SqlStore
from sarwatch.errors import DataError, IntegrityError, PermissionDeniedError
from sarwatch.services import checkpoints
from sarwatch.services.checkpoints import publish_checkpoint, submit_checkpoint
from sarwatch.settings import Settings
from sarwatch.web.app import create_app


@pytest.fixture(scope="module")
def allow_list_witness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A witness on loopback with the default trust: an allow-list holding no key."""
    home = tmp_path_factory.mktemp("witness-allow-list")
    settings = Settings.model_validate(
        {"home_dir": home, "database_url": f"sqlite:///{home / 'w.db'}"}
    )
    with served_in_thread(create_app(settings)) as url:
        yield url


def test_an_untrusted_key_is_a_permission_refusal_with_what_to_do(
    tmp_path: Path, allow_list_witness: str
) -> None:
    service = make_service(SqlStore(f"sqlite:///{tmp_path / 's.db'}"))
    open_case(service)
    made = publish_checkpoint(service.store, service.signer, tmp_path)
    with pytest.raises(PermissionDeniedError, match="witness trust") as caught:
        submit_checkpoint(allow_list_witness, made, service.signer, service.store)
    assert caught.value.exit_code == 2
    assert "(403)" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "error", "exit_code"),
    [
        (409, IntegrityError, 3),
        (403, PermissionDeniedError, 2),
        (422, DataError, 2),
        (503, DataError, 2),
    ],
)
def test_each_refusal_maps_to_its_error(status, error, exit_code) -> None:
    made = checkpoints._refusal("http://w", status, {"detail": "why"}, "refused the checkpoint")
    assert type(made) is error
    assert made.exit_code == exit_code
    assert str(made).startswith(f"witness http://w refused the checkpoint ({status}): why")
