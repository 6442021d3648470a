"""The Connect simulator: what connect-openapi-client sends, answered as Connect does."""
