"""The sandbox: local simulators of the services the extension talks to (no account needed)."""
