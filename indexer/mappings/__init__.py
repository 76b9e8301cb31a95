"""Versioned Elasticsearch index templates (JSON), loaded with importlib.resources."""
