"""The package's __all__ lists exactly its public names."""

from __future__ import annotations

import loco_nb


def test_all_matches_public_names() -> None:
    # dir(), not vars(): the package imports most public names on first access.
    public = {name for name in dir(loco_nb) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(loco_nb, name)).__name__ == "module"}
    assert set(loco_nb.__all__) - {"__version__"} == public - modules - {"annotations", "Any"}


def test_all_names_resolve() -> None:
    for name in loco_nb.__all__:
        assert getattr(loco_nb, name) is not None
