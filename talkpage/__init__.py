"""Talkpage: explainer articles with a discussion under each."""

__version__ = "0.1.0"
