"""The sandbox provider: a world file's registers answering over HTTP, late, throttled and
failing like a real provider (``fairscreen sandbox-provider serve``; docs/provider-api.md)."""
