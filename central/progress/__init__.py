"""Progress anyone can check (进度查询): a matter's status by its 文号 and 查询码.

``service.lookup`` is the one path every caller takes (the public page, the public
JSON endpoint and the box's signed request); ``throttle`` counts lookups per address
(or box) and per 文号 in the database; ``api`` holds the thin routes. See
docs/progress.md.
"""
