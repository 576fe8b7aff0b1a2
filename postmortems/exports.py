"""Exports of a post-mortem: the content as plain data, a Markdown document, a PDF.

All three are built from ``postmortem_document``, so a published revision's
stored snapshot, its Markdown and the PDF always say the same thing.

The Markdown export is meant to be pasted into Confluence or committed to a
Git repository, whose renderers may allow raw HTML. Section bodies are the
authors' Markdown, kept as written, except that anything another renderer
could turn into markup is neutralised: raw HTML is escaped (outside code) and
links whose scheme is not http, https or mailto point nowhere.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

from portal.audit import audit_record
from portal.markdown import ALLOWED_SCHEMES, render_markdown
from portal.pdf import render_html_to_pdf
from portal.users import User
from postmortems.choices import (
    ActionItemKind,
    ActionItemPriority,
    ActionItemStatus,
    PostmortemStatus,
    TimelineAssessment,
)
from postmortems.models import Postmortem
from postmortems.quality import format_duration, impact_figure, postmortem_impact

#: Which structured part of the post-mortem is shown under which template section.
SECTION_ATTACHMENTS = {
    "root_cause": "whys",
    "cause": "whys",
    "contributing_factors": "factors",
    "action_items": "action_items",
    "actions": "action_items",
    "corrective_actions": "action_items",
    "timeline": "timeline",
}
ATTACHMENT_TITLES = {
    "whys": "Five whys",
    "factors": "Contributing factors",
    "action_items": "Action items",
    "timeline": "Timeline",
}
#: The same, as sub-headings under the section they belong to.
NESTED_TITLES = {
    "whys": "Five whys",
    "factors": "Factors by category",
    "action_items": "Tracked action items",
    "timeline": "Detailed timeline",
}


def _shown(section: dict[str, Any]) -> bool:
    """Optional sections nobody wrote are left out of the exports; required ones always show."""
    return bool(section["body"] or section["required"] or section["attachment"])


def _person(user: Any) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


def postmortem_document(postmortem: Postmortem) -> dict[str, Any]:
    """Everything the post-mortem says, as plain values (datetimes stay datetimes)."""
    incidents = list(postmortem.incidents.all())
    impact = postmortem_impact(postmortem)
    return {
        "id": postmortem.pk,
        "reference": postmortem.reference,
        "title": postmortem.title,
        "status": postmortem.status,
        "status_label": PostmortemStatus(postmortem.status).label,
        "revision": postmortem.revision,
        "version": postmortem.version,
        "template": {"name": postmortem.template.name, "version": postmortem.template_version},
        "restricted": any(incident.is_restricted for incident in incidents),
        "incidents": [
            {
                "id": incident.pk,
                "reference": incident.reference,
                "title": incident.title,
                "severity": incident.severity.name,
                "category": incident.category.name,
                "status": incident.get_status_display(),
                "is_restricted": incident.is_restricted,
                "is_exercise": incident.is_exercise,
                "detected_at": incident.detected_at,
                "resolved_at": incident.resolved_at,
            }
            for incident in incidents
        ],
        "owner": _person(postmortem.owner),
        "facilitator": _person(postmortem.facilitator),
        "reviewers": [_person(user) for user in postmortem.reviewers.all()],
        "created_at": postmortem.created_at,
        "submitted_at": postmortem.submitted_at,
        "published_at": postmortem.published_at,
        "submitted_by": _person(postmortem.submitted_by),
        "published_by": _person(postmortem.published_by),
        "impact": impact,
        "impact_rows": _impact_rows(impact),
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "required": section.required,
                "body": "" if section.is_empty else section.body,
                "attachment": SECTION_ATTACHMENTS.get(section.key, ""),
            }
            for section in postmortem.sections.all()
        ],
        "whys": list(postmortem.whys or []),
        "contributing_factors": [
            {
                "category": factor.category.slug,
                "category_name": factor.category.name,
                "description": factor.description,
            }
            for factor in postmortem.factors.all()
        ],
        "no_action_items_reason": postmortem.no_action_items_reason,
        "action_items": [
            {
                "id": item.pk,
                "title": item.title,
                "description": item.description,
                "kind": ActionItemKind(item.kind).label,
                "priority": ActionItemPriority(item.priority).label,
                "status": ActionItemStatus(item.status).label,
                "owner": _person(item.owner),
                "due_date": item.due_date,
                "overdue": item.is_overdue,
                "external_url": item.external_url,
                "verification": item.verification,
                "wont_do_reason": item.wont_do_reason,
            }
            for item in sorted(
                postmortem.action_items.all(), key=lambda item: (item.due_date or date.max, item.pk)
            )
        ],
        "timeline": [
            {
                "occurred_at": entry.occurred_at,
                "incident": entry.incident.reference if entry.incident else "",
                "kind": entry.get_kind_display(),
                "text": entry.text,
                "starred": entry.is_starred,
                "assessment": entry.assessment,
                "assessment_label": ""
                if entry.assessment == TimelineAssessment.UNMARKED
                else TimelineAssessment(entry.assessment).label,
                "annotation": entry.annotation,
                "author": _person(entry.author),
            }
            for entry in postmortem.timeline_entries.all()
        ],
    }


def _impact_rows(impact: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("Severity", impact["severity"] or "unknown"),
        ("Duration (start to resolution)", format_duration(impact["duration_seconds"])),
        ("Time to detect", format_duration(impact["time_to_detect_seconds"])),
        ("Time to acknowledge", format_duration(impact["time_to_acknowledge_seconds"])),
        ("Time to resolve", format_duration(impact["time_to_resolve_seconds"])),
        ("Services affected", ", ".join(impact["services"]) or "none recorded"),
        ("Customers affected", impact_figure(impact, "customers_affected")),
        ("Records affected", impact_figure(impact, "records_affected")),
    ]


def document_snapshot(document: dict[str, Any]) -> dict[str, Any]:
    """The document as JSON-native values, for storing a published revision."""
    return json.loads(json.dumps(document, cls=DjangoJSONEncoder))


# --- Markdown ------------------------------------------------------------------------------------------


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z") if value else "—"


_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_LINE_START_SPECIAL = re.compile(r"^(\s*)([#>+=-]|\d+)([.)]?)")


def _escape_line_start(match: re.Match[str]) -> str:
    indent, marker, punctuation = match.groups()
    if marker.isdigit():  # "1." or "1)" would start a list; a backslash before a digit is no escape
        return f"{indent}{marker}\\{punctuation}" if punctuation else match.group(0)
    return f"{indent}\\{marker}{punctuation}"


def plain(text: str | None) -> str:
    """Plain text made literal for Markdown, on one line (table cells, list items)."""
    one_line = " ".join((text or "").split())
    escaped = _INLINE_SPECIAL.sub(r"\\\1", one_line)
    return _LINE_START_SPECIAL.sub(_escape_line_start, escaped)


@lru_cache(maxsize=1)
def _block_parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


_CODE_SPAN = re.compile(r"(`+)(?:.+?)(?<!`)\1(?!`)")
_AUTOLINK = re.compile(r"<(?:https?://|mailto:)[^\s<>]*>", re.IGNORECASE)
_INLINE_DESTINATION = re.compile(r"(\]\(\s*)(<[^>\n]*>|(?:[^\s()]|\([^\s()]*\))+)")
_REFERENCE_DEFINITION = re.compile(r"^(\s{0,3}\[[^\]]+\]:\s*)(\S+)")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


def _unsafe_destination(destination: str) -> bool:
    cleaned = html.unescape(destination.strip("<>"))
    cleaned = "".join(ch for ch in cleaned if ch.isprintable() and not ch.isspace()).lower()
    match = _SCHEME.match(cleaned)
    return match is not None and match.group(1) not in ALLOWED_SCHEMES


def _defang_destination(match: re.Match[str]) -> str:
    return match.group(1) + ("#" if _unsafe_destination(match.group(2)) else match.group(2))


def _escape_html(text: str) -> str:
    out, position = [], 0
    for autolink in _AUTOLINK.finditer(text):
        out.append(text[position : autolink.start()].replace("<", "\\<"))
        out.append(autolink.group(0))
        position = autolink.end()
    out.append(text[position:].replace("<", "\\<"))
    return "".join(out)


def _neutralise_line(line: str) -> str:
    line = _REFERENCE_DEFINITION.sub(_defang_destination, line)
    out, position = [], 0
    for span in _CODE_SPAN.finditer(line):
        out.append(_escape_html(_INLINE_DESTINATION.sub(_defang_destination, line[position : span.start()])))
        out.append(span.group(0))
        position = span.end()
    out.append(_escape_html(_INLINE_DESTINATION.sub(_defang_destination, line[position:])))
    return "".join(out)


def safe_markdown(text: str) -> str:
    """The author's Markdown with raw HTML and unsafe link schemes neutralised (code left alone)."""
    text = (text or "").replace("\r\n", "\n").replace("\x00", "").strip("\n")
    lines = text.split("\n")
    in_code: set[int] = set()
    unclosed_fence = ""
    for token in _block_parser().parse(text):
        if token.type in ("fence", "code_block") and token.map:
            start, end = token.map
            in_code.update(range(start, end))
            if token.type == "fence":
                closing = lines[end - 1].strip() if end - 1 > start else ""
                closed = closing.startswith(token.markup) and set(closing) == {token.markup[0]}
                unclosed_fence = "" if closed else token.markup
    out = "\n".join(line if i in in_code else _neutralise_line(line) for i, line in enumerate(lines)).rstrip()
    # A fence left open would swallow, or be closed by, whatever follows in the document.
    return f"{out}\n{unclosed_fence}" if unclosed_fence else out


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return lines


