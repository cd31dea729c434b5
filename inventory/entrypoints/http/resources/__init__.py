"""The API's resources; each module lists its routes in ``ROUTES``."""
