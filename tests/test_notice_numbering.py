"""Document numbers of official notices (Art. 5: 科技厅 decides by official document; GB/T 9704-2012
7.2.4 发文字号: 机关代字 + 〔full year〕 + sequence without leading zeros, e.g. 川科高〔2026〕12号).

A number is given only when the notice is issued, in the order of issue, never twice and never
skipped, per prefix and year. The concurrency tests at the end need PostgreSQL: several people issue
drafts at the same moment, each thread on its own database connection.
"""

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from accounts.models import User
from notices import services
from notices.models import Kind, Notice, NoticeCounter, NoticeSeries
from sctic import workflow
from sctic.workflow import perform
from tests.concurrency import race

pytestmark = pytest.mark.django_db

DEFAULT = "川科高"
NUMBER = re.compile(r"^(?P<prefix>\D+)〔(?P<year>\d{4})〕(?P<sequence>[1-9]\d*)号$")


@pytest.fixture
def today(monkeypatch):
    """``today(date(…))`` moves the clock that ``Notice.issue`` reads the date of issue from."""

    def set_today(day):
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    set_today(date(2026, 11, 26))
    return set_today


@pytest.fixture
def draft(kjt, chengdu_org, today):
    """``draft(kind)``: a complete draft notice of ``kind``, addressed to chengdu."""
    counter = {"n": 0}

    def make(kind=Kind.APPROVAL):
        counter["n"] += 1
        return services.notice_draft(
            kind=kind,
            subject=None,
            actor=kjt,
            addressee_orgs=[chengdu_org],
            context={"name": f"四川省编号{counter['n']:02d}技术创新中心", "change": "名称", "year": 2026},
        )

    return make


def issue(notice, kjt):
    return perform(notice, "issue", actor=kjt)


def counters():
    return {(c.prefix, c.year): c.last for c in NoticeCounter.objects.all()}


def numbers(*notices):
    return [Notice.objects.get(pk=n.pk).number for n in notices]


# --- given at issue, in order ----------------------------------------------------------------------


def test_art5_a_draft_has_no_number_until_it_is_issued(draft, kjt):
    notice = draft()

    assert (notice.number, notice.prefix, notice.year, notice.sequence, notice.issue_date) == (
        "",
        "",
        None,
        None,
        None,
    )
    assert counters() == {}

    issue(notice, kjt)

    assert notice.state == Notice.State.ISSUED
    assert notice.number == "川科高〔2026〕1号"
    assert (notice.prefix, notice.year, notice.sequence) == (DEFAULT, 2026, 1)
    assert notice.issue_date == date(2026, 11, 26)
    assert counters() == {(DEFAULT, 2026): 1}


def test_art5_a_draft_kept_aside_takes_no_number(draft, kjt):
    """Drafts that are never issued leave no hole in the sequence."""
    kept = [draft() for _ in range(3)]
    issued = draft()

    issue(issued, kjt)

    assert issued.number == "川科高〔2026〕1号"
    assert all(Notice.objects.get(pk=n.pk).sequence is None for n in kept)


def test_gbt9704_numbers_follow_the_order_of_issue_not_of_drafting(draft, kjt):
    first, second, third = draft(), draft(), draft()

    for notice in (third, first, second):
        issue(notice, kjt)

    assert numbers(third, first, second) == ["川科高〔2026〕1号", "川科高〔2026〕2号", "川科高〔2026〕3号"]


def test_gbt9704_numbers_have_no_gaps(draft, kjt):
    notices = [draft() for _ in range(12)]
    for notice in notices:
        issue(notice, kjt)

    sequences = list(Notice.objects.filter(prefix=DEFAULT, year=2026).values_list("sequence", flat=True))
    assert sorted(sequences) == list(range(1, 13))
    assert counters() == {(DEFAULT, 2026): 12}


