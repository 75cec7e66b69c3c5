"""Query budgets shared by the tests that count queries."""

from __future__ import annotations

# A logged-in request saves its session when the last renewal is more than
# SESSION_RENEW_SECONDS ago (families.middleware.SessionLifetimeMiddleware: the
# idle timeout restarts), and so does the first request after a test client's
# force_login, which skips the login view: a savepoint, an UPDATE and its
# release. Most requests pay nothing; budgets allow for the renewal.
SESSION_RENEWAL_QUERIES = 3

# A staff page that shows a child's, a family's or a conversation's record
# writes one audit entry (families.audit.AuditTrailMiddleware): one INSERT.
AUDIT_QUERIES = 1

# The most queries a benchmarked page or write may take, everything included:
# session, user, view, audit entry (issue 8; bench/run.py reports the same).
PAGE_QUERY_BUDGET = 12
