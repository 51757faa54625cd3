"""The demo desk (``python manage.py seed_demo``, run by ``make run``): two customer
organisations with a delivered project each, the demo users, the emergency groups, the
warranties, inspections and a release, the training plans and knowledge base, a year of
service history and a few emails through the intake. It stands above every app and writes
through their services, except the year of history, which is written in bulk as it happened
(``demo/history/``: the services would stamp "now" and tell people)."""