def test_gbt9704_number_has_the_full_year_and_no_leading_zeros(draft, kjt):
    NoticeCounter.objects.create(prefix=DEFAULT, year=2026, last=8)  # eight notices this year already
    ninth, tenth = draft(), draft()

    issue(ninth, kjt)
    issue(tenth, kjt)

    assert numbers(ninth, tenth) == ["川科高〔2026〕9号", "川科高〔2026〕10号"]
    for number in numbers(ninth, tenth):
        match = NUMBER.match(number)
        assert match, number
        assert match["year"] == "2026"
        assert not match["sequence"].startswith("0")


# --- prefixes --------------------------------------------------------------------------------------


def test_gbt9704_kinds_sharing_a_prefix_share_one_sequence(draft, kjt):
    approval, rejection, rectification = (
        draft(Kind.APPROVAL),
        draft(Kind.REJECTION),
        draft(Kind.RECTIFICATION),
    )

    for notice in (rejection, approval, rectification):
        issue(notice, kjt)

    assert numbers(rejection, approval, rectification) == [
        "川科高〔2026〕1号",
        "川科高〔2026〕2号",
        "川科高〔2026〕3号",
    ]
    assert counters() == {(DEFAULT, 2026): 3}


def test_gbt9704_a_prefix_configured_for_a_kind_has_its_own_sequence(draft, kjt):
    NoticeSeries.objects.update_or_create(kind=Kind.REJECTION, defaults={"prefix": "川科函"})
    notices = [draft(Kind.APPROVAL), draft(Kind.REJECTION), draft(Kind.REJECTION), draft(Kind.APPROVAL)]

    for notice in notices:
        issue(notice, kjt)

    assert numbers(*notices) == [
        "川科高〔2026〕1号",
        "川科函〔2026〕1号",
        "川科函〔2026〕2号",
        "川科高〔2026〕2号",
    ]
    assert counters() == {(DEFAULT, 2026): 2, ("川科函", 2026): 2}


def test_gbt9704_two_kinds_configured_with_the_same_prefix_share_its_sequence(draft, kjt):
    NoticeSeries.objects.update_or_create(kind=Kind.RECTIFICATION, defaults={"prefix": "川科评"})
    NoticeSeries.objects.update_or_create(kind=Kind.REMOVAL, defaults={"prefix": "川科评"})
    rectification, removal, approval = draft(Kind.RECTIFICATION), draft(Kind.REMOVAL), draft(Kind.APPROVAL)

    for notice in (rectification, approval, removal):
        issue(notice, kjt)

    assert numbers(rectification, removal, approval) == [
        "川科评〔2026〕1号",
        "川科评〔2026〕2号",
        "川科高〔2026〕1号",
    ]


# --- years -----------------------------------------------------------------------------------------


def test_gbt9704_sequence_restarts_each_year(draft, kjt, today):
    today(date(2026, 12, 31))
    december = [draft(), draft()]
    for notice in december:
        issue(notice, kjt)
    drafted_in_december = draft()

    today(date(2027, 1, 1))
    january = draft()
    issue(january, kjt)
    issue(drafted_in_december, kjt)

    assert numbers(*december) == ["川科高〔2026〕1号", "川科高〔2026〕2号"]
    # The year is the year of issue, not of drafting.
    assert numbers(january, drafted_in_december) == ["川科高〔2027〕1号", "川科高〔2027〕2号"]
    assert Notice.objects.get(pk=drafted_in_december.pk).issue_date == date(2027, 1, 1)
    assert counters() == {(DEFAULT, 2026): 2, (DEFAULT, 2027): 2}


# --- never twice, never skipped ----------------------------------------------------------------------


def test_art5_a_failed_issue_consumes_no_number(draft, kjt, monkeypatch):
    first, failing, third = draft(), draft(), draft()
    issue(first, kjt)

    def refuse(notice, **_ignored):
        raise ValidationError("出错了")

    key = (Notice, "issue")
    handlers = workflow._handlers[key]
    monkeypatch.setitem(workflow._handlers, key, [*handlers, refuse])  # runs after give_number
    with pytest.raises(ValidationError):
        issue(failing, kjt)
    monkeypatch.setitem(workflow._handlers, key, handlers)

    failed = Notice.objects.get(pk=failing.pk)
    assert failed.state == Notice.State.DRAFT
    assert (failed.number, failed.sequence, failed.issue_date) == ("", None, None)
    assert counters() == {(DEFAULT, 2026): 1}

    issue(third, kjt)
    failing.refresh_from_db()
    issue(failing, kjt)

    assert numbers(first, third, failing) == ["川科高〔2026〕1号", "川科高〔2026〕2号", "川科高〔2026〕3号"]


