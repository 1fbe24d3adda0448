"""Review sessions of the experts — a review meeting (会评), a defence (答辩), a site visit (现场考察) —
on an intent application in consultation (Art. 10.3) and on a three-year evaluation (Art. 21):
only 科技厅 records them, once experts are assigned; the experts present are the subject's own;
the file goes through the attachments' checks; the fragment escapes what it shows."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.shortcuts import resolve_url
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import IntentApplication
from attachments.models import Attachment
from attachments.services import attachment_add
from experts.models import ReviewSession
from experts.sessions import ATTACHMENT_KIND, session_context, sessions_of
from sctic.demo import minimal_pdf
from tests.factories import ExpertFactory
from tests.test_art22_evaluation import advance, make_center, open_round

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HOSTILE = '<script>alert("x")</script>\n<img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def _english_pages(client):
    """Pages and messages are read in English (cookie ``django_language=en``)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def days_ago(n=3):
    return timezone.localdate() - timedelta(days=n)


# --- the two subjects ------------------------------------------------------------------------------


@pytest.fixture(params=["consultation", "evaluation"], ids=["art10_3_consultation", "art21_evaluation"])
def case(request, make_application, unit_a, chengdu, kjt, experts):
    """The subject under review with its assigned experts, and an expert from outside its review."""
    if request.param == "consultation":
        subject = make_application("under_review")  # experts[:2] assigned
        assigned, outsider = experts[:2], experts[2]
    else:
        center = make_center(unit_a.organization, chengdu.organization)
        evaluation = open_round(kjt).evaluations.get(center=center)
        subject = advance(evaluation, "under_review", applicant=unit_a, department=kjt, experts=experts)
        assigned, outsider = list(experts), ExpertFactory(username="expert9")
    subject.refresh_from_db()
    return SimpleNamespace(
        key=request.param,
        subject=subject,
        assigned=assigned,
        outsider=outsider,
        new_url=reverse("experts:session_new", args=[request.param, subject.pk]),
    )


def make_session(subject, user, experts, *, files=1, **fields):
    values = {"kind": "meeting", "held_on": days_ago(), "place": "省科技厅 3 楼会议室", "minutes": "同意。"}
    session = ReviewSession.objects.create(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        recorded_by=user,
        **{**values, **fields},
    )
    session.experts_present.set(experts)
    for i in range(files):
        attachment_add(
            owner=session,
            kind=ATTACHMENT_KIND,
            upload=SimpleUploadedFile(f"纪要{i}.pdf", minimal_pdf(f"m{i}"), content_type="application/pdf"),
            mime_type="application/pdf",
            user=user,
        )
    return session


def form_data(experts, **overrides):
    data = {
        "kind": "defence",
        "held_on": days_ago().isoformat(),
        "place": "成都市高新区 答辩厅",
        "experts_present": [e.pk for e in experts],
        "minutes": "专家组听取汇报并质询。\n一致同意通过。",
    }
    data.update(overrides)
    return data


