"""Use cases. Every function touching tenant data takes the actor (and so its scope)."""
