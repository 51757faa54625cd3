"""Models of the tickets module (see ../shared/DESIGN.md for what it will hold)."""
