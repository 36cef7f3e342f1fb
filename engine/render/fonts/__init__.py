"""The font the engine draws every text with, and how it was made (`make_font.py`)."""
