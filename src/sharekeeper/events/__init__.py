"""The change feed at the edge: events rendered in the API's wire shape (render.py)."""
