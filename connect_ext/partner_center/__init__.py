"""The Partner Center layer: one HTTP client, its typed models and its typed error."""
