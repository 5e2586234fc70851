"""The HTTP edge: one FastAPI app to which each step's package adds its router."""
