"""Mail about discussions: replies and followed articles for readers (double
opt-in for addresses without an account), held comments for moderators."""
