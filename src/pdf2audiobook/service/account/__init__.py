"""The signed-in user's own account: profile and credits."""
