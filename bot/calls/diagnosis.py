"""Turn a failed Genesys exchange into what the Slack user reads: what, why, what next.

:func:`diagnose` is pure: it looks the failure up in the table of
:mod:`bot.calls.diagnosis_cases` and fills in the row's text. A row matches on
phase, HTTP status (or transport failure) and Genesys error code, and then on
keywords in Genesys' message. When several rows match, the
most specific one wins (keywords, then code, then status, then phase), so a new case
is one row anywhere in the table. Genesys does not document the message for every
error (a malformed phone number, for one), so keywords only refine a status and code,
and every diagnosis shows Genesys' own message and the correlation ID.

``python -m bot.calls.diagnosis`` prints docs/diagnoses.md from the table.
"""

from __future__ import annotations

import re

from bot.calls.diagnosis_cases import CASES, UNKNOWN, Case
from bot.calls.models import PHASE_CALL, PHASE_TOKEN, Diagnosis, GenesysFailure

__all__ = ["CASES", "UNKNOWN", "Case", "diagnose", "find_case", "login_url", "missing_permissions", "render_markdown"]


def diagnose(failure: GenesysFailure) -> Diagnosis:
    """Return the diagnosis of the most specific :data:`CASES` row matching ``failure``."""
    case = find_case(failure)
    values = _template_values(failure)
    return Diagnosis(
        kind=case.kind,
        outcome=case.outcome,
        title=case.title.format_map(values),
        cause=case.cause.format_map(values),
        action=case.action.format_map(values),
        details=_details(failure, case),
    )


def find_case(failure: GenesysFailure) -> Case:
    """Return the most specific matching row; the last row matches everything."""
    best: Case | None = None
    for case in CASES:
        if case.matches(failure) and (best is None or case.specificity() > best.specificity()):
            best = case
    assert best is not None, "the last row of CASES must match every failure"
    return best


def missing_permissions(failure: GenesysFailure) -> list[str]:
    """Return the permission names Genesys listed as missing, from messageParams or the message."""
    text = failure.message_params.get("permissions") if failure.message_params else None
    if not text:
        bracketed = re.search(r"permission\(s\):\s*\[([^\]]*)\]", failure.message or "")
        text = bracketed.group(1) if bracketed else ""
    names = [part.strip(" []'\"") for part in text.split(",")]
    return [name for name in names if name]


def login_url(api_host: str) -> str:
    """Return the OAuth login URL of an API host, the way the SDK's ApiClient.get_conf_url derives it.

    ``https://api.mypurecloud.ie`` becomes ``https://login.mypurecloud.ie``. A host
    without ``//api.`` (an IP address, a local emulator) is returned unchanged.
    """
    return re.sub(r"//api\.", "//login.", api_host, count=1)


def _template_values(failure: GenesysFailure) -> dict[str, str]:
    permissions = missing_permissions(failure)
    if not permissions:
        phrase = "a permission that Genesys did not name"
    elif failure.code == "missing.any.permissions" and len(permissions) > 1:
        phrase = "all of the permissions it accepts (any one is enough): " + ", ".join(permissions)
    else:
        phrase = "the permission(s) " + ", ".join(permissions)
    api_host = failure.api_host or "the configured Genesys API host"
    message = (failure.message or "no message").strip()
    if not message.endswith((".", "!", "?")):
        message += "."
    return {
        "status": str(failure.status) if failure.status is not None else "none",
        "code": failure.code or "no code",
        "message": message,
        "correlation_id": failure.correlation_id or "none",
        "permissions": ", ".join(permissions) if permissions else "the permission Genesys names in its message",
        "permissions_phrase": phrase,
        "region": failure.region or "not set",
        "api_host": api_host,
        "login_host": login_url(failure.api_host) if failure.api_host else "the Genesys login service",
        "retry_after": f"{failure.retry_after:g} s" if failure.retry_after is not None else "an unstated time",
        "transport_detail": failure.transport_detail or failure.transport or "no detail",
    }


def _details(failure: GenesysFailure, case: Case) -> tuple[tuple[str, str], ...]:
    details: list[tuple[str, str]] = []
    if failure.status is not None:
        details.append(("HTTP status", str(failure.status)))
    if failure.code:
        details.append(("Genesys code", failure.code))
    if failure.message:
        details.append(("Genesys message", failure.message))
    permissions = missing_permissions(failure)
    if permissions:
        details.append(("Missing permissions", ", ".join(permissions)))
    if failure.retry_after is not None:
        details.append(("Retry-After", f"{failure.retry_after:g} s"))
    if failure.transport:
        details.append(("Network failure", f"{failure.transport}: {failure.transport_detail or 'no detail'}"))
    if case.show_region or failure.phase == PHASE_TOKEN:
        details.append(("Region", failure.region or "not set"))
        if failure.api_host:
            details.append(("API host", failure.api_host))
            details.append(("Login host", login_url(failure.api_host)))
    if failure.phase == PHASE_CALL and failure.requests_sent:
        details.append(("Create-call requests sent", str(failure.requests_sent)))
    details.append(("Correlation ID", failure.correlation_id or "none (no Genesys response)"))
    return tuple(details)


def render_markdown() -> str:
    """Render docs/diagnoses.md: every table row's example as the Slack user sees it."""
    lines = [
        "# Diagnoses",
        "",
        "What the Slack user reads when Genesys Cloud refuses or fails a request. Generated",
        "from the table in `bot/calls/diagnosis.py` by `python -m bot.calls.diagnosis`; each",
        "section shows the example failure of one table row. Outcome `unknown` means the call",
        "may exist, so the user is told to check before dialing again.",
        "",
    ]
    for case in CASES:
        failure = GenesysFailure(**case.example)
        diagnosis = diagnose(failure)
        match = ", ".join(_describe_match(case)) or "anything else"
        lines += [
            f"## `{diagnosis.kind}`: {diagnosis.title}",
            "",
            f"Matches: {match}. Outcome: `{diagnosis.outcome}`.",
            "",
            f"> *{diagnosis.title}*",
            f"> {diagnosis.cause}",
            f"> *What to do:* {diagnosis.action}",
        ]
        lines += [f"> • {label}: `{value}`" for label, value in diagnosis.details]
        lines.append("")
    return "\n".join(lines)


def _describe_match(case: Case) -> list[str]:
    parts = []
    if case.phases is not None:
        parts.append("phase " + " or ".join(sorted(case.phases)))
    if case.statuses is not None:
        parts.append("HTTP " + " or ".join(str(status) for status in sorted(case.statuses)))
    if case.transports is not None:
        parts.append("no response (" + " or ".join(sorted(case.transports)) + ")")
    if case.codes is not None:
        parts.append("code " + " or ".join(f"`{code}`" for code in sorted(case.codes)))
    if case.keywords:
        parts.append("message contains " + " or ".join(f'"{keyword}"' for keyword in case.keywords))
    return parts


if __name__ == "__main__":
    print(render_markdown(), end="")
