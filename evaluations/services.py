"""Evaluation rounds, expert scoring and dynamic management (Art. 21–24)."""

from datetime import date

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.roles import Role
from accounts.selectors import members, role_members
from attachments.services import attachment_add
from centers.models import Center, CenterCycle
from centers.services import center_next_cycle
from experts.reviews import Review
from experts.selectors import candidates
from experts.services import choose, complete, group_opinion_text, register_review
from notices.models import Kind
from notices.rendering import chinese_date
from notices.services import decision_notice
from notifications.models import Category
from notifications.services import Text, notify, notify_transition
from reports.models import AnnualReport
from sctic import workflow

from . import scoring
from .access import SCORE_PERMISSION
from .models import (
    AREAS,
    Evaluation,
    EvaluationExpert,
    EvaluationRound,
    Grade,
    IndicatorScore,
    IntegrityFinding,
    PostSubsidy,
    RuleSet,
    integrity_reopens,
)

E = Evaluation
MESSAGE_ROUND_EXISTS = _("The evaluation round of %(year)d has already been opened.")
MESSAGE_NO_CENTERS = _("No live center's construction cycle ends in %(year)d.")
MESSAGE_TOO_FEW = _("Assign at least %(count)d experts (rule set of the round).")
MESSAGE_INTEGRITY = _("Art. 24: an integrity finding is recorded for this center; the grade must be fail.")
MESSAGE_REASON_FOR_OTHER_GRADE = _(
    "Give the reason for a grade that differs from the proposed one (%(proposed)s)."
)
MESSAGE_SCORING_CLOSED = _("Scoring is closed for this evaluation.")
MESSAGE_DECLARE = _("Please declare that you have no conflict of interest before scoring.")
MESSAGE_SCORES_MISSING = _("Art. 21: score every indicator the experts score. Missing: %(names)s.")
MESSAGE_RESULTS_PENDING = _("Not every center of the round has been decided yet.")
MESSAGE_RESULTS_ISSUED = _("The results notice of this round has already been issued.")
REASON_BOARD = _("sits on the center's board or expert committee")
MESSAGE_FINDING_CLOSED = _(
    "Art. 24: this evaluation is already closed (%(state)s); an integrity finding can no longer be recorded on it."
)
MESSAGE_FINDING_FORCES_FAIL = _("The integrity finding was recorded (Art. 24): the grade will be fail.")
MESSAGE_FINDING_REOPENED = _(
    "The integrity finding was recorded (Art. 24): the grade was re-opened and is now fail."
)
MESSAGE_FINDING_REMOVED = _(
    "The integrity finding was recorded (Art. 24): the center is removed from the sequence."
)
MESSAGE_FINDING_RECORDED = _("The integrity finding was recorded (Art. 24).")
# Art. 24 with Art. 22, 23: the round's results notice no longer states a center's result.
REASON_RESULTS_CHANGED = _(
    "Art. 24: an integrity finding on %(center)s changed its evaluation result; the results notice "
    "is revoked and a corrected one will be issued."
)
SUBJECT_RESULTS_AGAIN = _("The results notice must be issued again: %(round)s")
MESSAGE_RESULTS_REVOKED = _(
    "Art. 24: the integrity finding on %(center)s changed its evaluation result. The results notice "
    "%(number)s was revoked; a corrected draft lists the results as they are now. Check it and issue it."
)
MESSAGE_RESULTS_REDRAFTED = _(
    "Art. 24: the integrity finding on %(center)s changed its evaluation result. The unissued draft of "
    "the results notice was replaced by a corrected draft that lists the results as they are now. "
    "Check it and issue it."
)
LABEL_REMOVED = _("%(grade)s, removed from the sequence")
# Art. 23: centers that are not graded in their round (and do not count towards the excellent cap).
NOT_GRADED = (E.State.ABSENT, E.State.WITHDRAWN, E.State.CLOSED)


# Rounds -----------------------------------------------------------------------------------------


