"""The fonts the engine draws text with (Chinese and Latin; Arabic with Latin), and how they
were made (`make_font.py`)."""
