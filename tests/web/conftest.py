"""The web pages' fixture: the seeded production behind a test client, on each database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.conftest import _empty_tables
from tests.web.webkit import cheap_passwords, client, seed


@pytest.fixture
def site(engine: Engine, backend: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, int]]:
    cheap_passwords(monkeypatch)
    pid = seed(engine)
    with client(engine) as c:
        yield c, pid
    if backend == "postgresql":
        _empty_tables(engine)