def _whys_markdown(document: dict[str, Any]) -> list[str]:
    if not document["whys"]:
        return ["_No five-whys chain recorded._"]
    return [f"{i}. {plain(why)}" for i, why in enumerate(document["whys"], start=1)]


def _factors_markdown(document: dict[str, Any]) -> list[str]:
    if not document["contributing_factors"]:
        return ["_No contributing factor recorded._"]
    return [
        f"- **{plain(factor['category_name'])}**: {plain(factor['description'])}"
        for factor in document["contributing_factors"]
    ]


def _link(url: str) -> str:
    return f"[link](<{url}>)" if url and not _unsafe_destination(url) and ">" not in url else ""


def _action_items_markdown(document: dict[str, Any]) -> list[str]:
    items = document["action_items"]
    if not items:
        reason = document["no_action_items_reason"].strip()
        return [f"_No action items: {plain(reason)}_" if reason else "_No action items._"]
    rows = [
        [
            str(number),
            plain(item["title"]),
            item["kind"],
            item["priority"],
            plain(item["owner"] or "unassigned"),
            item["due_date"].isoformat() if item["due_date"] else "none",
            item["status"] + (" (overdue)" if item["overdue"] else ""),
            _link(item["external_url"]),
        ]
        for number, item in enumerate(items, start=1)
    ]
    lines = _table(["#", "Action", "Kind", "Priority", "Owner", "Due", "Status", "Tracker"], rows)
    notes = [
        f"- #{number} verified: {plain(item['verification'])}"
        for number, item in enumerate(items, start=1)
        if item["verification"]
    ]
    notes += [
        f"- #{number} will not be done: {plain(item['wont_do_reason'])}"
        for number, item in enumerate(items, start=1)
        if item["wont_do_reason"]
    ]
    return lines + (["", *notes] if notes else [])