def round_open(
    *, year: int, rule_set: RuleSet, materials_deadline: date, scoring_deadline: date, actor, title: str = ""
) -> EvaluationRound:
    """Art. 22: open the evaluation of the live centers whose current cycle ends in ``year``; the
    round keeps a frozen copy of the rule set."""
    with transaction.atomic():
        if EvaluationRound.objects.filter(year=year).exists():
            raise ValidationError({"year": MESSAGE_ROUND_EXISTS % {"year": year}})
        cycles = list(
            CenterCycle.objects.select_related("center")
            .filter(closed_on__isnull=True, end_date__year=year, center__state__in=Center.LIVE_STATES)
            .exclude(evaluation__isnull=False)
        )
        if not cycles:
            raise ValidationError({"year": MESSAGE_NO_CENTERS % {"year": year}})
        evaluation_round = EvaluationRound.objects.create(
            year=year,
            title=title or f"{year}年四川省技术创新中心绩效评估",
            rule_set=rule_set,
            rules=rule_set.snapshot(),
            materials_deadline=materials_deadline,
            scoring_deadline=scoring_deadline,
            opened_by=actor,
        )
        Evaluation.objects.bulk_create(
            Evaluation(round=evaluation_round, center=c.center, cycle=c) for c in cycles
        )
        for evaluation in Evaluation.objects.filter(round=evaluation_round).select_related("center"):
            notify(
                members(evaluation.center.lead_unit_id, Role.APPLICANT),
                subject=Text(_("Three-year evaluation: %(center)s"), {"center": evaluation.center}),
                body=Text(
                    _(
                        "Art. 21, 22: the evaluation of %(center)s has opened. Submit the self-assessment by %(due)s."
                    ),
                    {"center": evaluation.center, "due": materials_deadline},
                ),
                obj=evaluation,
                url=evaluation.get_absolute_url(),
                category=Category.DEADLINE,
                actor=actor,
            )
    return evaluation_round


# Objective data and scores ------------------------------------------------------------------------


def cycle_reports(evaluation) -> list[AnnualReport]:
    """The filed annual reports of the evaluated cycle (Art. 21: objective data first)."""
    cycle = evaluation.cycle
    return list(
        AnnualReport.objects.filter(
            center_id=evaluation.center_id,
            state=AnnualReport.State.FILED,
            year__gte=cycle.start_date.year,
            year__lte=cycle.end_date.year,
        ).order_by("year")
    )


def indicator_results(evaluation, reports=None, assignments=None) -> list[dict]:
    """Each indicator of the round's rules with its score: computed from the filed reports, or the
    experts' trimmed mean (five or more experts: highest and lowest dropped)."""
    rules = evaluation.round.rules
    reports = cycle_reports(evaluation) if reports is None else reports
    figures = [r.figures() for r in reports]
    if assignments is None:
        assignments = list(evaluation.experts.filter(state="submitted").prefetch_related("scores"))
    expert_scores: dict[str, list] = {}
    for assignment in assignments:
        # Only submitted work counts: a withdrawn expert's scores are kept but not counted.
        if assignment.state != assignment.State.SUBMITTED:
            continue
        for s in assignment.scores.all():
            expert_scores.setdefault(s.code, []).append(s.score)
    results = []
    for indicator in rules["indicators"]:
        row = {**indicator, "value": None, "score": None, "expert_scores": []}
        if indicator["method"] == "formula":
            row["value"], row["score"] = scoring.formula_score(indicator, figures)
        else:
            row["expert_scores"] = sorted(expert_scores.get(indicator["code"], []))
            row["score"] = scoring.trimmed_mean(row["expert_scores"])
        results.append(row)
    return results


def evaluation_total(evaluation) -> scoring.Decimal | None:
    results = indicator_results(evaluation)
    return scoring.total(evaluation.round.rules, {r["code"]: r["score"] for r in results})


def refresh_scores(evaluation_round: EvaluationRound) -> None:
    """Recompute the totals of a round's evaluations under review and their proposed grades
    (thresholds, then the cap on the share of excellent)."""
    evaluations = list(
        evaluation_round.evaluations.filter(state__in=[E.State.UNDER_REVIEW]).select_related("round", "cycle")
    )
    totals = {}
    for evaluation in evaluations:
        total = evaluation_total(evaluation)
        evaluation.total_score = total
        if total is not None:
            totals[evaluation.pk] = total
    proposals = _proposals(evaluation_round, totals)
    for evaluation in evaluations:
        E.objects.filter(pk=evaluation.pk).update(
            total_score=evaluation.total_score, proposed_grade=proposals.get(evaluation.pk, "")
        )


