"""Redis: the live state, the event log, call detail records. Every key is named in keys.py."""
