"""Demo data of the expert review (both kinds): the 组长 and the approved group opinion."""

from sctic.workflow import perform

from . import services
from .reviews import review_of

PARTS = {
    "strengths": "围绕主责主业开展工作，任务完成情况较好，形成了一批标志性成果。",
    "problems": "成果转化机制有待完善，部分考核指标完成度不足。",
    "suggestions": "进一步加强产学研协同，健全成果转化收益分配机制。",
}


def write_group_opinion(subject, *, department, conclusion="support", reasons=""):
    """The first expert who submitted leads the group and writes its opinion; 科技厅 approves it.
    Call while the review runs and once every expert is in."""
    review = review_of(subject)
    leader = review.assignments(subject).filter(state="submitted").select_related("expert").first()
    if leader is None or not review.all_in(subject):
        return None
    services.name_leader(leader, actor=department)
    opinion = services.group_opinion(subject)
    if review.areas:
        data = {"areas": {area: dict(PARTS) for area, _label in review.areas}}
    else:
        data = {"conclusion": conclusion, "reasons": reasons or "专家组经认真评议，形成如下意见。"}
    opinion = services.opinion_save(opinion, actor=leader.expert, **data)
    perform(opinion, "submit", actor=leader.expert)
    perform(opinion, "approve", actor=department)
    return opinion
