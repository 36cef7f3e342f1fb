"""Rendering: a submitted draft checked and bounded, then the FFmpeg graph (overlays drawn with
Pillow, procedural music) run as a subprocess, and what FFmpeg says about a file."""