def _timeline_markdown(document: dict[str, Any]) -> list[str]:
    if not document["timeline"]:
        return ["_The timeline is empty._"]
    several = len(document["incidents"]) > 1
    rows = []
    for entry in document["timeline"]:
        text = ("★ " if entry["starred"] else "") + plain(entry["text"])
        if entry["annotation"]:
            text += f" _({plain(entry['annotation'])})_"
        row = [_when(entry["occurred_at"]), text, entry["assessment_label"]]
        rows.append([entry["incident"], *row] if several else row)
    header = ["Time", "Entry", "Assessment"]
    return _table(["Incident", *header] if several else header, rows)


_ATTACHMENT_WRITERS = {
    "whys": _whys_markdown,
    "factors": _factors_markdown,
    "action_items": _action_items_markdown,
    "timeline": _timeline_markdown,
}


def postmortem_markdown(document: dict[str, Any]) -> str:
    lines = [f"# {plain(document['title'])}", ""]
    if document["restricted"]:
        lines += [
            "> **Restricted.** This post-mortem covers a restricted incident: share it only with "
            "people cleared for that incident.",
            "",
        ]
    status = document["status_label"]
    if document["revision"]:
        status += f" (revision {document['revision']})"
    incidents = "; ".join(
        f"{plain(i['reference'])}: {plain(i['title'])} ({plain(i['severity'])}, {i['status'].lower()})"
        for i in document["incidents"]
    )
    rows = [
        ["Reference", document["reference"]],
        ["Status", status],
        ["Incidents", incidents],
        ["Owner", plain(document["owner"])],
        ["Facilitator", plain(document["facilitator"] or "—")],
        ["Reviewers", plain(", ".join(document["reviewers"]) or "—")],
        ["Created", _when(document["created_at"])],
        ["Published", _when(document["published_at"]) if document["published_at"] else "not yet"],
        ["Template", f"{plain(document['template']['name'])} (version {document['template']['version']})"],
    ]
    lines += _table(["Field", "Value"], rows)
    lines += ["", "## Impact", ""]
    lines += _table(["Measure", "Value"], [[label, plain(value)] for label, value in document["impact_rows"]])
    placed: set[str] = set()
    for section in filter(_shown, document["sections"]):
        lines += ["", f"## {plain(section['title'])}", ""]
        body = safe_markdown(section["body"])
        lines.append(body or "_Not written yet._")
        attachment = section["attachment"]
        if attachment and attachment not in placed:
            placed.add(attachment)
            lines += ["", f"### {NESTED_TITLES[attachment]}", "", *_ATTACHMENT_WRITERS[attachment](document)]
    for attachment, writer in _ATTACHMENT_WRITERS.items():
        if attachment not in placed:
            lines += ["", f"## {ATTACHMENT_TITLES[attachment]}", "", *writer(document)]
    generated = timezone.localtime().strftime("%Y-%m-%d %H:%M %Z")
    lines += [
        "",
        "---",
        "",
        f"_Exported from the incident portal on {generated}, version {document['version']}._",
    ]
    return "\n".join(lines) + "\n"


