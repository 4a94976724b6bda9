"""Users: who signed in, their profile and their personal API tokens."""
