"""Unit tests of loco_nb.jupyter.references: what {…} in a question turns into."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from IPython.core.error import UsageError

from loco_nb.jupyter.references import MAX_VALUE_CHARS, expand


class BrokenRepr:
    def __repr__(self) -> str:
        raise RuntimeError("repr is broken")


@pytest.fixture
def namespace() -> dict[str, Any]:
    """A user namespace as IPython keeps it after three cells, the second with an output."""
    return {
        "total": 42,
        "name": "inventory.csv",
        "prices": {"apple": 0.5},
        "In": ["", "total = 42", "total * 2", "%%loco\n{In[1]}"],
        "Out": {2: 84},
    }


# pytest keeps sys.last_* for post-mortem debugging and clears them when a test's call
# phase starts, after its fixtures ran. So the tests set or clear them in their own body.


def forget_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    for attribute in ("last_type", "last_value", "last_traceback", "last_exc"):
        monkeypatch.delattr(sys, attribute, raising=False)


def record_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Record a ZeroDivisionError in sys.last_*, as IPython does after a failing cell."""
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError as exc:
        monkeypatch.setattr(sys, "last_type", type(exc), raising=False)
        monkeypatch.setattr(sys, "last_value", exc, raising=False)
        monkeypatch.setattr(sys, "last_traceback", exc.__traceback__, raising=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What is {total}?", "What is 42?"),
        ("Read {name}.", "Read inventory.csv."),
        ("Prices: {prices}", "Prices: {'apple': 0.5}"),
        ("{total}{total}", "4242"),
        ("{name} has {total} rows", "inventory.csv has 42 rows"),
    ],
)
def test_variable_value_inserted(namespace: dict[str, Any], text: str, expected: str) -> None:
    assert expand(text, namespace) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Why is {undefined} empty?", id="undefined-name"),
        pytest.param("d = {'a': 1, 'b': {'c': 2}}", id="dict-literal"),
        pytest.param("{k: v for k, v in pairs}", id="dict-comprehension"),
        pytest.param("{x for x in range(3)}", id="set-comprehension"),
        pytest.param('f"{total!r:>10}"', id="f-string-conversion"),
        pytest.param('f"{total:.2f}"', id="f-string-format-spec"),
        pytest.param('f"{total + 1}"', id="f-string-expression"),
        pytest.param('{"a": {"b": [1, 2]}, "c": null}', id="nested-json"),
        pytest.param('[{"id": 1}, {"id": 2}]', id="json-list"),
        pytest.param("def f(): return {}", id="empty-braces"),
        pytest.param("{ total }", id="spaces-inside"),
        pytest.param("{total", id="unclosed"),
        pytest.param("{{ jinja }}", id="jinja-with-spaces"),
        pytest.param('"{{}}".format()', id="format-escapes"),
        pytest.param("{In[x]}", id="index-not-a-number"),
    ],
)
def test_other_braces_unchanged(namespace: dict[str, Any], text: str) -> None:
    assert expand(text, namespace) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{total}}", "{total}"),
        ("Write {{name}} literally", "Write {name} literally"),
        ("{{In[2]}}", "{In[2]}"),
        ("{{error}}", "{error}"),
        ("{{total}} is {total}", "{total} is 42"),
    ],
)
def test_doubled_braces_write_literal(namespace: dict[str, Any], text: str, expected: str) -> None:
    assert expand(text, namespace) == expected


def test_cell_input_inserted(namespace: dict[str, Any]) -> None:
    assert expand("Explain {In[2]}", namespace) == "Explain total * 2"


def test_negative_index_counts_back(namespace: dict[str, Any]) -> None:
    assert expand("{In[-2]}", namespace) == "total * 2"


def test_cell_output_inserted(namespace: dict[str, Any]) -> None:
    assert expand("Why {Out[2]}?", namespace) == "Why 84?"


def test_inserted_value_not_expanded_again(namespace: dict[str, Any]) -> None:
    assert expand("{In[3]}", namespace) == "%%loco\n{In[1]}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{In[9]}", "{In[9]} refers to nothing: cell 9 has no input."),
        ("{In[0]}", "{In[0]} refers to nothing: cell 0 has no input."),
        ("{Out[1]}", "{Out[1]} refers to nothing: cell 1 has no output."),
        ("{Out[9]}", "{Out[9]} refers to nothing: cell 9 has no output."),
    ],
)
def test_missing_cell_raises(namespace: dict[str, Any], text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        expand(text, namespace)

    assert str(caught.value) == message


def test_history_outside_ipython_raises() -> None:
    with pytest.raises(UsageError, match="cell 1 has no input"):
        expand("{In[1]}", {})


def test_error_inserts_traceback(
    namespace: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    record_error(monkeypatch)

    text = expand("Fix this:\n{error}", namespace)

    assert text.startswith("Fix this:\nTraceback (most recent call last):")
    assert "1 / 0" in text
    assert text.rstrip().endswith("ZeroDivisionError: division by zero")


def test_error_without_exception_raises(
    namespace: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    forget_errors(monkeypatch)

    with pytest.raises(UsageError) as caught:
        expand("{error}", namespace)

    assert "none has been raised" in str(caught.value)


def test_error_wins_over_variable(
    namespace: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    record_error(monkeypatch)
    namespace["error"] = "a variable"

    assert "ZeroDivisionError" in expand("{error}", namespace)


def test_long_value_clipped(namespace: dict[str, Any]) -> None:
    namespace["log"] = "x" * (MAX_VALUE_CHARS + 250)

    text = expand("{log}", namespace)

    assert text.startswith("x" * MAX_VALUE_CHARS + "\n")
    assert text.endswith("[… 250 more characters]")
    assert text.count("x") == MAX_VALUE_CHARS


def test_value_at_limit_kept_whole(namespace: dict[str, Any]) -> None:
    namespace["log"] = "x" * MAX_VALUE_CHARS

    assert expand("{log}", namespace) == "x" * MAX_VALUE_CHARS


def test_long_cell_input_clipped(namespace: dict[str, Any]) -> None:
    namespace["In"].append("y" * (MAX_VALUE_CHARS + 1))

    assert expand("{In[4]}", namespace).endswith("[… 1 more characters]")


def test_broken_repr_raises_usage_error(namespace: dict[str, Any]) -> None:
    namespace["thing"] = BrokenRepr()

    with pytest.raises(UsageError) as caught:
        expand("{thing}", namespace)

    assert "{thing}" in str(caught.value)
    assert "repr is broken" in str(caught.value)


def test_usage_error_not_last_error(
    namespace: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    complaint = UsageError("The %%loco cell is empty")
    monkeypatch.setattr(sys, "last_type", UsageError, raising=False)
    monkeypatch.setattr(sys, "last_value", complaint, raising=False)
    monkeypatch.setattr(sys, "last_traceback", None, raising=False)

    with pytest.raises(UsageError) as caught:
        expand("{error}", namespace)

    assert "none has been raised" in str(caught.value)