def message_texts(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- who may record --------------------------------------------------------------------------------


def test_only_the_department_may_open_the_session_form(case, client, kjt, unit_a, chengdu):
    """Art. 10.3 / Art. 21: 科技厅 records; the unit, its supervisor and the experts may not."""
    session = make_session(case.subject, kjt, case.assigned[:1])
    edit_url = reverse("experts:session_edit", args=[session.pk])
    for url in (case.new_url, edit_url):
        client.force_login(kjt)
        assert client.get(url).status_code == 200
        for user in (unit_a, chengdu, case.assigned[0], case.outsider):
            client.force_login(user)
            assert client.get(url).status_code in (403, 404), (user, url)
            response = client.post(url, form_data(case.assigned, place="偷偷改的"))
            assert response.status_code in (403, 404), (user, url)
        client.logout()
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(resolve_url(settings.LOGIN_URL))
    assert ReviewSession.objects.count() == 1
    assert ReviewSession.objects.get().place == "省科技厅 3 楼会议室"


def test_the_unit_gets_403_and_an_outside_expert_404(case, client, unit_a):
    """The unit sees its subject (403); an expert outside the review does not see it at all (404)."""
    client.force_login(unit_a)
    assert client.get(case.new_url).status_code == 403
    client.force_login(case.outsider)
    assert client.get(case.new_url).status_code == 404


def test_art10_3_no_session_before_the_consultation(make_application, client, kjt, english):
    """A recommended application has no experts yet: the form sends 科技厅 back with a reason."""
    app = make_application("recommended")
    client.force_login(kjt)
    response = client.get(reverse("experts:session_new", args=["consultation", app.pk]), follow=True)
    assert response.redirect_chain[0] == (app.get_absolute_url(), 302)
    assert "once the expert review has begun" in " ".join(message_texts(response))
    assert not ReviewSession.objects.exists()


def test_art10_3_no_session_without_assigned_experts(make_application, client, kjt):
    """Under review but nobody assigned (data out of step): no session, a clear message."""
    app = make_application("recommended")
    IntentApplication.objects.filter(pk=app.pk).update(state="under_review")
    client.force_login(kjt)
    url = reverse("experts:session_new", args=["consultation", app.pk])
    response = client.post(url, form_data([]), follow=True)
    assert response.redirect_chain[0] == (app.get_absolute_url(), 302)
    assert "Assign the experts before recording" in " ".join(message_texts(response))
    assert not ReviewSession.objects.exists()


def test_art21_no_session_before_the_expert_review(client, kjt, unit_a, chengdu):
    center = make_center(unit_a.organization, chengdu.organization)
    evaluation = open_round(kjt).evaluations.get(center=center)
    client.force_login(kjt)
    response = client.get(reverse("experts:session_new", args=["evaluation", evaluation.pk]), follow=True)
    assert response.redirect_chain[0] == (evaluation.get_absolute_url(), 302)
    assert "once the expert review has begun" in " ".join(message_texts(response))


# --- recording -----------------------------------------------------------------------------------


def test_record_a_session_with_the_experts_present_and_a_pdf(case, client, kjt):
    """Art. 10.3 / Art. 21: the session is stored with its experts and its file; back on the subject."""
    client.force_login(kjt)
    pdf = SimpleUploadedFile("答辩纪要.pdf", minimal_pdf("minutes"), content_type="application/pdf")
    response = client.post(case.new_url, {**form_data(case.assigned[:2]), "file": pdf})
    session = ReviewSession.objects.get()
    assert response.status_code == 302
    assert response.url == case.subject.get_absolute_url() + f"#session-{session.pk}"
    assert session.subject == case.subject
    assert session.kind == "defence"
    assert session.recorded_by == kjt
    assert set(session.experts_present.all()) == set(case.assigned[:2])
    assert session.minutes == "专家组听取汇报并质询。\n一致同意通过。"
    attachment = session.attachments.get()
    assert (attachment.original_name, attachment.mime_type, attachment.kind) == (
        "答辩纪要.pdf",
        "application/pdf",
        ATTACHMENT_KIND,
    )
    assert attachment.file.read().startswith(b"%PDF")
    followed = client.get(response.url)
    assert "Review session recorded" in " ".join(message_texts(followed))


def test_the_file_is_optional(case, client, kjt):
    client.force_login(kjt)
    response = client.post(case.new_url, form_data(case.assigned[:1], kind="site_visit"))
    assert response.status_code == 302
    session = ReviewSession.objects.get()
    assert session.kind == "site_visit"
    assert not session.attachments.exists()


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("纪要.pdf", b"MZ\x90\x00\x03 this is a program renamed to .pdf" * 10, "not a real .pdf"),
        ("run.exe", minimal_pdf(), "are not accepted"),
        ("empty.pdf", b"", "empty"),
    ],
    ids=["renamed", "extension", "empty"],
)
def test_a_wrong_file_is_refused_and_nothing_is_saved(case, client, kjt, name, content, expected):
    """The attachments' checks (name and content) apply: a message, the form again, nothing stored."""
    client.force_login(kjt)
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = client.post(case.new_url, {**form_data(case.assigned), "file": upload})
    assert response.status_code == 400
    assert expected in " ".join(message_texts(response))
    assert response.context["form"].errors["file"]
    assert not ReviewSession.objects.exists()
    assert not Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(ReviewSession)
    ).exists()


def test_experts_present_are_limited_to_the_subjects_experts(case, client, kjt):
    """An expert from outside the review cannot be listed as present (form error, nothing saved)."""
    client.force_login(kjt)
    form = client.get(case.new_url).context["form"]
    assert set(form.fields["experts_present"].queryset) == set(case.assigned)
    response = client.post(case.new_url, form_data([case.assigned[0], case.outsider]))
    assert response.status_code == 400
    assert "experts_present" in response.context["form"].errors
    assert not ReviewSession.objects.exists()
    response = client.post(case.new_url, form_data([kjt]))
    assert response.status_code == 400
    assert not ReviewSession.objects.exists()


def test_a_withdrawn_expert_is_not_offered(case, client, kjt):
    """Only counted assignments (neither declined nor withdrawn) are offered."""
    from experts.reviews import review_of

    review = review_of(case.subject)
    review.assignments(case.subject).filter(expert=case.assigned[0]).update(state="withdrawn")
    client.force_login(kjt)
    form = client.get(case.new_url).context["form"]
    assert case.assigned[0] not in set(form.fields["experts_present"].queryset)
    response = client.post(case.new_url, form_data([case.assigned[0]]))
    assert response.status_code == 400
    assert not ReviewSession.objects.exists()


