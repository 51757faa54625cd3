"""Models of the training module (see ../shared/DESIGN.md for what it will hold)."""
