"""Step 3's sources: one adapter interface per kind of source (``base``), reached only through
the scope's door; the sandbox serves them from a world file (``world``). Only the question asked
is stored (``models.SourceQuery``), never the answer in clear."""
