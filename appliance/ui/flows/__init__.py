"""The desk's work, one flow per screen: sign-in, the visitor, biometrics, the procedure,
the 回执's printing and the petitioner's 进度查询.

Each flow holds the ``Desk`` (the shared state of the box: who is signed in, the
reception under way) and does what one screen asks. The flows do not know HTTP;
``appliance.ui.app`` translates.
"""
