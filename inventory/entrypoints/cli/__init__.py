"""The ``inventory`` admin command line: the HTTP API's use cases, from a shell."""
