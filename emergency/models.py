"""Models of the emergency module (see ../shared/DESIGN.md for what it will hold)."""
