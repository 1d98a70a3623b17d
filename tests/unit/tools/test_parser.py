"""Unit tests of loco_nb.tools.parser on replies small models really write."""

from __future__ import annotations

import pytest

from loco_nb.tools.parser import parse_decision, parse_tool_calls

READ_MAIN = {"path": "main.py"}


def _single_call(reply: str) -> tuple[str, dict[str, object]]:
    parsed = parse_tool_calls(reply)
    assert parsed.errors == []
    assert len(parsed.calls) == 1
    return parsed.calls[0].name, parsed.calls[0].params


# parse_tool_calls: calls that must be read


def test_compact_call() -> None:
    reply = '<tool>{"name": "read_file", "params": {"path": "main.py"}}</tool>'

    assert _single_call(reply) == ("read_file", READ_MAIN)


def test_json_over_several_lines() -> None:
    reply = (
        '<tool>\n{\n  "name": "read_file",\n  "params": {\n    "path": "main.py"\n  }\n}\n</tool>'
    )

    assert _single_call(reply) == ("read_file", READ_MAIN)


@pytest.mark.parametrize("fence", ["```json", "```", "```JSON", "``` json"])
def test_code_fence_inside_tag(fence: str) -> None:
    call = '{"name": "read_file", "params": {"path": "main.py"}}'
    reply = f"<tool>\n{fence}\n{call}\n```\n</tool>"

    assert _single_call(reply) == ("read_file", READ_MAIN)


def test_trailing_commas() -> None:
    reply = '<tool>{"name": "read_file", "params": {"path": "main.py",},}</tool>'

    assert _single_call(reply) == ("read_file", READ_MAIN)


def test_single_quotes() -> None:
    reply = "<tool>{'name': 'read_file', 'params': {'path': 'main.py'}}</tool>"

    assert _single_call(reply) == ("read_file", READ_MAIN)


def test_missing_closing_tag() -> None:
    reply = 'I will read it.\n<tool>{"name": "read_file", "params": {"path": "main.py"}}'

    assert _single_call(reply) == ("read_file", READ_MAIN)


def test_missing_closing_brace() -> None:
    reply = '<tool>{"name": "read_file", "params": {"path": "main.py"}</tool>'

    assert _single_call(reply) == ("read_file", READ_MAIN)


def test_arguments_instead_of_params() -> None:
    reply = '<tool>{"name": "read_file", "arguments": {"path": "main.py"}}</tool>'

    assert _single_call(reply) == ("read_file", READ_MAIN)


def test_tool_key_instead_of_name() -> None:
    reply = '<tool>{"tool": "list_files", "params": {}}</tool>'

    assert _single_call(reply) == ("list_files", {})


def test_params_omitted() -> None:
    assert _single_call('<tool>{"name": "list_files"}</tool>') == ("list_files", {})


def test_tag_case_ignored() -> None:
    reply = '<TOOL>{"name": "read_file", "params": {"path": "main.py"}}</Tool>'

    assert _single_call(reply) == ("read_file", READ_MAIN)


def test_several_calls_in_order() -> None:
    reply = (
        'First <tool>{"name": "list_files", "params": {}}</tool>\n'
        'then <tool>{"name": "read_file", "params": {"path": "main.py"}}</tool>\n'
        "and finally <tool>{'name': 'read_file', 'params': {'path': 'util.py'},}"
    )

    parsed = parse_tool_calls(reply)

    assert [c.name for c in parsed.calls] == ["list_files", "read_file", "read_file"]
    assert [c.params for c in parsed.calls] == [{}, READ_MAIN, {"path": "util.py"}]
    assert parsed.errors == []


def test_unclosed_tag_before_next_tag() -> None:
    reply = (
        '<tool>{"name": "list_files", "params": {}}\n'
        '<tool>{"name": "read_file", "params": {"path": "main.py"}}</tool>'
    )

    parsed = parse_tool_calls(reply)

    assert [c.name for c in parsed.calls] == ["list_files", "read_file"]


def test_prose_kept_around_calls() -> None:
    reply = 'Let me look.\n<tool>{"name": "list_files"}</tool>\nThen I answer.'

    parsed = parse_tool_calls(reply)

    assert parsed.text == "Let me look.\n\nThen I answer."


def test_nested_json_params_kept() -> None:
    reply = (
        '<tool>{"name": "write_file", "params": '
        '{"path": "a.json", "content": "{\\"k\\": [1, 2]}\\n"}}</tool>'
    )

    assert _single_call(reply) == ("write_file", {"path": "a.json", "content": '{"k": [1, 2]}\n'})


