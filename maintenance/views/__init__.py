"""Pages of the maintenance module, by sub-domain."""
