"""Peer discussion with Q&A (threads, answers, moderation); it lands with its issue."""
