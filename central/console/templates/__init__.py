"""Console templates (a package only so that wheels ship the *.html files)."""
