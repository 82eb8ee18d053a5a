"""The web service (FastAPI) and the offline map page."""
