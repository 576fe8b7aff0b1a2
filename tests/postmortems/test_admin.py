"""Templates and factor categories are managed in the admin; a template change is a new version."""

from __future__ import annotations

from portal.models import AuditEvent
from postmortems.models import PostmortemTemplate


def test_admin_pages_of_the_app_open(client, admin_user, postmortem):
    client.force_login(admin_user)
    for path in [
        "/admin/postmortems/postmortemtemplate/",
        f"/admin/postmortems/postmortemtemplate/{postmortem.template_id}/change/",
        "/admin/postmortems/contributingfactorcategory/",
        "/admin/postmortems/postmortem/",
        f"/admin/postmortems/postmortem/{postmortem.pk}/change/",
        "/admin/postmortems/actionitem/",
        "/admin/postmortems/actionitemreminder/",
    ]:
        assert client.get(path).status_code == 200, path


def test_changing_a_template_in_the_admin_makes_a_new_version(client, admin_user, postmortem):
    template = PostmortemTemplate.objects.get(slug="lightweight")
    sections = list(template.sections.order_by("order", "id"))
    form = {
        "name": template.name,
        "slug": template.slug,
        "description": template.description,
        "is_active": "on",
        "sections-TOTAL_FORMS": str(len(sections)),
        "sections-INITIAL_FORMS": str(len(sections)),
        "sections-MIN_NUM_FORMS": "0",
        "sections-MAX_NUM_FORMS": "1000",
    }
    for index, section in enumerate(sections):
        form |= {
            f"sections-{index}-id": str(section.pk),
            f"sections-{index}-template": str(template.pk),
            f"sections-{index}-order": str(section.order),
            f"sections-{index}-key": section.key,
            f"sections-{index}-title": section.title,
            f"sections-{index}-guidance": section.guidance,
            f"sections-{index}-starter_text": "",
        }
        if section.required:
            form[f"sections-{index}-required"] = "on"
    form["sections-0-title"] = "Executive summary"
    client.force_login(admin_user)
    response = client.post(f"/admin/postmortems/postmortemtemplate/{template.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    template.refresh_from_db()
    assert template.version == 2
    assert template.sections.order_by("order").first().title == "Executive summary"
    assert AuditEvent.objects.filter(
        action="postmortemtemplate.versioned", object_id=str(template.pk)
    ).exists()
    form["sections-0-starter_text"] = "{{ title.__class__ }}"
    refused = client.post(f"/admin/postmortems/postmortemtemplate/{template.pk}/change/", form)
    assert refused.status_code == 200  # the form comes back with the sandbox's complaint
    assert "not allowed" in refused.content.decode()
