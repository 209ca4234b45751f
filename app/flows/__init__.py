"""What Birdhouse does, as plain functions over small interfaces: onboarding, invites, admin."""