def _proposals(evaluation_round: EvaluationRound, totals: dict) -> dict:
    """Proposed grades of the round's centers with these fresh ``totals`` (by evaluation pk): the
    round's thresholds, then its cap on the share of excellent, which counts every graded or
    proposed center of the round."""
    # Art. 22, 23: the share is of the round's centers that are graded (or still to be graded), not
    # only of those scored so far; a center that did not take part, withdrew mid-way or was closed
    # with its revocation is in neither the base nor the ranking, even with a total from before.
    graded = evaluation_round.evaluations.exclude(state__in=NOT_GRADED)
    decided = dict(
        graded.exclude(pk__in=list(totals)).exclude(total_score=None).values_list("pk", "total_score")
    )
    out = set(evaluation_round.evaluations.filter(state__in=NOT_GRADED).values_list("pk", flat=True))
    totals = {pk: total for pk, total in totals.items() if pk not in out}
    return scoring.capped_grades({**decided, **totals}, evaluation_round.rules, graded.count())


def grade_proposal(evaluation) -> tuple[scoring.Decimal | None, str]:
    """Art. 22: the total of the scores as they are now and the grade it proposes under the
    round's thresholds (and cap); ``(None, "")`` while a score is missing."""
    total = evaluation_total(evaluation)
    if total is None:
        return None, ""
    return total, _proposals(evaluation.round, {evaluation.pk: total}).get(evaluation.pk, "")


def scoring_candidates(evaluation):
    """The pool for one evaluation, with conflicts: the lead unit, co-builders, the supervisor, and
    anyone on the center's board or expert committee."""
    center = evaluation.center
    cobuilders = list(center.cobuilders.all())
    orgs = Organization.objects.filter(
        Q(pk__in=[center.lead_unit_id, center.supervisor_id])
        | Q(credit_code__in=[c.credit_code for c in cobuilders if c.credit_code])
        | Q(name__in=[c.name for c in cobuilders])
    )
    parties = {o.pk: o.name for o in orgs}
    board_names = set(center.board_members.values_list("name", flat=True)) | set(
        center.committee_members.values_list("name", flat=True)
    )
    result = []
    for candidate in candidates(
        field=center.technology_field,
        parties=parties,
        party_names={c.name for c in cobuilders},
        party_credit_codes={c.credit_code for c in cobuilders},
    ):
        if not candidate.conflict and candidate.user.full_name in board_names:
            candidate = type(candidate)(
                user=candidate.user, conflict=str(REASON_BOARD), field_match=candidate.field_match
            )
        result.append(candidate)
    result.sort(key=lambda c: (bool(c.conflict), not c.field_match))
    return result


def _invitation(evaluation, due):
    text = {"center": evaluation.center, "due": due}
    return (
        Text(_("Evaluation scoring: %(center)s"), text),
        Text(
            _(
                "You are asked to score the three-year evaluation of %(center)s by %(due)s (Art. 21). "
                "Accept, declaring that you have no conflict of interest, or decline with a reason."
            ),
            text,
        ),
    )


REVIEW = register_review(
    Review(
        key="evaluation",
        subject_model=Evaluation,
        assignment_model=EvaluationExpert,
        subject_field="evaluation",
        related_name="experts",
        permission=SCORE_PERMISSION,
        candidates=lambda evaluation: scoring_candidates(evaluation),
        minimum=lambda evaluation: evaluation.round.rules.get("min_experts", 3),
        default_due=lambda evaluation: max(evaluation.round.scoring_deadline, timezone.localdate()),
        invitation=_invitation,
        lead_unit=lambda evaluation: evaluation.center.lead_unit,
        lead_unit_path="evaluation__center__lead_unit",
        decided=lambda evaluation: (
            evaluation.decided_at is not None
            or evaluation.state in (E.State.GRADED, E.State.RECTIFYING, E.State.RECTIFIED, E.State.REMOVED)
        ),
        article=_("Art. 21"),
        areas=tuple(AREAS),
        subject_related=("evaluation__center", "evaluation__round"),
    )
)


@workflow.on(Evaluation, "start_review")
def assign_experts(evaluation, *, actor, **data):
    """Art. 21: the experts of the review, drawn at random with reserves or chosen with a reason;
    nobody with a conflict of interest (experts.services)."""
    choose(evaluation, actor=actor, too_few=MESSAGE_TOO_FEW, **data)


@workflow.on(EvaluationExpert, "withdraw")
def scores_without_withdrawn(assignment, **_ignored):
    """A withdrawn expert's scores no longer count towards the totals (Art. 21, 22)."""
    refresh_scores(assignment.evaluation.round)


