"""The officer's touchscreen: a local FastAPI app with server-rendered pages.

``desk`` holds the state of the desk (who is signed in, the reception under way) and
turns every confirmed action into an outbox event through ``appliance.session``;
``app`` only translates HTTP into calls on the desk. ``steps`` has the procedure the
officer is guided through, ``explain`` the plain-language pages shown to the
petitioner, ``hooks`` the interfaces to biometrics and recording (with fakes).
Nothing runs at import time.
"""
