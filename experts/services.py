"""The one mechanism of an expert review, for consultation (Art. 10.3) and evaluation (Art. 21):
choosing experts (a random draw with 回避 and reserves, or a manual choice with a reason, both
recorded as ``experts.Draw``), inviting them with a deadline, a decline that invites the next
reserve, withdrawal, adding experts while the review runs, naming the 组长 and the group opinion.
Each kind of review describes itself once in ``experts.reviews``."""

from __future__ import annotations

import random
import secrets
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm, remove_perm

from accounts.roles import Role
from accounts.selectors import role_members
from centers.models import add_years
from notifications.models import Category
from notifications.services import Text, notify
from sctic import workflow

from .models import AssignmentState, Draw, GroupOpinion
from .reviews import REVIEWS, Review, review_of
from .selectors import expert_pool

MESSAGE_CONFLICT = _("%(expert)s cannot be assigned: %(reason)s.")
MESSAGE_NOT_EXPERT = _("%(user)s is not in the expert pool.")
MESSAGE_ALREADY = _("%(expert)s has already been asked for this review.")
MESSAGE_TOO_FEW_CANDIDATES = _(
    "Only %(found)d experts meet these criteria, and %(needed)d are needed (%(count)d experts and "
    "%(reserves)d reserves). Nothing was drawn: widen the criteria or ask for fewer."
)
MESSAGE_COUNT = _("Ask for at least %(count)d experts.")
MESSAGE_REASON = _("A manual choice instead of a random draw needs a reason; it is recorded.")
MESSAGE_DUE_PAST = _("The deadline cannot be in the past.")
MESSAGE_REVIEW_NOT_OPEN = _("Experts can be added only while the review runs.")
MESSAGE_LEADER_STATE = _("Only an expert who has accepted can lead the group.")
MESSAGE_OPINION_CLOSED = _("The group opinion can no longer be changed.")
MESSAGE_OPINION_WAIT = _("The group opinion is written once every expert has submitted.")
MESSAGE_TOO_FEW_LEFT = _(
    "Only %(counted)d experts remain on this review after declines and withdrawals; at least "
    "%(required)d are needed. Add an expert."
)
MAX_DRAW = 50  # experts plus reserves in one draw


def register_review(review: Review) -> Review:
    """Register a kind of review and connect the assignment transitions' side effects."""
    from .reviews import register

    register(review)
    workflow.on(review.assignment_model, "decline")(_declined)
    workflow.on(review.assignment_model, "withdraw")(_withdrawn)
    return review


# Choosing --------------------------------------------------------------------------------------


def checked_experts(experts, candidates, *, minimum: int, too_few) -> list:
    """The chosen experts, each once, or a ValidationError on ``experts`` naming every one who is
    not in the pool or has a conflict (``candidates`` from ``experts.selectors.candidates``).

    Pool membership is read again here, not only from ``candidates``: an expert taken out of the
    pool after the list was drawn up (a form left open) is refused too."""
    experts = list(dict.fromkeys(experts))
    # Art. 10.3, 21: a consultation or review needs at least one expert, whatever the configured
    # minimum (0 included): with none, "every assigned expert has given an opinion" could never
    # hold and the application or evaluation would wait for ever.
    minimum = max(minimum, 1)
    if len(experts) < minimum:
        raise ValidationError({"experts": too_few % {"count": minimum}})
    allowed = {c.user.pk: c for c in candidates}
    in_pool = set(
        expert_pool().order_by().filter(pk__in=[user.pk for user in experts]).values_list("pk", flat=True)
    )
    errors = []
    for user in experts:
        candidate = allowed.get(user.pk)
        if candidate is None or user.pk not in in_pool:
            errors.append(MESSAGE_NOT_EXPERT % {"user": user})
        elif candidate.conflict:
            errors.append(MESSAGE_CONFLICT % {"expert": user, "reason": candidate.conflict})
    if errors:
        raise ValidationError({"experts": errors})
    return experts


