"""Exceptions raised by loco_nb.

Every error a caller can act on derives from :class:`LocoError`::

    LocoError
    ├── ConfigError                 a setting has an invalid value
    ├── ModelError                  talking to a model server failed
    │   ├── ServerUnavailable       nothing answers at the URL
    │   ├── ServerResponseError     the server answered with an HTTP error
    │   ├── StreamInterrupted       a streamed reply ended before [DONE]
    │   └── ModelNotFound           no model id for the request
    ├── EmbeddedServerError         the embedded llama.cpp server failed
    │   └── WeightsError            the embedded weights are missing or corrupt
    ├── ToolError                   a tool call cannot run as written
    │   ├── PathOutsideProject      a path resolves outside the project root
    │   └── ApprovalRequired        a change was not approved
    └── StoreError                  a session file cannot be read or written
        ├── SessionNotFound         no session has that id
        └── CorruptFile             a stored file is invalid; it was moved aside

Errors from httpx, OSError and pydantic are converted where they cross into
loco_nb, with the original kept as ``__cause__``.
"""

from __future__ import annotations

from pathlib import Path


class LocoError(Exception):
    """Base class of every error loco_nb raises on purpose."""


class ConfigError(LocoError):
    """A setting has an invalid value."""


class ModelError(LocoError):
    """A request to a model server failed."""

    def __init__(self, message: str, *, url: str | None = None, model: str | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.model = model


class ServerUnavailable(ModelError):
    """Nothing answers at the server's URL."""


class ServerResponseError(ModelError):
    """The server answered with an HTTP error status."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: str,
        url: str | None = None,
        model: str | None = None,
    ) -> None:
        super().__init__(message, url=url, model=model)
        self.status_code = status_code
        self.body = body


class StreamInterrupted(ModelError):
    """A streamed reply ended before the server sent ``[DONE]``."""


class ModelNotFound(ModelError):
    """No model could be chosen for a request."""


class EmbeddedServerError(LocoError):
    """The embedded llama.cpp server could not start or stopped answering."""


class WeightsError(EmbeddedServerError):
    """The embedded model weights are missing, incomplete or corrupt."""


class ToolError(LocoError):
    """A tool call cannot run as written; the message is shown to the model."""


class PathOutsideProject(ToolError):
    """A path resolves outside the project root."""

    def __init__(self, path: str, root: Path) -> None:
        super().__init__(
            f"Path {path!r} resolves outside the project root {str(root)!r}; "
            "use a path relative to the project root."
        )
        self.path = path
        self.root = root


class ApprovalRequired(ToolError):
    """A change needs the user's approval and did not get it."""


class StoreError(LocoError):
    """A session or project file cannot be read or written."""

    def __init__(self, message: str, *, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class SessionNotFound(StoreError):
    """No session has the requested id."""


class CorruptFile(StoreError):
    """A stored file is not valid JSON or does not match its schema.

    The file was renamed to ``moved_to`` in the same folder, so its bytes are
    kept and the other files still load.
    """

    def __init__(self, message: str, *, path: Path, moved_to: Path) -> None:
        super().__init__(message, path=path)
        self.moved_to = moved_to
