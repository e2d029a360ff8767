"""What tests share that is not a fixture: the sandbox harness, drafting and flow helpers, keyrings, a
browser. Fixtures live in conftest.py files and are never imported from test modules."""