def used_since(review: Review, subject, since: date) -> set[int]:
    """Experts asked (in any review) about the same unit's matters since ``since``: "not used for
    this center in the last K years"."""
    unit = review.lead_unit(subject)
    used: set[int] = set()
    for other in REVIEWS.values():
        used |= set(
            other.assignment_model.objects.filter(
                **{other.lead_unit_path: unit, "assigned_at__date__gte": since}
            ).values_list("expert_id", flat=True)
        )
    return used


def eligible(review: Review, subject, criteria: dict) -> list:
    """The experts a draw may pick, by id: in the pool, no party and no declared avoidance (always),
    not already asked for this review, and matching the criteria: ``fields`` (primary or
    secondary), ``exclude_organizations`` (ids), ``other_regions`` (not from the unit's 市州),
    ``not_used_years`` (not asked about this unit's matters in the last K years)."""
    fields = set(criteria.get("fields") or ())
    excluded = set(criteria.get("exclude_organizations") or ())
    region = review.lead_unit(subject).region if criteria.get("other_regions") else None
    years = int(criteria.get("not_used_years") or 0)
    today = timezone.localdate()
    recent = used_since(review, subject, add_years(today, -years)) if years else set()
    already = set(review.assignments(subject).values_list("expert_id", flat=True))
    result = []
    for candidate in review.candidates(subject):
        user = candidate.user
        if candidate.conflict or user.pk in already or user.pk in recent:
            continue
        if fields and not fields & set(user.expert_profile.fields()):
            continue
        if user.organization_id in excluded:
            continue
        if region and user.organization is not None and user.organization.region == region:
            continue
        result.append(user)
    return sorted(result, key=lambda u: u.pk)


def pick(candidate_ids: list[int], needed: int, seed: int) -> list[int]:
    """The draw itself: ``needed`` of the candidates, in drawn order, from ``seed``. The same
    candidates and seed always give the same result, so a recorded draw can be replayed."""
    return random.Random(seed).sample(sorted(candidate_ids), needed)


def replays(draw: Draw) -> bool:
    """Whether the recorded draw gives the same experts and reserves when run again."""
    if draw.method != Draw.Method.RANDOM or draw.seed is None:
        return True
    needed = len(draw.drawn) + len(draw.reserves)
    return pick(draw.candidates, needed, draw.seed) == [*draw.drawn, *draw.reserves]


def _due(review, subject, due_on):
    due_on = due_on or review.default_due(subject)
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": MESSAGE_DUE_PAST})
    return due_on


def random_draw(review, subject, *, actor, count: int, reserves: int = 0, criteria=None, seed=None) -> Draw:
    """Draw ``count`` experts and ``reserves`` reserves among the eligible; with too few
    candidates a ValidationError and nothing saved."""
    criteria = dict(criteria or {})
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValidationError({"count": MESSAGE_COUNT % {"count": 1}})
    reserves = max(int(reserves or 0), 0)
    pool = [u.pk for u in eligible(review, subject, criteria)]
    needed = count + reserves
    if needed > MAX_DRAW or len(pool) < needed:
        raise ValidationError(
            {
                "count": MESSAGE_TOO_FEW_CANDIDATES
                % {"found": len(pool), "needed": needed, "count": count, "reserves": reserves}
            }
        )
    seed = secrets.randbits(48) if seed is None else int(seed)
    picked = pick(pool, needed, seed)
    return Draw.objects.create(
        subject=subject,
        method=Draw.Method.RANDOM,
        criteria={**criteria, "count": count, "reserves": reserves},
        seed=seed,
        candidates=sorted(pool),
        drawn=picked[:count],
        reserves=picked[count:],
        run_by=actor,
    )


