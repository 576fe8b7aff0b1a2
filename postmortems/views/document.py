"""The editor's pieces: its forms with their choices, the impact rows, and what a stale save
shows (each part where the saved version and the typed one differ)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compliance.selectors import affected_figures
from postmortems.forms import (
    FactorFormSet,
    PostmortemDocumentForm,
    item_owners,
    reviewers,
    user_label,
    users_all,
    writers,
)
from postmortems.models import ContributingFactorCategory, Postmortem
from postmortems.quality import Finding, format_duration, impact_figure, postmortem_impact


@dataclass(frozen=True)
class ConflictRow:
    label: str
    theirs: str
    mine: str


def _anchor(finding: Finding, editing: bool) -> str:
    """Where on the page the author fixes a finding (form fields exist only while editing)."""
    field = finding.field
    if field.startswith("action_items."):
        return f"#action-item-{field.split('.', 1)[1]}"
    if field in ("timeline", "incidents"):
        return f"#{field}"
    if not editing:
        return ""
    if field.startswith("sections."):
        return f"#id_section_{field.split('.', 1)[1]}"
    if field.startswith("whys"):
        return "#id_whys"
    if field.startswith("contributing_factors"):
        return "#factors"
    return "#id_no_action_items_reason" if field == "no_action_items_reason" else ""


def _factor_lines(pairs: list[tuple[str, str]], names: dict[str, str]) -> str:
    return "\n".join(f"{names.get(slug, slug)}: {description}" for slug, description in pairs)


def _people(users: list[Any]) -> str:
    return ", ".join(sorted(user_label(user) for user in users)) or "-"


def _conflict(
    current: Postmortem, form: PostmortemDocumentForm, factors: list[dict[str, str]], names: dict[str, str]
) -> list[ConflictRow]:
    """Each part of the document where what was saved meanwhile differs from what the user typed."""
    mine = form.service_data()
    rows: list[tuple[str, str, str]] = [
        ("Title", current.title, mine["title"]),
        ("Owner", user_label(current.owner), user_label(mine["owner"])),
        (
            "Facilitator",
            user_label(current.facilitator) if current.facilitator else "-",
            user_label(mine["facilitator"]) if mine["facilitator"] else "-",
        ),
        ("Reviewers", _people(list(current.reviewers.all())), _people(mine["reviewers"])),
        ("Customers affected", str(current.customers_affected or ""), str(mine["customers_affected"] or "")),
        ("Records affected", str(current.records_affected or ""), str(mine["records_affected"] or "")),
    ]
    rows += [
        (section.title, section.body, mine["sections"].get(section.key, section.body))
        for section in current.sections.all()
    ]
    rows += [
        ("Five whys", "\n".join(current.whys or []), "\n".join(mine["whys"])),
        (
            "Contributing factors",
            _factor_lines([(f.category.slug, f.description) for f in current.factors.all()], names),
            _factor_lines([(f["category"], f["description"]) for f in factors], names),
        ),
        ("Why no action item is needed", current.no_action_items_reason, mine["no_action_items_reason"]),
    ]
    return [ConflictRow(label, theirs, own) for label, theirs, own in rows if theirs.strip() != own.strip()]


def _impact_rows(postmortem: Postmortem) -> list[tuple[str, str]]:
    impact = postmortem_impact(postmortem)

    return [
        ("Severity", impact["severity"] or "unknown"),
        ("Duration", format_duration(impact["duration_seconds"])),
        ("Time to detect", format_duration(impact["time_to_detect_seconds"])),
        ("Time to acknowledge", format_duration(impact["time_to_acknowledge_seconds"])),
        ("Time to resolve", format_duration(impact["time_to_resolve_seconds"])),
        ("Services", ", ".join(impact["services"]) or "none recorded"),
        ("Customers affected", impact_figure(impact, "customers_affected")),
        ("Records affected", impact_figure(impact, "records_affected")),
    ]


class _Choices:
    """The lists the editor's forms choose from, loaded once per request."""

    def __init__(self) -> None:
        rows = list(ContributingFactorCategory.objects.values_list("slug", "name", "is_active"))
        self.categories = [(slug, name) for slug, name, active in rows if active]
        self.names = {slug: name for slug, name, _ in rows}
        self.owners = list(writers())
        self.people = list(users_all())
        self.reviewers = list(reviewers())
        self.item_owners = list(item_owners())


def _document_forms(
    postmortem: Postmortem, choices: _Choices, data: Any = None
) -> tuple[PostmortemDocumentForm, Any]:
    sections = list(postmortem.sections.all())

    def keeping(users: list[Any], *current: Any) -> list[Any]:
        # Whoever is named now stays choosable, even after losing the role that put them on the list.
        known = {user.pk for user in users}
        return [*users, *(user for user in current if user is not None and user.pk not in known)]

    form = PostmortemDocumentForm(
        data,
        initial=None if data is not None else PostmortemDocumentForm.initial_for(postmortem),
        sections=sections,
        owners=keeping(choices.owners, postmortem.owner),
        people=keeping(choices.people, postmortem.facilitator),
        reviewer_people=keeping(choices.reviewers, *postmortem.reviewers.all()),
    )
    assessed = affected_figures(postmortem.incidents.all())
    for field, value, noun in [
        ("customers_affected", assessed.data_subjects, "people affected"),
        ("records_affected", assessed.records, "records affected"),
    ]:
        form.fields[field].help_text = (
            f"Leave empty to use the compliance assessment's {value:,} {noun}."
            if value is not None
            else "Leave empty while unknown; once compliance assesses the incident, its figure is used."
        )
    initial_factors = [
        {"category": factor.category.slug, "description": factor.description}
        for factor in postmortem.factors.all()
    ]
    formset = FactorFormSet(
        data,
        initial=None if data is not None else initial_factors,
        prefix="factors",
        form_kwargs={"categories": choices.categories},
    )
    return form, formset
