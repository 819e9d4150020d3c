"""M2KT — Model-to-Model Knowledge Transmission: engine library and CLI (``python -m m2kt``)."""

__version__ = "0.1.0"
