"""The hardware layer: small interfaces, real drivers and shipped fakes.

pinmap   the rating panel's pin map (pinmap.toml) and its loader
buttons  rating panel: debounce and one-rating policies, RatingPanel, GpioRatingPanel
fakes    FakeRatingPanel on gpiozero's MockFactory, with a fake clock
media    camera frames and microphone audio sources
camera   H.264 segments cut at keyframes: Picamera2Camera (Pi), FakeCamera
frames   BGR frames for face checks: Picamera2FrameSource (shares the recorder's camera),
         fakes ArrayFrameSource, ImageFileFrameSource
microphone  SoundDeviceMicrophone (sounddevice/PortAudio), record_clip; fakes:
         media.WavFileAudioSource, WavPlaylist
buzzer   Buzzer interface, GpioBuzzer (gpiozero), FakeBuzzer (MockFactory)
watchdog systemd sd_notify (READY/WATCHDOG/STATUS): SdNotifyWatchdog, FakeWatchdog
board/   config.txt snippet, udev rules, asound.conf for the Pi 5
"""
