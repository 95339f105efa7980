"""Read queries of the bookinglist app."""
