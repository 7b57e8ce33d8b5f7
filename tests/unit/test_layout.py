"""tests/unit mirrors src/gitml: src/gitml/<pkg>/<mod>.py is tested in
tests/unit/<pkg>/test_<mod>.py (src/gitml/__main__.py in tests/unit/test_main.py)."""

from __future__ import annotations

from tests.support.paths import ROOT

SOURCE, TESTS = ROOT / "src" / "gitml", ROOT / "tests" / "unit"
# Source modules still without their own test module, each with why. Remove an entry when
# its test module lands; the second test below fails for an entry that is no longer needed.
MISSING: dict[str, str] = {}


def _expected() -> dict[str, str]:
    """Each source module (relative to src/gitml) and the test module it should have."""
    expected = {}
    for path in sorted(SOURCE.rglob("*.py")):
        if path.name == "__init__.py":
            continue
        relative = path.relative_to(SOURCE)
        test = relative.parent / f"test_{relative.stem.strip('_')}.py"
        expected[relative.as_posix()] = test.as_posix()
    return expected


def test_every_source_module_has_its_test_module() -> None:
    missing = [
        f"src/gitml/{module} → tests/unit/{test}"
        for module, test in _expected().items()
        if module not in MISSING and not (TESTS / test).is_file()
    ]
    assert missing == [], "add a test module for each:\n" + "\n".join(missing)


def test_the_exception_list_names_only_modules_still_missing_a_test() -> None:
    expected = _expected()
    stale = [m for m in MISSING if m not in expected or (TESTS / expected[m]).is_file()]
    assert stale == [], f"remove from MISSING (tested now, or gone): {stale}"
