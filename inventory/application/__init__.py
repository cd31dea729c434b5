"""Use cases, their commands and the ports they run through."""
