"""Prompts for the task loop.

Models under 2B parameters pick the right tool far more often with worked
examples and a constrained reply than with a description alone, so both
prompts show three examples. The prompts stay short because small local
servers read prompts slowly: about 37 tokens per second for the embedded 1.5B
model on two CPU cores, measured with llama.cpp through xllamacpp.
"""

from __future__ import annotations

from ..models import ToolResult
from ..tools import ToolRegistry

MAX_LISTED_FILES = 40

_INTRO = (
    "You are loco_nb, a coding assistant inside a Jupyter notebook. You work on the "
    "project in {root}. Use the tools to look at real files before you answer; never "
    "invent file contents.\n\nProject files: {files}\n\nTools:\n{tools}\n"
)

_NO_TOOLS = (
    "You are loco_nb, a coding assistant inside a Jupyter notebook. You work on the "
    "project in {root}, whose files are: {files}. You cannot read files in this turn, "
    "so answer from the conversation and say when you would need to see a file.\n"
)

_TEXT_PROTOCOL = """
To call a tool, reply with only the call:
<tool>{{"name": "read_file", "params": {{"path": "main.py"}}}}</tool>
When you know enough, answer the user in Markdown with no tool tag.

Examples:
User: What does app.py do?
Assistant: <tool>{{"name": "read_file", "params": {{"path": "app.py"}}}}</tool>
User: Which files are in src?
Assistant: <tool>{{"name": "list_files", "params": {{"path": "src"}}}}</tool>
User: What is a list comprehension?
Assistant: A list comprehension builds a list from an iterable: `[x * 2 for x in items]`.
"""

_JSON_PROTOCOL = """
While you gather information, reply with one JSON object.
To call a tool: {{"name": "read_file", "params": {{"path": "main.py"}}}}.
When the tool results above are enough to answer: {{"name": "answer"}}.
When you are then asked for the answer, write it for the user in Markdown, not JSON.

Examples:
User: What does app.py do?
Assistant: {{"name": "read_file", "params": {{"path": "app.py"}}}}
User: Which files are in src?
Assistant: {{"name": "list_files", "params": {{"path": "src"}}}}
User: What is a list comprehension?
Assistant: {{"name": "answer"}}
"""


def system_prompt(
    root: str,
    files: list[str],
    registry: ToolRegistry,
    *,
    constrained: bool,
    project_summary: str = "",
) -> str:
    """Return the system prompt for a task, in the protocol the server supports.

    ``project_summary`` is a few lines about the project (see
    ``loco_nb.agent.project.prompt_summary``), put after the first paragraph.
    """
    listed = ", ".join(files[:MAX_LISTED_FILES]) or "(none)"
    if len(files) > MAX_LISTED_FILES:
        listed += f", … ({len(files) - MAX_LISTED_FILES} more; use list_files)"
    tools = "\n".join(f"- {tool.describe()}" for tool in registry)
    summary = f"{project_summary.strip()}\n" if project_summary.strip() else ""
    if not tools:
        return _NO_TOOLS.format(root=root, files=listed) + summary

    intro = _INTRO.format(root=root, files=listed, tools=tools)
    if summary:
        first, rest = intro.split("\n\n", 1)
        intro = f"{first}\n{summary}\n{rest}"
    return intro + (_JSON_PROTOCOL if constrained else _TEXT_PROTOCOL).format()


def tool_results_message(results: list[ToolResult]) -> str:
    """Return the user-turn text that feeds tool results back to the model."""
    parts = []
    for result in results:
        label = "Result" if result.ok else "Error"
        parts.append(f"{label} of {result.name}:\n{result.content}")
    return "\n\n".join(parts)


ANSWER_FORMATS = {
    "markdown": (
        "Now answer this request in Markdown, using the tool results above. Quote code "
        "exactly as the results show it, in fenced blocks tagged with its language, without "
        "the line numbers. If a file you needed was missing or refused, say so. "
        "Do not call tools."
    ),
    "code": (
        "Now answer this request with code only: one fenced block tagged with its language, "
        "no explanation around it. Do not call tools."
    ),
    "text": "Now answer this request in plain text, without Markdown. Do not call tools.",
    "json": "Now answer this request with one JSON value and nothing else. Do not call tools.",
    "html": "Now answer this request with one HTML fragment and nothing else. Do not call tools.",
}


def answer_instruction(request: str, answer_format: str = "markdown") -> str:
    """Return the last user turn before the final, unconstrained answer."""
    return f"{ANSWER_FORMATS[answer_format]}\nRequest: {request}"


def answer_only_system() -> str:
    """Return the system prompt of an answer written from tool results, with no tools offered."""
    return "You are loco_nb, a coding assistant. Answer the user from the material given."


def answer_from_results(request: str, results: str, answer_format: str = "markdown") -> str:
    """Return the one user turn that carries a request and the tool results for it."""
    material = results or "(no tool results)"
    return f"Material:\n{material}\n\n{answer_instruction(request, answer_format)}"


def no_answer_notice(results: list[ToolResult]) -> str:
    """Return the honest answer for a model that only ever replied with tool calls."""
    done = ", ".join(f"{r.name} ({'ok' if r.ok else 'failed'})" for r in results) or "none"
    return (
        "The model did not write an answer; it kept replying with tool calls. "
        f"Tools that ran: {done}. Try again, or ask with a larger model (--model L)."
    )


def correction(errors: list[str]) -> str:
    """Return the text that sends unreadable tool calls back to the model."""
    return "Your tool call could not be used:\n- " + "\n- ".join(errors) + "\nTry again."