# --- PDF -----------------------------------------------------------------------------------------------


def postmortem_pdf(document: dict[str, Any]) -> bytes:
    return render_html_to_pdf(postmortem_pdf_html(document))


def postmortem_pdf_html(document: dict[str, Any]) -> str:
    """The HTML the PDF is printed from (tests check its layout with WeasyPrint)."""
    sections = [
        {**section, "html": mark_safe(render_markdown(section["body"]))}  # noqa: S308 - sanitised by nh3
        for section in document["sections"]
        if _shown(section)
    ]
    placed = {section["attachment"] for section in sections if section["attachment"]}
    # Only the first section of each attachment shows it; the rest go to the end.
    seen: set[str] = set()
    for section in sections:
        if section["attachment"] in seen:
            section["attachment"] = ""
        seen.add(section["attachment"])
        section["attachment_title"] = NESTED_TITLES.get(section["attachment"], "")
    context = {
        "doc": document,
        "sections": sections,
        "trailing": [(name, title) for name, title in ATTACHMENT_TITLES.items() if name not in placed],
        "several_incidents": len(document["incidents"]) > 1,
        "generated_at": timezone.now(),
    }
    return render_to_string("pdf/postmortem.html", context)


# --- downloads -----------------------------------------------------------------------------------------

#: The formats a post-mortem is downloaded in: media type and file extension.
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "pdf": ("application/pdf", "pdf"),
    "markdown": ("text/markdown; charset=utf-8", "md"),
}


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    content_type: str
    filename: str


def postmortem_export(postmortem: Postmortem, export: str, *, actor: User) -> ExportFile:
    """The current version as PDF or Markdown, for the API and the page alike; audited."""
    content_type, extension = EXPORT_FORMATS[export]
    document = postmortem_document(postmortem)
    content = postmortem_pdf(document) if export == "pdf" else postmortem_markdown(document).encode("utf-8")
    audit_record(
        action="postmortem.exported",
        actor=actor,
        obj=postmortem,
        changes={"format": export, "version": postmortem.version},
    )
    return ExportFile(content, content_type, f"{postmortem.reference}.{extension}")
