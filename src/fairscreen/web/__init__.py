"""The HTTP edge: the app factory (``app``) to which each domain's router is mounted, the
problem-details error handlers (``problems``), the hardening middleware (``security``) and the
``serve`` command (``cli``). Routes live with their domain."""
