"""The ground floor every app stands on: errors, base models, write and audit helpers, API
input classes and filters, page and admin helpers, stored-file responses, PDF, feeds and the
desk's date. It imports no app of ours (checked by the layer contracts of `make lint`)."""
