"""Adapters: the ports implemented over real (and in-memory) technology."""