def expert_scores_submit(
    assignment: EvaluationExpert, *, actor, no_conflict_declared: bool, scores: dict[str, tuple]
) -> EvaluationExpert:
    """An assigned expert scores every expert-scored indicator (0–100, with a comment), once."""
    with transaction.atomic():
        locked = (
            EvaluationExpert.objects.select_for_update()
            .select_related("evaluation__round")
            .get(pk=assignment.pk)
        )
        evaluation = locked.evaluation
        if (
            locked.expert_id != actor.pk
            or evaluation.state != E.State.UNDER_REVIEW
            or locked.state not in (locked.State.INVITED, locked.State.ACCEPTED)
        ):
            raise ValidationError(MESSAGE_SCORING_CLOSED)
        if not no_conflict_declared:
            raise ValidationError({"no_conflict_declared": MESSAGE_DECLARE})
        indicators = [i for i in evaluation.round.rules["indicators"] if i["method"] == "expert"]
        codes = [i["code"] for i in indicators]
        # Art. 21: one score missing is refused as a whole; nothing is stored, the expert is told.
        missing = [i["name"] for i in indicators if scores.get(i["code"], (None,))[0] is None]
        if missing:
            raise ValidationError(MESSAGE_SCORES_MISSING % {"names": "、".join(missing)})
        for code in codes:
            score, comment = scores[code]
            IndicatorScore.objects.update_or_create(
                assignment=locked, code=code, defaults={"score": score, "comment": comment}
            )
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["submitted_at"])
        complete(locked, actor=actor)
        refresh_scores(evaluation.round)
    return locked


# Dynamic management (Art. 23) -------------------------------------------------------------------


@workflow.on(Evaluation, "grade")
def apply_grade(evaluation, *, actor, comment, grade, **_ignored):
    """Art. 22–24: checks, then what the grade means for the center."""
    if evaluation.integrity_breached() and grade != Grade.FAIL:
        raise ValidationError({"grade": MESSAGE_INTEGRITY})
    # Art. 22: the proposal is computed again from the scores and the round's thresholds, not
    # taken from the stored (possibly stale or empty) one; another grade needs a reason.
    total, proposed = grade_proposal(evaluation)
    if proposed and grade != proposed and not comment:
        raise ValidationError(
            {"comment": MESSAGE_REASON_FOR_OTHER_GRADE % {"proposed": Grade(proposed).label}}
        )
    # The proposal, who confirmed the grade and why, as they stood at grading (shown with it).
    E.objects.filter(pk=evaluation.pk).update(
        total_score=total, proposed_grade=proposed, graded_by=actor, grade_reason=comment
    )
    center = evaluation.center
    if evaluation.state == E.State.GRADED:
        center_next_cycle(center)
        if grade == Grade.EXCELLENT:
            E.objects.filter(pk=evaluation.pk).update(national_recommendation=True)
            PostSubsidy.objects.get_or_create(evaluation=evaluation)
    elif evaluation.state == E.State.RECTIFYING:
        _start_rectification(evaluation, actor=actor, comment=comment)
    else:  # removed at once: integrity finding under rules that remove (Art. 24)
        _remove(evaluation, actor=actor, cause="integrity", comment=comment)


# Integrity (Art. 24) ----------------------------------------------------------------------------


def finding_record(evaluation, *, actor, description: str, evidence=None) -> tuple[IntegrityFinding, str]:
    """Art. 24: record an integrity finding with its evidence (``(upload, mime_type)``, already
    validated) and handle it, all in one transaction: before grading it forces the grade fail;
    after grading it re-opens the decision (fail and rectification, or removal where the round's
    rules say so; the post-subsidy cancelled, the national recommendation withdrawn, the notice
    issued); on a center already rectifying it removes the center where the rules say so. An
    issued results notice of the round is revoked and drafted again with the corrected results.
    Returns the finding and the message that tells what happened."""
    with transaction.atomic():
        locked = E.objects.select_for_update().select_related("round", "center").get(pk=evaluation.pk)
        if locked.state not in E.FINDING_STATES:
            raise ValidationError(MESSAGE_FINDING_CLOSED % {"state": locked.get_state_display()})
        finding = IntegrityFinding.objects.create(
            evaluation=locked, description=description, recorded_by=actor
        )
        if evidence is not None:
            upload, mime_type = evidence
            attachment_add(owner=finding, kind="evidence", upload=upload, mime_type=mime_type, user=actor)
        if integrity_reopens(locked):  # graded, or rectifying under rules that remove (Art. 24)
            locked = workflow.perform(locked, "reopen_for_integrity", actor=actor, comment=description)
            message = MESSAGE_FINDING_REMOVED if locked.state == E.State.REMOVED else MESSAGE_FINDING_REOPENED
        elif locked.state in E.OPEN_STATES:
            message = MESSAGE_FINDING_FORCES_FAIL
        else:  # rectifying under rules that do not remove: the grade is already fail
            message = MESSAGE_FINDING_RECORDED
    evaluation.refresh_from_db()
    return finding, message


