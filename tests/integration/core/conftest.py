"""A photo on disk for the core's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.sample import make_sample_photo


@pytest.fixture(scope="session")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sample_photo(tmp_path_factory.mktemp("photos") / "dusk.jpg", size=(1200, 800))
