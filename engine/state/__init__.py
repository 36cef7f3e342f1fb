"""What the engine keeps: accounts and credits, sessions and their drafts, received files (and
URL fetches under the address policy), render jobs."""
