"""The hardware layer: small interfaces, real drivers and shipped fakes.

pinmap   the rating panel's pin map (pinmap.toml) and its loader
buttons  rating panel: debounce and one-rating policies, RatingPanel, GpioRatingPanel
fakes    FakeRatingPanel on gpiozero's MockFactory, with a fake clock
media    camera frames and microphone audio sources
"""
