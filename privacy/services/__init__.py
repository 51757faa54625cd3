"""Personal data: export (``export``), erasure (``erasure``) and retention (``retention``)."""
