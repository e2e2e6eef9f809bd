"""The CLI reference and the settings reference are generated from the code and must match it."""

from pathlib import Path

from pydantic import BaseModel

from dialgate.cli.reference import cli_reference, settings_reference
from dialgate.config import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_cli_reference_matches_the_code():
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == cli_reference(), (
        "run: python -m dialgate.cli.reference"
    )


def test_the_settings_reference_matches_the_code():
    assert (DOCS / "settings.md").read_text(encoding="utf-8") == settings_reference(), (
        "run: python -m dialgate.cli.reference"
    )


def test_every_setting_is_described():
    def undescribed(model: type[BaseModel], prefix: str) -> list[str]:
        out = []
        for name, field in model.model_fields.items():
            if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
                out += undescribed(field.annotation, f"{prefix}{name}.")
            elif not field.description:
                out.append(prefix + name)
        return out

    assert undescribed(Settings, "") == []