def manual_choice(review, subject, *, actor, experts, reason: str, minimum: int, too_few) -> Draw:
    """A choice by hand, with the reason recorded (checked against the pool and conflicts)."""
    experts = list(experts or ())
    already = set(review.assignments(subject).values_list("expert_id", flat=True))
    repeated = [u for u in dict.fromkeys(experts) if u.pk in already]
    if repeated:
        raise ValidationError({"experts": [MESSAGE_ALREADY % {"expert": u} for u in repeated]})
    chosen = checked_experts(experts, review.candidates(subject), minimum=minimum, too_few=too_few)
    if not (reason or "").strip():
        raise ValidationError({"reason": MESSAGE_REASON})
    return Draw.objects.create(
        subject=subject,
        method=Draw.Method.MANUAL,
        criteria={},
        candidates=sorted(u.pk for u in eligible(review, subject, {})),
        drawn=[u.pk for u in chosen],
        reason=reason.strip(),
        run_by=actor,
    )


def choose(
    subject,
    *,
    actor,
    method=None,
    experts=(),
    reason="",
    count=None,
    reserves=0,
    criteria=None,
    seed=None,
    due_on=None,
    minimum=None,
    too_few=MESSAGE_COUNT,
    **_ignored,
):
    """Choose and invite experts for ``subject`` (start of the review, or more while it runs).
    ``minimum``: how many must be chosen now (the review's minimum when it starts, 1 after)."""
    review = review_of(subject)
    method = method or (Draw.Method.MANUAL if experts is not None else Draw.Method.RANDOM)
    minimum = review.required(subject) if minimum is None else max(minimum, 1)
    due_on = _due(review, subject, due_on)
    if method == Draw.Method.MANUAL:
        draw = manual_choice(
            review, subject, actor=actor, experts=experts, reason=reason, minimum=minimum, too_few=too_few
        )
    else:
        count = minimum if count is None else count
        if isinstance(count, int) and not isinstance(count, bool) and count < minimum:
            raise ValidationError({"count": too_few % {"count": minimum}})
        draw = random_draw(
            review, subject, actor=actor, count=count, reserves=reserves, criteria=criteria, seed=seed
        )
    users = {u.pk: u for u in expert_pool().filter(pk__in=draw.drawn)}
    invite(review, subject, [users[pk] for pk in draw.drawn], actor=actor, draw=draw, due_on=due_on)
    return draw


def invite(review, subject, users, *, actor, draw, due_on) -> list:
    """Art. 10.3, 21: each expert is asked, in the portal and by e-mail, with the deadline."""
    created = []
    for user in users:
        assignment, new = review.assignment_model.objects.get_or_create(
            **{review.subject_field: subject, "expert": user},
            defaults={"assigned_by": actor, "draw": draw, "due_on": due_on},
        )
        if new:
            assign_perm(review.permission, user, subject)
            created.append(assignment)
    if created:
        title, body = review.invitation(subject, due_on)
        notify(
            [a.expert for a in created],
            subject=title,
            body=body,
            obj=subject,
            url=subject.get_absolute_url(),
            category=Category.ASSIGNMENT,
            actor=actor,
        )
    return created


def next_reserve(review, subject, draw: Draw | None):
    """The first reserve of the draw not asked yet, still in the pool and without a conflict now."""
    if draw is None or not draw.reserves:
        return None
    asked = set(review.assignments(subject).values_list("expert_id", flat=True))
    allowed = {c.user.pk: c.user for c in review.candidates(subject) if not c.conflict}
    for pk in draw.reserves:
        if pk not in asked and pk in allowed:
            return allowed[pk]
    return None


# Side effects of the assignment transitions (inside workflow.perform's transaction) ----------