def test_art5_an_issued_notice_is_not_numbered_again(draft, kjt):
    notice, other = draft(), draft()
    issue(notice, kjt)

    with pytest.raises(TransitionNotAllowed):
        issue(notice, kjt)
    issue(other, kjt)

    assert numbers(notice, other) == ["川科高〔2026〕1号", "川科高〔2026〕2号"]
    assert counters() == {(DEFAULT, 2026): 2}


def test_art5_a_revoked_notice_keeps_its_number_and_it_is_not_given_again(draft, kjt):
    revoked, later = draft(), draft()
    issue(revoked, kjt)
    perform(revoked, "revoke", actor=kjt, comment="决定内容有误，予以撤销。")

    issue(later, kjt)

    assert Notice.objects.get(pk=revoked.pk).state == Notice.State.REVOKED
    assert numbers(revoked, later) == ["川科高〔2026〕1号", "川科高〔2026〕2号"]


def test_gbt9704_the_database_refuses_a_second_notice_with_the_same_number(draft, kjt):
    notice, copy = draft(), draft()
    issue(notice, kjt)

    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.filter(pk=copy.pk).update(prefix=DEFAULT, year=2026, sequence=1)


# --- at the same moment (PostgreSQL row locks) -------------------------------------------------------


class Issue:
    """kjt issuing one draft, loaded fresh in the thread."""

    def __init__(self, notice_pk, user_pk):
        self.notice_pk, self.user_pk = notice_pk, user_pk

    def prepare(self):
        return Notice.objects.get(pk=self.notice_pk), User.objects.get(pk=self.user_pk)

    def act(self, prepared):
        notice, user = prepared
        return perform(notice, "issue", actor=user).number


@pytest.fixture
def queued(monkeypatch):
    """The renders queued after commit (recorded, not run: these tests are about numbers)."""
    calls = []
    monkeypatch.setattr(services, "enqueue", lambda task, *args, **kwargs: calls.append(args))
    return calls


N = 6


def assert_numbered_once_each(outcomes, drafts, year):
    assert all(isinstance(o, str) for o in outcomes), outcomes
    expected = [f"川科高〔{year}〕{i}号" for i in range(1, N + 1)]
    assert sorted(outcomes, key=lambda n: int(NUMBER.match(n)["sequence"])) == expected
    stored = Notice.objects.filter(pk__in=[d.pk for d in drafts])
    assert sorted(stored.values_list("sequence", flat=True)) == list(range(1, N + 1))
    assert all(n.state == Notice.State.ISSUED and n.year == year for n in stored)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_art5_notices_issued_at_the_same_moment_get_consecutive_numbers_once_each(draft, kjt, queued):
    NoticeCounter.objects.create(prefix=DEFAULT, year=2026, last=0)
    drafts = [draft() for _ in range(N)]

    outcomes = race(*[Issue(d.pk, kjt.pk) for d in drafts])

    assert_numbered_once_each(outcomes, drafts, 2026)
    assert counters() == {(DEFAULT, 2026): N}
    assert sorted(args[0] for args in queued) == sorted(d.pk for d in drafts)  # each rendered once


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_art5_first_notices_of_a_new_year_issued_at_the_same_moment(draft, kjt, today, queued):
    """No counter row exists yet for the new year: the racing issuers create it once."""
    NoticeCounter.objects.create(prefix=DEFAULT, year=2026, last=41)
    drafts = [draft() for _ in range(N)]
    today(date(2027, 1, 1))

    outcomes = race(*[Issue(d.pk, kjt.pk) for d in drafts])

    assert_numbered_once_each(outcomes, drafts, 2027)
    assert counters() == {(DEFAULT, 2026): 41, (DEFAULT, 2027): N}
