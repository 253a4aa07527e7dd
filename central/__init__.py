"""central: the Zhifang server.

Entry points (nothing is created at import time):

* ``central.settings.Settings``: configuration from ``ZHIFANG_*``.
* ``central.database.make_engine(settings)`` / ``migrate(engine)``: the database.
* ``central.app.create_app(settings, engine=None)``: the FastAPI app (API + console).
* ``central.ingest.runner.run_ingest(settings, stop_event, engine=None, ready=None)``:
  one MQTT ingest worker, until ``stop_event`` is set.
* ``central.ingest.ingestor.Ingestor``: the ingest decision without MQTT (for tests).
"""
