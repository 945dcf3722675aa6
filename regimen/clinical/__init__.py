"""Clinical calculations: liver scores, CTCAE grades."""
