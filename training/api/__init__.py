"""API of the training module and the knowledge base.

- /api/v1/trainings/ (training plans with their topics);
- /api/v1/training-sessions/ (with enrol, cancel, attendance and the session's enrolments);
- /api/v1/enrolments/ (with cancel and feedback);
- /api/v1/articles/ (``?q=`` searches, best match first; with solved, history and from-ticket)
  and /api/v1/article-categories/.

Customers read their own organisation's plans and sessions, their own enrolments and the
published articles meant for them (anything else is not found); staff read everything. Who
writes is said per resource. Every write goes through ``training.services``.
"""
