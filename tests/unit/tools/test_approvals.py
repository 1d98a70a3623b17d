"""Unit tests of loco_nb.tools.approvals: requests, verdicts and the order a policy decides in."""

from __future__ import annotations

import asyncio
import threading

import pytest

from loco_nb.models import ToolCall
from loco_nb.tools.approvals import ApprovalPolicy, ApprovalRequest, Verdict

WRITE = ToolCall(name="write_file", params={"path": "a.py", "content": "x"})
COMMAND = ToolCall(name="run_command", params={"command": "ls"})


def request(call: ToolCall = WRITE, **options: object) -> ApprovalRequest:
    key = str(options.pop("key", call.name))
    return ApprovalRequest(call, key=key, **options)  # type: ignore[arg-type]


def decide(policy: ApprovalPolicy, pending: ApprovalRequest, answer: str | None = None) -> Verdict:
    announced: list[ApprovalRequest] = []

    def announce(item: ApprovalRequest) -> None:
        announced.append(item)
        if answer is not None:
            getattr(item, answer)()

    verdict = asyncio.run(policy.decide(pending, announce))
    assert (announced == [pending]) is (answer is not None)
    return verdict


# ApprovalRequest


@pytest.mark.parametrize(
    ("method", "verdict"),
    [("approve", Verdict.APPROVED), ("deny", Verdict.DENIED), ("always", Verdict.ALWAYS)],
)
def test_request_methods(method: str, verdict: Verdict) -> None:
    pending = request()

    getattr(pending, method)()

    assert pending.verdict is verdict
    assert pending.decided


def test_first_decision_counts() -> None:
    pending = request()

    pending.deny()
    pending.approve()

    assert pending.verdict is Verdict.DENIED


def test_on_decided_called_once_and_late() -> None:
    pending = request()
    seen: list[Verdict | None] = []
    pending.on_decided(lambda r: seen.append(r.verdict))

    pending.approve()
    pending.deny()
    pending.on_decided(lambda r: seen.append(r.verdict))

    assert seen == [Verdict.APPROVED, Verdict.APPROVED]


def test_wait_woken_from_other_thread() -> None:
    pending = request()

    async def wait() -> Verdict:
        threading.Timer(0.05, pending.always).start()
        return await pending.wait()

    assert asyncio.run(wait()) is Verdict.ALWAYS


def test_cancelled_wait_denies() -> None:
    pending = request()

    async def cancel() -> None:
        waiter = asyncio.ensure_future(pending.wait())
        await asyncio.sleep(0.01)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter

    asyncio.run(cancel())

    assert pending.verdict is Verdict.DENIED


# ApprovalPolicy


def test_nobody_to_ask_denies() -> None:
    assert decide(ApprovalPolicy(), request()) is Verdict.DENIED


def test_auto_approves_writes() -> None:
    assert decide(ApprovalPolicy(auto=True), request()) is Verdict.AUTO


def test_auto_never_approves_commands() -> None:
    pending = request(COMMAND, auto_approvable=False)

    assert decide(ApprovalPolicy(auto=True), pending) is Verdict.DENIED


def test_auto_command_goes_to_user() -> None:
    pending = request(COMMAND, auto_approvable=False)

    assert decide(ApprovalPolicy(auto=True, ask_user=True), pending, "approve") is Verdict.APPROVED


@pytest.mark.parametrize(("answer", "verdict"), [(True, Verdict.APPROVED), (False, Verdict.DENIED)])
def test_approver_function_decides(answer: bool, verdict: Verdict) -> None:
    seen: list[ToolCall] = []

    def approver(call: ToolCall) -> bool:
        seen.append(call)
        return answer

    assert decide(ApprovalPolicy(approver=approver, ask_user=True), request()) is verdict
    assert seen == [WRITE]


def test_async_approver_awaited() -> None:
    async def approver(call: ToolCall) -> bool:
        return True

    assert decide(ApprovalPolicy(approver=approver), request()) is Verdict.APPROVED


def test_user_denies() -> None:
    assert decide(ApprovalPolicy(ask_user=True), request(), "deny") is Verdict.DENIED


def test_always_allows_same_key_later() -> None:
    policy = ApprovalPolicy(ask_user=True)

    assert decide(policy, request(COMMAND, key="ls"), "always") is Verdict.ALWAYS
    assert decide(policy, request(COMMAND, key="ls")) is Verdict.ALWAYS
    assert decide(policy, request(COMMAND, key="rm"), "deny") is Verdict.DENIED


def test_allowed_set_shared_between_policies() -> None:
    allowed: set[str] = set()
    decide(ApprovalPolicy(ask_user=True, allowed=allowed), request(), "always")

    assert decide(ApprovalPolicy(allowed=allowed), request()) is Verdict.ALWAYS


def test_policy_as_approver() -> None:
    assert asyncio.run(ApprovalPolicy(auto=True)(WRITE)) is True
    assert asyncio.run(ApprovalPolicy()(WRITE)) is False


def test_of_wraps_functions() -> None:
    policy = ApprovalPolicy(auto=True)

    assert ApprovalPolicy.of(policy) is policy
    assert ApprovalPolicy.of(None).approver is None
    assert ApprovalPolicy.of(lambda call: True).approver is not None


def test_denial_messages_say_what_to_do() -> None:
    assert "--yes" in ApprovalPolicy().denial(request())
    assert "The user did not approve write_file" in ApprovalPolicy(ask_user=True).denial(request())
    command = request(COMMAND, auto_approvable=False)
    assert "needs the user's approval every time" in ApprovalPolicy(auto=True).denial(command)
