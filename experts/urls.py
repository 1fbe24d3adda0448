"""``/experts/``: the pool (科技厅) and the expert's own profile; the operations of a review
(draws, invitations, the group opinion) and its sessions."""

from . import pool_urls, review_urls, session_urls

app_name = "experts"
urlpatterns = [*pool_urls.urlpatterns, *review_urls.urlpatterns, *session_urls.urlpatterns]
