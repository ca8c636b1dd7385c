"""Output formats: findings (text, json, sarif, github, junit) and comparison reports (table, markdown, html)."""
