"""The REST API under /api/v1: FastAPI routers per area over the same services as the CLI."""
