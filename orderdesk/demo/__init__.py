"""Demo data for trying OrderDesk: ``manage.py seed_demo`` (demo only, never production)."""
