"""Models of the notifications module (see ../shared/DESIGN.md for what it will hold)."""
