"""API of the reports module.

- /api/v1/reports/sla/ (SLA attainment rows, grouped as asked) and /api/v1/reports/dashboard/
  (every figure of the dashboard in one document): any signed-in user, a customer's always
  its own organisation's;
- /api/v1/archive/ (the service archive of an organisation or a project, paged): staff any,
  a customer its own (another's is not found);
- /api/v1/quality-reviews/ (list, read, write one on demand): staff read, managers and admins
  write, customers neither.

Figures come from ``reports.selectors`` and ``reports.archive``; reviews are written by
``reports.services``.
"""
