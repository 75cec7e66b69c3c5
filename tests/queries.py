"""Query budgets shared by the tests that count queries."""

from __future__ import annotations

# Every request by a logged-in user saves the session again
# (SESSION_SAVE_EVERY_REQUEST, so the idle timeout restarts): a savepoint, an
# UPDATE and its release, whatever the page.
SESSION_RENEWAL_QUERIES = 3

# A staff page that shows a child's, a family's or a conversation's record
# writes one audit entry (families.audit.AuditTrailMiddleware): one INSERT.
AUDIT_QUERIES = 1
