"""The IVR: menu trees, opening hours and the "file 0" message (pure)."""
