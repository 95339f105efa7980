"""Write operations of the bookinglist app (one function per user-visible action)."""