def _undo_next_cycle(evaluation) -> None:
    """The cycle that the grade opened is taken back: a failed center rectifies in its evaluated
    cycle (Art. 23) and enters the next one only when the rectification passes."""
    cycle = evaluation.cycle
    later = CenterCycle.objects.filter(center_id=evaluation.center_id, number__gt=cycle.number)
    later.filter(evaluation__isnull=True).delete()
    CenterCycle.objects.filter(pk=cycle.pk).update(closed_on=None)


@workflow.on(Evaluation, "reopen_for_integrity")
def integrity_reopened(evaluation, *, actor, comment, source, **_ignored):
    """Art. 24 after grading: no post-subsidy, no national recommendation, no next cycle; the
    center rectifies (with the rectification notice) or is removed (with the removal notice). A
    center that was rectifying (rules that remove) is removed. The round's results notice, if
    there is one, no longer holds: it is revoked and drafted again (Art. 22, 23)."""
    if source == E.State.GRADED:
        PostSubsidy.objects.filter(evaluation=evaluation).update(status=PostSubsidy.Status.CANCELLED)
        E.objects.filter(pk=evaluation.pk).update(national_recommendation=False)
        _undo_next_cycle(evaluation)
    if evaluation.state == E.State.RECTIFYING:
        _start_rectification(evaluation, actor=actor, comment=comment)
    else:
        _remove(evaluation, actor=actor, cause="integrity", comment=comment)
    _results_notice_again(evaluation, actor=actor)


def _results_notice_again(evaluation, *, actor) -> None:
    """Art. 24 with Art. 22, 23: the round's results notice states the result a finding changed. The
    issued one is revoked (its verification page shows it), an unissued draft is replaced (nobody
    outside 科技厅 has seen it, and a revoked draft would be published), and a corrected draft is
    held for 科技厅 to check and issue. The round's row is locked first, as in ``results_notice``:
    two findings at once in one round leave one live results notice. Nothing happens while the
    round has no results notice."""
    from notices.models import Notice

    evaluation_round = EvaluationRound.objects.select_for_update().get(pk=evaluation.round_id)
    live = list(
        Notice.objects.select_for_update()
        .filter(
            kind=Kind.EVALUATION_RESULTS,
            content_type=ContentType.objects.get_for_model(EvaluationRound),
            object_id=evaluation_round.pk,
        )
        .exclude(state=Notice.State.REVOKED)
        .order_by("pk")
    )
    if not live:
        return
    center = evaluation.center
    with translation.override(settings.LANGUAGE_CODE):  # recorded on the notice, read by all
        reason = str(REASON_RESULTS_CHANGED % {"center": center.name})
    revoked = []
    for notice in live:
        if notice.state == Notice.State.DRAFT:
            notice.delete()
        else:
            revoked.append(workflow.perform(notice, "revoke", actor=actor, comment=reason))
    draft = results_notice(evaluation_round, actor=actor, hold=True)
    if revoked:
        body = Text(
            MESSAGE_RESULTS_REVOKED,
            {"center": center.name, "number": "、".join(n.number for n in revoked)},
        )
    else:
        body = Text(MESSAGE_RESULTS_REDRAFTED, {"center": center.name})
    notify(  # the one who recorded the finding is told too: the notice is still to be issued
        role_members(Role.DEPARTMENT),
        subject=Text(SUBJECT_RESULTS_AGAIN, {"round": evaluation_round.title}),
        body=body,
        obj=draft,
        url=draft.get_absolute_url(),
        category=Category.NOTICE,
    )


@workflow.on(Evaluation, "pass_rectification")
def rectification_passed(evaluation, *, actor, comment, **_ignored):
    """Art. 23: a rectified center operates again and enters its next cycle."""
    workflow.perform(evaluation.center, "finish_rectification", actor=actor, comment=comment)
    center_next_cycle(evaluation.center)


@workflow.on(Evaluation, "fail_rectification")
def rectification_failed(evaluation, *, actor, comment, **_ignored):
    _remove(evaluation, actor=actor, cause="rectification_failed", comment=comment)


@workflow.on(Evaluation, "mark_absent")
def absent(evaluation, *, actor, comment, **_ignored):
    _remove(evaluation, actor=actor, cause="absent", comment=comment)


