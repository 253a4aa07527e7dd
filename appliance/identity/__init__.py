"""On-device identity: face and voice verification, consent first.

Modules: ``face`` (detect, align, embed, match), ``quality`` (gates with zh-CN prompts),
``liveness`` (challenge and response over frames), ``voice`` (VAD + speaker embedding),
``fusion`` (face + voice score fusion), ``consent`` and ``templates`` (recorded consent,
encrypted templates, deletion), ``desk`` (consent and deletion reported as events,
central's ``biometric_delete`` command, template sharing), ``relay`` (sealed transfers
through central, HTTP client and fake), ``evaluate`` (ROC figures on a folder of real data),
``transcribe`` (Vosk), ``biometrics`` (the touchscreen's hook on camera, microphone and
models), ``cli`` (``zhifang identity ...``). Nothing runs at import time.
"""
