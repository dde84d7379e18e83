"""Dash pages, one per file; each registers itself and defines ``layout(**kwargs)`` (loaded by ``app.py``)."""
