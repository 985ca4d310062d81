"""Stories (same event across outlets), disputes (same parties over time), summaries."""
