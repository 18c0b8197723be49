"""Small utilities with no knowledge of Chat or Google: encodings and encryption."""
