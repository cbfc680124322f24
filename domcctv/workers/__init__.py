"""Long-running loops owned by the app lifespan's task group."""
