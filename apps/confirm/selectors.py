"""Read queries of the confirm app."""
