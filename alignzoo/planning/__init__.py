"""Planning a run before it starts: the peak memory it will need, from the model's config."""