@workflow.on(Evaluation, "withdraw")
def withdrew(evaluation, *, actor, comment, **_ignored):
    _remove(evaluation, actor=actor, cause="withdrawn", comment=comment)


def _start_rectification(evaluation, *, actor, comment: str) -> None:
    """Art. 23: a failed center rectifies for one year; the rectification notice says until when."""
    center = evaluation.center
    workflow.perform(center, "start_rectification", actor=actor, comment=comment)
    decision_notice(
        kind=Kind.RECTIFICATION,
        subject=evaluation,
        actor=actor,
        addressee_orgs=[center.supervisor, center.lead_unit],
        context={
            "name": center.name,
            "deadline": chinese_date(evaluation.rectification_deadline),
            "supervisor": center.supervisor.name,
            # Art. 23: the problems the expert group found, which the rectification answers.
            "problems": group_opinion_text(evaluation),
        },
    )


def _remove(evaluation, *, actor, cause: str, comment: str) -> None:
    """Art. 23 (and 24): the center is no longer in the sequence; its open work closes; the removal
    notice states the cause (rectification_failed, absent, withdrawn or integrity)."""
    center = evaluation.center
    workflow.perform(center, "delist", actor=actor, comment=comment or evaluation.get_state_display())
    decision_notice(
        kind=Kind.REMOVAL,
        subject=evaluation,
        actor=actor,
        addressee_orgs=[center.supervisor, center.lead_unit],
        context={
            "name": center.name,
            "cause": cause,
            "reason": comment,
            "supervisor": center.supervisor.name,
        },
    )


def recipients(evaluation, transition: str):
    center = evaluation.center
    lead = members(center.lead_unit_id, Role.APPLICANT)
    supervisor = members(center.supervisor_id, Role.SUPERVISOR)
    if transition == "submit_self_assessment":
        return [*supervisor, *role_members(Role.DEPARTMENT)]
    return [*lead, *supervisor]


@workflow.on(Evaluation, "*")
def tell_parties(evaluation, *, actor, comment, transition, source, **_ignored):
    if transition != "close":
        notify_transition(
            evaluation,
            transition=transition,
            actor=actor,
            comment=comment,
            recipients=recipients(evaluation, transition),
            source=source,
        )


def results_notice(evaluation_round: EvaluationRound, *, actor, hold: bool = False):
    """Art. 22, 23: the round's results, listing its centers with their grades, to the supervisors
    and lead units concerned."""
    with transaction.atomic():
        locked = EvaluationRound.objects.select_for_update().get(pk=evaluation_round.pk)
        blockers = results_notice_blockers(locked, actor=actor)
        if blockers:
            raise ValidationError(blockers)
        evaluations = list(
            locked.evaluations.select_related("center__supervisor", "center__lead_unit").order_by(
                "center__name"
            )
        )
        # An official document is in Chinese, whatever language the issuing user reads.
        with translation.override(settings.LANGUAGE_CODE):
            results = [{"name": e.center.name, "grade": result_label(e)} for e in evaluations]
        orgs = {}
        for e in evaluations:
            orgs[e.center.supervisor_id] = e.center.supervisor
            orgs[e.center.lead_unit_id] = e.center.lead_unit
        return decision_notice(
            kind=Kind.EVALUATION_RESULTS,
            subject=locked,
            actor=actor,
            addressee_orgs=list(orgs.values()),
            context={"year": locked.year, "results": results},
            hold=hold,
        )


def results_notice_blockers(evaluation_round: EvaluationRound, *, actor) -> list[str]:
    """What stands in the way of the round's results notice (Art. 22, 23), as messages for the
    page's disabled button and for ``results_notice`` alike: every center decided, no notice yet."""
    from notices.models import Notice
    from notices.services import notices_about

    blockers = []
    if evaluation_round.evaluations.filter(state__in=E.OPEN_STATES).exists():
        blockers.append(str(MESSAGE_RESULTS_PENDING))
    if (
        notices_about(actor, evaluation_round)
        .filter(kind=Kind.EVALUATION_RESULTS)
        .exclude(state=Notice.State.REVOKED)
        .exists()
    ):
        blockers.append(str(MESSAGE_RESULTS_ISSUED))
    return blockers


def result_label(evaluation) -> str:
    if evaluation.grade and evaluation.state == E.State.REMOVED:  # Art. 23, 24: not "fail, rectify"
        return str(LABEL_REMOVED % {"grade": Grade(evaluation.grade).label})
    if evaluation.grade:
        return str(Grade(evaluation.grade).label)
    return str(evaluation.get_state_display())
