"""Read queries of the booking app."""