def _declined(assignment, *, actor, comment, **_ignored):
    """A decline: the expert's access ends, the next reserve in order is invited; with no reserve
    left, 科技厅 is told so that it can add an expert."""
    review = review_of(assignment)
    subject = assignment.subject
    remove_perm(review.permission, assignment.expert, subject)
    reserve = next_reserve(review, subject, assignment.draw)
    if reserve is not None:
        invite(
            review,
            subject,
            [reserve],
            actor=assignment.expert,
            draw=assignment.draw,
            due_on=assignment.due_on,
        )
        return
    text = {
        "expert": assignment.expert,
        "subject": subject,
        "reason": assignment.get_decline_reason_display(),
    }
    notify(
        role_members(Role.DEPARTMENT),
        subject=Text(_("An expert declined and no reserve is left: %(subject)s"), text),
        body=Text(
            _(
                "%(expert)s declined the review of “%(subject)s” (%(reason)s) and the draw has no reserve "
                "left. Add an expert on the review's page."
            ),
            text,
        ),
        obj=subject,
        url=subject.get_absolute_url(),
        category=Category.ASSIGNMENT,
        actor=actor,
    )
    all_in_check(subject, actor=actor)


def _withdrawn(assignment, *, actor, comment, **_ignored):
    """科技厅 withdraws an expert: the guardian permission goes at once (the expert then gets 404);
    submitted work is kept but no longer counts."""
    review = review_of(assignment)
    subject = assignment.subject
    remove_perm(review.permission, assignment.expert, subject)
    notify(
        [assignment.expert],
        subject=Text(_("You were withdrawn from a review: %(subject)s"), {"subject": subject}),
        body=Text(
            _(
                "The Department of Science and Technology withdrew your assignment on “%(subject)s”: %(reason)s"
            ),
            {"subject": subject, "reason": comment},
        ),
        category=Category.ASSIGNMENT,
        actor=actor,
    )
    all_in_check(subject, actor=actor)


def complete(assignment, *, actor) -> None:
    """The assigned expert's work is stored (the review's own service): the assignment is
    submitted, accepting first on the way when the expert declares no conflict on the form."""
    if assignment.state == AssignmentState.INVITED:
        workflow.perform(assignment, "accept", actor=actor)
    workflow.perform(assignment, "submit", actor=actor)
    all_in_check(assignment.subject, actor=actor)


def all_in_check(subject, *, actor) -> None:
    """Tell 科技厅 once every counted expert is in (and, with a 组长, ask for the group opinion)."""
    review = review_of(subject)
    if not review.all_in(subject):
        return
    notify(
        role_members(Role.DEPARTMENT),
        subject=Text(_("All expert opinions are in: %(name)s"), {"name": subject}),
        body=Text(
            _("Every assigned expert has given an opinion on “%(name)s”. It can now be decided."),
            {"name": subject},
        ),
        obj=subject,
        url=subject.get_absolute_url(),
        actor=actor,
    )
    leader = review.counted(subject).filter(is_group_leader=True).select_related("expert").first()
    if leader is not None:
        notify(
            [leader.expert],
            subject=Text(_("Please write the group opinion: %(name)s"), {"name": subject}),
            body=Text(
                _(
                    "Every expert's opinion on “%(name)s” is in. As group leader (组长), please write the group opinion."
                ),
                {"name": subject},
            ),
            obj=subject,
            url=subject.get_absolute_url() + "#group-opinion",
            category=Category.ASSIGNMENT,
            actor=actor,
        )


# The 组长 and the group opinion ----------------------------------------------------------------


def name_leader(assignment, *, actor):
    """科技厅 names one accepted (or submitted) expert 组长 of the group; the others are not."""
    review = review_of(assignment)
    subject = assignment.subject
    with transaction.atomic():
        locked = type(assignment).objects.select_for_update().get(pk=assignment.pk)
        if locked.state not in (AssignmentState.ACCEPTED, AssignmentState.SUBMITTED):
            raise ValidationError(MESSAGE_LEADER_STATE)
        if not locked.review_is_open():
            raise ValidationError(MESSAGE_REVIEW_NOT_OPEN)
        review.assignments(subject).exclude(pk=locked.pk).update(is_group_leader=False)
        type(assignment).objects.filter(pk=locked.pk).update(is_group_leader=True)
        GroupOpinion.objects.get_or_create(
            content_type=review.content_type(), object_id=subject.pk, defaults={"written_by": locked.expert}
        )
    notify(
        [locked.expert],
        subject=Text(_("You lead the expert group: %(name)s"), {"name": subject}),
        body=Text(
            _(
                "You were named group leader (组长) for “%(name)s”. Once every expert is in, write the group opinion."
            ),
            {"name": subject},
        ),
        obj=subject,
        url=subject.get_absolute_url(),
        category=Category.ASSIGNMENT,
        actor=actor,
    )
    return locked


