"""Write operations of the notification app (one function per user-visible action)."""
