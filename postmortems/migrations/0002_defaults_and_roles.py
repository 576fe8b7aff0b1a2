from django.db import migrations

from portal.roles import (
    ADMINISTRATOR,
    AUDITOR,
    COMPLIANCE_OFFICER,
    INCIDENT_RESPONDER,
    POSTMORTEM_AUTHOR,
    all_model_permissions,
    ensure_permissions,
    grant_permissions,
)

# slug, name, description
FACTOR_CATEGORIES = [
    ("detection", "Detection", "Monitoring, alerting or reporting found the problem late, or not at all."),
    ("response", "Response", "Escalation, coordination, tooling or runbooks slowed the response."),
    ("change", "Change", "A deployment, configuration or data change introduced or exposed the problem."),
    ("design", "Design", "The architecture or a design decision made the failure possible or worse."),
    ("capacity", "Capacity", "Load, quotas, limits or resource exhaustion."),
    ("dependency", "Dependency", "A supplier, library or internal service we rely on failed or behaved unexpectedly."),
    ("process", "Process", "A process was missing, unclear, not followed by design, or made the wrong thing easy."),
    ("communication", "Communication", "Information did not reach the people who needed it in time."),
    ("external", "External", "Attackers, natural events or other causes outside our control."),
]

# key, title, required, guidance
STANDARD = [
    ("summary", "Summary", True,
     "Two or three sentences a busy executive can read: what happened, who was affected, how it was fixed."),
    ("impact", "Impact", True,
     "Who and what was affected, for how long and how badly: customers, requests, records, money, "
     "regulatory exposure. The computed figures are shown next to it."),
    ("timeline", "Timeline", False,
     "The key moments in your words. The detailed timeline imported from the incidents is attached "
     "below: star the entries that matter and mark each as fact or hypothesis."),
    ("root_cause", "Root cause", True,
     "What in the system made this possible. Work through the five whys; stop at something the "
     "organisation can change, never at a person."),
    ("contributing_factors", "Contributing factors", False,
     "What else made it more likely, bigger or longer. Each factor also gets a category below."),
    ("what_went_well", "What went well", False, "What helped: keep doing it, and say so."),
    ("what_went_poorly", "What went poorly", True,
     "Where the response struggled. Describe the conditions, not the people."),
    ("where_we_got_lucky", "Where we got lucky", False,
     "What could have made it much worse and did not, by chance. These are risks to act on."),
    ("lessons_learned", "Lessons learned", True,
     "What we now know that we did not know before, and how the action items address it."),
]

# Following the lessons-learned questions of NIST SP 800-61 (section 3.4.1).
SECURITY = [
    ("summary", "Summary", True, "What happened, what was at risk, and the outcome, in a few sentences."),
    ("timeline", "Exactly what happened, and at what times?", True,
     "Reconstruct the attack and the response from the imported timeline; mark each entry as "
     "fact or hypothesis."),
    ("root_cause", "Root cause and attack vector", True,
     "How the attacker got in or how the exposure arose, and which control was missing or failed."),
    ("staff_performance", "How well did staff and management perform?", True,
     "Were the documented procedures followed, and were they adequate?"),
    ("information_needed_sooner", "What information was needed sooner?", False, ""),
    ("inhibiting_steps", "Were any steps or actions taken that might have inhibited the recovery?", False, ""),
    ("do_differently", "What would staff and management do differently next time?", True, ""),
    ("information_sharing", "How could information sharing with other organisations be improved?", False,
     "CERTs, ISACs, suppliers, law enforcement, regulators."),
    ("corrective_actions", "What corrective actions can prevent similar incidents?", True,
     "Summarise; each action is tracked as an action item below."),
    ("precursors", "What precursors or indicators should be watched for?", False,
     "Detection rules, threat intelligence, log sources to add."),
    ("tools_needed", "What additional tools or resources are needed?", False,
     "To detect, analyse and mitigate future incidents."),
]

LIGHTWEIGHT = [
    ("summary", "Summary", True, "What happened and who was affected."),
    ("cause", "Cause", True, "Why it happened; ask why until you reach something the organisation can change."),
    ("actions", "Actions", False, "What we will do about it; each action is tracked as an action item."),
]

TEMPLATES = [
    ("standard", "Standard", "A full blameless post-mortem for most incidents.", STANDARD),
    ("security-incident", "Security incident",
     "Lessons learned after a security incident, following NIST SP 800-61.", SECURITY),
    ("lightweight", "Lightweight", "For minor incidents: summary, cause, actions.", LIGHTWEIGHT),
]


def create_defaults(apps, schema_editor):
    Category = apps.get_model("postmortems", "ContributingFactorCategory")
    Template = apps.get_model("postmortems", "PostmortemTemplate")
    Section = apps.get_model("postmortems", "TemplateSection")
    for order, (slug, name, description) in enumerate(FACTOR_CATEGORIES, start=1):
        Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "order": order * 10}
        )
    for slug, name, description, sections in TEMPLATES:
        template, created = Template.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
        if not created:
            continue
        for order, (key, title, required, guidance) in enumerate(sections, start=1):
            Section.objects.create(
                template=template, key=key, title=title, required=required, guidance=guidance, order=order * 10
            )


def grant(apps, schema_editor):
    ensure_permissions(apps, ["postmortems"])
    everything = all_model_permissions(apps, "postmortems")
    view_all = [p for p in everything if ".view_" in p]
    grant_permissions(
        apps,
        {
            ADMINISTRATOR: everything,
            COMPLIANCE_OFFICER: [*view_all, "postmortems.publish_postmortem"],
            INCIDENT_RESPONDER: [
                "postmortems.view_postmortem",
                "postmortems.view_actionitem",
                "postmortems.view_postmortemtemplate",
                "postmortems.view_contributingfactorcategory",
            ],
            POSTMORTEM_AUTHOR: [
                *view_all,
                "postmortems.add_postmortem",
                "postmortems.change_postmortem",
                "postmortems.delete_postmortem",
                "postmortems.add_actionitem",
                "postmortems.change_actionitem",
                "postmortems.delete_actionitem",
            ],
            AUDITOR: view_all,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("postmortems", "0001_initial"), ("portal", "0003_roles")]
    operations = [
        migrations.RunPython(create_defaults, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
