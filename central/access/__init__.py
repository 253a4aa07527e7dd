"""Who may call what: gates on every route, the middleware that runs them first, and
the site-scope rule the services apply (see docs/security.md for the matrix)."""
