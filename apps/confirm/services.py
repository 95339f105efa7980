"""Write operations of the confirm app (one function per user-visible action)."""
