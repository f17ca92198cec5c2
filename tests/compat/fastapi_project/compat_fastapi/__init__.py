"""A FastAPI application written against chanx 2.x's documented API (rooms, jobs, AsyncAPI)."""