def group_opinion(subject) -> GroupOpinion | None:
    review = review_of(subject)
    return GroupOpinion.objects.filter(content_type=review.content_type(), object_id=subject.pk).first()


def leader(subject):
    return review_of(subject).counted(subject).filter(is_group_leader=True).select_related("expert").first()


def can_edit_opinion(user, opinion) -> bool:
    from .access import is_department, is_group_leader_of_opinion

    if opinion.subject.state != type(opinion.subject).State.UNDER_REVIEW:
        return False
    if is_department(opinion, user):
        return opinion.state != GroupOpinion.State.APPROVED
    return opinion.state == GroupOpinion.State.DRAFT and is_group_leader_of_opinion(opinion, user)


def opinion_save(opinion, *, actor, conclusion="", reasons="", areas=None) -> GroupOpinion:
    """The 组长 (or 科技厅) writes the group opinion, once every counted expert is in."""
    with transaction.atomic():
        locked = GroupOpinion.objects.select_for_update().get(pk=opinion.pk)
        if not can_edit_opinion(actor, locked):
            raise ValidationError(MESSAGE_OPINION_CLOSED)
        if not review_of(locked.subject).all_in(locked.subject):
            raise ValidationError(MESSAGE_OPINION_WAIT)
        locked.conclusion = conclusion
        locked.reasons = reasons
        locked.areas = areas or {}
        locked.written_by = locked.written_by or actor
        locked.save()
    return locked


def group_problems(subject) -> list[tuple[str, str, str]]:
    """(area, area label, problems) of the approved group opinion, in Art. 21 order."""
    opinion = group_opinion(subject)
    if opinion is None or opinion.state != GroupOpinion.State.APPROVED:
        return []
    labels = dict(review_of(subject).areas)
    return [
        (area, str(labels[area]), (opinion.areas.get(area) or {}).get("problems", "").strip())
        for area in labels
        if (opinion.areas.get(area) or {}).get("problems", "").strip()
    ]


def group_opinion_text(subject) -> str:
    """The approved group opinion as the official notice quotes it (plain text, in Chinese):
    the conclusion and reasons of a consultation, the problems by area of an evaluation."""
    opinion = group_opinion(subject)
    if opinion is None or opinion.state != GroupOpinion.State.APPROVED:
        return ""
    with translation.override("zh-hans"):
        if review_of(subject).areas:
            return "\n".join(f"{label}：{problems}" for _area, label, problems in group_problems(subject))
        return f"{opinion.conclusion_label()}。{opinion.reasons.strip()}"


@workflow.condition(_("The group opinion of the 组长 has not been approved yet."))
def group_opinion_approved(subject) -> bool:
    """Where a 组长 leads the group, the decision waits for the approved group opinion."""
    if leader(subject) is None:
        return True
    opinion = group_opinion(subject)
    return opinion is not None and opinion.state == GroupOpinion.State.APPROVED


@workflow.condition(_("Not every assigned expert has given an opinion yet."))
def all_experts_in(subject) -> bool:
    """Art. 10.3, 21: every counted expert in (declined and withdrawn ones never count), and at
    least the review's minimum."""
    review = review_of(subject)
    counted = review.counted(subject).count()
    required = review.required(subject)
    if counted < required:
        raise ValidationError(MESSAGE_TOO_FEW_LEFT % {"counted": counted, "required": required})
    return review.all_in(subject)


@workflow.on(GroupOpinion, "approve")
def _opinion_approved(opinion, *, actor, **_ignored):
    GroupOpinion.objects.filter(pk=opinion.pk).update(approved_by=actor)
