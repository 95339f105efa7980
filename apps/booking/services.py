"""Write operations of the booking app (one function per user-visible action)."""
