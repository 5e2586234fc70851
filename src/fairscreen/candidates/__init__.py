"""The people screened (求職者). Every personal field is stored sealed by the vault."""
