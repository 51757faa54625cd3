"""Models of the maintenance module (see ../shared/DESIGN.md for what it will hold)."""
