def list_queryset(qs):
    return qs.select_related("issuer").order_by("-issue_date", "-sequence", "-created_at")
