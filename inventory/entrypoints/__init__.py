"""The ways in: the HTTP API and the admin command line."""