# parse_tool_calls: tags that hold no call


@pytest.mark.parametrize("inside", ["", "   ", "\n\n", "```json\n```", "```\n\n```"])
def test_empty_tag_is_error(inside: str) -> None:
    parsed = parse_tool_calls(f"<tool>{inside}</tool>")

    assert parsed.calls == []
    assert len(parsed.errors) == 1
    assert "empty" in parsed.errors[0]


@pytest.mark.parametrize(
    "inside",
    ["read_file main.py", "hello there", "{oops", "[1, 2]", '"read_file"', "42", "null"],
)
def test_garbage_in_tag_is_error(inside: str) -> None:
    parsed = parse_tool_calls(f"<tool>{inside}</tool>")

    assert parsed.calls == []
    assert len(parsed.errors) == 1


def test_garbage_error_shows_format() -> None:
    parsed = parse_tool_calls("<tool>read_file main.py</tool>")

    assert "read_file main.py" in parsed.errors[0]
    assert '<tool>{"name": "read_file"' in parsed.errors[0]


@pytest.mark.parametrize(
    "inside", ["{}", '{"params": {"path": "a"}}', '{"name": ""}', '{"name": 3}']
)
def test_call_without_name_is_error(inside: str) -> None:
    parsed = parse_tool_calls(f"<tool>{inside}</tool>")

    assert parsed.calls == []
    assert 'no "name"' in parsed.errors[0]


def test_params_not_object_is_error() -> None:
    parsed = parse_tool_calls('<tool>{"name": "read_file", "params": "main.py"}</tool>')

    assert parsed.calls == []
    assert parsed.errors == ['The "params" of read_file must be a JSON object.']


def test_bad_tag_keeps_good_calls() -> None:
    reply = '<tool>nonsense</tool><tool>{"name": "list_files"}</tool>'

    parsed = parse_tool_calls(reply)

    assert [c.name for c in parsed.calls] == ["list_files"]
    assert len(parsed.errors) == 1


# parse_tool_calls: prose must never become a call


@pytest.mark.parametrize(
    "reply",
    [
        'Call it as {"name": "read_file", "params": {"path": "main.py"}} next time.',
        '```json\n{"name": "read_file", "params": {"path": "main.py"}}\n```',
        '{"name": "read_file", "params": {"path": "main.py"}}',
        "Use the tool tag like this: tool read_file.",
        "The config is {'name': 'app', 'debug': True}.",
        "",
        "</tool> stray closing tag",
    ],
)
def test_prose_yields_no_call(reply: str) -> None:
    parsed = parse_tool_calls(reply)

    assert parsed.calls == []
    assert parsed.errors == []
    assert parsed.text == reply.strip()


# parse_decision


def test_decision_tool_call() -> None:
    call = parse_decision('{"name": "read_file", "params": {"path": "main.py"}}')

    assert call is not None
    assert call.name == "read_file"
    assert call.params == READ_MAIN


def test_decision_answer_marker() -> None:
    call = parse_decision('{"name": "answer"}')

    assert call is not None
    assert call.name == "answer"
    assert call.params == {}


def test_decision_with_whitespace() -> None:
    call = parse_decision('\n  {"name": "list_files", "params": {}}  \n')

    assert call is not None
    assert call.name == "list_files"


def test_decision_in_code_fence() -> None:
    call = parse_decision('```json\n{"name": "answer"}\n```')

    assert call is not None
    assert call.name == "answer"


def test_decision_cut_off_repaired() -> None:
    # A reply that hit max_tokens stops in the middle of the object.
    call = parse_decision('{"name": "read_file", "params": {"path": "main.py"')

    assert call is not None
    assert call.params == READ_MAIN


def test_decision_params_not_object() -> None:
    call = parse_decision('{"name": "list_files", "params": ["."]}')

    assert call is not None
    assert call.params == {}


@pytest.mark.parametrize(
    "reply",
    [
        "",
        "main.py prints a greeting.",
        "[1, 2]",
        '"answer"',
        '{"params": {}}',
        '{"name": 3}',
        "The function {name} is undefined.",
        'Here is the data: {"name": "Alice", "age": 3}',
        'It returns {"name": "read_file"} when called.',
    ],
)
def test_decision_none_for_non_object(reply: str) -> None:
    assert parse_decision(reply) is None
