"""Test scaffolding shared by every test package (the world of a registry, the facts tests
refer to). Tests import it; bench never does."""
