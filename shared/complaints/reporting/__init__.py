"""Reports kept as complaints change, read without scanning the table."""
