"""Unit tests of loco_nb.tools.edit: edit_file's blocks, anchors, parse check and kept bytes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loco_nb.errors import PathOutsideProject, ToolError
from loco_nb.tools.edit import EditFile, EditFileParams, edit_schema
from loco_nb.tools.registry import ToolContext

SHOP = (
    "class Shop:\n"
    "    def __init__(self):\n"
    "        self.items = []\n"
    "\n"
    "    def add(self, item):\n"
    "        self.items.append(item)\n"
)


@pytest.fixture
def context(tmp_path: Path) -> ToolContext:
    (tmp_path / "shop.py").write_text(SHOP)
    return ToolContext(root=tmp_path)


def edit(context: ToolContext, path: str, *edits: dict[str, str], **options: bool) -> str:
    params = EditFileParams.model_validate({"path": path, "edits": list(edits)})
    return EditFile(**options).run(params, context).content


def read(context: ToolContext, path: str) -> str:
    return (context.root / path).read_text()


# search and replace


def test_replace_block(context: ToolContext) -> None:
    edit(
        context,
        "shop.py",
        {"search": "self.items.append(item)", "replace": "self.items.insert(0, item)"},
    )

    assert "        self.items.insert(0, item)\n" in read(context, "shop.py")


def test_replace_block_reindents(context: ToolContext) -> None:
    edit(
        context, "shop.py",
        {"search": "def add(self, item):\n    self.items.append(item)",
         "replace": "def add(self, item):\n    self.items.append(item)\n    return item"},
    )  # fmt: skip

    assert read(context, "shop.py").endswith(
        "    def add(self, item):\n        self.items.append(item)\n        return item\n"
    )


def test_replace_part_of_line(context: ToolContext) -> None:
    edit(context, "shop.py", {"search": "items = []", "replace": "items = [0]"})

    assert "        self.items = [0]\n" in read(context, "shop.py")


def test_replace_strips_copied_numbers(context: ToolContext) -> None:
    search = "   6 |         self.items.append(item)"
    replace = "   6 |         self.items.append(str(item))"

    edit(context, "shop.py", {"search": search, "replace": replace})

    assert "        self.items.append(str(item))\n" in read(context, "shop.py")


def test_missing_block_shows_file_lines(context: ToolContext) -> None:
    with pytest.raises(ToolError) as caught:
        edit(context, "shop.py", {"search": "def remove(self, item):", "replace": "x"})

    message = str(caught.value)
    assert message.startswith("Edit 1 of 1 failed, so no edit was applied.")
    assert "def add(self, item):" in message
    assert read(context, "shop.py") == SHOP


# anchored line operations


@pytest.mark.parametrize(
    ("action", "anchor", "text", "expected"),
    [
        ("insert_after", "class Shop:", "NAME = 'shop'", "class Shop:\n    NAME = 'shop'\n"),
        ("insert_before", "def add(self, item):", "@property", "    @property\n    def add("),
        ("replace", "self.items = []", "self.items = {}", "        self.items = {}\n"),
        (
            "insert_after",
            "6 | self.items.append(item)",
            "return item",
            "append(item)\n        return item\n",
        ),
    ],
)
def test_line_action(
    context: ToolContext, action: str, anchor: str, text: str, expected: str
) -> None:
    edit(context, "shop.py", {"action": action, "anchor": anchor, "text": text})

    assert expected in read(context, "shop.py")


def test_replace_with_empty_deletes_line(context: ToolContext) -> None:
    (context.root / "notes.txt").write_text("one\ntwo\nthree\n")

    edit(context, "notes.txt", {"action": "replace", "anchor": "two", "text": ""})

    assert read(context, "notes.txt") == "one\nthree\n"


def test_insert_empty_rejected(context: ToolContext) -> None:
    with pytest.raises(ToolError, match="is empty"):
        edit(context, "shop.py", {"action": "insert_after", "anchor": "class Shop:", "text": ""})


def test_several_edits_all_or_none(context: ToolContext) -> None:
    with pytest.raises(ToolError) as caught:
        edit(
            context, "shop.py",
            {"action": "replace", "anchor": "class Shop:", "text": "class Store:"},
            {"search": "no such line", "replace": "x"},
        )  # fmt: skip

    assert str(caught.value).startswith("Edit 2 of 2 failed, so no edit was applied.")
    assert read(context, "shop.py") == SHOP


def test_several_edits_applied_in_order(context: ToolContext) -> None:
    edit(
        context, "shop.py",
        {"action": "replace", "anchor": "class Shop:", "text": "class Store:"},
        {"action": "insert_after", "anchor": "class Store:", "text": "KIND = 1"},
    )  # fmt: skip

    assert read(context, "shop.py").startswith("class Store:\n    KIND = 1\n")


def test_single_edit_without_list(context: ToolContext) -> None:
    params = EditFileParams.model_validate(
        {"path": "shop.py", "action": "replace", "anchor": "class Shop:", "text": "class Store:"}
    )

    assert len(params.edits) == 1


def test_unchanged_result_rejected(context: ToolContext) -> None:
    with pytest.raises(ToolError, match="unchanged"):
        edit(context, "shop.py", {"search": "class Shop:", "replace": "class Shop:"})


def test_missing_file_points_to_write(context: ToolContext) -> None:
    with pytest.raises(ToolError, match="create it with write_file"):
        edit(context, "new.py", {"search": "a", "replace": "b"})


def test_outside_project_rejected(context: ToolContext) -> None:
    (context.root.parent / "outside.py").write_text("x = 1\n")

    with pytest.raises(PathOutsideProject):
        edit(context, "../outside.py", {"search": "x = 1", "replace": "x = 2"})


def test_result_shows_new_lines(context: ToolContext) -> None:
    content = edit(
        context, "shop.py", {"action": "insert_after", "anchor": "class Shop:", "text": "X = 1"}
    )

    assert content.startswith("Edited shop.py: 1 edit applied.\nLines 1–4 now read:")
    assert "   2 |     X = 1" in content


def test_result_data_has_diff(context: ToolContext) -> None:
    params = EditFileParams.model_validate(
        {"path": "shop.py", "edits": [{"search": "class Shop:", "replace": "class Store:"}]}
    )
    result = EditFile().run(params, context)

    assert result.kind == "diff"
    assert "-class Shop:\n+class Store:\n" in result.data["diff"]
    assert result.data["edits"] == 1


def test_preview_writes_nothing(context: ToolContext) -> None:
    params = EditFileParams.model_validate(
        {"path": "shop.py", "edits": [{"search": "class Shop:", "replace": "class Store:"}]}
    )

    diff = EditFile().preview(params, context)

    assert "+class Store:" in diff
    assert read(context, "shop.py") == SHOP


def test_edit_remembers_file(context: ToolContext) -> None:
    edit(context, "shop.py", {"search": "class Shop:", "replace": "class Store:"})

    assert context.recent_files == ["shop.py"]


# parse check


def test_broken_python_rolled_back(context: ToolContext) -> None:
    with pytest.raises(ToolError) as caught:
        edit(
            context,
            "shop.py",
            {"action": "replace", "anchor": "class Shop:", "text": "class Shop("},
        )

    message = str(caught.value)
    assert "would no longer be valid Python: line 1: '(' was never closed" in message
    assert "   1 | class Shop(" in message
    assert "use insert_after or insert_before" in message
    assert read(context, "shop.py") == SHOP


def test_broken_python_allowed_without_check(context: ToolContext) -> None:
    edit(context, "shop.py", {"action": "replace", "anchor": "class Shop:", "text": "def f("},
         check_syntax=False)  # fmt: skip

    assert read(context, "shop.py").startswith("def f(\n")


def test_file_broken_before_not_checked(context: ToolContext) -> None:
    (context.root / "broken.py").write_text("def f(:\n    pass\n")

    edit(context, "broken.py", {"search": "pass", "replace": "return 1"})

    assert "return 1" in read(context, "broken.py")


@pytest.mark.parametrize(
    ("name", "content", "anchor", "text", "format_name"),
    [
        ("c.json", '{\n  "a": 1\n}\n', '"a": 1', '"a": 1,', "JSON"),
        ("c.toml", 'a = 1\nb = "x"\n', "a = 1", "a = ", "TOML"),
        ("c.yaml", "a: 1\nb: [1, 2]\n", "a: 1", "a: [", "YAML"),
    ],
)
def test_broken_formats_rolled_back(
    context: ToolContext, name: str, content: str, anchor: str, text: str, format_name: str
) -> None:
    (context.root / name).write_text(content)

    with pytest.raises(ToolError, match=f"no longer be valid {format_name}"):
        edit(context, name, {"action": "replace", "anchor": anchor, "text": text})

    assert read(context, name) == content


def test_broken_notebook_rolled_back(context: ToolContext) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    text = nbformat.writes(new_notebook(cells=[new_code_cell("x = 1")]))
    (context.root / "n.ipynb").write_text(text)

    with pytest.raises(ToolError, match="no longer be valid notebook"):
        edit(context, "n.ipynb", {"search": '"cell_type": "code",', "replace": '"cell_type": 5,'})

    assert read(context, "n.ipynb") == text


# schema


def test_schema_anchor_enum_per_recent_file(context: ToolContext) -> None:
    (context.root / "b.py").write_text("x = 1\n\ny = 2\n")
    context.remember("shop.py")
    context.remember("b.py")

    options = edit_schema(context, anchors=True)["anyOf"]

    assert [o["properties"]["path"] for o in options] == [{"const": "shop.py"}, {"const": "b.py"}]
    items = options[1]["properties"]["edits"]["items"]["anyOf"]
    assert items[0]["properties"]["anchor"] == {"enum": ["x = 1", "y = 2"]}
    assert set(items[1]["properties"]) == {"search", "replace"}


def test_schema_without_recent_files(context: ToolContext) -> None:
    schema = edit_schema(context, anchors=True)

    assert schema["properties"]["path"]["type"] == "string"
    kinds = schema["properties"]["edits"]["items"]["anyOf"]
    assert kinds[0]["properties"]["anchor"] == {"type": "string"}


def test_schema_plain_blocks_only(context: ToolContext) -> None:
    context.remember("shop.py")

    schema = edit_schema(context, anchors=False)

    assert set(schema["properties"]["edits"]["items"]["properties"]) == {"search", "replace"}


def test_schema_validates_its_own_choices(context: ToolContext) -> None:
    context.remember("shop.py")
    option = edit_schema(context, anchors=True)
    anchors = option["properties"]["edits"]["items"]["anyOf"][0]["properties"]["anchor"]["enum"]

    for anchor in anchors:
        params = {
            "path": "shop.py",
            "edits": [{"action": "insert_after", "anchor": anchor, "text": "# x"}],
        }
        EditFile(check_syntax=False).preview(EditFileParams.model_validate(params), context)


# bytes outside the edited lines are kept


ENDINGS = st.sampled_from(["\n", "\r\n"])
LINE_TEXT = st.text(alphabet="abc xyz=é\t", min_size=1, max_size=10).filter(lambda t: t.strip())


@st.composite
def document(draw: st.DrawFn) -> tuple[list[str], str, bool]:
    ending = draw(ENDINGS)
    texts = draw(st.lists(LINE_TEXT, min_size=1, max_size=12, unique_by=str.strip))
    final = draw(st.booleans())
    lines = [text + ending for text in texts]
    if not final:
        lines[-1] = texts[-1]
    encoding = draw(st.sampled_from(["utf-8", "latin-1"]))
    return lines, encoding, final


_BYTES_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_BYTES_SETTINGS
@given(doc=document(), data=st.data())
def test_bytes_outside_edit_kept(
    tmp_path: Path, doc: tuple[list[str], str, bool], data: Any
) -> None:
    lines, encoding, final = doc
    path = tmp_path / "f.txt"
    original = "".join(lines).encode(encoding)
    path.write_bytes(original)
    index = data.draw(st.integers(0, len(lines) - 1))
    action = data.draw(st.sampled_from(["insert_before", "insert_after", "replace"]))

    edit(ToolContext(root=tmp_path), "f.txt", {"action": action, "anchor": lines[index].strip(),
                                               "text": "NEW"})  # fmt: skip

    new = path.read_bytes()
    before = "".join(lines[:index]).encode(encoding)
    after = "".join(lines[index + 1 :]).encode(encoding)
    assert new.startswith(before)
    assert new.endswith(after)
    ending = "\r\n" if lines[0].endswith("\r\n") else "\n"
    assert new.endswith(ending.encode()) is final
    assert b"NEW" in new
    assert new.decode(encoding).count("\r\n") in (0, new.decode(encoding).count("\n"))


@_BYTES_SETTINGS
@given(doc=document())
def test_block_edit_keeps_other_lines(tmp_path: Path, doc: tuple[list[str], str, bool]) -> None:
    lines, encoding, _ = doc
    path = tmp_path / "f.txt"
    path.write_bytes("".join(lines).encode(encoding))

    edit(ToolContext(root=tmp_path), "f.txt", {"search": lines[0].strip(), "replace": "FIRST"})

    new = path.read_bytes().decode(encoding)
    first = lines[0].rstrip("\r\n")
    indent = first[: len(first) - len(first.lstrip())]
    assert new == indent + "FIRST" + lines[0][len(first) :] + "".join(lines[1:])


def test_empty_file_rejected_untouched(tmp_path: Path) -> None:
    (tmp_path / "empty.py").write_bytes(b"")

    with pytest.raises(ToolError, match="file is empty"):
        edit(ToolContext(root=tmp_path), "empty.py", {"search": "x", "replace": "y"})

    assert (tmp_path / "empty.py").read_bytes() == b""


def test_append_after_last_line_without_newline(tmp_path: Path) -> None:
    (tmp_path / "f.py").write_bytes(b"a = 1\r\nb = 2")

    edit(
        ToolContext(root=tmp_path),
        "f.py",
        {"action": "insert_after", "anchor": "b = 2", "text": "c = 3"},
    )

    assert (tmp_path / "f.py").read_bytes() == b"a = 1\r\nb = 2\r\nc = 3"


def test_latin1_file_round_trip(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_bytes("caf\xe9 = 1\nb = 2\n".encode("latin-1"))

    edit(ToolContext(root=tmp_path), "f.txt", {"search": "b = 2", "replace": "b = 'd\xe9j\xe0'"})

    assert (tmp_path / "f.txt").read_bytes() == "caf\xe9 = 1\nb = 'd\xe9j\xe0'\n".encode("latin-1")


def test_latin1_file_rejects_other_characters(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_bytes(b"caf\xe9\n")

    with pytest.raises(ToolError, match="latin-1 file, which cannot store '€'"):
        edit(ToolContext(root=tmp_path), "f.txt", {"search": "caf\xe9", "replace": "€"})


def test_json_edit_keeps_document(context: ToolContext) -> None:
    (context.root / "c.json").write_text('{\n  "debug": false,\n  "port": 8000\n}\n')

    edit(context, "c.json", {"search": "false", "replace": "true"})

    assert json.loads(read(context, "c.json")) == {"debug": True, "port": 8000}