def test_a_future_date_is_refused(case, client, kjt):
    client.force_login(kjt)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(case.new_url, form_data(case.assigned, held_on=tomorrow))
    assert response.status_code == 400
    assert "held_on" in response.context["form"].errors
    assert not ReviewSession.objects.exists()


def test_edit_a_session(case, client, kjt):
    session = make_session(case.subject, kjt, case.assigned[:1], files=1)
    client.force_login(kjt)
    url = reverse("experts:session_edit", args=[session.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "纪要0.pdf" in page.content.decode()
    pdf = SimpleUploadedFile("签到表.pdf", minimal_pdf("sign-in"), content_type="application/pdf")
    response = client.post(url, {**form_data(case.assigned, place="线上会议"), "file": pdf})
    assert response.status_code == 302
    assert response.url.endswith(f"#session-{session.pk}")
    session.refresh_from_db()
    assert session.place == "线上会议"
    assert session.recorded_by == kjt
    assert set(session.experts_present.all()) == set(case.assigned)
    assert sorted(session.attachments.values_list("original_name", flat=True)) == ["签到表.pdf", "纪要0.pdf"]


# --- malformed requests --------------------------------------------------------------------------


def test_unknown_key_huge_pk_and_nul_are_not_500(case, client, kjt):
    client.force_login(kjt)
    huge = "9" * 30
    for url in (
        f"/experts/nonsense/{case.subject.pk}/sessions/new/",
        f"/experts/{case.key}/{huge}/sessions/new/",
        f"/experts/{case.key}/{2**63}/sessions/new/",
        f"/experts/{case.key}/{case.subject.pk}%00/sessions/new/",
        f"/experts/sessions/{huge}/edit/",
        "/experts/sessions/1%00/edit/",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(case.new_url, form_data(case.assigned, place="会议室\x00", minutes="\x00"))
    assert response.status_code == 400
    response = client.post(case.new_url, form_data(case.assigned, experts_present=["1\x00", huge]))
    assert response.status_code == 400
    response = client.post(case.new_url, form_data(case.assigned, held_on="2026-02-30"))
    assert response.status_code == 400
    assert not ReviewSession.objects.exists()


# --- the fragment and the selector ---------------------------------------------------------------


def test_the_fragment_escapes_hostile_minutes_and_place(case, kjt):
    make_session(case.subject, kjt, case.assigned[:1], minutes=HOSTILE, place="<b>礼堂</b>")
    html = render_to_string("experts/_sessions.html", session_context(kjt, case.subject))
    assert "<script>" not in html
    assert "<img" not in html
    assert "<b>礼堂" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;礼堂&lt;/b&gt;" in html
    assert "<br>" in html  # line breaks kept


def test_the_fragment_lists_the_sessions(case, kjt):
    session = make_session(case.subject, kjt, case.assigned[:2], files=2)
    context = session_context(kjt, case.subject)
    assert context["can_record_session"] is True
    assert context["session_new_url"] == case.new_url
    html = render_to_string("experts/_sessions.html", context)
    assert f'id="session-{session.pk}"' in html
    assert "Review meeting" in html
    assert session.held_on.isoformat() in html
    for expert in case.assigned[:2]:
        assert str(expert) in html
    for attachment in session.attachments.all():
        assert f'href="{attachment.get_absolute_url()}"' in html
        assert attachment.original_name in html
    assert reverse("experts:session_edit", args=[session.pk]) in html
    assert case.new_url in html


def test_the_expert_reads_without_edit_links_and_the_unit_gets_nothing(case, kjt, unit_a):
    session = make_session(case.subject, kjt, case.assigned[:1])
    context = session_context(case.assigned[0], case.subject)
    assert context["can_record_session"] is False
    html = render_to_string("experts/_sessions.html", context)
    assert f'id="session-{session.pk}"' in html
    assert reverse("experts:session_edit", args=[session.pk]) not in html
    assert case.new_url not in html
    # The unit does not see the experts' names: the detail view hands the fragment an empty list.
    unit_context = {**session_context(unit_a, case.subject), "review_sessions": []}
    html = render_to_string("experts/_sessions.html", unit_context)
    assert str(case.assigned[0]) not in html
    assert case.new_url not in html


def test_sessions_of_runs_constant_queries(case, kjt):
    make_session(case.subject, kjt, case.assigned[:2], files=1)

    def count():
        ContentType.objects.clear_cache()  # the same cold start for both counts
        with CaptureQueriesContext(connection) as queries:
            sessions = sessions_of(case.subject)
            html = render_to_string(
                "experts/_sessions.html",
                {"review_sessions": sessions, "can_record_session": True, "session_new_url": "/x/"},
            )
        return len(queries), len(sessions), html

    one, n, _html = count()
    assert n == 1
    for i in range(3):
        make_session(case.subject, kjt, case.assigned, files=2, held_on=days_ago(10 + i))
    four, n, html = count()
    assert n == 4
    assert html.count('id="session-') == 4
    assert four == one
