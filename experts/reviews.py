"""How a kind of review plugs into the one expert-review mechanism (``experts.services``).

Consultation on an intent application (Art. 10.3) and the three-year evaluation (Art. 21) both
register a ``Review``: its subject and assignment models, the guardian permission an assigned
expert holds, the parties nobody may be drawn from, the minimum number of experts, the default
deadline and the invitation text. Everything else — draws, invitations, declines and reserves,
withdrawal, counting, deadlines, the group opinion — is the same code for both."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

from .models import COUNTED_STATES, OPEN_STATES


@dataclass(frozen=True)
class Review:
    key: str  # "consultation" | "evaluation": URLs and reminder keys
    subject_model: type[Model]
    assignment_model: type[Model]
    subject_field: str  # the assignment's foreign key to the subject
    related_name: str  # the subject's reverse accessor to its assignments
    permission: str  # the guardian permission of an assigned expert
    candidates: Callable  # candidates(subject) -> list[experts.selectors.Candidate]
    minimum: Callable[[Model], int]
    default_due: Callable[[Model], date]
    invitation: Callable  # invitation(subject, due) -> (subject Text, body Text)
    lead_unit: Callable[[Model], Model]  # the unit whose region and history matter
    lead_unit_path: str  # the same unit seen from an assignment, for a filter
    decided: Callable[[Model], bool]  # the decision is taken: the unit may read the group opinion
    article: str
    areas: tuple = field(default=())  # Art. 21 areas of a group opinion; () for a conclusion
    subject_related: tuple = field(default=())  # what the subject's name is made of, for select_related

    def with_subject(self, queryset) -> QuerySet:
        """Assignments with their subject and what its name needs, in the same query."""
        return queryset.select_related(self.subject_field, *self.subject_related)

    def content_type(self) -> ContentType:
        return ContentType.objects.get_for_model(self.subject_model)

    def assignments(self, subject) -> QuerySet:
        return self.assignment_model.objects.filter(**{self.subject_field: subject})

    def counted(self, subject) -> QuerySet:
        """Only assignments neither declined nor withdrawn count (DESIGN "Expert assignments")."""
        return self.assignments(subject).filter(state__in=COUNTED_STATES)

    def pending(self, subject) -> QuerySet:
        return self.assignments(subject).filter(state__in=OPEN_STATES)

    def required(self, subject) -> int:
        # At least one expert, whatever the configured minimum (0 included): with none, "every
        # expert has answered" would hold at once and nobody would have judged the subject.
        return max(int(self.minimum(subject)), 1)

    def all_in(self, subject) -> bool:
        """Every counted assignment submitted, and at least the minimum of them."""
        counted = self.counted(subject)
        return counted.count() >= self.required(subject) and not counted.exclude(state="submitted").exists()


REVIEWS: dict[str, Review] = {}


def register(review: Review) -> Review:
    REVIEWS[review.key] = review
    return review


def review_of(obj) -> Review:
    """The review of a subject, an assignment or a subject model."""
    model = obj if isinstance(obj, type) else type(obj)
    model = model._meta.concrete_model
    for review in REVIEWS.values():
        if model in (review.subject_model, review.assignment_model):
            return review
    raise LookupError(model)
