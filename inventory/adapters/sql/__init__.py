"""What the SQL adapters share: keyset pagination and filters, written once for every dialect."""
