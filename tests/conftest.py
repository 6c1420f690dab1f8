from pathlib import Path

import pytest

from pipeline.config import Settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "input_templates" / "示例_子洲县政府办2021.xlsx"


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def example_path() -> Path:
    return EXAMPLE
